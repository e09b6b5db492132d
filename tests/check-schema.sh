#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The JSON Schema says what cgroup-guardd --check says, for what a schema can say: the shipped
# policies and tests/data/valid pass both (together: v1 and v2 files mix); invalid corpus files
# whose fault is one of shape (types, fields, versions) fail both. Prints TAP.
set -u
daemon=$1
schema=$2
policies=$3
data=$4

if ! python3 -c 'import jsonschema' 2> /dev/null; then
        echo "1..0 # SKIP python3 jsonschema missing (tools/install-deps.sh installs python3-jsonschema)"
        exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One Python process judges every file: "FILE accept|reject" lines in, TAP lines out.
judge() {
        python3 - "$schema" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
for line in open("/dev/fd/3"):
    n, path, want = line.split()
    errors = list(validator.iter_errors(json.load(open(path))))
    name = path.rsplit("/", 1)[-1]
    if want == "accept":
        print(("ok %s - schema accepts %s" % (n, name)) if not errors else
              ("not ok %s - schema rejects %s: %s" % (n, name, errors[0].message)))
    else:
        print(("ok %s - schema rejects %s as --check does" % (n, name)) if errors else
              ("not ok %s - schema accepts %s, which --check rejects" % (n, name)))
PY
}

shape_invalid="protect-number protect-object-entry version-3 v2-from-in-v1 v2-name-in-v1 v2-seal-not-boolean
v2-protect-missing-cgroup v2-protect-unknown-field v2-from-empty v2-name-empty v2-name-space v2-name-too-long
v2-local-allow-no-actor v2-local-allow-not-array v2-delegate-object-in-v1 v2-from-string allow-only-to
admin-root admin-in-v1 admin-empty admin-relative admin-string"
valid=$(ls "$policies"/*.json "$data"/valid/*.json)
total=$(( $(echo $valid | wc -w) + 1 + $(echo $shape_invalid | wc -w) ))
echo "1..$total"
n=0
{
        for f in $valid; do n=$((n + 1)); echo "$n $f accept"; done
        for name in $shape_invalid; do n=$((n + 1)); echo "$n $data/invalid/$name.json reject"; done
} > "$work/list"
judge 3< "$work/list"
cp $valid "$work/"
n=$total
if "$daemon" --check --policy-dir "$work" > /dev/null 2> "$work/err"; then
        echo "ok $n - --check accepts the shipped policies and tests/data/valid together"
else
        echo "not ok $n - --check rejects them: $(grep -m3 error "$work/err")"
fi
