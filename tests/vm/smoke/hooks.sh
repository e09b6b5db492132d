#!/bin/sh
# Guest side of the hooks-kernel rig smoke test: the proposed hooks are in kallsyms and BTF, and
# a trivial lsm.s/cgroup_attach + lsm.s/namespace_install program denies a cgroup.procs write, a
# clone3(CLONE_INTO_CGROUP) and a setns() with EPERM, while the same operations elsewhere work.
set -u
fail() { echo "FAIL: $*"; exit 1; }

for hook in cgroup_attach namespace_install namespace_alloc namespace_free; do
        grep -q " bpf_lsm_$hook\$" /proc/kallsyms || fail "bpf_lsm_$hook not in /proc/kallsyms"
        bpftool btf dump file /sys/kernel/btf/vmlinux | grep -q "FUNC 'bpf_lsm_$hook'" || fail "bpf_lsm_$hook not in BTF"
done
echo "hooks present in kallsyms and BTF"

cg=/sys/fs/cgroup
mkdir $cg/smoke-deny $cg/smoke-ok || fail "mkdir test cgroups"
unshare -u sleep 1000 &
sandbox=$!
unshare -u sleep 1000 &
other=$!
sleep 1000 &
victim=$!
sleep 0.2

cg-smoke hooks $cg/smoke-deny /proc/$sandbox/ns/uts -- sh -c "
        set -u
        r=\$(cg-move $cg/smoke-deny $victim); echo \"cgroup.procs into denied: \$r\"; [ \"\$r\" = EPERM ] || exit 11
        r=\$(cg-move $cg/smoke-ok $victim); echo \"cgroup.procs into other: \$r\"; [ \"\$r\" = ok ] || exit 12
        r=\$(cg-clone3 $cg/smoke-deny 2>/dev/null); echo \"clone3 into denied: \$r\"; [ \"\$r\" = EPERM ] || exit 13
        r=\$(cg-clone3 $cg/smoke-ok 2>/dev/null); echo \"clone3 into other: \$r\"; [ \"\$r\" = ok ] || exit 14
        r=\$(cg-setns /proc/$sandbox/ns/uts); echo \"setns into denied: \$r\"; [ \"\$r\" = EPERM ] || exit 15
        r=\$(cg-setns --pidfd $sandbox uts); echo \"setns by pidfd into denied: \$r\"; [ \"\$r\" = EPERM ] || exit 16
        r=\$(cg-setns /proc/$other/ns/uts); echo \"setns into other: \$r\"; [ \"\$r\" = ok ] || exit 17
"
rc=$?
kill $sandbox $other $victim
wait 2>/dev/null
[ $rc -eq 0 ] || fail "scenario step failed (exit $rc)"
r=$(cg-setns /proc/self/ns/uts) # after detach nothing is denied any more
rmdir $cg/smoke-deny $cg/smoke-ok
echo "PASS: hooks kernel smoke test"
