#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/tap.sh itself, under every POSIX shell at hand (sh; busybox sh, and with only busybox
# applets on PATH, as the VM guests run it): each check passes and fails when it should, counts,
# returns 1 on failure and prints expected and actual. Prints TAP.
. "$(dirname "$0")/tap.sh"
tap=$(dirname "$0")/tap.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The probe: one passing and one failing use of each check, with its return status.
cat > "$work/probe.sh" <<'PROBE'
. "$1"
printf 'a\nb\n' > "$2/file"
check c1 1 1; echo "rc=$?"; check c2 1 "2
3"; echo "rc=$?"
contains i1 x axb; echo "rc=$?"; contains i2 y axb; echo "rc=$?"
check_true t1 true; echo "rc=$?"; check_true t2 false; echo "rc=$?"
check_succeeds s1 true; echo "rc=$?"; check_succeeds s2 sh -c 'echo said; exit 3'; echo "rc=$?"
check_fails f1 false; echo "rc=$?"; check_fails f2 echo said; echo "rc=$?"
not_ok_unless u1 true; echo "rc=$?"; not_ok_unless u2 false; echo "rc=$?"
x=5
check_all a1 '[ $x = 5 ]' 'true > /dev/null'; echo "rc=$?"; check_all a2 '[ $x = 5 ]' '[ "$x" -gt 7 ]' 'echo never'; echo "rc=$?"
check_int n1 3 -gt 2; echo "rc=$?"; check_int n2 "" -gt 2; echo "rc=$?"
check_grep g1 "$2/file" b; echo "rc=$?"; check_grep g2 "$2/file" c; echo "rc=$?"
check_no_grep h1 "$2/file" c; echo "rc=$?"; check_no_grep h2 "$2/file" b; echo "rc=$?"
check_grep_all l1 "$2/file" a b; echo "rc=$?"; check_grep_all l2 "$2/file" a c; echo "rc=$?"
check_output o1 '^b' cat "$2/file"; echo "rc=$?"; check_output_no o2 a cat "$2/file"; echo "rc=$?"
check_true d1 false || diag "more
said"
echo "above: $(above 10 11) $(above 10 10) $(above 10 '')"
echo "$n $passed $failed"
PROBE
cat > "$work/expected" <<'EXPECTED'
ok 1 - c1
rc=0
not ok 2 - c2
#   expected: 1
#   actual:   2
#             3
rc=1
ok 3 - i1
rc=0
not ok 4 - i2
#   expected to contain: y
#   actual: axb
rc=1
ok 5 - t1
rc=0
not ok 6 - t2
#   expected: success of: false
#   actual:   exit status 1
rc=1
ok 7 - s1
rc=0
not ok 8 - s2
#   expected: success of: sh -c echo said; exit 3
#   actual:   exit status 3
#   actual (1 lines, the last 10):
#     said
rc=1
ok 9 - f1
rc=0
not ok 10 - f2
#   expected: failure of: echo said
#   actual:   exit status 0
#   actual (1 lines, the last 10):
#     said
rc=1
rc=0
not ok 11 - u2
#   expected: success of: false
#   actual:   exit status 1
rc=1
ok 12 - a1
rc=0
not ok 13 - a2
#   expected: success of: [ "$x" -gt 7 ]
#   actual:   exit status 1
rc=1
ok 14 - n1
rc=0
not ok 15 - n2
#   expected: -gt 2
#   actual:   
rc=1
ok 16 - g1
rc=0
not ok 17 - g2
#   expected a line matching: grep c
#   actual (2 lines, the last 10):
#     a
#     b
rc=1
ok 18 - h1
rc=0
not ok 19 - h2
#   expected no line matching: grep b
#   actual:
#     b
rc=1
ok 20 - l1
rc=0
not ok 21 - l2
#   expected a line matching: c
#   actual (2 lines, the last 10):
#     a
#     b
rc=1
ok 22 - o1
rc=0
not ok 23 - o2
#   expected no line matching: grep -e a
#   actual:
#     a
rc=1
not ok 24 - d1
#   expected: success of: false
#   actual:   exit status 1
#   more
#   said
above: above 10 10 no
24 11 13
EXPECTED
# The guests' tools are busybox applets too: the third run has only those on PATH.
if busybox=$(command -v busybox); then
        mkdir "$work/bin"
        for applet in $("$busybox" --list); do ln -s "$busybox" "$work/bin/$applet"; done
fi
for shell in sh "busybox sh" "busybox applets"; do
        command -v busybox > /dev/null || [ "$shell" = sh ] || { ok "# SKIP busybox is not installed"; continue; }
        case $shell in
        "busybox applets") PATH=$work/bin sh "$work/probe.sh" "$tap" "$work" > "$work/actual" 2>&1 ;;
        *) $shell "$work/probe.sh" "$tap" "$work" > "$work/actual" 2>&1 ;;
        esac
        if cmp -s "$work/expected" "$work/actual"; then
                ok "$shell: every check passes, fails, counts and reports as it should"
        else
                not_ok "$shell: the checks' output differs from the expected"
                diff "$work/expected" "$work/actual" | sed 's/^/# /'
        fi
done
echo "1..$n"
