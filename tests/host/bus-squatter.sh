#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 12 (a smaller gap): a squatter on org.cgroupguard.Guard1. Any root process may own the name
# while cgroup-guardd does not, or queue for it and take it when the guard restarts; answering as
# the guard, it could tell the admin the guard is unloaded, or enforcing, when it is not.
# cgroup-guardctl trusts the name's owner only once it proved to be the guard (root, and here,
# without systemd, its executable cgroup-guardd), and the shipped bus policy lets only root own
# the name. A real dbus-daemon with the shipped policy; cg-bus-squat answers Unload as the guard.
. "$(dirname "$0")/private-ns.sh" dbus-daemon /lib/systemd/systemd-journald -- "$@"
. "$(dirname "$0")/lib.sh"

SQUAT=$BUILD/tests/cg-bus-squat
NAME=org.cgroupguard.Guard1
start_journald_and_bus

# wait_output FILE TEXT: up to 10 s for TEXT as a line of FILE.
wait_output() { for _ in $(seq 100); do grep -qx "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

setpriv --reuid=65534 --regid=65534 --clear-groups "$SQUAT" $NAME > /dev/null 2>&1 & nobody=$!
STARTED_PIDS="$STARTED_PIDS $nobody"
wait $nobody
check "the bus refuses the name to a user other than root (exit 1)" 1 $?

spawn "$SQUAT" $NAME > "$WORK/squat1.out"; squatter=$!
wait_output "$WORK/squat1.out" owner
check_grep "a root squatter owns the name (no guard running)" "$WORK/squat1.out" -x owner
out=$("$CTL" unload 2>&1); rc=$?
check "unload: the squatter's answer is not trusted (exit 5, not reachable)" 5 $rc
contains "... and the admin is told who owns the name" "$NAME is owned by pid $squatter" "$out"
case "$out" in
*Removed*) not_ok "the squatter's reply was shown: $out" ;;
*) ok "the squatter's reply is not shown" ;;
esac
kill $squatter; wait $squatter 2>/dev/null

guard_start
for _ in $(seq 50); do busctl --system status $NAME > /dev/null 2>&1 && break; sleep 0.1; done
"$CTL" status --json > "$WORK/status.json" 2> "$WORK/status.err"
check "status: the guard itself is trusted (exit 0)" 0 $?
contains "... and answers" '"backend"' "$(cat "$WORK/status.json")"

# A restart: the squatter queued behind the guard takes the name when it goes.
spawn "$SQUAT" $NAME > "$WORK/squat2.out"; squatter=$!
wait_output "$WORK/squat2.out" queued
check_grep "a second squatter queues behind the guard" "$WORK/squat2.out" -x queued
kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=
wait_output "$WORK/squat2.out" owner
check_grep "the guard gone, the queued squatter owns the name" "$WORK/squat2.out" -x owner
out=$("$CTL" unload 2>&1); rc=$?
check "unload after the restart: not trusted (exit 5)" 5 $rc
contains "... who owns the name" "$NAME is owned by pid $squatter" "$out"
out=$("$CTL" status --json 2>&1); rc=$?
check "status --json: not trusted either (exit 5)" 5 $rc
finish
