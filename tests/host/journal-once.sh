#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Under systemd the daemon's stderr is the journal (JOURNAL_STREAM): every structured entry (a
# denial, a policy error, the start-up entry) is in the journal once, with its fields, never a
# second time as a plain stderr line without them. A real systemd-journald (private mount
# namespace); the daemon's stderr connected to it by systemd-cat, as PID 1 connects a service's.
. "$(dirname "$0")/private-ns.sh" dbus-daemon systemd-cat /lib/systemd/systemd-journald -- "$@"
. "$(dirname "$0")/lib.sh"

DENIAL_ID=e8540ee91e3f4008a0c051b6c2107e76
STARTED_ID=b434a8df4b514eae9959c754ee877501
POLICY_ERROR_ID=86c95865b4954a588471ba835789a773
RELOADED_ID=ae180e694d4c4d10a2f378d388ba22d5

start_journald_and_bus
mkdir -p "$T/prot"
cat > "$POLICY_DIR/10-once.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/prot"] } }
JSON

# systemd sets JOURNAL_STREAM=DEV:INO of the stream it connects; so does this wrapper.
systemd-cat -t cgg-stream sh -c 'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$@"' sh \
        "$DAEMON" --backend observe --bpffs-dir "$PIN" --policy-dir "$POLICY_DIR" &
GUARD_PID=$!
for _ in $(seq 100); do journalctl -q -o json MESSAGE_ID=$STARTED_ID | grep -q observe && break; sleep 0.1; done

# Entries whose MESSAGE contains $1, stream lines and structured entries alike.
count() { journalctl -q -o cat --no-pager | grep -c -- "$1"; }

check "stderr reaches the journal through the stream (plain lines stay)" yes \
        "$(journalctl -q -o cat -t cgg-stream | grep -q "Missing guarantee: not preventing" && echo yes || echo no)"
check "start-up: one entry" 1 "$(count "Reporting and reacting (not preventing) with the observe backend")"
check "start-up: the entry has its fields" 1 \
        "$(journalctl -q -o json MESSAGE_ID=$STARTED_ID | grep -c '"CGROUP_GUARD_BACKEND":"observe"')"

spawn sleep 1000; victim=$!
move "$T/prot" "$victim"
for _ in $(seq 50); do journalctl -q -o json MESSAGE_ID=$DENIAL_ID | grep -q "\"CGROUP_GUARD_TASK_PID\":\"$victim\"" && break; sleep 0.1; done
sleep 0.5
check "denial: one entry" 1 "$(count "migration of pid $victim (sleep)")"
check "denial: ... and it is the one with the fields" 1 \
        "$(journalctl -q -o json MESSAGE_ID=$DENIAL_ID | grep -c "\"CGROUP_GUARD_TASK_PID\":\"$victim\"")"

echo '{ "version": 1, "mode": "sometimes" }' > "$POLICY_DIR/20-bad.json"
for _ in $(seq 50); do journalctl -q -o json MESSAGE_ID=$POLICY_ERROR_ID | grep -q "20-bad.json:1:25" && break; sleep 0.1; done
sleep 0.5
check "policy error: one entry" 1 "$(count "20-bad.json:1:25: error")"
check "policy error: ... with its position fields" 1 \
        "$(journalctl -q -o json MESSAGE_ID=$POLICY_ERROR_ID | grep "20-bad.json:1:25" | grep -c '"CGROUP_GUARD_COLUMN":"25"')"

# A new generation: one entry, its fields after the message's numbers (a %.1f among them) intact.
rm "$POLICY_DIR/20-bad.json"
for _ in $(seq 50); do journalctl -q -o json MESSAGE_ID=$RELOADED_ID | grep -q '"CGROUP_GUARD_GENERATION":"2"' && break; sleep 0.1; done
sleep 0.5
check "new generation: one entry" 1 "$(count "Policy generation 2 in force")"
check "new generation: ... with CGROUP_GUARD_GENERATION=2" 1 \
        "$(journalctl -q -o json MESSAGE_ID=$RELOADED_ID | grep -c '"CGROUP_GUARD_GENERATION":"2"')"
finish
