#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tools/backend-table.sh LOG...
# The README's per-kernel guarantee table, made from what the daemon reported: each LOG is the
# output of the vm-probes-<kernel> scenario (tests/vm/scenarios/probes.sh prints "# kernel:" and
# the "--status" Guarantee/Missing lines). Prints one markdown table per backend: a row per
# guarantee, a column per kernel with the attach points that carry it there (or "not held").
#   meson test -C build vm-probes-stock vm-probes-stock-6.12 vm-probes-hooks vm-probes-hooks-6.12
#   tools/backend-table.sh build/meson-logs/testlog.txt     # or one log per kernel
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 LOG..." >&2; exit 2; }

# One record per kernel: "backend<TAB>kernel<TAB>guarantee<TAB>attach points" (points "-": not held).
cat "$@" | awk '
        /^# kernel: / { kernel = $3; backend = (kernel ~ /amd64$/) ? "compat" : "native"; next }
        /^# Guarantee: / {
                line = substr($0, 14)
                n = index(line, " [")
                if (n == 0) next
                print backend "\t" kernel "\t" substr(line, 1, n - 1) "\t" substr(line, n + 2, length(line) - n - 2)
                next
        }
        /^# Missing: NOT HELD on this kernel: / {
                line = substr($0, 37)
                n = index(line, " (not attached: ")
                print backend "\t" kernel "\t" substr(line, 1, n - 1) "\tnot held (no " substr(line, n + 16, length(line) - n - 16) ")"
        }' | sort -u > "${TMPDIR:-/tmp}/backend-table.$$"
trap 'rm -f "${TMPDIR:-/tmp}/backend-table.$$"' EXIT

for backend in native compat; do
        kernels=$(awk -F'\t' -v b=$backend '$1 == b { print $2 }' "${TMPDIR:-/tmp}/backend-table.$$" | sort -uV)
        [ -n "$kernels" ] || continue
        printf '| %s: guarantee |' "$backend"
        for k in $kernels; do printf ' %s |' "$k"; done
        printf '\n|---|'
        for k in $kernels; do printf -- '---|'; done
        printf '\n'
        awk -F'\t' -v b=$backend '$1 == b { print $3 }' "${TMPDIR:-/tmp}/backend-table.$$" | awk '!seen[$0]++' |
        while IFS= read -r g; do
                printf '| %s |' "$g"
                for k in $kernels; do
                        p=$(awk -F'\t' -v b=$backend -v k="$k" -v g="$g" '$1 == b && $2 == k && $3 == g { print $4 }' "${TMPDIR:-/tmp}/backend-table.$$")
                        printf ' %s |' "${p:-?}"
                done
                printf '\n'
        done
        printf '\n'
done
