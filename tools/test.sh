#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The whole test suite, from a bare Debian bookworm machine: installs what is missing, builds,
# runs every suite. This is exactly what .ci/run runs. With arguments, they go to "meson test"
# on the plain build and nothing else runs (e.g. tools/test.sh --suite vm vm-tamper-hooks).
# --full (alone): also the vm-full suite: every VM suite on the 6.12 kernels beyond the smoke test
# and the enforcement scenarios, which CI runs on both.
set -euo pipefail
cd "$(dirname "$0")/.."
full=()
if [ "${1:-}" = "--full" ] && [ $# -eq 1 ]; then
        shift
        full=(--suite vm-full)
fi

# The VM suites prove enforcement on real kernels: they need qemu, Debian's 6.1 kernel and
# linux-source-6.1 (the hooks kernel is built once and cached, see tests/vm/build-kernel).
tools/install-deps.sh --vm
export CGROUP_GUARD_REQUIRE_VM=1
setup() {
        local dir=$1
        shift
        if [ -d "$dir" ]; then
                meson setup --reconfigure "$dir" "$@" > /dev/null
        else
                meson setup "$dir" "$@" > /dev/null
        fi
}
setup build
ninja -C build
if [ $# -gt 0 ]; then
        exec meson test -C build --print-errorlogs "$@"
fi

# Time is what CI has least of, and a TCG guest keeps a core busy while it works: the VM suite
# (the longest part by far) starts first and runs three guests at a time on two cores, so that
# one guest's waits (pam_systemd's timeout, a daemon's restart) leave no core idle
# (tests/vm/meson.build marks them parallel); the sanitizer build, the unit and host suites, plain then under ASan+UBSan, and the
# benchmark smoke pass run beside it (the host suites mostly wait on the daemon, journald and
# D-Bus). The host suites share this machine's kernel: one test at a time, one pass after the other.
vm_log=build/meson-logs/vm-suites.txt
# What each guest cost in CPU seconds (tests/vm/run), the measure to cut when CI is too slow.
export CGROUP_GUARD_VM_CPU_LOG=$PWD/build/meson-logs/vm-cpu.txt
: > "$CGROUP_GUARD_VM_CPU_LOG"
# Twice the tests' timeouts: on a cold machine the first hooks test builds the kernel inside its
# own timeout (18 minutes on 2 idle cores, more than 30 beside the other work; the cold run of
# 2026-12-02 timed out there).
meson test -C build --no-rebuild --print-errorlogs --logbase vmlog --num-processes 3 --timeout-multiplier 2 \
        --suite vm --suite system "${full[@]}" > "$vm_log" 2>&1 &
vm_pid=$!
trap 'kill $vm_pid 2>/dev/null' EXIT
host_rc=0
meson test -C build --no-rebuild --print-errorlogs --suite unit --suite host || host_rc=$?
# Second build: the unit and host suites again under ASan+UBSan (the daemon loads real programs there too).
asan_rc=0
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
nice ninja -C build-asan > /dev/null
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        meson test -C build-asan --print-errorlogs --suite unit --suite host || asan_rc=$?
# Benchmarks are not tests: CI only checks that they build and run (no thresholds). Its two
# guests run while the VM suite still does: a core would sit idle at the end otherwise.
bench_rc=0
bench/run --smoke > build/bench-smoke.log 2>&1 || bench_rc=$?
vm_rc=0
wait $vm_pid || vm_rc=$?
trap - EXIT
cat "$vm_log"
sort -rn "$CGROUP_GUARD_VM_CPU_LOG" | awk '{ cpu += $1; n++ } NR <= 5 { top = top sprintf("\n  %6.1f s  %s %s", $1, $3, $5) }
        END { printf "guests: %d, %.0f CPU seconds in all; the costliest:%s\n", n, cpu, top }'
[ $host_rc -eq 0 ] || { echo "tools/test.sh: the unit or host suites failed" >&2; exit 1; }
[ $asan_rc -eq 0 ] || { echo "tools/test.sh: the sanitizer pass failed" >&2; exit 1; }
[ $vm_rc -eq 0 ] || { echo "tools/test.sh: the VM suites failed" >&2; exit 1; }
[ $bench_rc -eq 0 ] || { cat build/bench-smoke.log; echo "tools/test.sh: bench/run --smoke failed" >&2; exit 1; }
echo "bench/run --smoke: ok ($(grep -c '^| ' build/bench-smoke.log) result rows, see build/bench-smoke.log)"
