#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# "meson install" into a scratch DESTDIR puts everything where systemd, D-Bus, journald and man
# look for it, and systemd-analyze verify accepts the unit. Prints TAP.
set -u
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/tap.sh"

echo "1..15"
if meson install -C "$build" --destdir "$work/root" --quiet > "$work/log" 2>&1; then ok "meson install"; else not_ok "meson install: $(tail -3 "$work/log")"; fi
prefix=$(meson introspect "$build" --buildoptions | python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')
root=$work/root
for f in "$prefix/sbin/cgroup-guardd" "$prefix/bin/cgroup-guardctl" \
         "$prefix/lib/systemd/system/cgroup-guardd.service" \
         "$prefix/share/dbus-1/system.d/org.cgroupguard.Guard1.conf" \
         "$prefix/lib/systemd/catalog/cgroup-guard.catalog" \
         "$prefix/share/cgroup-guard/policies/10-system.json" \
         "$prefix/share/cgroup-guard/schema/cgroup-guard-policy.schema.json" \
         "$prefix/share/man/man5/cgroup-guard.policy.5" \
         "$prefix/share/bash-completion/completions/cgroup-guardctl" \
         "$prefix/share/bash-completion/completions/cgroup-guardd" \
         "/etc/cgroup-guard/policies.d"; do
        check "installed $f" yes "$([ -e "$root$f" ] && echo yes || echo missing)"
done

# What an admin does first: copy every shipped example into the policy directory. Only policies
# may be there, or the daemon refuses the directory.
check_no_grep "the examples directory holds only policies" <(ls "$root$prefix/share/cgroup-guard/policies/") -v '^[0-9][0-9]-.*\.json$'
mkdir -p "$work/policies.d"
cp "$root$prefix"/share/cgroup-guard/policies/*.json "$work/policies.d/"
if "$root$prefix/sbin/cgroup-guardd" --check --policy-dir "$work/policies.d" > "$work/check" 2>&1; then
        ok "cp .../policies/*.json into an empty policies.d gives a valid policy"
else
        not_ok "copied examples refused: $(grep error "$work/check" | head -3)"
fi

# The unit as installed, pointed at the installed binary so verify can check ExecStart= and
# ExecReload= (the guard's own binary too).
sed -e "s|^ExecStart=.*|ExecStart=$root$prefix/sbin/cgroup-guardd|" \
    -e "s|^ExecReload=[^ ]*|ExecReload=$root$prefix/sbin/cgroup-guardd|" "$root$prefix/lib/systemd/system/cgroup-guardd.service" \
        > "$work/cgroup-guardd.service"
if out=$(systemd-analyze verify --man=no "$work/cgroup-guardd.service" 2>&1) && [ -z "$out" ]; then
        ok "systemd-analyze verify --man=no"
else
        not_ok "systemd-analyze verify: $out"
fi
[ "$failed" -eq 0 ]
