#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# "--check" warns, with file:line:column, about what admins get wrong without making the policy
# invalid: filesystem paths, "**", locks that are not protected against migration, allow entries
# nothing can need, a byte order mark, files that are ignored. It also reports every error of a
# file it can recover from in one run. Prints TAP.
set -u
daemon=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/tap.sh"
TAP_DETAILS=$work/err

# check_policy NAME EXPECTED_RC PATTERN...: every pattern (grep -E) must occur in stderr; a pattern
# starting with ! must not.
check_policy() {
        local name=$1 want=$2 rc p
        shift 2
        "$daemon" --check --policy-dir "$work/d" > "$work/out" 2> "$work/err"
        rc=$?
        cat "$work/out" >> "$work/err"
        if [ "$rc" -ne "$want" ]; then
                not_ok "$name: exit status $rc, expected $want"
                return
        fi
        for p in "$@"; do
                if [ "${p:0:1}" = "!" ]; then
                        grep -qE -- "${p:1}" "$work/err" && { not_ok "$name: output matches '${p:1}'"; return; }
                else
                        grep -qE -- "$p" "$work/err" || { not_ok "$name: output does not match '$p'"; return; }
                fi
        done
        ok "$name"
}

fresh() { rm -rf "$work/d"; mkdir "$work/d"; }
f=$work/d/10-a.json

echo "1..27"

fresh
echo '{ "version": 1, "migration": { "protect": ["/a"], "allow": [ { "exe": "/usr/cgg-not-installed" } ] } }' > "$f"
check_policy "an exe that does not exist here is a warning" 0 \
        '10-a.json:1:62: warning: exe "/usr/cgg-not-installed" does not exist here; this rule matches nothing until it does'

fresh
echo '{ "version": 1, "migration": { "protect": ["/a"], "allow": [ { "exe": "/cgg-not-there/bin/x" },
  { "exe": "/usr/cgg-a-name-longer-than-thirty-one-bytes" } ] } }' > "$f"
check_policy "... naming what tamper protection cannot reserve (a missing top directory, a long name)" 0 \
        '10-a.json:1:62: warning: exe "/cgg-not-there/bin/x" does not exist here, and tamper protection cannot reserve its name' \
        '10-a.json:2:3: warning: exe "/usr/cgg-a-name-longer-than-thirty-one-bytes" does not exist here, and tamper protection cannot reserve'

fresh
echo '{ "version": 1, "migration": { "protect": ["/sys/fs/cgroup/system.slice"] } }' > "$f"
check_policy "a filesystem path as cgroup is a warning naming the cgroup meant" 0 \
        '10-a.json:1:44: warning: protect "/sys/fs/cgroup/system.slice" is a filesystem path; cgroup paths start at the cgroup2 root: "/system.slice"'

fresh
echo '{ "version": 1, "migration": { "protect": ["/a"], "allow": [ { "exe": "/bin/sh", "to": ["/sys/fs/cgroup"] } ] } }' > "$f"
check_policy "... also in allow.to, for the root itself" 0 '10-a.json:1:89: warning: to "/sys/fs/cgroup" is a filesystem path; cgroup paths start at the cgroup2 root: "/"'

fresh
echo '{ "version": 1, "migration": { "protect": ["/user.slice/**"] } }' > "$f"
check_policy '"**" in a glob is a warning' 0 '10-a.json:1:44: warning: protect "/user.slice/\*\*": "\*\*" is the same as "\*"'

fresh
echo '{ "version": 1, "namespaces": { "lock": [ { "cgroup": "/jail", "types": ["net"] } ] } }' > "$f"
check_policy "a lock whose cgroup is not protected against migration is a warning" 0 \
        '10-a.json:1:43: warning: lock on /jail: no protect rule covers /jail, so its tasks can be moved out of the lock'

fresh
echo '{ "version": 1, "migration": { "protect": ["/jail"] }, "namespaces": { "lock": [ { "cgroup": "/jail/*", "types": ["net"] } ] } }' > "$f"
check_policy "... but not when a protect rule covers it" 0 '!warning'

fresh
echo '{ "version": 1, "namespaces": { "lock": [ { "cgroup": "/jail", "types": ["net"] } ] } }' > "$f"
echo '{ "version": 1, "mode": "off", "migration": { "protect": ["/jail"] } }' > "$work/d/20-b.json"
check_policy "... and a protect rule in a file that is off does not count" 0 'warning: lock on /jail: no protect rule covers /jail'

fresh
echo '{ "version": 1, "migration": { "allow": [ { "cgroup": "/admin" } ] } }' > "$f"
check_policy "an allow entry with no protect rule anywhere is a warning" 0 \
        '10-a.json:1:43: warning: allow entry has no effect: no active protect rule governs any migration'

fresh
echo '{ "version": 1, "migration": { "allow": [ { "cgroup": "/admin" } ] } }' > "$f"
echo '{ "version": 1, "migration": { "protect": ["/system.slice"] } }' > "$work/d/20-b.json"
check_policy "... a protect rule in another file makes it needed" 0 '!warning'

fresh
echo '{ "version": 1, "migration": { "protect": ["/a"], "allow": [ { "exe": "/bin/sh", "to": ["/b"] } ] } }' > "$f"
check_policy "an exe allow entry without cgroup is a warning (weak identity)" 0 \
        '10-a.json:1:62: warning: allow entry for exe "/bin/sh" has no "cgroup"'

fresh
echo '{ "version": 1, "migration": { "protect": ["/a"], "allow": [ { "exe": "/bin/sh", "cgroup": "/init.scope" } ] } }' > "$f"
check_policy "... not with one" 0 '!warning'

fresh
echo '{ "version": 2, "admin": ["/admin.slice"], "migration": { "protect": ["/a"] } }' > "$f"
check_policy "an admin slice is a warning (every unit placed below it is an admin cgroup)" 0 \
        '10-a.json:1:27: warning: admin "/admin.slice" is a slice'
fresh
echo '{ "version": 2, "admin": ["/user.slice/user-0.slice/session-*.scope"], "migration": { "protect": ["/a"] } }' > "$f"
check_policy "... a pattern too" 0 'warning: admin "/user.slice/user-0.slice/session-\*.scope" is a pattern'
fresh
echo '{ "version": 2, "admin": ["/user.slice/user-0.slice/session-1.scope"], "migration": { "protect": ["/a"] } }' > "$f"
check_policy "... and a scope" 0 'warning: admin "/user.slice/user-0.slice/session-1.scope" is a scope'
fresh
echo '{ "version": 2, "admin": ["/system.slice/cgg-no-such-admin.service"], "migration": { "protect": ["/a"] } }' > "$f"
check_policy "... and a service with no unit file (any transient unit may take its name)" 0 \
        'warning: admin "/system.slice/cgg-no-such-admin.service" is a service with no unit file here'
fresh
# A unit every systemd host has a unit file for (the host suites run a real journald).
echo '{ "version": 2, "admin": ["/init.scope", "/system.slice/systemd-journald.service"], "migration": { "protect": ["/a"] } }' > "$f"
check_policy "... not a unit with a unit file, nor PID 1's scope" 0 '!warning'

fresh
printf '\xef\xbb\xbf{ "version": 1, "migration": { "protect": ["/a"] } }\n' > "$f"
check_policy "a UTF-8 BOM is skipped with a warning that says BOM" 0 '10-a.json:1:1: warning: .*byte order mark \(BOM\)' '!invalid utf-8'

fresh
printf '\xef\xbb\xbf{ "version": 1, "mode": "x" }\n' > "$f"
check_policy "... and errors after it keep their columns" 1 '10-a.json:1:25: error: unknown mode' '!invalid utf-8'

fresh
echo '{ "version": 1 }' > "$work/d/a.JSON"
echo '{ "version": 1 }' > "$work/d/b.conf"
echo '{ "version": 1 }' > "$work/d/c.json~"
echo '{ "version": 1 }' > "$work/d/.hidden.json"
check_policy "files that will be ignored are named" 0 'a.JSON:1:1: warning: ignored: only files named \*.json are read' \
        'b.conf:1:1: warning: ignored' 'c.json~:1:1: warning: ignored' '!hidden' 'OK with warnings: 0 file\(s\) \(3 other file\(s\) ignored\)'

fresh
echo '{ "version": 1, "bogus": 1, "mode": "x", "action": "y" }' > "$f"
check_policy "every error of a file in one run (unknown field, bad mode, bad action)" 1 \
        '10-a.json:1:17: error: unknown field "bogus"' '10-a.json:1:37: error: unknown mode' '10-a.json:1:52: error: unknown action' \
        '3 error\(s\)'

fresh
echo '{ "version": 1, "mode": 3, "migration": { "protect": ["rel"], "allow": [ { "exe": "x", "bogus": 1 } ] } }' > "$f"
check_policy "... also type errors and nested entries" 1 'error: mode must be a string' '!unknown mode' \
        'error: protect "rel"' 'error: unknown field "bogus" in allow entry' 'error: exe "x" must be an absolute path'

fresh
echo '{ "version": 1, "namespaces": { "lock": [ { "cgroup": "/a", "types": ["bogus"], "x": 1 } ] } }' > "$f"
check_policy "... and in namespace lock entries" 1 'error: unknown field "x" in lock entry' 'error: unknown namespace type "bogus"'

fresh
printf '{ "version": 1,\n  # protect the system\n  "migration": { "protect": ["/a"] } }\n' > "$f"
check_policy "a # comment is named as such" 1 '10-a.json:2:3: error: .*#.* comment'

fresh
printf '{ "version": 1, /* x */ "mode": "audit" }\n' > "$f"
check_policy "a /* */ comment is named as such" 1 '10-a.json:1:17: error: .*/\*.*comment'

# The kernel classifies new cgroups at one level by at most eight glob patterns.
fresh
printf '{ "version": 1, "migration": { "protect": [%s"/s/g9-*"] } }\n' "$(for i in 1 2 3 4 5 6 7 8; do printf '"/s/g%d-*", ' $i; done)" > "$f"
check_policy "a ninth glob pattern at one level is a warning, at the pattern past the kernel's eight" 0 \
        '10-a.json:1:[0-9]+: warning: /s/g9-\*: the kernel classifies new cgroups at one level by at most 8 glob patterns'
fresh
printf '{ "version": 1, "migration": { "protect": [%s"/s/x-*"] } }\n' "$(for i in 1 2 3 4 5 6 7; do printf '"/s/g%d-*", ' $i; done)" > "$f"
check_policy "... eight are not" 0 '!kernel classifies'

[ "$failed" -eq 0 ]
