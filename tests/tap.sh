# SPDX-License-Identifier: LGPL-2.1-or-later
# TAP lines for the tests/check-*.sh scripts (sourced). TAP_DETAILS: a file whose lines are
# printed as comments under every failure.
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
        n=$((n + 1))
        failed=$((failed + 1))
        echo "not ok $n - $*"
        [ -z "${TAP_DETAILS:-}" ] || sed 's/^/# /' "$TAP_DETAILS"
}
