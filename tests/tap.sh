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
        if "$@"; then ok "$_tap_name"; else not_ok "$_tap_name"; fi
}
