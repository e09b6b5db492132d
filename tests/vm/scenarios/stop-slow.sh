# Issue 12, more ways a root in a confined cgroup stopped or slowed the daemon while enforcement
# stayed (reporting and glob coverage stopped): (a) a cgroup v1 hierarchy (freezer), whose moves
# pass no migration hook, (b) its scheduling policy, CPU affinity, nice value, I/O priority and
# OOM score, (c) moving it out of its cgroup where no rule governs that move. Each is refused and
# journaled as a tamper attempt; the daemon keeps running.
. /scenarios/lib.sh

GUARD_CGROUP=$T/svc/guardd      # its own cgroup under a "slice", like a systemd unit
GUARD_UNIT_MEMBER=1
mkdir -p $T/prot $T/svc $T/free $T/free2
policy 10-stop-slow.json <<'JSON'
{ "version": 1, "migration": { "protect": ["/t/prot"], "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] } }
JSON
guard_start
sleep 1000 & victim=$!
check_cmd "enforcing" EPERM cg-move $T/prot $victim
# The attacker: root in a protected cgroup.
attack() { in-cgroup $T/prot cg-tamper "$@"; }

# --- a: a cgroup v1 freezer hierarchy ---
mkdir -p /tmp/v1 /tmp/v1b /tmp/v1c /tmp/v1d
# A refused mount leaves its v1 root to die asynchronously (RCU, then a work item). Until it is
# gone, another mount of it restarts the syscall, and a restarted fsconfig(FSCONFIG_CMD_CREATE)
# answers EBUSY without ever reaching the guard's hook: wait for the root's line in
# /proc/self/cgroup to go before the next attempt, so each attempt tests the guard.
v1_root_gone() {
        local end=$(( $(cut -d. -f1 /proc/uptime) + 60 ))
        while grep -q "^[0-9]*:$1:" /proc/self/cgroup; do
                [ "$(cut -d. -f1 /proc/uptime)" -lt $end ] || { echo "# the v1 root $1 is still there"; return 1; }
                sleep 0.2
        done
}
check_cmd "mount -t cgroup -o freezer: EPERM" EPERM attack cgroup1 /tmp/v1 freezer
v1_root_gone freezer
check_cmd "the same by fsopen/fsconfig/fsmount: EPERM" EPERM attack cgroup1 /tmp/v1b freezer fsopen
check_no_grep "no cgroup v1 controller hierarchy mounted" /proc/mounts " /tmp/v1b* cgroup "
# A named hierarchy freezes and limits nothing: systemd-nspawn mounts "none,name=systemd" for its
# containers (issue 16: system-clients failed on it). Its release agent would be a deputy run by
# the kernel as root in the root cgroup: refused, as a mount option and as a file.
check_cmd "a named hierarchy without controllers (none,name=x) stays allowed (systemd-nspawn)" ok attack cgroup1 /tmp/v1c none,name=x
check_cmd "... with a release agent (none,name=y,release_agent=...): EPERM" EPERM attack cgroup1 /tmp/v1d none,name=y,release_agent=/usr/sbin/cgroup-guardd
v1_root_gone name=y
check_cmd "... by fsopen/fsconfig: EPERM" EPERM attack cgroup1 /tmp/v1d none,name=y,release_agent=/usr/sbin/cgroup-guardd fsopen
check_cmd "writing the named hierarchy's release_agent: EPERM" EPERM attack write /tmp/v1c/release_agent /usr/sbin/cgroup-guardd
check "no release agent set" "" "$(cat /tmp/v1c/release_agent 2>&1)"
# What a mount may not bring, a remount of the allowed hierarchy may not add (a review found it:
# the kernel then ran the agent as root in the root cgroup, or froze the daemon): mount(2) with
# MS_REMOUNT and fspick() with FSCONFIG_CMD_RECONFIGURE reach the same hook.
check_cmd "remounting it with a release agent: EPERM" EPERM attack cgroup1 /tmp/v1c name=x,release_agent=/usr/sbin/cgroup-guardd remount
check_cmd "... by fspick/fsconfig: EPERM" EPERM attack cgroup1 /tmp/v1c release_agent=/usr/sbin/cgroup-guardd fspick
check "still no release agent" "" "$(cat /tmp/v1c/release_agent 2>&1)"
check_cmd "remounting it with the freezer controller: EPERM" EPERM attack cgroup1 /tmp/v1c name=x,freezer remount
check_cmd "... by fspick/fsconfig: EPERM" EPERM attack cgroup1 /tmp/v1c freezer fspick
check_no_grep "still no controller bound to it" /proc/mounts " /tmp/v1c cgroup .*freezer"
if grep -q " /tmp/v1 cgroup " /proc/mounts; then
        # Before the fix: the daemon moved into a v1 freezer cgroup (no hook sees it) and frozen.
        mkdir -p /tmp/v1/trap
        echo $GUARD_PID > /tmp/v1/trap/cgroup.procs && echo FROZEN > /tmp/v1/trap/freezer.state &&
                echo "# the daemon is frozen: $(cat /tmp/v1/trap/freezer.state)"
        echo THAWED > /tmp/v1/trap/freezer.state
        echo $GUARD_PID > /tmp/v1/cgroup.procs
        rmdir /tmp/v1/trap
fi
for m in /tmp/v1 /tmp/v1b /tmp/v1c /tmp/v1d; do while grep -q " $m cgroup " /proc/mounts; do umount $m; done; done
mkdir -p /tmp/v2
check_cmd "a cgroup2 mount stays allowed" ok in-cgroup $T/prot sh -c "mount -t cgroup2 none /tmp/v2 && echo ok"
umount /tmp/v2 2>/dev/null
check_true "reported" wait_log "Refused tamper attempt: mounting a cgroup v1 hierarchy" 3

# --- b: scheduling, nice, I/O priority, OOM score ---
oom_before=$(cat /proc/$GUARD_PID/oom_score_adj)
check_cmd "sched_setscheduler(SCHED_IDLE) on the daemon: EPERM" EPERM attack sched $GUARD_PID
check_cmd "sched_setaffinity on the daemon: EPERM" EPERM attack affinity $GUARD_PID
check_cmd "setpriority(19) on the daemon: EPERM" EPERM attack nice $GUARD_PID
check_cmd "ioprio_set(idle) on the daemon: EPERM" EPERM attack ioprio $GUARD_PID
check_cmd "its /proc/PID/oom_score_adj: EPERM" EPERM attack write /proc/$GUARD_PID/oom_score_adj 1000
check_cmd "its /proc/PID/oom_adj: EPERM" EPERM attack write /proc/$GUARD_PID/oom_adj 15
check_cmd "its /proc/PID/task/PID/oom_score_adj: EPERM" EPERM attack write /proc/$GUARD_PID/task/$GUARD_PID/oom_score_adj 1000
check "its OOM score adjustment is unchanged" "$oom_before" "$(cat /proc/$GUARD_PID/oom_score_adj)"
# The autogroup's nice value weighs the daemon's whole session; the kernel asks task_setnice
# about the writer, not the daemon (a review found it).
if [ -e /proc/$GUARD_PID/autogroup ]; then
        group_before=$(cat /proc/$GUARD_PID/autogroup)
        check_cmd "its /proc/PID/autogroup: EPERM" EPERM attack write /proc/$GUARD_PID/autogroup 19
        check "its autogroup's nice value is unchanged" "$group_before" "$(cat /proc/$GUARD_PID/autogroup)"
        # (a task of the default autogroup cannot change it: EINVAL; here the daemon is in it,
        # under systemd a unit is a session of its own)
        setsid sleep 1000 & session=$!
        check_cmd "another session's autogroup may be changed" ok attack write /proc/$session/autogroup 19
        kill $session
else
        check "no autogroups: a hooks kernel (tinyconfig)" hooks "${KERNEL%-6.12}"
fi
check "its scheduling policy too (SCHED_OTHER)" 0 "$(awk '{ print $41 }' /proc/$GUARD_PID/stat)"
check "and its nice value" 0 "$(awk '{ print $19 }' /proc/$GUARD_PID/stat)"
# PID 1, which restarts the daemon: without files (RLIMIT_NOFILE) it starts no unit, the guard's
# included; pinned and idle-scheduled beside real-time loops it is starved (a review found it).
# Tried with what it has already (harmless where let through): the hooks ask all the same.
check_cmd "prlimit(2) on PID 1 (its own limit again): EPERM" EPERM attack prlimit-same 1
check_cmd "sched_setaffinity on PID 1 (its own mask again): EPERM" EPERM attack affinity-same 1
check_cmd "... which root outside the confined cgroups may" ok cg-tamper affinity-same 1
check_cmd "on another process: allowed" ok attack sched $victim
check_cmd "nice too" ok attack nice $victim
check_cmd "ioprio too" ok attack ioprio $victim
check_cmd "another process's oom_score_adj too" ok attack write /proc/$victim/oom_score_adj 1000
check_true "reported" wait_log "Refused tamper attempt: changing the scheduling" 5
check_true "reported (PID 1's limit)" wait_log "Refused tamper attempt: setting a resource limit of cgroup-guardd, or of PID 1" 1
check_true "reported (OOM)" wait_log "Refused tamper attempt: writing the OOM score adjustment" 3

# --- c: moving it out of its cgroup, where no rule governs the move ---
sleep 1000 & other=$!
check_cmd "a move between cgroups the guard is not in stays allowed" ok in-cgroup $T/prot cg-move $T/free2 $other
check_cmd "clone3(CLONE_INTO_CGROUP) out of the guard's cgroup, from a process in it: EPERM" EPERM in_unit cg-clone3 $T/free
check_cmd "the unit's other process out of it: EPERM" EPERM in-cgroup $T/prot cg-move $T/free $UNIT_MEMBER
mkdir -p $GUARD_CGROUP/below
check_cmd "the daemon into a cgroup below its own (no file guarded there): EPERM" EPERM in-cgroup $T/prot cg-move $GUARD_CGROUP/below $GUARD_PID
check_cmd "the daemon out of its cgroup (into one the attacker may freeze): EPERM" EPERM in-cgroup $T/prot cg-move $T/free $GUARD_PID
check "it stayed in its cgroup" "/t/svc/guardd" "$(cgroup_of $GUARD_PID)"
check_true "reported" wait_log "Refused tamper attempt: moving a process out of cgroup-guardd's cgroup" 4
rmdir $GUARD_CGROUP/below 2>/dev/null

# --- d: its notifications, where the receiver reads none ---
# libsystemd's sd_notify() waits while the receiver's queue is full (net.unix.max_dgram_qlen
# datagrams: 10 here, 512 where systemd sets it): a receiver that read nothing (PID 1 slowed, or
# kept busy by everyone who may send there) held the single-threaded daemon at its next status
# or keep-alive (sd-event's watchdog sends through it too): no reload, no event, no keep-alive.
# Sent without waiting now (100 ms at most): dropped.
guard_stop
cg-tamper dgram-sink /run/cg-notify-sink 3600 > /tmp/sink.out 2>&1 & sink=$!
i=0; while ! grep -q bound /tmp/sink.out && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
export NOTIFY_SOCKET=/run/cg-notify-sink WATCHDOG_USEC=2000000 # keep-alives every 0.5 s
guard_start
unset NOTIFY_SOCKET WATCHDOG_USEC
reloads=0
for round in 1 2 3 4 5 6 7 8; do
        before=$(grep -c "generation [0-9]* in force" $LOG)
        policy 10-stop-slow.json <<JSON
{ "version": 1, "migration": { "protect": ["/t/prot", "/t/reload$round"], "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] } }
JSON
        wait_log "generation [0-9]* in force" $((before + 1)) 300 || break
        reloads=$round
done
check "eight reloads in force, with notifications nobody reads" 8 "$reloads"
check_cmd "enforcing" EPERM cg-move $T/prot $victim
kill $sink 2>/dev/null

sleep 0.3
check "the daemon survived all of it" running "$(running $GUARD_PID)"
check_cmd "still enforcing" EPERM cg-move $T/prot $victim
kill $victim $other
finish
