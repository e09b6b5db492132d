#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The whole test suite, from a bare Debian bookworm machine: installs what is missing, builds,
# runs every suite. This is exactly what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
if [ -d build ]; then
        meson setup --reconfigure build > /dev/null
else
        meson setup build > /dev/null
fi
ninja -C build
meson test -C build --print-errorlogs "$@"
