#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every file in tests/data/invalid must be rejected by "cgroup-guardd --check" (exit 1) with its
# first error at the position and with the message its .expect file names. Prints TAP.
set -u
daemon=$1
corpus=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

n=0
failed=0
total=$(ls "$corpus"/*.json | wc -l)
echo "1..$total"
for json in "$corpus"/*.json; do
        name=$(basename "$json" .json)
        n=$((n + 1))
        dir="$work/$name"
        mkdir "$dir"
        cp "$json" "$dir/policy.json"
        read -r expected < "$corpus/$name.expect"
        want_pos=${expected%%: error: *}
        want_msg=${expected#*: error: }

        "$daemon" --check --policy-dir "$dir" > "$work/out" 2> "$work/err"
        rc=$?
        first=$(grep -m1 ': error: ' "$work/err")
        if [ "$rc" -ne 1 ]; then
                echo "not ok $n - $name: exit status $rc, expected 1"
                failed=$((failed + 1))
        elif [[ "$first" != "$dir/policy.json:$want_pos: error: "* ]]; then
                echo "not ok $n - $name: got '$first', expected position $want_pos"
                failed=$((failed + 1))
        elif [[ "$first" != *"$want_msg"* ]]; then
                echo "not ok $n - $name: got '$first', expected message '$want_msg'"
                failed=$((failed + 1))
        else
                echo "ok $n - $name"
        fi
done
[ "$failed" -eq 0 ]
