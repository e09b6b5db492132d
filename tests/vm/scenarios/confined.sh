# Issue 12: root in a confined cgroup (neither PID 1's nor the guard's own) must not be able to
# stop the daemon or end enforcement by the routes the signal check missed (item 8) nor by
# unmounting the bpffs that holds the pins (item 3). PID 1 and the guard keep them; the guard's
# own unit's cgroup may only send SIGHUP (ExecReload=).
. /scenarios/lib.sh

PINS=/sys/fs/bpf/cgroup-guard
GUARD_CGROUP=$T/svc/guardd      # its own cgroup under a "slice", like a systemd unit
GUARD_UNIT_MEMBER=1             # and a process there besides the daemon (in_unit)
mkdir -p $T/prot $T/svc
policy 10-confined.json <<'JSON'
{ "version": 1, "migration": { "protect": ["/t/prot"], "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] } }
JSON
guard_start
sleep 1000 & victim=$!
check_cmd "enforcing" EPERM cg-move $T/prot $victim
# The attacker: root in a protected cgroup.
attack() { in-cgroup $T/prot cg-tamper "$@"; }
alive() { sleep 0.3; kill -0 $GUARD_PID 2>/dev/null; }
# Before the fixes the probes kill the daemon: start it again so the next probe has a target.
revive() { alive || { guard_start; sleep 2; }; }

# --- item 8: stopping the daemon ---
attack sigio $GUARD_PID 9 > /dev/null
check_true "SIGKILL through F_SETOWN/F_SETSIG (SIGIO) does not reach the daemon" alive
revive
attack sigio $GUARD_PID 0 > /dev/null
check_true "plain SIGIO (terminates by default) does not reach the daemon" alive
revive
check_cmd "prlimit on the daemon from a confined cgroup: EPERM" EPERM attack prlimit $GUARD_PID
check_cmd "prlimit on itself still works" ok in-cgroup $T/prot cg-tamper prlimit 0
revive
check_cmd "ptrace attach to the daemon: EPERM" EPERM attack attach $GUARD_PID
in-cgroup $T/prot readlink /proc/$GUARD_PID/exe > /tmp/out 2>&1
rc=$?
check "read-mode ptrace access (/proc/PID/exe, as journald does) is allowed (exit status, the name)" "0 cgroup-guardd" \
        "$rc $(grep -o cgroup-guardd /tmp/out | head -n 1)"
check_succeeds "/proc/PID/environ (PTRACE_MODE_READ) is readable" in-cgroup $T/prot cat /proc/$GUARD_PID/environ
check_cmd "cgroup.freeze of the daemon's cgroup: EPERM" EPERM attack write $GUARD_CGROUP/cgroup.freeze 1
check_cmd "cgroup.freeze of its parent: EPERM" EPERM attack write $T/svc/cgroup.freeze 1
check_cmd "another control file of the daemon's cgroup (cgroup.max.descendants): EPERM" EPERM attack write $GUARD_CGROUP/cgroup.max.descendants 0
# Undo what got through (before the fix) as the guard, which may.
guard_write $GUARD_CGROUP/cgroup.freeze 0 > /dev/null
guard_write $T/svc/cgroup.freeze 0 > /dev/null
guard_write $GUARD_CGROUP/cgroup.max.descendants max > /dev/null
revive
check_cmd "cgroup.kill of the daemon's cgroup: EPERM" EPERM attack write $GUARD_CGROUP/cgroup.kill 1
revive
check_cmd "cgroup.kill of its parent: EPERM" EPERM attack write $T/svc/cgroup.kill 1
check_true "the daemon survived all of it" alive
kill -0 $GUARD_PID 2>/dev/null || revive
check_cmd "the guard may freeze/thaw its cgroup" ok guard_write $GUARD_CGROUP/cgroup.freeze 0
check_cmd "another process in the guard's cgroup may not (only SIGHUP): EPERM" EPERM in_unit cg-tamper write $GUARD_CGROUP/cgroup.freeze 0
check_cmd "a cgroup the guard does not live in stays writable" ok attack write $T/prot/cgroup.freeze 0
check_true "the attempts are reported" wait_log "Refused tamper attempt: .*cgroup" 1

# --- item 3: unmounting the pins ---
links_before=$(link_ids)
check_cmd "umount of the bpffs holding the pins: EPERM" EPERM attack umount /sys/fs/bpf
check_cmd "lazy umount too: EPERM" EPERM attack umount /sys/fs/bpf detach
mkdir -p /tmp/elsewhere
check_cmd "mount --move of it: EPERM" EPERM attack move /sys/fs/bpf /tmp/elsewhere
grep -q " /sys/fs/bpf " /proc/mounts || mount -t bpf bpf /sys/fs/bpf
check "every link still attached" "$links_before" "$(link_ids)"
check_cmd "still enforcing" EPERM cg-move $T/prot $victim
# An unmount that does get through (here by the guard, standing in for a lazy unmount of a parent
# mount) frees no link while the daemon runs: it holds their fds, notices
# the pins are gone (by link id, not by the pin) and pins everything again once bpffs is back.
check_cmd "another process in the guard's cgroup may not unmount it: EPERM" EPERM in_unit cg-tamper umount /sys/fs/bpf detach
check_cmd "the guard may unmount it" ok guard_umount /sys/fs/bpf
check_cmd "pins gone, links held by the daemon: still enforcing" EPERM cg-move $T/prot $victim
mount -t bpf bpf /sys/fs/bpf
# Loading every program again (verification included) takes tens of seconds under TCG on a busy
# machine: up to 300 s only bounds a hang.
check_true "the daemon loads and pins again" wait_log "again with the $BACKEND backend" 1 3000
check_succeeds "--status reads the new pins" cgroup-guardd --status
check_cmd "still enforcing" EPERM cg-move $T/prot $victim
kill $victim
# Without pins --unload cannot find the daemon: stop it as the guard, which may.
cgroup-guardd --status > /dev/null 2>&1 || { tail -n 15 $LOG; guard_kill $GUARD_PID; }
finish
