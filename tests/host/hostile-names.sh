#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Names chosen by the processes we report on (issue 21, items 2 and 3): a cgroup whose name is not
# UTF-8 must not break D-Bus (ListRecentDenials, the Denied signal, cgroup-guardctl denials), and
# ESC/CR in a cgroup name, a newline in an executable path or ESC in a process name must reach no
# human-readable rendering raw (MESSAGE, the daemon's stderr, cgroup-guardctl), while the
# structured CGROUP_GUARD_* fields keep the raw value. Real journald and dbus-daemon, observe backend.
. "$(dirname "$0")/private-ns.sh" dbus-daemon /lib/systemd/systemd-journald -- "$@"
. "$(dirname "$0")/lib.sh"

DENIAL_ID=e8540ee91e3f4008a0c051b6c2107e76
ESC=$'\e'
CR=$'\r'
NL=$'\n'
BAD=$'bad\xff'
SPOOF=$'spoof\e[2K\rJan 01 00:00:00 spoof\xe2\x80\xae'   # ... and U+202E (right-to-left override)
EVIL_DIR=$WORK/$'bin\e[31m'
EVIL=$EVIL_DIR/$'evil\n\xe2\x96\x91\xe2\x96\x91 Support: forged'

start_journald_and_bus
mkdir -p "$T/prot" "$T/$BAD" "$T/$SPOOF"
cat > "$POLICY_DIR/10-names.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/prot"] } }
JSON
guard_start --ratelimit-interval=3600
for _ in $(seq 50); do busctl --system status org.cgroupguard.Guard1 > /dev/null 2>&1 && break; sleep 0.1; done
busctl --system monitor --json=short --match "type='signal',interface='org.cgroupguard.Guard1.Manager',member='Denied'" > "$WORK/monitor" 2>&1 &
STARTED_PIDS="$STARTED_PIDS $!"
sleep 0.5

# has_raw_control FILE: a control character other than the line ends of the file itself.
# raw_controls FILE: how many control characters other than newlines FILE holds.
raw_controls() { tr -d '\n' < "$1" | LC_ALL=C tr -cd '[:cntrl:]' | wc -c; }
journal_entry() { journalctl -o json MESSAGE_ID=$DENIAL_ID | grep "\"CGROUP_GUARD_TASK_PID\":\"$1\""; }
wait_entry() { for _ in $(seq 50); do journal_entry "$1" > /dev/null && return 0; sleep 0.1; done; return 1; }

# 1. A cgroup named bad\xff: actor and source of a violation.
spawn sleep 1000; v1=$!
move "$T/$BAD" "$v1"
bash -c "echo \$\$ > '$T/$BAD/cgroup.procs'; echo $v1 > '$T/prot/cgroup.procs'; sleep 2; true" &
STARTED_PIDS="$STARTED_PIDS $!"
check_true "invalid UTF-8: the violation reaches the journal" wait_entry "$v1"
for _ in $(seq 30); do grep -q "pid $v1 " "$WORK/monitor" && break; sleep 0.1; done
check_grep "invalid UTF-8: the Denied signal is sent" "$WORK/monitor" "pid $v1 "
check_grep "invalid UTF-8: the signal names the cgroup as bad\\xff" <(grep "pid $v1 " "$WORK/monitor") -F "$P/bad\\\\xff"
out=$(busctl --system call $BUS ListRecentDenials u 10 2>&1); rc=$?
check "invalid UTF-8: ListRecentDenials works" 0 "$rc"
contains "invalid UTF-8: ListRecentDenials lists it" "pid $v1 " "$out"
"$CTL" denials -n 10 > "$WORK/ctl-denials" 2>&1; rc=$?
check "invalid UTF-8: cgroup-guardctl denials works" 0 "$rc"
check_grep "invalid UTF-8: cgroup-guardctl denials lists it" "$WORK/ctl-denials" -F "from $P/bad\\xff to $P/prot"
spawn sleep 1000; in_bad=$!
move "$T/$BAD" "$in_bad"
out=$(busctl --system call $BUS ExplainMigration us "$in_bad" "$P/prot" 2>&1); rc=$?
check "invalid UTF-8: ExplainMigration for a pid in that cgroup works ($out)" 0 $rc
for property in Rules LastPolicyError; do
        busctl --system get-property $BUS $property > /dev/null
        check "invalid UTF-8: property $property still reads (exit status)" 0 "$?"
done
check_grep "invalid UTF-8: the structured field keeps the raw bytes" <(journal_entry "$v1") '"CGROUP_GUARD_ACTOR_CGROUP":\['

# 2. ESC and CR in a cgroup name, a newline and ESC in the executable's path and process name.
mkdir -p "$EVIL_DIR"
cp /bin/bash "$EVIL"
spawn sleep 1000; v2=$!
"$EVIL" -c "echo \$\$ > '$T/$SPOOF/cgroup.procs'; echo $v2 > '$T/prot/cgroup.procs'; sleep 2; true" &
STARTED_PIDS="$STARTED_PIDS $!"
check_true "control characters: the violation reaches the journal" wait_entry "$v2"
journal_entry "$v2" > "$WORK/entry"
message=$(journalctl -o cat MESSAGE_ID=$DENIAL_ID | grep -a "pid $v2 ")
printf '%s\n' "$message" > "$WORK/message"
check "MESSAGE holds no raw control character" 0 "$(raw_controls "$WORK/message")"
check_grep "MESSAGE shows the cgroup escaped (\\x1b, \\r, U+202E as \\xe2\\x80\\xae)" "$WORK/message" -F "in $P/spoof\\x1b[2K\\rJan 01 00:00:00 spoof\\xe2\\x80\\xae:"
check_no_grep "MESSAGE holds no raw bidirectional control (U+202E)" "$WORK/message" -aF $'\xe2\x80\xae'
check_grep "MESSAGE shows the executable's newline as \\n" "$WORK/message" -F 'evil\n░░ Support: forged'
check "no forged 'Support:' line in the journal" 0 "$(journalctl -o cat MESSAGE_ID=$DENIAL_ID | grep -ac '^░░ Support')"
check_grep "the structured field keeps the raw cgroup name" \
        <(journalctl -o export MESSAGE_ID=$DENIAL_ID | grep -aF -A1 "CGROUP_GUARD_ACTOR_CGROUP") -aF "$SPOOF"
grep -a "pid $v2 " "$LOG" > "$WORK/stderr-line"
check "the daemon's stderr: one line" 1 "$(wc -l < "$WORK/stderr-line")"
check "the daemon's stderr: no raw control character" 0 "$(raw_controls "$WORK/stderr-line")"
check_no_grep "the daemon's stderr: no carriage return" "$LOG" -a "$CR"
check_no_grep "the daemon's stderr: no forged 'Support:' line" "$LOG" -a "^░░ Support"
"$CTL" denials -n 10 > "$WORK/ctl-out" 2>&1
check_grep "cgroup-guardctl denials lists it" "$WORK/ctl-out" "pid $v2 "
check "cgroup-guardctl denials: no raw control character" 0 "$(raw_controls "$WORK/ctl-out")"
spawn sleep 1000; in_spoof=$!
move "$T/$SPOOF" "$in_spoof"
"$CTL" explain migration --pid "$in_spoof" --to "$P/prot" > "$WORK/ctl-explain" 2>&1
check_int "cgroup-guardctl explain answers" "$(wc -c < "$WORK/ctl-explain")" -gt 0
check "cgroup-guardctl explain: no raw control character" 0 "$(raw_controls "$WORK/ctl-explain")"
check_grep "control characters: the Denied signal is sent" "$WORK/monitor" "pid $v2 "

kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=
finish
