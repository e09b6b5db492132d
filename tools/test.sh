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

# Benchmarks are not tests: CI only checks that they build and run (no thresholds).
if [ $# -eq 0 ]; then
        bench/run --smoke > build/bench-smoke.log 2>&1 || { cat build/bench-smoke.log; exit 1; }
        echo "bench/run --smoke: ok ($(grep -c '^| ' build/bench-smoke.log) result rows, see build/bench-smoke.log)"
fi
