#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A missing policy directory (issue 13 item 5): a restart over pins keeps the pinned generation in
# force as it is (not "0 files, 0 rules"), the directory is waited for on its nearest existing
# ancestor, and loaded the moment it appears, without SIGHUP. The same on a first start.
. "$(dirname "$0")/private-ns.sh" dbus-daemon /lib/systemd/systemd-journald -- "$@"
. "$(dirname "$0")/lib.sh"

start_journald_and_bus
status() { "$DAEMON" --status --bpffs-dir "$PIN"; }
prop() { busctl --system get-property $BUS "$1" 2>&1; }
wait_bus() { for _ in $(seq 50); do busctl --system status org.cgroupguard.Guard1 > /dev/null 2>&1 && return; sleep 0.1; done; }
stop() { kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=; }

mkdir -p "$T/prot"
cat > "$POLICY_DIR/10-prot.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/prot", "$P/prot2"] } }
JSON
guard_start
check_grep "first start: generation 1, 2 rules" <(status) "Policy: generation 1, 2 rules"
stop

# Restart with the directory (and its parent) gone: the pinned generation stays as it is.
mv "$POLICY_DIR" "$WORK/saved"
POLICY_DIR=$WORK/etc/policies.d
: > "$LOG"
guard_start
wait_bus
check_grep "restart without the directory: the pinned generation 1 (2 rules) stays" <(status) "Policy: generation 1, 2 rules"
check_no_grep "no generation of 0 rules" "$LOG" "0 files, 0 rules"
check_grep "the log says the pinned generation stays" "$LOG" "does not exist; the pinned policy generation 1 (2 rules) stays in force"
check "D-Bus PolicyGeneration: 1" "t 1" "$(prop PolicyGeneration)"
check_grep "D-Bus LastPolicyError says the directory is missing" <(prop LastPolicyError) "does not exist"
mkdir -p "$T/prot2"
spawn sleep 1000; victim=$!
move "$T/prot" "$victim"
check_true "the pinned rules still decide (and name the pinned rule)" wait_log "migration of pid $victim (sleep) from / to $P/prot"
move "$T/prot2" "$victim"
check_true "... for cgroups created since, too" wait_log "migration of pid $victim (sleep) from $P/prot to $P/prot2"
check_true "the nearest existing ancestor is watched" grep -q "Waiting for $POLICY_DIR to appear (watching $WORK)" "$LOG"

# The directory appears, in two steps, with a policy: loaded without SIGHUP.
mkdir "$WORK/etc"
sleep 0.3
mkdir "$POLICY_DIR.tmp"
cat > "$POLICY_DIR.tmp/10-prot.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/prot"] } }
JSON
mv "$POLICY_DIR.tmp" "$POLICY_DIR"
WAIT_TENTHS=50 check_true "the directory is loaded when it appears (no SIGHUP)" wait_log "Policy generation 2 in force: 1 files, 1 rules"
check_grep "status: generation 2, 1 rules" <(status) "Policy: generation 2, 1 rules"
check "D-Bus LastPolicyError cleared" 's ""' "$(prop LastPolicyError)"
gen=$(grep -c "Policy generation" "$LOG")
echo '{ "version": 1, "migration": { "protect": ["/x"] } }' > "$POLICY_DIR/20-more.json"
WAIT_TENTHS=50 check_true "... and watched from then on" wait_log "Policy generation 3 in force: 2 files"
stop

# A first start without pins and without the directory: no rules, and the directory is loaded
# when it appears.
"$DAEMON" --unload --bpffs-dir "$PIN" > /dev/null
rm -rf "$WORK/etc"
: > "$LOG"
guard_start
check_grep "first start without the directory: no rules, said so" "$LOG" "does not exist; no rules are in force"
mkdir -p "$POLICY_DIR"
echo '{ "version": 1, "migration": { "protect": ["/x"] } }' > "$POLICY_DIR/10-x.json"
WAIT_TENTHS=50 check_true "... and it is loaded when it appears" wait_log "in force: 1 files, 1 rules"
finish
