#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every program of a set asks first whether a later load retired the set (guard_set_retired()):
# a program that does not goes on deciding by a stale generation beside the new set, out of reach
# of a relaxation or an unload, and on compat writes into the windows both sets share (reviews
# found the setns windows, and ptrace_access_check deciding before it asked). Checked on the built
# objects: in each program the first relocation (a map used, a function called) is guard_hints.
# Iterators run once, at the load that made them. The mount claims' release programs run retired
# too (a call in flight across a reload returns through the old set's trampoline only): they
# undo their own thread's claims and decide nothing. Prints TAP.
# Usage: check-bpf-retired.sh OBJECT...
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
for obj in "$@"; do
        name=$(basename "$obj")
        # Program sections by index; programs (global functions) as section offset size name;
        # relocations as section offset symbol.
        llvm-readelf -S "$obj" | sed -n 's/^ *\[ *\([0-9]*\)\] \([^ ]*\) .* AX .*/\1 \2/p' |
                grep -v -e ' \.text$' -e ' iter/' > "$work/sections"
        llvm-readelf -s "$obj" | awk '$4 == "FUNC" && $5 == "GLOBAL" { print $7, $2, $3, $8 }' > "$work/programs"
        llvm-objdump -r "$obj" | awk '
                /^RELOCATION RECORDS FOR/ { s = $4; sub(/^\[/, "", s); sub(/\]:$/, "", s); next }
                s != "" && $3 != "" && $3 != "VALUE" { print s, $1, $3 }' > "$work/relocations"
        [ -s "$work/sections" ] || { n=$((n + 1)); echo "not ok $n - $name: no program sections found"; failed=1; continue; }
        while read -r index section; do
                while read -r start size program; do
                        n=$((n + 1))
                        first=$(awk -v s="$section" -v a="$start" -v z="$size" '
                                function hex(h,   v, i, c) { v = 0; h = tolower(h)
                                        for (i = 1; i <= length(h); i++) { c = index("0123456789abcdef", substr(h, i, 1)) - 1; v = v * 16 + c }
                                        return v }
                                BEGIN { a = hex(a) }
                                $1 == s { o = hex($2); if (o >= a && o < a + z && (best == "" || o < bo)) { best = $3; bo = o } }
                                END { print best }' "$work/relocations")
                        case $program in
                        guard_tamper_mount_exit | guard_tamper_move_mount_exit | guard_tamper_move_mount_exit_ia32)
                                echo "ok $n - $name $program ($section) releases mount claims, retired or not"
                                continue ;;
                        esac
                        if [ "$first" = guard_hints ]; then
                                echo "ok $n - $name $program ($section) asks guard_set_retired() first"
                        else
                                echo "not ok $n - $name $program ($section): its first relocation is ${first:-none}, not guard_hints: it acts when retired"
                                failed=1
                        fi
                done <<EOF2
$(awk -v i="$index" '$1 == i { print $2, $3, $4 }' "$work/programs")
EOF2
        done < "$work/sections"
done
echo "1..$n"
exit $failed
