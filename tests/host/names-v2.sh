#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Policy language v2 names (issue 17) on every channel, on this machine (observe backend, real
# journald, real dbus-daemon, the daemon's own metrics): a sealed protect entry named "box-seal"
# with a local allow entry "box-exit", a global allow entry "admin", and an unnamed v2 entry that
# gets its default name. A move out of the seal by the allowed admin is a violation of "box-seal"
# (the seal wins over the global allow), and that name is what the journal fields and sentence,
# the Denied signal, ListRecentDenials, ExplainMove, cgroup-guardctl explain, rules, metrics (file and
# D-Bus) and show (from the pins) say; the local allow entry lets the move to its "to" through.
. "$(dirname "$0")/private-ns.sh" dbus-daemon /lib/systemd/systemd-journald -- "$@"
. "$(dirname "$0")/lib.sh"
DENIAL_ID=e8540ee91e3f4008a0c051b6c2107e76

start_journald_and_bus
PROM=$WORK/metrics/cgroup-guard.prom
mkdir -p "$WORK/metrics" "$T/admin" "$T/box/a" "$T/out" "$T/exit" "$T/plain"
cat > "$POLICY_DIR/10-names.json" <<JSON
{ "version": 2,
  "migration": {
    "protect": [ { "name": "box-seal", "cgroup": "$P/box", "seal": true,
                   "allow": [ { "name": "box-exit", "cgroup": "$P/admin", "to": ["$P/exit"] } ] } ],
    "allow": [ { "name": "admin", "cgroup": "$P/admin" } ] } }
JSON
cat > "$POLICY_DIR/20-default.json" <<JSON
{ "version": 2, "migration": { "protect": [ { "cgroup": "$P/plain" } ] } }
JSON
guard_start --metrics-file "$PROM" --metrics-interval 1
for _ in $(seq 50); do busctl --system status org.cgroupguard.Guard1 > /dev/null 2>&1 && break; sleep 0.1; done

rules=$(busctl --system get-property $BUS Rules)
for name in '"box-seal"' '"box-exit"' '"admin"' '"20-default.json:protect/0"'; do
        case "$rules" in *"$name"*) ok "D-Bus Rules has $name" ;; *) not_ok "D-Bus Rules lacks $name: $rules" ;; esac
done
"$CTL" rules --no-legend > "$WORK/rules" 2>&1
check_grep_all "cgroup-guardctl rules names them" "$WORK/rules" "^box-seal " "^box-exit "

# The admin: a shell of ours in $P/admin that moves tasks when told (a line "PID CGROUP" on its fifo).
mkfifo "$WORK/admin.fifo"
spawn bash -c 'echo $$ > "$1/cgroup.procs"; exec 3<> "$2"; while read -r pid dst <&3; do echo "$pid" > "$dst/cgroup.procs"; echo done > "$3.$pid.$(basename "$dst")"; done' \
        admin "$T/admin" "$WORK/admin.fifo" "$WORK/moved"
admin=$!
for _ in $(seq 50); do grep -qx "0::$P/admin" /proc/$admin/cgroup && break; sleep 0.1; done
admin_move() { # PID CGROUP: the admin moves PID to CGROUP, waits until it wrote
        echo "$1 $2" > "$WORK/admin.fifo"
        for _ in $(seq 50); do [ -e "$WORK/moved.$1.$(basename "$2")" ] && return 0; sleep 0.1; done
        return 1
}
spawn sleep 1000; victim=$!
spawn sleep 1000; leaver=$!
admin_move $victim "$T/box/a"
admin_move $leaver "$T/box/a"
check_grep "the admin puts tasks into the sealed subtree" /proc/$victim/cgroup -x "0::$P/box/a"

out=$(busctl --system call $BUS ExplainMove uus $admin $victim "$P/out")
case "$out" in 'sss "deny" "box-seal"'*) ok "ExplainMove: out of the seal, by the allowed admin: deny by box-seal" ;; *) not_ok "ExplainMove out: $out" ;; esac
out=$(busctl --system call $BUS ExplainMove uus $admin $victim "$P/exit")
case "$out" in 'sss "allow" "box-exit"'*) ok "ExplainMove: to the local allow entry's destination: allowed by box-exit" ;; *) not_ok "ExplainMove exit: $out" ;; esac
out=$("$CTL" explain migration --actor $admin --pid $victim --to "$P/out"); rc=$?
check "cgroup-guardctl explain: denied by box-seal (exit 1)" "1 denied by box-seal" "$rc ${out%%: *}"

busctl --system monitor --json=short --match "type='signal',interface='org.cgroupguard.Guard1.Manager',member='Denied'" > "$WORK/monitor" 2>&1 &
STARTED_PIDS="$STARTED_PIDS $!"
sleep 0.5
admin_move $victim "$T/out"
admin_move $leaver "$T/exit"
for _ in $(seq 50); do journalctl -o json MESSAGE_ID=$DENIAL_ID | grep -q "\"CGROUP_GUARD_TASK_PID\":\"$victim\"" && break; sleep 0.1; done
journalctl -o json MESSAGE_ID=$DENIAL_ID > "$WORK/entries"
entry=$(grep "\"CGROUP_GUARD_TASK_PID\":\"$victim\"" "$WORK/entries")
for field in '"CGROUP_GUARD_RULE":"box-seal"' '"CGROUP_GUARD_POLICY":"10-names.json"' "\"CGROUP_GUARD_SRC_CGROUP\":\"$P/box/a\"" \
             "\"CGROUP_GUARD_DST_CGROUP\":\"$P/out\"" "\"CGROUP_GUARD_ACTOR_CGROUP\":\"$P/admin\"" "rule 'box-seal' in 10-names.json"; do
        case "$entry" in *"$field"*) ok "journal: $field" ;; *) not_ok "journal lacks $field: $entry" ;; esac
done
check_no_grep "the move to the local allow entry's destination is not reported" "$WORK/entries" "\"CGROUP_GUARD_TASK_PID\":\"$leaver\""
for _ in $(seq 30); do grep -q '"member":"Denied"' "$WORK/monitor" && break; sleep 0.1; done
check_grep "the Denied signal names box-seal" <(grep '"member":"Denied"' "$WORK/monitor") '"box-seal"'
check_grep "ListRecentDenials names box-seal" <(busctl --system call $BUS ListRecentDenials u 10) "box-seal"

SERIES='cgroup_guard_violations_total{kind="migration",policy="10-names.json",rule="box-seal"} 1'
for _ in $(seq 100); do grep -qxF "$SERIES" "$PROM" 2> /dev/null && break; sleep 0.1; done
check_grep "metrics file: rule=\"box-seal\"" "$PROM" -xF "$SERIES"
check_grep "cgroup-guardctl metrics (D-Bus): rule=\"box-seal\"" <("$CTL" metrics) -xF "$SERIES"
CGROUP_GUARDD=$DAEMON "$CTL" show "$P/box/a" --bpffs-dir "$PIN" > "$WORK/show" 2>&1
check_grep "cgroup-guardctl show (from the pins) names box-seal" "$WORK/show" "Protect: box-seal"

finish
