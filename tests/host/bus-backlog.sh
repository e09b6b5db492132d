#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A dbus-daemon that reads nothing (SIGSTOP, which a confined root may send it): the daemon's
# D-Bus signals waited in sd-bus's write queue without bound (some 384k messages, hundreds of
# megabytes, a review found it). Past a small backlog they are dropped and counted; the journal
# keeps every denial, and the daemon says what it dropped once the bus reads again. Real
# dbus-daemon and journald, observe backend.
# And a peer's org.freedesktop.DBus.Peer.GetMachineId, which sd-bus answered by opening
# /etc/machine-id (blocking): with a FIFO there, the daemon hung in that open.
. "$(dirname "$0")/private-ns.sh" dbus-daemon /lib/systemd/systemd-journald -- "$@"
. "$(dirname "$0")/lib.sh"

RULES=40
start_journald_and_bus
BUS_PID=$(pgrep -n -x dbus-daemon -P $$)
mkdir -p "$T/out"
protect=
for i in $(seq $RULES); do
        mkdir -p "$T/p$i"
        protect="$protect${protect:+, }\"$P/p$i\""
done
cat > "$POLICY_DIR/10-backlog.json" <<JSON
{ "version": 1, "migration": { "protect": [$protect] } }
JSON
# A budget of 200 journal lines (and signals) a second, as many rules as needed to fill it.
guard_start --ratelimit-interval=1
for _ in $(seq 50); do busctl --system status org.cgroupguard.Guard1 > /dev/null 2>&1 && break; sleep 0.1; done
check "the daemon is on the bus" 's "observe"' "$(busctl --system get-property $BUS Backend 2>&1)"

busctl --system monitor --json=short --match "type='signal',interface='org.cgroupguard.Guard1.Manager',member='Denied'" > "$WORK/monitor" 2>&1 &
STARTED_PIDS="$STARTED_PIDS $!"
for _ in $(seq 100); do grep -q "Monitoring bus message stream" "$WORK/monitor" && break; sleep 0.1; done
spawn sleep 1000; victim=$!
check "dbus-daemon is ours ($BUS_PID)" yes "$([ -n "$BUS_PID" ] && kill -0 "$BUS_PID" && echo yes)"

denied() { busctl --system get-property $BUS Denials 2>/dev/null | awk '{ print $2 }'; }
before=$(denied)
kill -STOP "$BUS_PID"
# 12 s of violations, one rule after another: some 200 reported a second, 2,400 in all.
end=$(( $(date +%s) + 12 ))
while [ "$(date +%s)" -lt "$end" ]; do
        for i in $(seq $RULES); do move "$T/p$i" "$victim"; move "$T/out" "$victim"; done
done
reported=$(grep -c "Violation (not prevented): migration of pid $victim" "$LOG")
check_int "the daemon journaled $reported violations meanwhile" "$reported" -ge 1200
check_true "... and says it drops signals while the bus reads nothing" wait_log "D-Bus signals are dropped until it does"
rss=$(awk '/VmRSS/ { print $2 }' /proc/$GUARD_PID/status)
kill -CONT "$BUS_PID"
check_true "... and what it dropped, once the bus reads again" wait_log "D-Bus signals were dropped while it read nothing"
after=$(denied)
check_int "the bus answers again (Denials $before -> $after)" "${after:-0}" -gt "${before:-0}"
sleep 2
signals=$(grep -c '"member":"Denied"' "$WORK/monitor")
# What the socket's buffer held before the queue, and the queue's 64: far fewer than reported.
# (A few reported are neither: the monitor, a client of the stopped dbus-daemon too, loses some.)
check_int "only $signals of $reported Denied signals reached the bus" "$signals" -le $((reported / 2))
dropped=$(grep -o "[0-9]* D-Bus signals were dropped" "$LOG" | tail -1 | cut -d' ' -f1)
check_int "... the rest ($dropped) dropped, not queued (RSS ${rss} kB)" "$((signals + ${dropped:-0}))" -ge $((reported * 9 / 10))
move "$T/p1" "$victim"
check_true "a signal after the backlog reaches the bus" \
        bash -c "for _ in \$(seq 50); do [ \$(grep -c '\"member\":\"Denied\"' $WORK/monitor) -gt $signals ] && exit 0; sleep 0.1; done; exit 1"

# A FIFO at /etc/machine-id (this test's own mount namespace) and a peer asking for the machine ID.
mkfifo "$WORK/machine-id"
mount --bind "$WORK/machine-id" /etc/machine-id
busctl --system --timeout=5 call org.cgroupguard.Guard1 /org/cgroupguard/Guard1 org.freedesktop.DBus.Peer GetMachineId \
        > "$WORK/machine-id.out" 2>&1
check_grep "GetMachineId is refused" "$WORK/machine-id.out" "Access denied\|does not tell"
check "... and the daemon answers on (it did not open the FIFO)" 's "observe"' \
        "$(busctl --system --timeout=5 get-property $BUS Backend 2>&1)"
# A daemon held in the open (the tree before) is let go.
timeout 2 sh -c "echo > $WORK/machine-id" 2> /dev/null
umount /etc/machine-id

finish
