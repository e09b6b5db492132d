# Namespaces from before the lock (issue 13 item 8). pid and time namespaces take effect for a
# task's children (the *_for_children namespaces): a task that unshared one before it entered a
# locked cgroup must not fork children into it; and a time namespace a lock_on_entry creator made
# with unshare() is the sandbox (not the one the creator still runs in).
. /scenarios/lib.sh

mkdir -p $T/locked $T/free $T/sandboxd $T/user
policy 10-prelock.json <<'JSON'
{
  "version": 1,
  "protect_self": false,
  "migration": { "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] },
  "namespaces": {
    "lock": [ { "cgroup": "/t/locked", "types": ["pid", "time"] } ],
    "lock_on_entry": [ { "created_by": { "cgroup": "/t/sandboxd" }, "types": ["time"] } ]
  }
}
JSON
guard_start

# 1. Namespaces prepared before entering a locked cgroup.
check_cmd "pid unshared before the lock: a fork in the locked cgroup is EPERM" EPERM cg-unshare pid --into $T/locked --fork
check_cmd "time unshared before the lock: a fork in the locked cgroup is EPERM" EPERM cg-unshare time --into $T/locked --fork
check_cmd "a fork in the locked cgroup with nothing prepared works" ok cg-unshare --into $T/locked --fork
# setns() to a time namespace moves the task itself too (timens_install()): its own prepared one,
# joined, is no namespace it is already in (a review found it: then its forks went there too).
check_cmd "time unshared before the lock: joining it (its time_for_children) is EPERM" EPERM \
        cg-unshare time --into $T/locked --setns /proc/self/ns/time_for_children --fork
check_cmd "... joining the time namespace it runs in changes nothing: allowed (then its fork too)" ok \
        cg-unshare time --into $T/locked --setns /proc/self/ns/time --fork
# Linux 6.6 and later put the task itself into its prepared time namespace at its next exec
# (exec_task_namespaces()), not only its children (a review found it).
case $KERNEL in
*-6.12)
        check_cmd "time unshared before the lock: an exec in the locked cgroup (which would enter it) is EPERM" EPERM \
                cg-unshare time --into $T/locked -- echo ran
        check_true "... logged" wait_log "exec'ing into a time namespace prepared before the lock"
        check_cmd "... and in a cgroup without a lock works" ran cg-unshare time --into $T/free -- echo ran ;;
*)
        check_cmd "time unshared before the lock: 6.1 enters nothing at exec, which works" ran \
                cg-unshare time --into $T/locked -- echo ran ;;
esac
check_cmd "pid unshared, then a fork in a cgroup without a lock works" ok cg-unshare pid --into $T/free --fork
check_cmd "time unshared, then a fork in a cgroup without a lock works" ok cg-unshare time --into $T/free --fork
check_true "the refused fork is logged, naming the rule" \
        wait_log "forking a child into a pid namespace prepared before the lock.*rule '10-prelock.json:lock/0' in 10-prelock.json"

# 2. lock_on_entry with a time namespace made by unshare(): the creator keeps running in the
# initial time namespace; its new one (time_for_children) is the sandbox.
in-cgroup $T/sandboxd cg-unshare time --hold > /dev/null & sandbox=$!
# Until it has unshared (0.5 s was not enough on a loaded host): 10 s at most.
i=0
while [ $i -lt 100 ] && [ "$(readlink /proc/$sandbox/ns/time_for_children)" = "$(readlink /proc/1/ns/time)" ]; do
        sleep 0.1
        i=$((i + 1))
done
check_true "the creator made a time namespace (its time_for_children is not the initial one)" \
        [ "$(readlink /proc/$sandbox/ns/time_for_children)" != "$(readlink /proc/1/ns/time)" ]
check_cmd "a task may enter the time sandbox" ok in-cgroup $T/user cg-setns /proc/$sandbox/ns/time_for_children
check_cmd "once entered, it cannot setns back to the initial time namespace" EPERM \
        in-cgroup $T/user cg-setns /proc/$sandbox/ns/time_for_children -- cg-setns /proc/1/ns/time
check_cmd "joining the initial time namespace it is in locks nothing" ok \
        in-cgroup $T/user cg-setns /proc/1/ns/time -- cg-setns /proc/$sandbox/ns/time_for_children
check_cmd "the creator may enter and leave its sandbox" ok \
        in-cgroup $T/sandboxd cg-setns /proc/$sandbox/ns/time_for_children -- cg-setns /proc/1/ns/time

# 3. An upgrade whose state maps changed layout. A fresh load dropped every pinned state map when
# any one did not fit, the lock marks with them: a task locked into a sandbox went free (a review
# found it). Stand-ins: a new build (the pinned build record changed: no adoption, a fresh load)
# and a pinned map replaced by one of another value size.
PINS=/sys/fs/bpf/cgroup-guard
new_build() { bpftool map update pinned $PINS/map_guard_meta key 1 0 0 0 value 0 0 0 0 0 0 0 0; }
replace_pin() { rm -f $PINS/map_$1 && bpftool map create $PINS/map_$1 type $2 key 4 value $3 entries 16 name $1; }
# A task that entered the sandbox and waits; then it tries to leave, and says how that went in $1.
enter_and_wait() {
        rm -f /tmp/leave "$1"
        in-cgroup $T/user cg-setns /proc/$sandbox/ns/time_for_children -- sh -c \
                'while [ ! -e /tmp/leave ]; do sleep 0.1; done; cg-setns /proc/1/ns/time' > "$1" 2>&1 &
        i=0
        while [ $i -lt 100 ] && [ "$(readlink /proc/$!/ns/time)" != "$(readlink /proc/$sandbox/ns/time_for_children)" ]; do
                sleep 0.1
                i=$((i + 1))
        done
}
leave() {
        touch /tmp/leave
        i=0; while [ $i -lt 100 ] && [ ! -s "$1" ]; do sleep 0.1; i=$((i + 1)); done
        cat "$1"
}
enter_and_wait /tmp/left1
guard_stop
new_build
replace_pin guard_self array 8
guard_start
check_true "a new build over a pinned map of another layout (guard_self) starts" wait_log "Enforcing with" 2
check "... and the task it locked into the sandbox before still cannot leave" EPERM "$(leave /tmp/left1)"
enter_and_wait /tmp/left2
guard_stop
new_build
# A map at a state map's name that no pinned program uses (made by anyone while the pins were
# open to it) holds nothing the guard enforces by: it starts afresh, whatever its layout. A misfit
# there made every later start refuse, and a planted identity map would have named its planter
# the guard (a review found both).
replace_pin guard_sandbox_ns hash 16
guard_start
check_true "a map no pinned program uses at a state map's name (another layout) does not stop a start" \
        wait_log "Enforcing with" 3
check "... and the task locked into the sandbox before still cannot leave" EPERM "$(leave /tmp/left2)"
# A cold start (nothing pinned enforces): every state map starts afresh, a planted one too.
guard_stop
cgroup-guardd --unload > /dev/null 2>&1
mkdir -p $PINS
bpftool map create $PINS/map_guard_identity type hash key 4 value 8 entries 16 name guard_identity
guard_start
check "a cold start does not take a planted identity map: the guard's own is pinned" task_storage \
        "$(bpftool -j map show pinned $PINS/map_guard_identity | sed -n 's/.*"type":"\([a-z_]*\)".*/\1/p')"

kill $sandbox
finish
