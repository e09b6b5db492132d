#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Start-up on this machine (observe backend): what fails says why in one line and what to do;
# a first start with an invalid policy neither claims a previous policy nor crash-loops.
. "$(dirname "$0")/lib.sh"
WAIT_TENTHS=100

# run_daemon ARGS...: runs a daemon that is expected to exit; output in $WORK/out, status in $rc.
run_daemon() { timeout 20 "$@" > "$WORK/out" 2>&1; rc=$?; }
one_line() { [ "$(wc -l < "$WORK/out")" = 1 ]; }

# bpffs not mounted where the pins go.
mkdir -p "$WORK/plain"
run_daemon "$DAEMON" --backend observe --bpffs-dir "$WORK/plain/guard" --policy-dir "$POLICY_DIR"
[ $rc = 1 ] && one_line && grep -q "is not on a BPF filesystem (bpffs).*mount -t bpf bpf $WORK/plain" "$WORK/out" &&
        ok "no bpffs: one line with the mount command" || not_ok "no bpffs: rc $rc: $(head -c 600 "$WORK/out")"
run_daemon "$DAEMON" --bpffs-dir "$WORK/plain/guard" --policy-dir "$POLICY_DIR"
[ $rc = 1 ] && one_line && grep -q "mount -t bpf bpf" "$WORK/out" &&
        ok "no bpffs, backend auto: the same one line" || not_ok "no bpffs (auto): rc $rc: $(head -c 600 "$WORK/out")"

# Not root.
chmod 755 "$WORK" "$POLICY_DIR"
run_daemon setpriv --reuid=65534 --regid=65534 --clear-groups "$DAEMON" --bpffs-dir "$PIN" --policy-dir "$POLICY_DIR"
[ $rc = 1 ] && one_line && grep -q "needs root.*CAP_BPF" "$WORK/out" &&
        ok "not root: one line that says it needs root (CAP_BPF)" || not_ok "not root: rc $rc: $(head -c 600 "$WORK/out")"
run_daemon setpriv --inh-caps=-all --bounding-set=-bpf,-sys_admin "$DAEMON" --backend observe --bpffs-dir "$PIN" --policy-dir "$POLICY_DIR"
[ $rc = 1 ] && one_line && grep -q "CAP_BPF" "$WORK/out" &&
        ok "root without CAP_BPF: one line naming the capability" || not_ok "no CAP_BPF: rc $rc: $(head -c 600 "$WORK/out")"

# libbpf's own output only with --debug.
run_daemon "$DAEMON" --backend compat --bpffs-dir "$PIN" --policy-dir "$POLICY_DIR"
lines=$(wc -l < "$WORK/out")
[ $rc = 1 ] && [ "$lines" -le 2 ] && ok "a backend that cannot load: $lines line(s) without --debug" || not_ok "compat: rc $rc, $lines lines: $(head -c 600 "$WORK/out")"
run_daemon "$DAEMON" --debug --backend compat --bpffs-dir "$PIN" --policy-dir "$POLICY_DIR"
[ $rc = 1 ] && grep -q "libbpf" "$WORK/out" && ok "--debug shows libbpf's output ($(wc -l < "$WORK/out") lines)" || not_ok "--debug: rc $rc: $(head -c 300 "$WORK/out")"

# First start (no pins) with an invalid policy: it runs with no rules, says so, and applies the
# policy once it is fixed; nothing claims a previous policy.
echo '{ "version": 1, "migration": { "protect": ["'"$P"'/prot"] }, "mode": "sometimes" }' > "$POLICY_DIR/10-a.json"
guard_start
sleep 0.5
kill -0 "$GUARD_PID" 2>/dev/null && ok "first start, invalid policy: the daemon runs (no crash loop)" || not_ok "first start: it exited: $(cat "$LOG")"
grep -q "no policy was in force before: NO rules are in force until it is fixed" "$LOG" &&
        ok "first start, invalid policy: says no rules are in force" || not_ok "first start: $(cat "$LOG")"
grep -qi "previous policy\|stays in force" "$LOG" && not_ok "first start claims a previous policy: $(grep -i 'previous\|stays' "$LOG")" ||
        ok "first start: no claim of a previous policy"
"$DAEMON" --status --bpffs-dir "$PIN" | grep -q "Policy: generation 1, 0 rules" && ok "first start: generation 1 with 0 rules is pinned" ||
        not_ok "--status: $("$DAEMON" --status --bpffs-dir "$PIN" 2>&1)"
echo '{ "version": 1, "migration": { "protect": ["'"$P"'/prot"] } }' > "$POLICY_DIR/10-a.json"
wait_log "Policy generation 2 in force: 1 files, 1 rules" && ok "first start: the fixed policy applies by itself" || not_ok "not applied: $(tail -3 "$LOG")"
echo '{ "version": 1, "mode": "sometimes" }' > "$POLICY_DIR/10-a.json"
wait_log "invalid (1 errors); the policy in force stays (generation 2, 1 rules)" &&
        ok "running: an invalid edit names the generation that stays" || not_ok "running: $(tail -3 "$LOG")"
kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=

# A restart with pins and an invalid policy: the pinned generation stays in force in the kernel;
# the daemon exits with 78 (EX_CONFIG, RestartPreventExitStatus= in the unit) instead of looping.
run_daemon "$DAEMON" --backend observe --bpffs-dir "$PIN" --policy-dir "$POLICY_DIR"
[ $rc = 78 ] && ok "restart with pins, invalid policy: exit status 78" || not_ok "restart: rc $rc: $(cat "$WORK/out")"
grep -q "the pinned policy (generation 2) stays in force in the kernel" "$WORK/out" &&
        ok "restart with pins: says the pinned generation stays in force" || not_ok "restart: $(cat "$WORK/out")"
grep -q "RestartPreventExitStatus=78" "$(dirname "$0")/../../units/cgroup-guardd.service.in" &&
        ok "the unit does not restart on exit status 78" || not_ok "no RestartPreventExitStatus=78 in the unit"
finish
