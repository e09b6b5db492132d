#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# mkdir floods (issue 21, item 5): an unprivileged user with a delegated subtree creates and
# removes cgroups as fast as it can. The daemon's view of the tree (D-Bus KnownCgroups) must come
# back to where it was once they are gone, and the bus must keep answering while the daemon works
# through a flood. Real dbus-daemon and journald, observe backend.
. "$(dirname "$0")/private-ns.sh" dbus-daemon /lib/systemd/systemd-journald perl -- "$@"
. "$(dirname "$0")/lib.sh"

# Generous: before the fix a 5,000-mkdir flood kept the bus waiting for 19-25 s.
LATENCY_MAX_MS=${FLOOD_LATENCY_MAX_MS:-3000}
# bench/flood runs this with FLOOD_COUNT=10000.
N=${FLOOD_COUNT:-5000}

start_journald_and_bus
mkdir -p "$T/prot" "$T/deleg"
# Delegated as systemd does it: the directory and the files delegation hands over.
chown nobody "$T/deleg" "$T/deleg/cgroup.procs" "$T/deleg/cgroup.threads" "$T/deleg/cgroup.subtree_control"
cat > "$POLICY_DIR/10-flood.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/prot", "$P/deleg/*/keep"] } }
JSON
guard_start
for _ in $(seq 50); do busctl --system status org.cgroupguard.Guard1 > /dev/null 2>&1 && break; sleep 0.1; done

known() { busctl --system get-property $BUS KnownCgroups 2>/dev/null | awk '{ print $2 }'; }
# Other cgroups on this host come and go meanwhile (other tests, services): SLACK of them.
SLACK=20
# wait_known -ge|-le COUNT TENTHS
wait_known() { for _ in $(seq "$3"); do k=$(known); [ -n "$k" ] && [ "$k" "$1" "$2" ] && return 0; sleep 0.1; done; return 1; }
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
# flood mkdir|rmdir N: one process, as nobody, in the delegated subtree.
flood() { as_nobody perl -e 'chdir $ARGV[0] or die; for (1..$ARGV[2]) { ($ARGV[1] eq "mkdir" ? mkdir "c$_" : rmdir "c$_") or die "$!" }' "$T/deleg" "$1" "$2"; }

before=$(known)
check_grep "KnownCgroups reads ($before)" <(busctl --system get-property $BUS KnownCgroups 2>&1) "^t [0-9][0-9]*$"

# 1,500 created, seen, removed: the tree shrinks back.
flood mkdir 1500
check_true "1,500 new cgroups are known" wait_known -ge $((before + 1500 - SLACK)) 300
flood rmdir 1500
wait_known -le $((before + SLACK)) 100
check_int "after rmdir the tree is back to $(known) entries (was $before)" "$(known)" -le $((before + SLACK))

# The bus answers while the daemon works through a flood of N mkdirs, then N rmdirs.
cpu() { awk '{ print $14 + $15 }' /proc/$GUARD_PID/stat; }
rss_before=$(awk '/VmRSS/ { print $2 }' /proc/$GUARD_PID/status)
cpu_before=$(cpu)
( while :; do
        s=$(date +%s%N)
        busctl --system --timeout=60 get-property $BUS Backend > /dev/null 2>&1 || echo "error" >> "$WORK/latency"
        echo $(( ($(date +%s%N) - s) / 1000000 )) >> "$WORK/latency"
        sleep 0.05
  done ) &
PROBE=$!
STARTED_PIDS="$STARTED_PIDS $PROBE"
sleep 0.3
start=$(date +%s%N)
flood mkdir "$N"
wait_known -ge $((before + N - SLACK)) 600
check_int "$N new cgroups are known (was $before)" "$(known)" -ge $((before + N - SLACK))
flood rmdir "$N"
wait_known -le $((before + SLACK)) 300
check_int "after $N rmdirs the tree is back to $(known) entries (was $before)" "$(known)" -le $((before + SLACK))
wall_ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill "$PROBE"; wait "$PROBE" 2>/dev/null
max=$(grep -v error "$WORK/latency" | sort -n | tail -n 1)
calls=$(wc -l < "$WORK/latency")
check_no_grep "no D-Bus call failed during the flood ($calls calls)" "$WORK/latency" error
check_int "max D-Bus latency during the flood: ${max:-?} ms (bound $LATENCY_MAX_MS)" "$max" -le "$LATENCY_MAX_MS"
echo "# flood of $N mkdir + $N rmdir: daemon CPU $(( ($(cpu) - cpu_before) * 1000 / $(getconf CLK_TCK) )) ms, wall until the tree was back $wall_ms ms, max D-Bus latency $max ms over $calls calls, RSS ${rss_before} kB before, $(awk '/VmRSS/ { print $2 }' /proc/$GUARD_PID/status) kB after"

kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=
finish
