#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What a non-root caller may see (issue 21, item 6): no more than /proc shows it. The explain
# methods answer about processes running entirely under the caller's uid (whose /proc/PID/exe it
# could read) and refuse others with AccessDenied; ListRecentDenials lists a non-root caller's own
# denials only (actor of its uid); the Denied signal reaches root only. Real dbus-daemon and
# journald, observe backend.
. "$(dirname "$0")/private-ns.sh" dbus-daemon gdbus /lib/systemd/systemd-journald -- "$@"
. "$(dirname "$0")/lib.sh"

NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups --"
as_nobody() { $NOBODY "$@"; }
start_journald_and_bus
mkdir -p "$T/prot" "$T/secret-root-cgroup" "$T/deleg"
chown nobody "$T/deleg" "$T/deleg/cgroup.procs" "$T/deleg/cgroup.threads" "$T/deleg/cgroup.subtree_control"
as_nobody mkdir "$T/deleg/a" "$T/deleg/prot"
cat > "$POLICY_DIR/10-readers.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/prot", "$P/deleg/prot"] } }
JSON
guard_start --ratelimit-interval=3600
for _ in $(seq 50); do busctl --system status org.cgroupguard.Guard1 > /dev/null 2>&1 && break; sleep 0.1; done

# A process of root's with a telling executable path and cgroup, and one of nobody's.
cp /bin/sleep "$WORK/secret-root-exe"
spawn "$WORK/secret-root-exe" 1000; root_pid=$!
move "$T/secret-root-cgroup" "$root_pid"
spawn $NOBODY sleep 1000; nobody_pid=$!
move "$T/deleg/a" "$nobody_pid"
sleep 0.2

# Explain: only about one's own processes.
for call in "ExplainMigration us $root_pid $P/prot" "ExplainMove uus $nobody_pid $root_pid $P/deleg/a" \
            "ExplainMove uus $root_pid $nobody_pid $P/deleg/prot" "ExplainSetns usu $nobody_pid net $root_pid" \
            "ExplainJoin usu $root_pid net $nobody_pid" "ExplainUnshare us $root_pid net"; do
        out=$(as_nobody busctl --system call $BUS $call 2>&1); rc=$?
        check_int "nobody: ${call%% *} about root's process fails" "$rc" -ne 0
        contains "nobody: ${call%% *} about root's process: Access denied" "Access denied" "$out"
        case "$out" in *secret*) not_ok "nobody: $call names root's executable or cgroup: $out" ;; esac
done
out=$(as_nobody busctl --system call $BUS ExplainMigration us "$nobody_pid" "$P/deleg/prot" 2>&1)
check "nobody: ExplainMigration about its own process answers ($out)" 0 "$?"
out=$(as_nobody busctl --system call $BUS ExplainMove uus "$nobody_pid" "$nobody_pid" "$P/deleg/prot" 2>&1)
check "nobody: ExplainMove about its own processes answers ($out)" 0 "$?"
out=$(busctl --system call $BUS ExplainMigration us "$root_pid" "$P/prot" 2>&1)
check "root: ExplainMigration about any process ($out)" 0 "$?"
out=$(as_nobody "$CTL" explain migration --pid "$root_pid" --to "$P/prot" 2>&1); rc=$?
check_true "nobody: cgroup-guardctl explain about root's process: exit 4 ($out)" [ "$rc" = 4 ]

# Denials: one by root, one by nobody (in its delegated subtree). Each actor lives on a while, so
# the daemon reads its uid.
$NOBODY stdbuf -oL gdbus monitor --system --dest org.cgroupguard.Guard1 > "$WORK/nobody-monitor" 2>&1 &
STARTED_PIDS="$STARTED_PIDS $!"
busctl --system monitor --json=short --match "type='signal',member='Denied'" > "$WORK/root-monitor" 2>&1 &
STARTED_PIDS="$STARTED_PIDS $!"
sleep 0.5
spawn sleep 1000; root_victim=$!
bash -c "echo $root_victim > '$T/prot/cgroup.procs'; sleep 2" &
STARTED_PIDS="$STARTED_PIDS $!"
check_true "root's violation is reported" wait_log "pid $root_victim "
spawn $NOBODY sleep 1000; nobody_victim=$!
move "$T/deleg/a" "$nobody_victim"
as_nobody bash -c "echo $nobody_victim > '$T/deleg/prot/cgroup.procs'; sleep 2" &
STARTED_PIDS="$STARTED_PIDS $!"
check_true "nobody's violation is reported" wait_log "pid $nobody_victim "
# Whose denial it is comes from the kernel's record, not from /proc when the daemon reads it
# (stopped here): nobody's actor has exited by then, root's runs as nobody.
spawn $NOBODY sleep 1000; nobody_gone_victim=$!
move "$T/deleg/a" "$nobody_gone_victim"
spawn sleep 1000; root_turned_victim=$!
kill -STOP "$GUARD_PID"
as_nobody bash -c "echo $nobody_gone_victim > '$T/deleg/prot/cgroup.procs'"
bash -c "echo $root_turned_victim > '$T/prot/cgroup.procs'; exec $NOBODY sleep 1000" &
root_turned=$!
STARTED_PIDS="$STARTED_PIDS $root_turned"
for _ in $(seq 50); do [ "$(stat -c %u /proc/$root_turned)" = 65534 ] && break; sleep 0.1; done
kill -CONT "$GUARD_PID"
check_true "the violations of a gone actor and of one that changed users are reported" wait_log "pid $root_turned_victim "
wait_log "pid $nobody_gone_victim " > /dev/null
sleep 1

out=$(busctl --system call $BUS ListRecentDenials u 100 2>&1)
case "$out" in *"pid $root_victim "*"pid $nobody_victim "*) ok "root: ListRecentDenials lists both" ;; *) not_ok "root: $out" ;; esac
out=$(as_nobody busctl --system call $BUS ListRecentDenials u 100 2>&1)
case "$out" in *"pid $nobody_victim "*) ok "nobody: ListRecentDenials lists its own denial" ;; *) not_ok "nobody lacks its own: $out" ;; esac
case "$out" in *"pid $root_victim "*) not_ok "nobody: ListRecentDenials shows root's denial: $out" ;; *) ok "nobody: ListRecentDenials hides root's denial" ;; esac
case "$out" in *"pid $nobody_gone_victim "*) ok "nobody: ... and its own whose actor has exited" ;; *) not_ok "nobody lacks its own by a gone actor: $out" ;; esac
case "$out" in *"pid $root_turned_victim "*) not_ok "nobody: ListRecentDenials shows root's denial whose actor runs as nobody now" ;;
*) ok "nobody: ... but not root's whose actor runs as nobody by now" ;; esac
out=$(as_nobody "$CTL" denials 2>&1)
case "$out" in *"pid $root_victim "*) not_ok "nobody: cgroup-guardctl denials shows root's denial" ;; *"pid $nobody_victim "*) ok "nobody: cgroup-guardctl denials shows its own only" ;; *) not_ok "nobody ctl: $out" ;; esac
check_grep "root receives the Denied signal" "$WORK/root-monitor" "pid $root_victim "
check_grep "root receives nobody's Denied signal too" "$WORK/root-monitor" "pid $nobody_victim "
check_no_grep "nobody receives no Denied signal" "$WORK/nobody-monitor" "Manager.Denied"
out=$(as_nobody timeout 5 "$CTL" denials --follow 2>&1); rc=$?
check_true "nobody: denials --follow says it needs root, exit 4 ($rc: $out)" [ "$rc" = 4 ]

kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=
finish
