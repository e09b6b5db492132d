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
journalctl -o json MESSAGE_ID=$STARTED_ID | grep -q '"CGROUP_GUARD_BACKEND":"observe"' && ok "journal: start-up entry with the backend" || not_ok "journal: no start-up entry"

journalctl -o json MESSAGE_ID=1396fa51003545cb8f7251261ab81e97 | grep -q '"CGROUP_GUARD_MISSING":' && ok "journal: guarantees entry with the missing ones" || not_ok "journal: no guarantees entry"

# D-Bus: introspection and properties
busctl --system introspect org.cgroupguard.Guard1 /org/cgroupguard/Guard1 > "$WORK/introspect" 2>&1
grep -q "org.cgroupguard.Guard1.Manager" "$WORK/introspect" && grep -q "ExplainMigration" "$WORK/introspect" &&
        grep -q "Denied" "$WORK/introspect" && ok "busctl introspect shows the interface" || not_ok "introspect: $(head -5 "$WORK/introspect")"
check "property Backend" 's "observe"' "$(busctl --system get-property $BUS Backend)"
check "property Mode" 's "policy"' "$(busctl --system get-property $BUS Mode)"
check "property PolicyGeneration" "t 1" "$(busctl --system get-property $BUS PolicyGeneration)"
busctl --system get-property $BUS PolicyFiles | grep -q "10-bus.json" && ok "property PolicyFiles" || not_ok "PolicyFiles"
busctl --system get-property $BUS Rules | grep -q "10-bus.json:protect/0" && ok "property Rules" || not_ok "Rules: $(busctl --system get-property $BUS Rules)"
busctl --system get-property $BUS MissingGuarantees | grep -q "not preventing" && ok "property MissingGuarantees" || not_ok "MissingGuarantees"

# A real violation: one journal entry with every field, one Denied signal.
busctl --system monitor --json=short --match "type='signal',interface='org.cgroupguard.Guard1.Manager',member='Denied'" > "$WORK/monitor" 2>&1 &
MONITOR_PID=$!
STARTED_PIDS="$STARTED_PIDS $MONITOR_PID"
# busctl says so once it is a monitor (BecomeMonitor done): from then on no signal is missed.
for _ in $(seq 100); do grep -q "Monitoring bus message stream" "$WORK/monitor" && break; sleep 0.1; done
spawn sleep 1000; victim=$!
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
grep '"member":"Denied"' "$WORK/monitor" | grep -q "$P/prot" && ok "the signal carries the destination" || not_ok "signal fields: $(head -c 600 "$WORK/monitor")"
busctl --system call $BUS ListRecentDenials u 10 | grep -q "pid $victim" && ok "ListRecentDenials has it" || not_ok "ListRecentDenials"

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
nobody busctl --system call $BUS ExplainMigration us $own "$P/prot" > /dev/null 2>&1 && ok "non-root may ask for explanations about its own processes" || not_ok "non-root explain"
nobody busctl --system call $BUS ExplainMigration us $$ "$P/prot" > /dev/null 2>&1 && not_ok "non-root may ask about root's process" || ok "non-root may not ask about root's processes"
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
busctl --system call $BUS SetMode s audit > /dev/null && [ "$(busctl --system get-property $BUS Mode)" = 's "audit"' ] &&
        ok "root SetMode audit" || not_ok "SetMode audit"
busctl --system call $BUS SetMode s policy > /dev/null && [ "$(busctl --system get-property $BUS Mode)" = 's "policy"' ] &&
        ok "root SetMode policy" || not_ok "SetMode policy"
gen=$(busctl --system get-property $BUS PolicyGeneration)
busctl --system call $BUS Reload > /dev/null && [ "$(busctl --system get-property $BUS PolicyGeneration)" != "$gen" ] &&
        ok "root Reload makes a new generation" || not_ok "Reload"

# cgroup-guardctl speaks the same API.
"$CTL" status | grep -q "observe backend, NOT preventing" && ok "cgroup-guardctl status" || not_ok "cgroup-guardctl status: $("$CTL" status 2>&1 | head -3)"
"$CTL" status --json | grep -q '"backend":"observe"' && "$CTL" status --json | python3 -m json.tool > /dev/null &&
        ok "cgroup-guardctl status --json (valid JSON)" || not_ok "status --json: $("$CTL" status --json 2>&1)"
out=$("$CTL" explain migration --pid $$ --to "$P/prot"); rc=$?
[ $rc = 1 ] && case "$out" in "denied by 10-bus.json:protect/0: "*) true ;; *) false ;; esac && ok "cgroup-guardctl explain migration (denied, exit 1)" || not_ok "explain: $rc $out"
"$CTL" explain migration --pid $$ --to "$P/out" > /dev/null && ok "cgroup-guardctl explain migration (allowed, exit 0)" || not_ok "explain allowed"
"$CTL" explain setns --pid $$ --type net --target-pid 1 | grep -q "^allowed" && ok "cgroup-guardctl explain setns" || not_ok "explain setns"
"$CTL" denials -n 5 | grep -q "pid $victim (sleep)" && ok "cgroup-guardctl denials" || not_ok "cgroup-guardctl denials"
"$CTL" mode audit && [ "$(busctl --system get-property $BUS Mode)" = 's "audit"' ] && "$CTL" mode policy && ok "cgroup-guardctl mode" || not_ok "cgroup-guardctl mode"
"$CTL" reload && ok "cgroup-guardctl reload" || not_ok "cgroup-guardctl reload"
out=$(nobody "$CTL" mode audit 2>&1); rc=$?
[ $rc != 0 ] && [ "$(echo "$out" | wc -l)" = 1 ] && ok "cgroup-guardctl as non-root: one clear line ($out)" || not_ok "non-root ctl: $out"
out=$("$CTL" explain migration --pid 0 --to /x 2>&1); rc=$?
[ $rc != 0 ] && case "$out" in *"not a process"*|*"Invalid pid"*|*"needs --pid"*) true ;; *) false ;; esac && ok "cgroup-guardctl rejects pid 0 ($out)" || not_ok "pid 0: $rc $out"

# A policy error: its own journal entry with the position, and LastPolicyError.
echo '{ "version": 1, "mode": "sometimes" }' > "$POLICY_DIR/20-bad.json"
for _ in $(seq 30); do journalctl -o json MESSAGE_ID=$POLICY_ERROR_ID | grep -q "20-bad.json:1:25: error" && break; sleep 0.1; done
journalctl -o json MESSAGE_ID=$POLICY_ERROR_ID | grep -q "20-bad.json:1:25: error: unknown mode" && ok "journal: policy error with position" || not_ok "journal: no policy error entry"
busctl --system get-property $BUS LastPolicyError | grep -q "20-bad.json:1:25" && ok "LastPolicyError" || not_ok "LastPolicyError: $(busctl --system get-property $BUS LastPolicyError)"
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
[ "$storm_entries" -le 15 ] && ok "storm: only $storm_entries journal entries in full" || not_ok "storm: $storm_entries entries"
storm_signals=$(( $(grep -c '"member":"Denied"' "$WORK/monitor") - signals_before ))
[ "$storm_signals" -le 15 ] && ok "storm: only $storm_signals Denied signals" || not_ok "storm: $storm_signals signals"
journalctl -o json MESSAGE_ID=$SUPPRESSED_ID > "$WORK/suppressed"
total=$(grep -o '"CGROUP_GUARD_SUPPRESSED":"[0-9]*"' "$WORK/suppressed" | grep -o '[0-9]*' | awk '{ s += $1 } END { print s + 0 }')
[ "$((${total:-0} + storm_entries))" -ge 9990 ] && ok "storm: summaries account for the rest ($total suppressed)" || not_ok "storm: summaries: ${total:-0} suppressed + $storm_entries"

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
grep -q "needs [0-9]* map entries and did not fit into the kernel policy map (64 entries" "$LOG" && ok "map full: the reload fails with a clear error" || not_ok "map full: $(tail -n 3 "$LOG")"
journalctl -o json MESSAGE_ID=$POLICY_ERROR_ID | grep '"CGROUP_GUARD_ERRNO":"7"' | grep -q "did not fit" && ok "map full: journal entry (policy error, CGROUP_GUARD_ERRNO=7)" || not_ok "map full: no journal entry"
busctl --system get-property $BUS LastPolicyError | grep -q "did not fit" && ok "map full: LastPolicyError says so" || not_ok "LastPolicyError: $(busctl --system get-property $BUS LastPolicyError)"
check "map full: generation $gen stays in force" "t $gen" "$(busctl --system get-property $BUS PolicyGeneration)"
"$DAEMON" --status --bpffs-dir "$PIN" | grep -q "Policy: generation $gen, 1 rules, [0-9]* of 64 map entries" && ok "map full: the pinned generation is still $gen (--status shows the map's size)" || not_ok "--status: $("$DAEMON" --status --bpffs-dir "$PIN" | grep Policy)"
spawn sleep 1000; v=$!
move "$T/out" "$v"
move "$T/prot" "$v"
for _ in $(seq 30); do journalctl -o json MESSAGE_ID=$DENIAL_ID | grep -q "\"CGROUP_GUARD_TASK_PID\":\"$v\"" && break; sleep 0.1; done
sleep 0.3
journalctl -o json MESSAGE_ID=$DENIAL_ID | grep "\"CGROUP_GUARD_TASK_PID\":\"$v\"" > "$WORK/full-entries"
grep -q "\"CGROUP_GUARD_DST_CGROUP\":\"$P/prot\"" "$WORK/full-entries" && grep -q "\"CGROUP_GUARD_GENERATION\":\"$gen\"" "$WORK/full-entries" &&
        ok "map full: the old rule still decides (generation $gen)" || not_ok "map full: the old rule is gone: $(cat "$WORK/full-entries")"
grep -q "\"CGROUP_GUARD_DST_CGROUP\":\"$P/out\"" "$WORK/full-entries" && not_ok "map full: a rule of the failed generation took effect" || ok "map full: nothing of the failed generation took effect"
check "map full: PolicyMapSize is 64" "u 64" "$(busctl --system get-property $BUS PolicyMapSize)"
entries=$(busctl --system get-property $BUS PolicyMapEntries | cut -d' ' -f2)
[ "$entries" -gt 0 ] && [ "$entries" -le 64 ] && "$CTL" status | grep -q "generation $gen ($entries of 64 map entries)" &&
        ok "map full: PolicyMapEntries ($entries) and cgroup-guardctl status show the old generation's fill" || not_ok "entries: $entries, $("$CTL" status | grep Policy)"
check "map full: the dropped map left no fd behind" "$fds_before" "$(ls /proc/$GUARD_PID/fd | wc -l)"
cat > "$POLICY_DIR/10-small.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/out"] } }
JSON
for _ in $(seq 50); do [ "$(busctl --system get-property $BUS PolicyGeneration)" = "t $((gen + 1))" ] && break; sleep 0.1; done
check "map full: a policy that fits applies afterwards" "t $((gen + 1))" "$(busctl --system get-property $BUS PolicyGeneration)"
busctl --system get-property $BUS LastPolicyError | grep -q "did not fit" && not_ok "LastPolicyError not cleared" || ok "map full: LastPolicyError cleared"
kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=
# A restart with another size adopts the pinned map as it is, and says so.
: > "$LOG"
guard_start
grep -q "The pinned policy map holds 64 entries; --policy-entries-max=262144 takes effect" "$LOG" &&
        ok "map size: a restart with another size says the pinned one stays" || not_ok "no notice: $(grep -i entries "$LOG")"
kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=
finish
