#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon under valgrind (memcheck) through a host scenario: start, violations, reloads, a
# policy error, a generation that does not fit the map, cgroups appearing and vanishing, SIGTERM.
# Zero memory errors, zero leaks (definite, indirect, possible), no descriptor it opened left open.
. "$(dirname "$0")/lib.sh"
command -v valgrind > /dev/null || skip "valgrind is not installed"

VGLOG=$WORK/valgrind.log
GUARD_WRAPPER="valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible
        --errors-for-leak-kinds=definite,indirect,possible --track-fds=yes --error-exitcode=42
        --suppressions=$(dirname "$0")/valgrind.supp --log-file=$VGLOG"
GUARD_START_TENTHS=900
WAIT_TENTHS=100

mkdir -p "$T/prot" "$T/out"
cat > "$POLICY_DIR/10-valgrind.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/prot"] } }
JSON
# Room for the generation (17 entries: root, its children, classifier states) and not for 40 more rules.
guard_start --policy-entries-max=24

spawn sleep 1000; victim=$!
move "$T/prot" "$victim"
check_true "a violation is reported" wait_log "Violation (not prevented): migration of pid $victim"

gen=$(grep -c "Policy generation" "$LOG")
for i in $(seq 20); do
        kill -HUP "$GUARD_PID"
        wait_log "Policy generation" $((gen + i)) || break
done
check_int "20 reloads" "$(grep -c "Policy generation" "$LOG")" -ge $((gen + 20))

echo '{ "version": 1, "mode": "sometimes" }' > "$POLICY_DIR/20-bad.json"
check_true "a policy error is reported" wait_log "20-bad.json:1:25: error"
rm "$POLICY_DIR/20-bad.json"
{ printf '{ "version": 1, "migration": { "protect": ["%s/out"' "$P"
  for i in $(seq 40); do printf ', "%s/filler%d"' "$P" "$i"; done
  printf '] } }\n'; } > "$POLICY_DIR/10-valgrind.json"
check_true "a generation that does not fit is refused" wait_log "did not fit"
for i in 1 2 3 4 5; do mkdir "$T/prot/sub$i"; done
sleep 1
for i in 1 2 3 4 5; do rmdir "$T/prot/sub$i"; done
sleep 1

kill -TERM "$GUARD_PID"
wait "$GUARD_PID"; rc=$?
GUARD_PID=
check "exit status 0 after SIGTERM (valgrind found no errors)" 0 "$rc"
summary=$(grep "ERROR SUMMARY" "$VGLOG")
case "$summary" in *"ERROR SUMMARY: 0 errors"*) ok "memcheck: 0 errors" ;; *) not_ok "memcheck: $summary" ;; esac
if grep -q "All heap blocks were freed" "$VGLOG"; then
        ok "memcheck: all heap blocks freed"
else
        lost=$(grep -E "(definitely|indirectly|possibly) lost:" "$VGLOG" | grep -vc " 0 bytes in 0 blocks")
        check "memcheck: no leaks ($(grep "still reachable:" "$VGLOG" | sed 's/.*still/still/'), libraries' caches)" 0 "$lost"
fi
# Descriptors open at exit that the daemon opened itself: not inherited from the test, and not
# libsystemd's journal socket (sd_journal_send() keeps it for the process' lifetime by design).
own=$(awk '/Open (file descriptor|AF_UNIX socket)/ { if (fd != "" && !skip) print fd; fd = $0; skip = 0; next }
           /inherited from parent|sd_journal_sendv/ { skip = 1 }
           /HEAP SUMMARY/ { if (fd != "" && !skip) print fd; fd = "" }' "$VGLOG")
check "no descriptor left open at exit" "" "$own"
[ $failed = 0 ] || { echo "--- valgrind log"; cat "$VGLOG"; }
finish
