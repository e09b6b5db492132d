# Issue 12 (README, known gaps): a root in a confined cgroup reaching past the guard. (a) Through
# the daemon's namespaces: setns() into its private mount (and UTS) namespace, by nsfs file
# (/proc/PID/ns/*, opened with read-mode ptrace access) and by pidfd, where it could bind-mount
# over the journal socket or the files the daemon reads. (b) Through ptrace: attaching
# (PTRACE_SEIZE, /proc/PID/mem, process_vm_writev, pidfd_getfd) to a root process outside
# confined cgroups and acting through it. Both are refused and journaled and counted as tamper
# attempts. Read access (/proc/PID/status, environ: what journald reads), attaching within the
# attacker's own cgroup and below, the unconfined root's attach and namespaces the daemon shares
# with the host stay open. Only processes this scenario started are attached to; PID 1 only read.
. /scenarios/lib.sh

GUARD_CGROUP=$T/svc/guardd      # its own cgroup under a "slice", like a systemd unit
GUARD_UNIT_MEMBER=1
# Mount and UTS namespaces of its own, as a unit's (ProtectSystem=, PrivateTmp=, ProtectHostname=).
GUARD_WRAP="unshare --mount --uts --propagation slave"
mkdir -p $T/prot/sub $T/svc $T/free
policy 10-reach.json <<'JSON'
{ "version": 1, "migration": { "protect": ["/t/prot"], "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] } }
JSON
guard_start
# The victim: root, outside confined cgroups, started here (nothing else is attached to).
in-cgroup $T/free sleep 1000 & victim=$!
# Sleepers in the attacker's own cgroup and below it.
in-cgroup $T/prot sleep 1000 & same=$!
in-cgroup $T/prot/sub sleep 1000 & below=$!
# Another process with a mount namespace of its own (not the guard's).
in-cgroup $T/free unshare --mount --propagation slave sleep 1000 & other=$!
settled() { [ "$(cgroup_of $victim)" = /t/free ] && [ "$(cgroup_of $below)" = /t/prot/sub ] &&
        [ "$(readlink /proc/$other/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ]; }
i=0; while [ $i -lt 50 ] && ! settled; do sleep 0.1; i=$((i + 1)); done
check_cmd "enforcing" EPERM cg-move $T/prot $victim
check_true "the daemon has a mount namespace of its own" [ "$(readlink /proc/$GUARD_PID/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ]
# The attacker: root in a protected cgroup.
attack() { in-cgroup $T/prot "$@"; }
metric() { cgroup-guardd --metrics | sed -n "s/^cgroup_guard_tamper_refusals_total{what=\"$1\"} //p"; }

# --- a: the daemon's namespaces ---
check_cmd "setns into the daemon's mount namespace (/proc/PID/ns/mnt): EPERM" EPERM attack cg-setns /proc/$GUARD_PID/ns/mnt
check_cmd "into its UTS namespace: EPERM" EPERM attack cg-setns /proc/$GUARD_PID/ns/uts
check_cmd "both by pidfd (setns(pidfd, CLONE_NEWNS | CLONE_NEWUTS)): EPERM" EPERM attack cg-setns --pidfd $GUARD_PID mnt uts
check_cmd "its mount namespace by pidfd: EPERM" EPERM attack cg-setns --pidfd $GUARD_PID mnt
check_cmd "from its own unit's cgroup (being there is no identity): EPERM" EPERM in_unit cg-setns /proc/$GUARD_PID/ns/mnt
check_cmd "nor for root outside confined cgroups (only PID 1 and the guard): EPERM" EPERM cg-setns /proc/$GUARD_PID/ns/mnt
check_cmd "a namespace the daemon shares with the host (net): allowed" ok attack cg-setns /proc/$GUARD_PID/ns/net
check_cmd "another process's mount namespace: allowed" ok attack cg-setns /proc/$other/ns/mnt
check_cmd "by pidfd too" ok attack cg-setns --pidfd $other mnt
check_true "reported" wait_log "Refused tamper attempt: joining a namespace of cgroup-guardd" 1
check "counted: 6 refused joins" 6 "$(metric namespace)"

# --- b: attaching out of confinement ---
# process_vm_writev where the kernel has it (the hooks kernel is built without CROSS_MEMORY_ATTACH).
vm_rw=yes attaches=6
[ "$(cg-tamper vmwrite $victim)" = ENOSYS ] && vm_rw= attaches=5
check_vm() {
        if [ -n "$vm_rw" ]; then check_cmd "$@"; else ok "$1 # SKIP no process_vm_writev on this kernel"; fi
}
check_cmd "PTRACE_SEIZE of a root process outside confined cgroups: EPERM" EPERM attack cg-tamper attach $victim
check_cmd "writing its memory through /proc/PID/mem: EACCES" EACCES attack cg-tamper mem $victim
check_vm "through process_vm_writev: EPERM" EPERM attack cg-tamper vmwrite $victim
check_cmd "taking its file descriptors (pidfd_getfd): EPERM" EPERM attack cg-tamper getfd $victim
check_cmd "from below the protected cgroup: EPERM" EPERM in-cgroup $T/prot/sub cg-tamper attach $victim
check_cmd "up the tree (from /t/prot/sub to /t/prot): EPERM" EPERM in-cgroup $T/prot/sub cg-tamper attach $same
check_true "reported" wait_log "Refused tamper attempt: attaching to a process outside" 1
check "counted: every refused attach" $attaches "$(metric attach)"
# Read access stays: journald reads /proc/PID/... of every process that logs.
check_succeeds "read access: the victim's /proc/PID/environ" in-cgroup $T/prot cat /proc/$victim/environ
check_true "read access: the daemon's /proc/PID/status" in-cgroup $T/prot grep -q '^Name:' /proc/$GUARD_PID/status
check_succeeds "read access: the daemon's /proc/PID/environ" in-cgroup $T/prot cat /proc/$GUARD_PID/environ
check "read access: PID 1's executable (/proc/1/exe)" "$(readlink /proc/1/exe)" "$(in-cgroup $T/prot readlink /proc/1/exe)"
check_cmd "attaching in its own cgroup: allowed" ok attack cg-tamper attach $same
check_cmd "its memory there too" ok attack cg-tamper mem $same
check_cmd "attaching below its cgroup: allowed" ok attack cg-tamper attach $below
check_vm "process_vm_writev below its cgroup too" ok attack cg-tamper vmwrite $below
check_cmd "root outside confined cgroups may attach to the victim" ok cg-tamper attach $victim
check_cmd "and write its memory" ok cg-tamper mem $victim
check_vm "and process_vm_writev" ok cg-tamper vmwrite $victim
check "the victim is still there" running "$(running $victim)"

# --- the guard keeps working ---
in_unit kill -HUP $GUARD_PID > /dev/null
check_true "a reload (SIGHUP from its unit's cgroup)" wait_log "Policy generation 2 in force" 1 300
check_cmd "after the reload its mount namespace is still refused: EPERM" EPERM attack cg-setns /proc/$GUARD_PID/ns/mnt
check "the daemon survived all of it" running "$(running $GUARD_PID)"
check_cmd "still enforcing" EPERM cg-move $T/prot $victim
check_succeeds "cgroup-guardd --status" cgroup-guardd --status
kill $victim $same $below $other
finish
