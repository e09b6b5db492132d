#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The whole test suite, from a bare Debian bookworm machine: installs what is missing, builds,
# runs every suite. This is exactly what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."

# The VM suites prove enforcement on real kernels: they need qemu, Debian's 6.1 kernel and
# linux-source-6.1 (the hooks kernel is built once and cached, see tests/vm/build-kernel).
tools/install-deps.sh --vm
export CGROUP_GUARD_REQUIRE_VM=1
if [ -d build ]; then
        meson setup --reconfigure build > /dev/null
else
        meson setup build > /dev/null
fi
ninja -C build
meson test -C build --print-errorlogs "$@"

# The unit and host suites again under ASan+UBSan (the daemon loads real programs there too).
if [ $# -eq 0 ]; then
        [ -d build-asan ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false > /dev/null
        ninja -C build-asan > /dev/null
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
                meson test -C build-asan --print-errorlogs --suite unit --suite host
fi

# Benchmarks are not tests: CI only checks that they build and run (no thresholds).
if [ $# -eq 0 ]; then
        bench/run --smoke > build/bench-smoke.log 2>&1 || { cat build/bench-smoke.log; exit 1; }
        echo "bench/run --smoke: ok ($(grep -c '^| ' build/bench-smoke.log) result rows, see build/bench-smoke.log)"
fi
