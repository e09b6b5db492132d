#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# cgroup v1 hierarchies on hybrid hosts (issue 13 item 9): no backend governs moves between v1
# cgroups, so where controllers are bound to v1 hierarchies that is a missing guarantee in
# --status, D-Bus MissingGuarantees and the journal's guarantees entry.
. "$(dirname "$0")/private-ns.sh" dbus-daemon /lib/systemd/systemd-journald -- "$@"
. "$(dirname "$0")/lib.sh"

GUARANTEES_ID=1396fa51003545cb8f7251261ab81e97
# Controllers bound to a v1 hierarchy: /proc/cgroups, hierarchy != 0, enabled.
v1=$(awk '!/^#/ && $2 != 0 && $4 == 1 { printf "%s%s", sep, $1; sep = "," }' /proc/cgroups)
[ -n "$v1" ] || skip "no cgroup v1 controllers on this host (pure cgroup2)"
echo "# v1 controllers: $v1"

start_journald_and_bus
guard_start
for _ in $(seq 50); do busctl --system status org.cgroupguard.Guard1 > /dev/null 2>&1 && break; sleep 0.1; done
line="cgroup v1: controllers $v1 are on v1 hierarchies"

check_grep "start-up log names the v1 controllers" "$LOG" "Missing guarantee: $line"
check_grep "--status lists it" <("$DAEMON" --status --bpffs-dir "$PIN") "Missing: $line"
check_grep "D-Bus MissingGuarantees lists it" <(busctl --system get-property $BUS MissingGuarantees) "$line"
check_grep "the journal's guarantees entry lists it" <(journalctl -o export MESSAGE_ID=$GUARANTEES_ID) "^CGROUP_GUARD_MISSING=$line"
# Adopting the pins (a restart) says it too.
kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=
: > "$LOG"
guard_start
check_grep_all "after adoption too" "$LOG" "adopted from pins" "Missing guarantee: $line"
finish
