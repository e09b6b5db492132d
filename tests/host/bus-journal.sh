#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The admin's side on this machine: a real systemd-journald (private mount namespace, tmpfs /run,
# so sd_journal_send() reaches it) and a real dbus-daemon (own config and socket). Asserts the
# journal entries (read back with journalctl), the D-Bus API (busctl), access control, rate limits.
. "$(dirname "$0")/private-ns.sh" dbus-daemon /lib/systemd/systemd-journald -- "$@"
. "$(dirname "$0")/lib.sh"

DENIAL_ID=e8540ee91e3f4008a0c051b6c2107e76
SUPPRESSED_ID=9dbe950c2342421198bae95a4035b39d
STARTED_ID=b434a8df4b514eae9959c754ee877501
POLICY_ERROR_ID=86c95865b4954a588471ba835789a773

start_journald_and_bus

mkdir -p "$T/prot" "$T/out" "$T/storm"
cat > "$POLICY_DIR/10-bus.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/prot", "$P/storm"] } }
JSON
guard_start --ratelimit-interval=3600
for _ in $(seq 50); do busctl --system status org.cgroupguard.Guard1 > /dev/null 2>&1 && break; sleep 0.1; done

# Journal: start-up entry
check_grep "journal: start-up entry with the backend" <(journalctl -o json MESSAGE_ID=$STARTED_ID) '"CGROUP_GUARD_BACKEND":"observe"'

check_grep "journal: guarantees entry with the missing ones" <(journalctl -o json MESSAGE_ID=1396fa51003545cb8f7251261ab81e97) '"CGROUP_GUARD_MISSING":'

# D-Bus: introspection and properties
busctl --system introspect org.cgroupguard.Guard1 /org/cgroupguard/Guard1 > "$WORK/introspect" 2>&1
for member in org.cgroupguard.Guard1.Manager ExplainMigration Denied; do
        check_grep "busctl introspect shows $member" "$WORK/introspect" "$member"
done
check "property Backend" 's "observe"' "$(busctl --system get-property $BUS Backend)"
check "property Mode" 's "policy"' "$(busctl --system get-property $BUS Mode)"
check "property PolicyGeneration" "t 1" "$(busctl --system get-property $BUS PolicyGeneration)"
check_grep "property PolicyFiles" <(busctl --system get-property $BUS PolicyFiles) "10-bus.json"
check_grep "property Rules" <(busctl --system get-property $BUS Rules) "10-bus.json:protect/0"
check_grep "property MissingGuarantees" <(busctl --system get-property $BUS MissingGuarantees) "not preventing"

# A real violation: one journal entry with every field, one Denied signal.
busctl --system monitor --json=short --match "type='signal',interface='org.cgroupguard.Guard1.Manager',member='Denied'" > "$WORK/monitor" 2>&1 &
MONITOR_PID=$!
STARTED_PIDS="$STARTED_PIDS $MONITOR_PID"
# busctl says so once it is a monitor (BecomeMonitor done): from then on no signal is missed.
for _ in $(seq 100); do grep -q "Monitoring bus message stream" "$WORK/monitor" && break; sleep 0.1; done
spawn sleep 1000; victim=$!
# Its name is read at the move: under load the fork may not have exec'd sleep yet.
for _ in $(seq 50); do [ "$(cat /proc/$victim/comm 2>/dev/null)" = sleep ] && break; sleep 0.1; done
move "$T/prot" "$victim"
for _ in $(seq 30); do journalctl -o json MESSAGE_ID=$DENIAL_ID | grep -q "\"CGROUP_GUARD_TASK_PID\":\"$victim\"" && break; sleep 0.1; done
journalctl -o json MESSAGE_ID=$DENIAL_ID > "$WORK/entries"
check "journal: exactly one entry for the violation" 1 "$(grep -c "\"CGROUP_GUARD_TASK_PID\":\"$victim\"" "$WORK/entries")"
entry=$(grep "\"CGROUP_GUARD_TASK_PID\":\"$victim\"" "$WORK/entries")
for field in '"CGROUP_GUARD_ACTION":"observed"' '"CGROUP_GUARD_KIND":"migration"' '"CGROUP_GUARD_RULE":"10-bus.json:protect/0"' \
             '"CGROUP_GUARD_POLICY":"10-bus.json"' '"CGROUP_GUARD_GENERATION":"1"' '"CGROUP_GUARD_BACKEND":"observe"' \
             "\"CGROUP_GUARD_ACTOR_PID\":\"$$\"" "\"CGROUP_GUARD_ACTOR_COMM\":\"$(cat /proc/$$/comm)\"" '"CGROUP_GUARD_ACTOR_EXE":"' \
             '"CGROUP_GUARD_ACTOR_CGROUP":"/"' '"CGROUP_GUARD_SRC_CGROUP":"/"' "\"CGROUP_GUARD_DST_CGROUP\":\"$P/prot\"" \
             '"PRIORITY":"4"' "\"MESSAGE\":\"Violation (not prevented): migration of pid $victim (sleep) from / to $P/prot"; do
        case "$entry" in
        *"$field"*) ok "journal field $field" ;;
        *) not_ok "journal field $field missing in: $entry" ;;
        esac
done
for _ in $(seq 30); do grep -q '"member":"Denied"' "$WORK/monitor" && break; sleep 0.1; done
sleep 0.3
check "one Denied signal" 1 "$(grep -c '"member":"Denied"' "$WORK/monitor")"
check_grep "the signal carries the destination" <(grep '"member":"Denied"' "$WORK/monitor") "$P/prot"
check_grep "ListRecentDenials has it" <(busctl --system call $BUS ListRecentDenials u 10) "pid $victim"

# Explanations, for everyone; changes, for root only (the daemon checks too).
out=$(busctl --system call $BUS ExplainMigration us $$ "$P/prot")
case "$out" in 'bss false "10-bus.json:protect/0"'*) ok "ExplainMigration names the rule" ;; *) not_ok "ExplainMigration: $out" ;; esac
out=$(busctl --system call $BUS ExplainMigration us $$ "$P/out")
case "$out" in 'bss true ""'*) ok "ExplainMigration allows unrelated moves" ;; *) not_ok "ExplainMigration: $out" ;; esac
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
check "non-root may read properties" 's "observe"' "$(nobody busctl --system get-property $BUS Backend 2>&1)"
setpriv --reuid=65534 --regid=65534 --clear-groups sleep 1000 & own=$!
STARTED_PIDS="$STARTED_PIDS $own"
sleep 0.1
nobody busctl --system call $BUS ExplainMigration us $own "$P/prot" > /dev/null 2>&1
check "non-root may ask for explanations about its own processes (exit status)" 0 "$?"
nobody busctl --system call $BUS ExplainMigration us $$ "$P/prot" > /dev/null 2>&1
check_int "non-root may not ask about root's processes (exit status)" "$?" -ne 0
out=$(nobody busctl --system call $BUS SetMode s audit 2>&1)
case "$out" in *"Access denied"*|*AccessDenied*) ok "non-root SetMode: AccessDenied" ;; *) not_ok "non-root SetMode: $out" ;; esac
out=$(nobody busctl --system call $BUS Reload 2>&1)
case "$out" in *"Access denied"*|*AccessDenied*) ok "non-root Reload: AccessDenied" ;; *) not_ok "non-root Reload: $out" ;; esac
check "mode unchanged by the refused call" 's "policy"' "$(busctl --system get-property $BUS Mode)"
for bad in "pid 0:ExplainMigration us 0 /x" "huge pid:ExplainMigration us 4000000000 /x" "relative cgroup:ExplainMigration us 1 relative" \
           "bad mode:SetMode s permissive" "bad type:ExplainSetns usu 1 network 1"; do
        out=$(busctl --system call $BUS ${bad#*:} 2>&1)
        case "$out" in *"Invalid"*|*"No process"*|*"Unknown"*|*"not a process"*) ok "bad arguments (${bad%%:*}) get a clear error" ;; *) not_ok "${bad%%:*}: $out" ;; esac
done
busctl --system call $BUS SetMode s audit > /dev/null
check "root SetMode audit" 's "audit"' "$(busctl --system get-property $BUS Mode)"
busctl --system call $BUS SetMode s policy > /dev/null
check "root SetMode policy" 's "policy"' "$(busctl --system get-property $BUS Mode)"
gen=$(busctl --system get-property $BUS PolicyGeneration | cut -d' ' -f2)
busctl --system call $BUS Reload > /dev/null
check_int "root Reload makes a new generation" "$(busctl --system get-property $BUS PolicyGeneration | cut -d' ' -f2)" -gt "$gen"

# cgroup-guardctl speaks the same API.
check_grep "cgroup-guardctl status" <("$CTL" status) "observe backend, NOT preventing"
"$CTL" status --json > "$WORK/status.json"
check_grep "cgroup-guardctl status --json" "$WORK/status.json" '"backend":"observe"'
check_true "cgroup-guardctl status --json is valid JSON" python3 -m json.tool "$WORK/status.json"
out=$("$CTL" explain migration --pid $$ --to "$P/prot"); rc=$?
check "cgroup-guardctl explain migration (denied, exit 1)" "1 denied by 10-bus.json:protect/0" "$rc ${out%%: *}"
"$CTL" explain migration --pid $$ --to "$P/out" > /dev/null
check "cgroup-guardctl explain migration (allowed, exit 0)" 0 "$?"
check_grep "cgroup-guardctl explain setns" <("$CTL" explain setns --pid $$ --type net --target-pid 1) "^allowed"
check_grep "cgroup-guardctl denials" <("$CTL" denials -n 5) "pid $victim (sleep)"
"$CTL" mode audit
check "cgroup-guardctl mode audit" 's "audit"' "$(busctl --system get-property $BUS Mode)"
"$CTL" mode policy
check "cgroup-guardctl mode policy" 's "policy"' "$(busctl --system get-property $BUS Mode)"
check_true "cgroup-guardctl reload" "$CTL" reload
out=$(nobody "$CTL" mode audit 2>&1); rc=$?
check_int "cgroup-guardctl as non-root: fails" "$rc" -ne 0
check "cgroup-guardctl as non-root: one clear line ($out)" 1 "$(echo "$out" | wc -l)"
out=$("$CTL" explain migration --pid 0 --to /x 2>&1); rc=$?
check_int "cgroup-guardctl rejects pid 0: fails" "$rc" -ne 0
check_grep "cgroup-guardctl rejects pid 0 ($out)" <(echo "$out") "not a process\|Invalid pid\|needs --pid"

# A policy error: its own journal entry with the position, and LastPolicyError.
echo '{ "version": 1, "mode": "sometimes" }' > "$POLICY_DIR/20-bad.json"
for _ in $(seq 30); do journalctl -o json MESSAGE_ID=$POLICY_ERROR_ID | grep -q "20-bad.json:1:25: error" && break; sleep 0.1; done
check_grep "journal: policy error with position" <(journalctl -o json MESSAGE_ID=$POLICY_ERROR_ID) "20-bad.json:1:25: error: unknown mode"
check_grep "LastPolicyError" <(busctl --system get-property $BUS LastPolicyError) "20-bad.json:1:25"
rm "$POLICY_DIR/20-bad.json"

# A storm of 10,000 identical violations: a handful of entries, one summary, exact counters.
before=$(busctl --system get-property $BUS Denials | cut -d' ' -f2)
signals_before=$(grep -c '"member":"Denied"' "$WORK/monitor")
spawn sleep 1000; storm=$!
move "$T/storm" "$storm"
bash -c "for i in \$(seq 5000); do echo $storm > $T/out/cgroup.procs; echo $storm > $T/storm/cgroup.procs; done"
sleep 1
after=$(busctl --system get-property $BUS Denials | cut -d' ' -f2)
lost=$(busctl --system get-property $BUS LostEvents | cut -d' ' -f2)
check "storm: the counter is exact (10001)" 10001 "$((after - before))"
echo "# storm: $((after - before)) violations counted, $lost events lost"
kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=
kill "$MONITOR_PID" 2>/dev/null
storm_entries=$(journalctl -o json MESSAGE_ID=$DENIAL_ID | grep -c "\"CGROUP_GUARD_TASK_PID\":\"$storm\"")
check_int "storm: only $storm_entries journal entries in full" "$storm_entries" -le 15
storm_signals=$(( $(grep -c '"member":"Denied"' "$WORK/monitor") - signals_before ))
check_int "storm: only $storm_signals Denied signals" "$storm_signals" -le 15
journalctl -o json MESSAGE_ID=$SUPPRESSED_ID > "$WORK/suppressed"
total=$(grep -o '"CGROUP_GUARD_SUPPRESSED":"[0-9]*"' "$WORK/suppressed" | grep -o '[0-9]*' | awk '{ s += $1 } END { print s + 0 }')
check_int "storm: summaries account for the rest ($total suppressed)" "$((${total:-0} + storm_entries))" -ge 9990

# A policy generation that does not fit into the kernel policy map (map full, E2BIG from the
# kernel): the reload fails as a whole, the old generation stays in force, the daemon stays up.
"$DAEMON" --unload --bpffs-dir "$PIN" > /dev/null
: > "$LOG"
rm -f "$POLICY_DIR"/*.json
cat > "$POLICY_DIR/10-small.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/prot"] } }
JSON
guard_start --policy-entries-max=64
for _ in $(seq 50); do busctl --system status org.cgroupguard.Guard1 > /dev/null 2>&1 && break; sleep 0.1; done
gen=$(busctl --system get-property $BUS PolicyGeneration | cut -d' ' -f2)
fds_before=$(ls /proc/$GUARD_PID/fd | wc -l)
{ printf '{ "version": 1, "migration": { "protect": ["%s/out"' "$P"
  for i in $(seq 80); do printf ', "%s/filler%d"' "$P" "$i"; done
  printf '] } }\n'; } > "$POLICY_DIR/10-small.json.tmp"
mv "$POLICY_DIR/10-small.json.tmp" "$POLICY_DIR/10-small.json"
for _ in $(seq 50); do grep -q "did not fit" "$LOG" && break; sleep 0.1; done
check_grep "map full: the reload fails with a clear error" "$LOG" "needs [0-9]* map entries and did not fit into the kernel policy map (64 entries"
check_grep "map full: journal entry (policy error, CGROUP_GUARD_ERRNO=7)" <(journalctl -o json MESSAGE_ID=$POLICY_ERROR_ID | grep "did not fit") '"CGROUP_GUARD_ERRNO":"7"'
check_grep "map full: LastPolicyError says so" <(busctl --system get-property $BUS LastPolicyError) "did not fit"
check "map full: generation $gen stays in force" "t $gen" "$(busctl --system get-property $BUS PolicyGeneration)"
check_grep "map full: the pinned generation is still $gen (--status shows the map's size)" <("$DAEMON" --status --bpffs-dir "$PIN") "Policy: generation $gen, 1 rules, [0-9]* of 64 map entries"
spawn sleep 1000; v=$!
move "$T/out" "$v"
move "$T/prot" "$v"
for _ in $(seq 30); do journalctl -o json MESSAGE_ID=$DENIAL_ID | grep -q "\"CGROUP_GUARD_TASK_PID\":\"$v\"" && break; sleep 0.1; done
sleep 0.3
journalctl -o json MESSAGE_ID=$DENIAL_ID | grep "\"CGROUP_GUARD_TASK_PID\":\"$v\"" > "$WORK/full-entries"
check_grep "map full: the old rule still decides" "$WORK/full-entries" "\"CGROUP_GUARD_DST_CGROUP\":\"$P/prot\""
check_grep "map full: ... in generation $gen" "$WORK/full-entries" "\"CGROUP_GUARD_GENERATION\":\"$gen\""
check_no_grep "map full: nothing of the failed generation took effect" "$WORK/full-entries" "\"CGROUP_GUARD_DST_CGROUP\":\"$P/out\""
check "map full: PolicyMapSize is 64" "u 64" "$(busctl --system get-property $BUS PolicyMapSize)"
entries=$(busctl --system get-property $BUS PolicyMapEntries | cut -d' ' -f2)
check_int "map full: PolicyMapEntries ($entries) is the old generation's fill" "$entries" -gt 0
check_int "map full: ... at most the map's 64" "$entries" -le 64
check_grep "map full: cgroup-guardctl status shows the same fill" <("$CTL" status) "generation $gen ($entries of 64 map entries)"
check "map full: the dropped map left no fd behind" "$fds_before" "$(ls /proc/$GUARD_PID/fd | wc -l)"
cat > "$POLICY_DIR/10-small.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/out"] } }
JSON
for _ in $(seq 50); do [ "$(busctl --system get-property $BUS PolicyGeneration)" = "t $((gen + 1))" ] && break; sleep 0.1; done
check "map full: a policy that fits applies afterwards" "t $((gen + 1))" "$(busctl --system get-property $BUS PolicyGeneration)"
check_no_grep "map full: LastPolicyError cleared" <(busctl --system get-property $BUS LastPolicyError) "did not fit"
kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=
# A restart with another size adopts the pinned map as it is, and says so.
: > "$LOG"
guard_start
check_grep "map size: a restart with another size says the pinned one stays" "$LOG" "The pinned policy map holds 64 entries; --policy-entries-max=262144 takes effect"
kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=
finish
