# SPDX-License-Identifier: LGPL-2.1-or-later
# The TAP helper every shell suite sources (POSIX sh: the busybox guests use it too). Counts in
# n, passed, failed. TAP_DETAILS: a file whose lines are printed as comments under every failure.
# Every check returns 0 when it passes and 1 when it fails, so that a failure can add what it knows:
# check_true NAME COMMAND... || diag "$(journalctl -u unit | tail -n 5)"
n=0
passed=0
failed=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
not_ok() {
        n=$((n + 1))
        failed=$((failed + 1))
        echo "not ok $n - $*"
        [ -z "${TAP_DETAILS:-}" ] || sed 's/^/# /' "$TAP_DETAILS"
        return 1
}
# diag TEXT...: TEXT as TAP comment lines, each line of it indented under the last check.
diag() { printf '%s\n' "$*" | sed 's/^/#   /'; }
# _tap_value LABEL VALUE: "#   LABEL VALUE", every further line of VALUE a comment too.
_tap_value() { printf '%s\n' "$2" | sed "1s/^/#   $1 /; 1!s/^/#             /"; }
# check NAME EXPECTED ACTUAL: both are printed on failure.
check() {
        if [ "$2" = "$3" ]; then
                ok "$1"
        else
                not_ok "$1"
                _tap_value "expected:" "$2"
                _tap_value "actual:  " "$3"
                return 1
        fi
}
# contains NAME NEEDLE HAYSTACK
contains() {
        case "$3" in
        *"$2"*) ok "$1" ;;
                *) not_ok "$1"; _tap_value "expected to contain:" "$2"; _tap_value "actual:" "$3"; return 1 ;;
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
                return 1
        fi
}
# check_succeeds NAME COMMAND...: the command must succeed; check_fails NAME COMMAND...: it must
# fail. Its stdout and stderr are kept, and printed (the last 10 lines) with its exit status when
# the check fails.
check_succeeds() {
        _tap_name=$1
        shift
        _tap_file=$(mktemp)
        "$@" > "$_tap_file" 2>&1
        _tap_rc=$?
        _tap_status=0
        if [ $_tap_rc = 0 ]; then
                ok "$_tap_name"
        else
                not_ok "$_tap_name"
                _tap_status=1
                echo "#   expected: success of: $*"
                echo "#   actual:   exit status $_tap_rc"
                _tap_last_lines
        fi
        rm -f "$_tap_file"
        return $_tap_status
}
check_fails() {
        _tap_name=$1
        shift
        _tap_file=$(mktemp)
        _tap_status=0
        if "$@" > "$_tap_file" 2>&1; then
                not_ok "$_tap_name"
                _tap_status=1
                echo "#   expected: failure of: $*"
                echo "#   actual:   exit status 0"
                _tap_last_lines
        else
                ok "$_tap_name"
        fi
        rm -f "$_tap_file"
        return $_tap_status
}
# not_ok_unless NAME COMMAND...: a precondition, silent while it holds: only its failure is a TAP
# line (not ok, with the command and its exit status).
not_ok_unless() {
        _tap_name=$1
        shift
        "$@" && return 0
        _tap_rc=$?
        not_ok "$_tap_name"
        echo "#   expected: success of: $*"
        echo "#   actual:   exit status $_tap_rc"
        return 1
}
# check_all NAME CONDITION...: every CONDITION, a command line run by eval in the caller's shell,
# succeeds; they run in order and stop at the first that fails, as "A && B && ..." does. On
# failure that one and its exit status are printed. For checks of more than one part.
check_all() {
        _tap_name=$1
        shift
        for _tap_condition; do
                eval "$_tap_condition" && continue
                _tap_rc=$?
                not_ok "$_tap_name"
                echo "#   expected: success of: $_tap_condition"
                echo "#   actual:   exit status $_tap_rc"
                return 1
        done
        ok "$_tap_name"
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
                return 1
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
        _tap_status=0
        shift 2
        if grep -q "$@" "$_tap_file"; then
                ok "$_tap_name"
        else
                not_ok "$_tap_name"
                echo "#   expected a line matching: grep $*"
                _tap_last_lines
                _tap_status=1
        fi
        rm -f "$_tap_file"
        return $_tap_status
}
# check_no_grep NAME FILE [GREP-OPTION...] PATTERN: no line of FILE matches; on failure the lines
# that do are printed (the first 10).
check_no_grep() {
        _tap_name=$1
        _tap_snapshot "$2"
        _tap_status=0
        shift 2
        if ! grep -q "$@" "$_tap_file"; then
                ok "$_tap_name"
        else
                not_ok "$_tap_name"
                echo "#   expected no line matching: grep $*"
                echo "#   actual:"
                grep "$@" "$_tap_file" | head -n 10 | sed 's/^/#     /'
                _tap_status=1
        fi
        rm -f "$_tap_file"
        return $_tap_status
}
# check_grep_all NAME FILE PATTERN...: every PATTERN (grep's basic regular expressions) matches a
# line of FILE; on failure the patterns that did not and the last lines of FILE are printed.
check_grep_all() {
        _tap_name=$1
        _tap_snapshot "$2"
        _tap_status=0
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
                _tap_status=1
        fi
        rm -f "$_tap_file"
        return $_tap_status
}
# check_output NAME PATTERN COMMAND...: a line of the command's stdout matches PATTERN (grep's
# basic regular expressions); check_output_no NAME PATTERN COMMAND...: none does. POSIX sh has no
# <(command) for check_grep, and "COMMAND | check_grep" would count in a subshell.
check_output() { _tap_on_output check_grep "$@"; }
check_output_no() { _tap_on_output check_no_grep "$@"; }
# _tap_on_output CHECK NAME PATTERN COMMAND...: CHECK (check_grep, check_no_grep) over its stdout.
_tap_on_output() {
        _tap_output=$(mktemp)
        _tap_out_check=$1 _tap_out_name=$2 _tap_out_pattern=$3
        shift 3
        "$@" > "$_tap_output"
        "$_tap_out_check" "$_tap_out_name" "$_tap_output" -e "$_tap_out_pattern"
        _tap_out_status=$?
        rm -f "$_tap_output"
        return $_tap_out_status
}
# above BOUND N: "above BOUND" when the integer N is, else N; for a count that must pass a bound
# inside a check with more than one part, e.g. "above 10 attempts, 0 succeeded".
above() { if [ "$2" -gt "$1" ] 2>/dev/null; then echo "above $1"; else echo "${2:-no}"; fi; }
# running PID: "running" while the process exists (kill -0), "gone" after; for check.
running() { if kill -0 "$1" 2>/dev/null; then echo running; else echo gone; fi; }
