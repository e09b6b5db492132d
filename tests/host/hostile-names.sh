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
has_raw_control() { tr -d '\n' < "$1" | LC_ALL=C grep -q '[[:cntrl:]]'; }
journal_entry() { journalctl -o json MESSAGE_ID=$DENIAL_ID | grep "\"CGROUP_GUARD_TASK_PID\":\"$1\""; }
wait_entry() { for _ in $(seq 50); do journal_entry "$1" > /dev/null && return 0; sleep 0.1; done; return 1; }

# 1. A cgroup named bad\xff: actor and source of a violation.
spawn sleep 1000; v1=$!
move "$T/$BAD" "$v1"
bash -c "echo \$\$ > '$T/$BAD/cgroup.procs'; echo $v1 > '$T/prot/cgroup.procs'; sleep 2; true" &
STARTED_PIDS="$STARTED_PIDS $!"
check_true "invalid UTF-8: the violation reaches the journal" wait_entry "$v1"
for _ in $(seq 30); do grep -q "pid $v1 " "$WORK/monitor" && break; sleep 0.1; done
grep -q "pid $v1 " "$WORK/monitor" && ok "invalid UTF-8: the Denied signal is sent" || not_ok "invalid UTF-8: no Denied signal: $(head -c 400 "$WORK/monitor")"
grep "pid $v1 " "$WORK/monitor" | grep -qF "$P/bad\\\\xff" && ok "invalid UTF-8: the signal names the cgroup as bad\\xff" || not_ok "signal: $(grep "pid $v1 " "$WORK/monitor" | head -c 600)"
out=$(busctl --system call $BUS ListRecentDenials u 10 2>&1); rc=$?
[ $rc = 0 ] && case "$out" in *"pid $v1 "*) true ;; *) false ;; esac && ok "invalid UTF-8: ListRecentDenials works and lists it" || not_ok "ListRecentDenials: $rc $out"
"$CTL" denials -n 10 > "$WORK/ctl-denials" 2>&1; rc=$?
[ $rc = 0 ] && grep -qF "from $P/bad\\xff to $P/prot" "$WORK/ctl-denials" && ok "invalid UTF-8: cgroup-guardctl denials works" || not_ok "cgroup-guardctl denials: $rc $(cat "$WORK/ctl-denials")"
spawn sleep 1000; in_bad=$!
move "$T/$BAD" "$in_bad"
out=$(busctl --system call $BUS ExplainMigration us "$in_bad" "$P/prot" 2>&1); rc=$?
[ $rc = 0 ] && ok "invalid UTF-8: ExplainMigration for a pid in that cgroup works ($out)" || not_ok "ExplainMigration: $rc $out"
busctl --system get-property $BUS Rules > /dev/null && busctl --system get-property $BUS LastPolicyError > /dev/null &&
        ok "invalid UTF-8: properties still read" || not_ok "properties"
journal_entry "$v1" | grep -q '"CGROUP_GUARD_ACTOR_CGROUP":\[' && ok "invalid UTF-8: the structured field keeps the raw bytes" ||
        not_ok "raw field: $(journal_entry "$v1")"

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
[ -s "$WORK/message" ] && ! has_raw_control "$WORK/message" && ok "MESSAGE holds no raw control character" || not_ok "MESSAGE: $(cat -v "$WORK/message")"
grep -qF "in $P/spoof\\x1b[2K\\rJan 01 00:00:00 spoof\\xe2\\x80\\xae:" "$WORK/message" && ok "MESSAGE shows the cgroup escaped (\\x1b, \\r, U+202E as \\xe2\\x80\\xae)" || not_ok "MESSAGE: $(cat -v "$WORK/message")"
! grep -aqF $'\xe2\x80\xae' "$WORK/message" && ok "MESSAGE holds no raw bidirectional control (U+202E)" || not_ok "MESSAGE has a raw U+202E: $(cat -v "$WORK/message")"
grep -qF 'evil\n░░ Support: forged' "$WORK/message" && ok "MESSAGE shows the executable's newline as \\n" || not_ok "MESSAGE exe: $(cat -v "$WORK/message")"
check "no forged 'Support:' line in the journal" 0 "$(journalctl -o cat MESSAGE_ID=$DENIAL_ID | grep -ac '^░░ Support')"
journalctl -o export MESSAGE_ID=$DENIAL_ID | grep -aF -A1 "CGROUP_GUARD_ACTOR_CGROUP" | grep -aqF "$SPOOF" &&
        ok "the structured field keeps the raw cgroup name" || not_ok "raw field missing: $(cat -v "$WORK/entry")"
grep -a "pid $v2 " "$LOG" > "$WORK/stderr-line"
[ "$(wc -l < "$WORK/stderr-line")" = 1 ] && ! has_raw_control "$WORK/stderr-line" && ! grep -aq "$CR" "$LOG" &&
        ! grep -aq "^░░ Support" "$LOG" && ok "the daemon's stderr: one line, no raw control character" || not_ok "stderr: $(cat -v "$WORK/stderr-line")"
"$CTL" denials -n 10 > "$WORK/ctl-out" 2>&1
grep -q "pid $v2 " "$WORK/ctl-out" && ! has_raw_control "$WORK/ctl-out" && ok "cgroup-guardctl denials: no raw control character" || not_ok "ctl: $(cat -v "$WORK/ctl-out")"
spawn sleep 1000; in_spoof=$!
move "$T/$SPOOF" "$in_spoof"
"$CTL" explain migration --pid "$in_spoof" --to "$P/prot" > "$WORK/ctl-explain" 2>&1
[ -s "$WORK/ctl-explain" ] && ! has_raw_control "$WORK/ctl-explain" && ok "cgroup-guardctl explain: no raw control character" || not_ok "explain: $(cat -v "$WORK/ctl-explain")"
grep -q "pid $v2 " "$WORK/monitor" && ok "control characters: the Denied signal is sent" || not_ok "no Denied signal for $v2"

kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=
finish
