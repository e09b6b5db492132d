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
    "lock": [ { "cgroup": "/t/locked", "types": ["uts", "net", "mnt", "pid"] } ],
    "lock_on_entry": [ { "created_by": { "cgroup": "/t/sandboxd" }, "types": ["uts", "ipc"] } ]
  }
}
JSON
guard_start

# Targets to join: another uts/net/ipc namespace, held by a sleeping process; another mount
# namespace, by another.
unshare -u -n -i sleep 1000 & other=$!
unshare -m sleep 1000 & other_mnt=$!
sleep 0.3

# 6. a locked task cannot join or create namespaces of the locked types
check_cmd "locked: setns to another uts namespace by nsfs fd is EPERM" EPERM in-cgroup $T/locked cg-setns /proc/$other/ns/uts
check_cmd "locked: setns to another net namespace by nsfs fd is EPERM" EPERM in-cgroup $T/locked cg-setns /proc/$other/ns/net
check_cmd "locked: setns to another mnt namespace by pidfd is EPERM" EPERM in-cgroup $T/locked cg-setns --pidfd $other_mnt mnt
check_cmd "locked: setns by pidfd (uts+net) is EPERM" EPERM in-cgroup $T/locked cg-setns --pidfd $other uts net
check_cmd "locked: setns(fd, 0) to its own namespace is allowed" ok in-cgroup $T/locked cg-setns /proc/self/ns/uts
check_cmd "locked: unshare(CLONE_NEWNET) is EPERM" 1 in-cgroup $T/locked sh -c 'unshare -n true 2>/dev/null; echo $?'
check_cmd "locked: unshare(CLONE_NEWUTS) is EPERM" 1 in-cgroup $T/locked sh -c 'unshare -u true 2>/dev/null; echo $?'
check_cmd "locked: clone with CLONE_NEWNET is EPERM" 1 in-cgroup $T/locked sh -c 'unshare -n -f true 2>/dev/null; echo $?'
check_cmd "locked: a type that is not locked (ipc) still works" ok in-cgroup $T/locked cg-setns /proc/$other/ns/ipc
# /proc/PID/root leads into that process's mount namespace without a setns() (chroot there, or
# any path through it): from a task locked for mnt, read access to a process of another mount
# namespace (ptrace read mode) is refused as the join would be.
reach() { in-cgroup $1 sh -c "ls $2/ > /dev/null 2>&1 && echo ok || echo refused"; }
check_cmd "locked for mnt: another mount namespace through /proc/PID/root is refused" refused reach $T/locked /proc/$other_mnt/root
check_cmd "... through /proc/PID/cwd too" refused reach $T/locked /proc/$other_mnt/cwd
check_true "... said as reaching into it through /proc" wait_log "reaching into another mnt namespace (inode [0-9]*) through pid $other_mnt"
check_cmd "... and its other files that need read access (ns/mnt): refused" refused \
        in-cgroup $T/locked sh -c "(exec 3< /proc/$other_mnt/ns/mnt) 2> /dev/null && echo ok || echo refused"
check_cmd "locked for mnt: its own mount namespace's processes through /proc stay open" ok reach $T/locked /proc/$other/root
check_cmd "free: another mount namespace through /proc/PID/root works" ok reach $T/free /proc/$other_mnt/root
# /proc/PID/net opens that process's network namespace (no setns(), no ptrace check): from a task
# locked for net, another namespace's entries are refused as the join would be (a review found
# it: the host's sockets and routes to read, xt_recent lists to write); its own namespace's stay
# open, and so does everything for a free task.
net_read() { in-cgroup $1 sh -c "$2 > /dev/null 2>&1 && echo ok || echo refused"; }
check_cmd "locked for net: another network namespace's /proc/PID/net/dev is refused" refused net_read $T/locked "cat /proc/$other/net/dev"
check_true "... said as reaching into it through /proc/PID/net" \
        wait_log "reaching into another net namespace (inode [0-9]*) through its /proc/PID/net files"
check_cmd "... and its directories below (net/stat)" refused net_read $T/locked "ls /proc/$other/net/stat"
check_cmd "locked for net: its own namespace's (/proc/self/net/dev, /proc/1/net/dev)" ok net_read $T/locked "cat /proc/self/net/dev /proc/1/net/dev"
check_cmd "free: another network namespace's /proc/PID/net/dev" ok net_read $T/free "cat /proc/$other/net/dev"
# A sysfs mounted from another network namespace shows that one's devices, whatever namespace the
# reader is in: from a task locked for net its entries are refused as the join would be (a review
# found it: root wrote the host's interfaces' mtu and flags there); its own namespace's stay open.
mkdir -p /tmp/othersys
cg-setns /proc/$other/ns/net -- mount -t sysfs sysfs /tmp/othersys > /dev/null
check_cmd "locked for net: another network namespace's sysfs entries are refused" refused \
        net_read $T/locked "cat /tmp/othersys/class/net/lo/mtu"
check_true "... said as reaching into it through its sysfs entries" \
        wait_log "reaching into another net namespace (inode [0-9]*) through its sysfs entries"
check_cmd "... and writing them (its lo's mtu)" refused net_read $T/locked "echo 1500 > /tmp/othersys/class/net/lo/mtu"
check_cmd "... its lo's mtu unchanged" 65536 cat /tmp/othersys/class/net/lo/mtu
check_cmd "... nor listed (its net devices' names)" refused net_read $T/locked "ls /tmp/othersys/class/net"
check_cmd "locked for net: its own namespace's listed (/sys/class/net)" ok net_read $T/locked "ls /sys/class/net"
check_cmd "locked for net: its own namespace's sysfs entries (/sys/class/net/lo/mtu)" ok net_read $T/locked "cat /sys/class/net/lo/mtu"
check_cmd "free: another network namespace's sysfs entries" ok net_read $T/free "cat /tmp/othersys/class/net/lo/mtu"
umount /tmp/othersys
check_cmd "free: setns to another uts namespace works" ok in-cgroup $T/free cg-setns /proc/$other/ns/uts
check_cmd "free: setns by pidfd works" ok in-cgroup $T/free cg-setns --pidfd $other uts net
check_cmd "free: unshare(CLONE_NEWNET) works" 0 in-cgroup $T/free sh -c 'unshare -n true; echo $?'

# 7. lock on entry: the sandbox manager creates namespaces; who enters one stays
in-cgroup $T/sandboxd unshare -u -i sleep 1000 & sandbox=$!
wait_ns $sandbox uts ipc
check_cmd "a task may enter a sandbox namespace" ok in-cgroup $T/user cg-setns /proc/$sandbox/ns/uts
check_cmd "once entered, it cannot setns out again" EPERM in-cgroup $T/user cg-setns /proc/$sandbox/ns/uts -- cg-setns /proc/$other/ns/uts
check_cmd "once entered, it cannot setns back to the initial namespace" EPERM in-cgroup $T/user cg-setns /proc/$sandbox/ns/uts -- cg-setns /proc/1/ns/uts
check_cmd "once entered, it cannot create a namespace of a locked type" 1 in-cgroup $T/user cg-setns /proc/$sandbox/ns/uts -- sh -c 'unshare -u true 2>/dev/null; echo $?'
check_cmd "its children are locked too" EPERM in-cgroup $T/user cg-setns /proc/$sandbox/ns/uts -- sh -c "cg-setns /proc/1/ns/uts"
check_cmd "the lock covers the rule's types only (net is free)" ok in-cgroup $T/user cg-setns /proc/$sandbox/ns/uts -- cg-setns /proc/$other/ns/net
check_cmd "the creator may enter and leave its sandbox" ok in-cgroup $T/sandboxd cg-setns /proc/$sandbox/ns/uts -- cg-setns /proc/1/ns/uts
check_cmd "a task that never entered is free" ok in-cgroup $T/user cg-setns /proc/$other/ns/uts
# A lock is the thread's own: a process entering a sandbox from one thread would keep the others
# unlocked in the namespaces it left, sharing its files and memory (a review found it).
check_cmd "a process with other threads may not enter a sandbox" EPERM in-cgroup $T/user cg-setns --thread /proc/$sandbox/ns/uts
check_true "... said so" wait_log "entering a sandbox uts namespace (inode [0-9]*) with other threads"
check_cmd "... a namespace that is no sandbox it may" ok in-cgroup $T/user cg-setns --thread /proc/$other/ns/uts
check_cmd "... and the sandbox's creator its sandbox" ok in-cgroup $T/sandboxd cg-setns --thread /proc/$sandbox/ns/uts
# Attaching to a process (ptrace, /proc/PID/mem, pidfd_getfd) of another namespace drives it there:
# decided as a join for every type where the two differ (a review found the way around a mark).
# (Its target outside the root cgroup, an admin cgroup here, where tamper protection refuses it.)
in-cgroup $T/free unshare -u sleep 1000 & other_free=$!
sleep 0.3
mem() { echo "(exec 4<> /proc/$1/mem) 2> /dev/null && echo ok || echo refused"; }
check_cmd "once entered, it cannot attach to a process of another uts namespace (/proc/PID/mem)" refused \
        in-cgroup $T/user cg-setns /proc/$sandbox/ns/uts -- sh -c "$(mem $other_free)"
check_cmd "... a task that never entered may" ok in-cgroup $T/user sh -c "$(mem $other_free)"
kill $other_free
# The pid namespace a process's children go to counts too: driven, it forks there (a review found
# a lock on pid passed so).
in-cgroup $T/free unshare -p sleep 1000 & pid_other=$!
sleep 0.3
check_cmd "locked for pid: it cannot attach to a process whose children go to another pid namespace" refused \
        in-cgroup $T/locked sh -c "$(mem $pid_other)"
check_cmd "... a task that is not locked may" ok in-cgroup $T/free sh -c "$(mem $pid_other)"
kill $pid_other

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

# The rule ids the kernel keeps in sandbox records and task marks outlive a generation: after a
# reload that adds or removes another file's rules they must name the same rule (by position, the
# sandbox rule's id shifted: the mark named no rule and the task left its sandbox; a review found
# it).
reload() { n=$(grep -c "Policy generation .* in force" $LOG); kill -HUP $GUARD_PID; wait_log "Policy generation .* in force" $((n + 1)) 100; }
policy 05-extra.json <<'JSON'
{ "version": 1, "migration": { "protect": ["/t/free/extra"] } }
JSON
check_true "reload with a rule numbered before the sandbox rule" reload
in-cgroup $T/sandboxd unshare -u -i sleep 1000 & sandbox2=$!
wait_ns $sandbox2 uts ipc
rm -f /tmp/ns-go2 /tmp/ns-out2
mkfifo /tmp/ns-go2
in-cgroup $T/user cg-setns /proc/$sandbox2/ns/uts -- sh -c 'read x < /tmp/ns-go2; cg-setns /proc/1/ns/uts > /tmp/ns-out2' &
marked2=$!
sleep 0.3
rm $POLICY_DIR/05-extra.json
check_true "reload without it" reload
echo go > /tmp/ns-go2
wait $marked2
check_cmd "a task marked before the reload stays locked" EPERM cat /tmp/ns-out2
check_cmd "a sandbox recorded before the reload still locks who enters it" EPERM \
        in-cgroup $T/user cg-setns /proc/$sandbox2/ns/uts -- cg-setns /proc/1/ns/uts
check_cmd "... and its creator still enters and leaves it freely" ok \
        in-cgroup $T/sandboxd cg-setns /proc/$sandbox2/ns/uts -- cg-setns /proc/1/ns/uts
kill $sandbox2
wait $sandbox2 2>/dev/null

sandboxes() { bpftool map dump pinned /sys/fs/bpf/cgroup-guard/map_guard_sandbox_ns | grep -c '"key"'; }
check_int "the sandbox namespaces are recorded ($(sandboxes))" "$(sandboxes)" -ge 2
kill $other $other_mnt $sandbox
wait $sandbox 2>/dev/null
i=0
while [ $i -lt 30 ] && [ "$(sandboxes)" != 0 ]; do sleep 0.1; i=$((i + 1)); done
check "freed sandbox namespaces are forgotten" 0 "$(sandboxes)"
finish
