#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# An allow entry that names a service holds only while the service has a unit file (PID 1 gives a
# name without one to any transient unit it is asked for: systemd-run --unit=gdm.service su -):
# --check says which entries match nothing, the daemon says so at load, and a unit file that
# comes or goes in a unit directory reloads the policy with the entry in or out. The unit file
# is this test's own (a name no package uses), removed on exit; nothing else is touched.
. "$(dirname "$0")/lib.sh"

UNIT=$TEST_CG_NAME-login.service
UNIT_FILE=/etc/systemd/system/$UNIT
TRANSIENT_DIR=/run/systemd/transient
TRANSIENT=$TRANSIENT_DIR/$UNIT
[ -d /etc/systemd/system ] || skip "no /etc/systemd/system"
made_dir=
[ -d $TRANSIENT_DIR ] || { mkdir -p $TRANSIENT_DIR && made_dir=$TRANSIENT_DIR; }
trap 'rm -f "$UNIT_FILE" "$TRANSIENT"; [ -z "$made_dir" ] || rmdir "$made_dir" /run/systemd 2> /dev/null; cleanup' EXIT
mkdir -p "$T/prot"
cat > "$POLICY_DIR/10-login.json" <<JSON
{ "version": 2, "migration": { "protect": [ { "name": "prot", "cgroup": "$P/prot" } ],
  "allow": [ { "name": "login", "cgroup": "$P", "from": ["$P/prot/$UNIT"], "to": ["$P/sessions"] } ] } }
JSON

"$DAEMON" --check --policy-dir "$POLICY_DIR" > "$WORK/check.out" 2> "$WORK/check.err"
check "--check accepts the policy" 0 "$?"
check_grep "--check: the entry names a service without a unit file, at the rule's position" "$WORK/check.err" \
        -F "10-login.json:2:14: warning: \"from\" entries name services with no unit file here, which match nothing until the service is installed"

guard_start
check_true "the daemon says the entry matches nothing" wait_log "Rule 'login' (.*10-login.json:2): \"from\" entries that match nothing.*: $P/prot/$UNIT\$"
gens=$(grep -c "Policy generation .* in force" "$LOG")

printf '[Service]\nExecStart=/bin/true\n' > "$UNIT_FILE"
check_true "a unit file installed for it: the daemon reloads" wait_log "A unit file an allow entry names came or went ($UNIT)"
check_true "... a new generation" wait_log "Policy generation .* in force" $((gens + 1))
"$DAEMON" --check --policy-dir "$POLICY_DIR" > /dev/null 2> "$WORK/check.err"
check_no_grep "... and --check no longer warns" "$WORK/check.err" -F "no unit file"
notes=$(grep -c "entries that match nothing" "$LOG")
check "... nor does the daemon at that load" 1 "$notes"

# A transient unit that took the name before the unit file came (systemd-run --unit=NAME): PID 1
# keeps it under the name, so the entry does not hold while it lasts. (Each step waits for its
# reload: a change while one is pending is resolved by that one, without a line of its own.)
generations() { grep -c "Policy generation .* in force" "$LOG"; }
gens=$(generations)
printf '[Service]\nExecStart=/bin/sleep 1000\n' > "$TRANSIENT"
check_true "a transient unit of that name: the daemon reloads" wait_log "Policy generation .* in force" $((gens + 1))
check_true "... and the entry matches nothing while it lasts" wait_log "entries that match nothing" 2
gens=$(generations)
rm -f "$TRANSIENT"
check_true "the transient unit gone: the daemon reloads" wait_log "Policy generation .* in force" $((gens + 1))
check "... the entry holds again" 2 "$(grep -c "entries that match nothing" "$LOG")"
gens=$(generations)
rm -f "$UNIT_FILE"
check_true "the unit file removed: the daemon reloads again" wait_log "Policy generation .* in force" $((gens + 1))
check_true "... and the entry matches nothing again" wait_log "entries that match nothing" 3
finish
