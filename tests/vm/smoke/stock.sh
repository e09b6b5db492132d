#!/bin/sh
# Guest side of the stock-kernel rig smoke test: BPF LSM is active and a trivial lsm/ program
# denies what the test set up (and nothing else), and stops once detached.
set -u
fail() { echo "FAIL: $*"; exit 1; }

grep -qw bpf /sys/kernel/security/lsm || fail "bpf not in /sys/kernel/security/lsm: $(cat /sys/kernel/security/lsm)"
echo "lsm: $(cat /sys/kernel/security/lsm)"
echo secret > /tmp/forbidden
echo fine > /tmp/allowed

out=$(cg-smoke stock /tmp/forbidden -- sh -c 'cat /tmp/forbidden 2>&1; echo "rc=$?"; cat /tmp/allowed') ||
        fail "cg-smoke failed: $out"
echo "$out"
echo "$out" | grep -q "Operation not permitted" || fail "opening the target was not denied with EPERM"
echo "$out" | grep -q "rc=1" || fail "cat of the target did not fail"
echo "$out" | grep -q "^fine$" || fail "an unrelated file was denied too"
[ "$(cat /tmp/forbidden)" = secret ] || fail "the target is still denied after detaching"
echo "PASS: stock kernel smoke test"
