# SPDX-License-Identifier: LGPL-2.1-or-later
# The TAP helper every shell suite sources (POSIX sh: the busybox guests use it too). Counts in
# n, passed, failed. TAP_DETAILS: a file whose lines are printed as comments under every failure.
n=0
passed=0
failed=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
not_ok() {
        n=$((n + 1))
        failed=$((failed + 1))
        echo "not ok $n - $*"
        [ -z "${TAP_DETAILS:-}" ] || sed 's/^/# /' "$TAP_DETAILS"
}
# check NAME EXPECTED ACTUAL: both are printed on failure.
check() {
        if [ "$2" = "$3" ]; then
                ok "$1"
        else
                not_ok "$1"
                echo "#   expected: $2"
                echo "#   actual:   $3"
        fi
}
# contains NAME NEEDLE HAYSTACK
contains() {
        case "$3" in
        *"$2"*) ok "$1" ;;
        *) not_ok "$1"; echo "#   expected to contain: $2"; echo "#   actual: $3" ;;
        esac
}
# check_true NAME COMMAND...: the command must succeed.
check_true() {
        _tap_name=$1
        shift
        if "$@"; then
                ok "$_tap_name"
        else
                _tap_rc=$?
                not_ok "$_tap_name"
                echo "#   expected: success of: $*"
                echo "#   actual:   exit status $_tap_rc"
        fi
}
# check_int NAME ACTUAL OP BOUND: the integer comparison [ ACTUAL OP BOUND ] holds (OP: -eq, -ge,
# -le, -gt, -lt, -ne); an empty or non-numeric ACTUAL fails.
check_int() {
        if [ "$2" "$3" "$4" ] 2>/dev/null; then
                ok "$1"
        else
                not_ok "$1"
                echo "#   expected: $3 $4"
                echo "#   actual:   $2"
        fi
}
# FILE read once into $_tap_file (a file, or <(command) in bash), and its last lines on failure.
_tap_snapshot() {
        _tap_file=$(mktemp)
        cat "$1" > "$_tap_file" 2>/dev/null
}
_tap_last_lines() {
        echo "#   actual ($(wc -l < "$_tap_file") lines, the last 10):"
        tail -n 10 "$_tap_file" | sed 's/^/#     /'
}
# check_grep NAME FILE [GREP-OPTION...] PATTERN: grep finds a line in FILE (a file, or <(command)
# in bash: it is read once). On failure the pattern and the last lines of FILE are printed.
check_grep() {
        _tap_name=$1
        _tap_snapshot "$2"
        shift 2
        if grep -q "$@" "$_tap_file"; then
                ok "$_tap_name"
        else
                not_ok "$_tap_name"
                echo "#   expected a line matching: grep $*"
                _tap_last_lines
        fi
        rm -f "$_tap_file"
}
# check_no_grep NAME FILE [GREP-OPTION...] PATTERN: no line of FILE matches; on failure the lines
# that do are printed (the first 10).
check_no_grep() {
        _tap_name=$1
        _tap_snapshot "$2"
        shift 2
        if ! grep -q "$@" "$_tap_file"; then
                ok "$_tap_name"
        else
                not_ok "$_tap_name"
                echo "#   expected no line matching: grep $*"
                echo "#   actual:"
                grep "$@" "$_tap_file" | head -n 10 | sed 's/^/#     /'
        fi
        rm -f "$_tap_file"
}
# check_grep_all NAME FILE PATTERN...: every PATTERN (grep's basic regular expressions) matches a
# line of FILE; on failure the patterns that did not and the last lines of FILE are printed.
check_grep_all() {
        _tap_name=$1
        _tap_snapshot "$2"
        shift 2
        _tap_missing=
        for _tap_pattern; do
                grep -q -- "$_tap_pattern" "$_tap_file" || _tap_missing="$_tap_missing
#   expected a line matching: $_tap_pattern"
        done
        if [ -z "$_tap_missing" ]; then
                ok "$_tap_name"
        else
                not_ok "$_tap_name"
                echo "${_tap_missing#?}"
                _tap_last_lines
        fi
        rm -f "$_tap_file"
}
# running PID: "running" while the process exists (kill -0), "gone" after; for check.
running() { if kill -0 "$1" 2>/dev/null; then echo running; else echo gone; fi; }
