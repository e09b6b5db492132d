#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Start-up on this machine (observe backend): what fails says why in one line and what to do;
# a first start with an invalid policy neither claims a previous policy nor crash-loops.
. "$(dirname "$0")/lib.sh"
WAIT_TENTHS=100

# run_daemon ARGS...: runs a daemon that is expected to exit; output in $WORK/out, status in $rc.
run_daemon() { timeout 20 "$@" > "$WORK/out" 2>&1; rc=$?; }

# bpffs not mounted where the pins go.
mkdir -p "$WORK/plain"
run_daemon "$DAEMON" --backend observe --bpffs-dir "$WORK/plain/guard" --policy-dir "$POLICY_DIR"
check "no bpffs: exit 1, one line" "1 1" "$rc $(wc -l < "$WORK/out")"
check_grep "no bpffs: the line says the mount command" "$WORK/out" "is not on a BPF filesystem (bpffs).*mount -t bpf bpf $WORK/plain"
run_daemon "$DAEMON" --bpffs-dir "$WORK/plain/guard" --policy-dir "$POLICY_DIR"
check "no bpffs, backend auto: exit 1, one line" "1 1" "$rc $(wc -l < "$WORK/out")"
check_grep "no bpffs, backend auto: the same line" "$WORK/out" "mount -t bpf bpf"

# Not root.
chmod 755 "$WORK" "$POLICY_DIR"
run_daemon setpriv --reuid=65534 --regid=65534 --clear-groups "$DAEMON" --bpffs-dir "$PIN" --policy-dir "$POLICY_DIR"
check "not root: exit 1, one line" "1 1" "$rc $(wc -l < "$WORK/out")"
check_grep "not root: the line says it needs root (CAP_BPF)" "$WORK/out" "needs root.*CAP_BPF"
run_daemon setpriv --inh-caps=-all --bounding-set=-bpf,-sys_admin "$DAEMON" --backend observe --bpffs-dir "$PIN" --policy-dir "$POLICY_DIR"
check "root without CAP_BPF: exit 1, one line" "1 1" "$rc $(wc -l < "$WORK/out")"
check_grep "root without CAP_BPF: the line names the capability" "$WORK/out" "CAP_BPF"

# libbpf's own output only with --debug.
run_daemon "$DAEMON" --backend compat --bpffs-dir "$PIN" --policy-dir "$POLICY_DIR"
lines=$(wc -l < "$WORK/out")
check "a backend that cannot load: exit 1" 1 "$rc"
check_int "a backend that cannot load: $lines line(s) without --debug" "$lines" -le 2
run_daemon "$DAEMON" --debug --backend compat --bpffs-dir "$PIN" --policy-dir "$POLICY_DIR"
check "--debug: exit 1" 1 "$rc"
check_grep "--debug shows libbpf's output ($(wc -l < "$WORK/out") lines)" "$WORK/out" "libbpf"

# First start (no pins) with an invalid policy: it runs with no rules, says so, and applies the
# policy once it is fixed; nothing claims a previous policy.
echo '{ "version": 1, "migration": { "protect": ["'"$P"'/prot"] }, "mode": "sometimes" }' > "$POLICY_DIR/10-a.json"
guard_start
sleep 0.5
check "first start, invalid policy: the daemon runs (no crash loop)" running "$(running "$GUARD_PID")"
check_grep "first start, invalid policy: says no rules are in force" "$LOG" "no policy was in force before: NO rules are in force until it is fixed"
check_no_grep "first start: no claim of a previous policy" "$LOG" -i "previous policy\|stays in force"
check_grep "first start: generation 1 with 0 rules is pinned" <("$DAEMON" --status --bpffs-dir "$PIN") "Policy: generation 1, 0 rules"
echo '{ "version": 1, "migration": { "protect": ["'"$P"'/prot"] } }' > "$POLICY_DIR/10-a.json"
wait_log "Policy generation 2 in force: 1 files, 1 rules"
check_grep "first start: the fixed policy applies by itself" "$LOG" "Policy generation 2 in force: 1 files, 1 rules"
echo '{ "version": 1, "mode": "sometimes" }' > "$POLICY_DIR/10-a.json"
wait_log "invalid (1 errors); the policy in force stays (generation 2, 1 rules)"
check_grep "running: an invalid edit names the generation that stays" "$LOG" "invalid (1 errors); the policy in force stays (generation 2, 1 rules)"
kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=

# A restart with pins and an invalid policy: the pinned generation stays in force in the kernel;
# the daemon exits with 78 (EX_CONFIG, RestartPreventExitStatus= in the unit) instead of looping.
run_daemon "$DAEMON" --backend observe --bpffs-dir "$PIN" --policy-dir "$POLICY_DIR"
check "restart with pins, invalid policy: exit status 78" 78 $rc
check_grep "restart with pins: says the pinned generation stays in force" "$WORK/out" "the pinned policy (generation 2) stays in force in the kernel"
check_grep "the unit does not restart on exit status 78" "$(dirname "$0")/../../units/cgroup-guardd.service.in" "RestartPreventExitStatus=78"
finish
