# Scenarios 6-7: the namespace lock and lock on entry. (protect_self is off so bpftool can look at
# the sandbox map for the cleanup check.)
. /scenarios/lib.sh

mkdir -p $T/locked $T/free $T/sandboxd $T/user
policy 10-namespaces.json <<'JSON'
{
  "version": 1,
  "protect_self": false,
  "migration": { "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] },
  "namespaces": {
    "lock": [ { "cgroup": "/t/locked", "types": ["uts", "net", "mnt"] } ],
    "lock_on_entry": [ { "created_by": { "cgroup": "/t/sandboxd" }, "types": ["uts", "ipc"] } ]
  }
}
JSON
guard_start

# Targets to join: another uts/net/mnt namespace, held by a sleeping process.
unshare -u -n -m sleep 1000 & other=$!
sleep 0.3

# 6. a locked task cannot join or create namespaces of the locked types
check_cmd "locked: setns to another uts namespace by nsfs fd is EPERM" EPERM in-cgroup $T/locked cg-setns /proc/$other/ns/uts
check_cmd "locked: setns to another net namespace by nsfs fd is EPERM" EPERM in-cgroup $T/locked cg-setns /proc/$other/ns/net
check_cmd "locked: setns to another mnt namespace by nsfs fd is EPERM" EPERM in-cgroup $T/locked cg-setns /proc/$other/ns/mnt
check_cmd "locked: setns by pidfd (uts+net) is EPERM" EPERM in-cgroup $T/locked cg-setns --pidfd $other uts net
check_cmd "locked: setns(fd, 0) to its own namespace is allowed" ok in-cgroup $T/locked cg-setns /proc/self/ns/uts
check_cmd "locked: unshare(CLONE_NEWNET) is EPERM" 1 in-cgroup $T/locked sh -c 'unshare -n true 2>/dev/null; echo $?'
check_cmd "locked: unshare(CLONE_NEWUTS) is EPERM" 1 in-cgroup $T/locked sh -c 'unshare -u true 2>/dev/null; echo $?'
check_cmd "locked: clone with CLONE_NEWNET is EPERM" 1 in-cgroup $T/locked sh -c 'unshare -n -f true 2>/dev/null; echo $?'
check_cmd "locked: a type that is not locked (ipc) still works" ok in-cgroup $T/locked cg-setns /proc/$other/ns/ipc
check_cmd "free: setns to another uts namespace works" ok in-cgroup $T/free cg-setns /proc/$other/ns/uts
check_cmd "free: setns by pidfd works" ok in-cgroup $T/free cg-setns --pidfd $other uts net
check_cmd "free: unshare(CLONE_NEWNET) works" 0 in-cgroup $T/free sh -c 'unshare -n true; echo $?'

# 7. lock on entry: the sandbox manager creates namespaces; who enters one stays
in-cgroup $T/sandboxd unshare -u -i sleep 1000 & sandbox=$!
sleep 0.5
check_cmd "a task may enter a sandbox namespace" ok in-cgroup $T/user cg-setns /proc/$sandbox/ns/uts
check_cmd "once entered, it cannot setns out again" EPERM in-cgroup $T/user cg-setns /proc/$sandbox/ns/uts -- cg-setns /proc/$other/ns/uts
check_cmd "once entered, it cannot setns back to the initial namespace" EPERM in-cgroup $T/user cg-setns /proc/$sandbox/ns/uts -- cg-setns /proc/1/ns/uts
check_cmd "once entered, it cannot create a namespace of a locked type" 1 in-cgroup $T/user cg-setns /proc/$sandbox/ns/uts -- sh -c 'unshare -u true 2>/dev/null; echo $?'
check_cmd "its children are locked too" EPERM in-cgroup $T/user cg-setns /proc/$sandbox/ns/uts -- sh -c "cg-setns /proc/1/ns/uts"
check_cmd "the lock covers the rule's types only (net is free)" ok in-cgroup $T/user cg-setns /proc/$sandbox/ns/uts -- cg-setns /proc/$other/ns/net
check_cmd "the creator may enter and leave its sandbox" ok in-cgroup $T/sandboxd cg-setns /proc/$sandbox/ns/uts -- cg-setns /proc/1/ns/uts
check_cmd "a task that never entered is free" ok in-cgroup $T/user cg-setns /proc/$other/ns/uts

check_true "namespace denials are logged with the rule" wait_log "locked into their namespaces by rule '10-namespaces.json:lock/0' in 10-namespaces.json" 3
check_true "lock-on-entry denials name the sandbox rule" wait_log "entered a sandbox namespace created from /t/sandboxd" 1

# A load over the pinned state maps (an upgrade: nothing to adopt, here because the build record
# is gone) keeps what the old programs recorded: their sandbox still locks who enters it, and a
# task they marked stays locked, children included (the programs skip sandbox and mark lookups
# only while their own maps start empty: guard_seen_* in bpf/guard-policy.bpf.h).
rm -f /tmp/ns-go /tmp/ns-marked
mkfifo /tmp/ns-go
in-cgroup $T/user cg-setns /proc/$sandbox/ns/uts -- sh -c 'read x < /tmp/ns-go; cg-setns /proc/1/ns/uts > /tmp/ns-marked' &
marked=$!
sleep 0.3
guard_stop
rm /sys/fs/bpf/cgroup-guard/map_guard_meta
guard_start
check_no_grep "reload over reused maps: a new load, not an adoption" $LOG "adopted from pins"
check_cmd "after a new load, the old sandbox still locks who enters it" EPERM in-cgroup $T/user cg-setns /proc/$sandbox/ns/uts -- cg-setns /proc/$other/ns/uts
echo go > /tmp/ns-go
wait $marked
check_cmd "after a new load, a task marked before (its child) stays locked" EPERM cat /tmp/ns-marked
check_cmd "after a new load, a task that never entered is free" ok in-cgroup $T/user cg-setns /proc/$other/ns/uts

sandboxes() { bpftool map dump pinned /sys/fs/bpf/cgroup-guard/map_guard_sandbox_ns | grep -c '"key"'; }
check_int "the sandbox namespaces are recorded ($(sandboxes))" "$(sandboxes)" -ge 2
kill $other $sandbox
wait $sandbox 2>/dev/null
i=0
while [ $i -lt 30 ] && [ "$(sandboxes)" != 0 ]; do sleep 0.1; i=$((i + 1)); done
check "freed sandbox namespaces are forgotten" 0 "$(sandboxes)"
finish
