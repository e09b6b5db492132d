#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# learn and replay end to end over real journals: record entries made by the daemon's own
# formatter, sent to a real systemd-journald (private mount namespace, tmpfs /run) and written
# into journal files by systemd-journal-remote (a fleet's journal directory, with the times we
# choose), read back by cgroup-guardctl with sd-journal.
. "$(dirname "$0")/private-ns.sh" /lib/systemd/systemd-journald /lib/systemd/systemd-journal-remote -- "$@"
. "$(dirname "$0")/lib.sh"

RECORD=$BUILD/tests/cg-record
REMOTE=/lib/systemd/systemd-journal-remote
export TZ=UTC
# A journal directory from lines (cg-record export), for host $2 (default host0).
make_journal() {
        local dir=$1 host=${2:-host0} extra=${3:-}
        mkdir -p "$dir"
        # shellcheck disable=SC2086
        "$RECORD" export --host "$host" $extra | "$REMOTE" -o "$dir/remote-$host.journal" - 2> /dev/null
}
# Output without the "(first ..., last ...)" times, for comparing the operations listed.
ops() { sed -n 's/^ *\([0-9]*\)x \(.*\) (first .*/\1x \2/p' "$1"; }

start_journald_and_bus
JOURNAL=/run/log/journal

# --- replay: the recording as a real journald stores it ---------------------------------------
"$RECORD" send <<'EOF'
0 migration allow /usr/lib/systemd/systemd /init.scope /init.scope /system.slice/a.service 5
0 migration allow /usr/lib/systemd/systemd /init.scope /init.scope /system.slice/b.service 2
0 migration allow /usr/lib/systemd/systemd /init.scope /init.scope /system.slice/a.service 1
0 migration allow /usr/bin/mgr /system.slice/mgr.service /system.slice/mgr.service /system.slice/mgr.service/c1 3
0 migration allow /usr/bin/tool /user.slice/user-1000.slice/session-3.scope /user.slice/user-1000.slice/session-3.scope /system.slice/a.service 1
0 namespace allow /usr/bin/bwrap /system.slice/b.service net,user 4
0 setns allow /usr/bin/nsenter /system.slice/a.service mnt 2
EOF
for _ in $(seq 50); do
        [ "$(journalctl -D $JOURNAL -q -o cat MESSAGE_ID=44e49ebbd92b4f71807e50addc7c5583 2>/dev/null | wc -l)" -ge 7 ] && break
        sleep 0.1
done

# A candidate that allows all of it: nothing denied, exit 0.
mkdir -p "$WORK/fits"
cat > "$WORK/fits/10-fits.json" <<'JSON'
{ "version": 1,
  "migration": { "protect": ["/system.slice"],
                 "allow": [ { "exe": "/usr/lib/systemd/systemd", "cgroup": "/init.scope" },
                            { "exe": "/usr/bin/tool", "to": ["/system.slice/a.service"] } ],
                 "delegate": ["/system.slice/mgr.service"] },
  "namespaces": { "lock": [ { "cgroup": "/system.slice", "types": ["ipc", "uts"] } ] } }
JSON
"$CTL" replay "$WORK/fits" --journal-dir $JOURNAL > "$WORK/out" 2> "$WORK/err"
rc=$?
check "replay: a policy that fits the recording: exit 0" 0 "$rc"
check_grep_all "replay: a policy that fits the recording denies nothing" "$WORK/out" \
        "^Replayed 18 recorded operation(s) (7 journal entries" "nothing would be denied or audited"

# Too strict: no delegation, no tool, net locked. Exactly these operations, by rule, with counts.
mkdir -p "$WORK/strict"
cat > "$WORK/strict/10-strict.json" <<'JSON'
{ "version": 1,
  "migration": { "protect": ["/system.slice"],
                 "allow": [ { "exe": "/usr/lib/systemd/systemd", "cgroup": "/init.scope" } ] },
  "namespaces": { "lock": [ { "cgroup": "/system.slice", "types": ["net", "mnt"] } ] } }
JSON
"$CTL" replay "$WORK/strict" --journal-dir $JOURNAL > "$WORK/out" 2> "$WORK/err"
rc=$?
cat > "$WORK/expected" <<'EOF'
2x setns by /usr/bin/nsenter in /system.slice/a.service: mnt
4x namespace by /usr/bin/bwrap in /system.slice/b.service: net,user
3x migration by /usr/bin/mgr in /system.slice/mgr.service: /system.slice/mgr.service -> /system.slice/mgr.service/c1
1x migration by /usr/bin/tool in /user.slice/user-1000.slice/session-3.scope: /user.slice/user-1000.slice/session-3.scope -> /system.slice/a.service
EOF
ops "$WORK/out" > "$WORK/got"
check "replay: a too-strict policy: exit 1" 1 "$rc"
check "replay: a too-strict policy lists exactly the operations it would deny" "$(cat "$WORK/expected")" "$(cat "$WORK/got")"
check_grep_all "replay: ... by rule, with counts" "$WORK/out" \
        "^10-strict.json:lock/0 would deny 6 operation(s), 2 distinct, first " \
        "^10-strict.json:protect/0 would deny 4 operation(s), 2 distinct, first " \
        "^Would deny 10 and audit 0 of 18 operation(s)."

# The same rules in audit mode: reported as audits, exit 0.
sed 's/"version": 1,/"version": 1, "mode": "audit",/' "$WORK/strict/10-strict.json" > "$WORK/audit.json"
mkdir -p "$WORK/audit" && mv "$WORK/audit.json" "$WORK/audit/10-strict.json"
"$CTL" replay "$WORK/audit" --journal-dir $JOURNAL > "$WORK/out" 2> "$WORK/err"
rc=$?
check "replay: audit-mode rules: exit 0" 0 "$rc"
check_grep_all "replay: audit-mode rules are listed as audits" "$WORK/out" \
        "^10-strict.json:lock/0 would audit 6 operation(s)" "^Would deny 0 and audit 10 of 18 operation(s)."

# --- a fleet's journal directory, with chosen times ------------------------------------------
make_journal "$WORK/fleet" host-a <<'EOF'
1798761600 migration allow /usr/bin/tool /user.slice/user-1000.slice/session-3.scope /user.slice/user-1000.slice/session-3.scope /system.slice/a.service 1
1798765200 migration allow /usr/bin/tool /user.slice/user-1001.slice/session-9.scope /user.slice/user-1001.slice/session-9.scope /system.slice/a.service 2
EOF
make_journal "$WORK/fleet" host-b <<'EOF'
1798768800 migration allow /usr/bin/tool /user.slice/user-1002.slice/session-4.scope /user.slice/user-1002.slice/session-4.scope /system.slice/a.service 4
EOF
"$CTL" replay "$WORK/strict" --journal-dir "$WORK/fleet" > "$WORK/out" 2> "$WORK/err"
rc=$?
check "replay: a journal directory from two hosts: exit 1" 1 "$rc"
check_grep_all "replay: a journal directory from two hosts, first and last times" "$WORK/out" \
        "(3 journal entries from 2 hosts, 2027-01-01 00:00:00 UTC to 2027-01-01 02:00:00 UTC)" \
        "^10-strict.json:protect/0 would deny 7 operation(s), 3 distinct, first 2027-01-01 00:00:00 UTC, last 2027-01-01 02:00:01 UTC:"

"$CTL" replay "$WORK/strict" --journal-dir "$WORK/fleet" --since "2027-01-01 00:30" --until "2027-01-01 01:30" > "$WORK/out" 2> "$WORK/err"
rc=$?
check "replay: --since and --until: exit 1" 1 "$rc"
check_grep "replay: --since and --until select the entries" "$WORK/out" "^Replayed 2 recorded operation(s) (1 journal entries"

# --- bad input: one line, a documented exit status, nothing that looks like an answer ---------
one_line_error() { # NAME EXPECTED_RC PATTERN COMMAND...
        local name=$1 want=$2 pattern=$3 rc
        shift 3
        "$@" > "$WORK/out" 2> "$WORK/err"
        rc=$?
        if [ $rc = "$want" ] && [ ! -s "$WORK/out" ] && [ "$(wc -l < "$WORK/err")" = 1 ] && grep -q -- "$pattern" "$WORK/err"; then
                ok "$name (exit $want, one line)"
        else
                not_ok "$name: rc=$rc out=$(cat "$WORK/out") err=$(cat "$WORK/err")"
        fi
}
mkdir -p "$WORK/empty-dir"
one_line_error "replay: a directory without journal files" 6 "holds no journal files" \
        "$CTL" replay "$WORK/strict" --journal-dir "$WORK/empty-dir"
mkdir -p "$WORK/other"
printf '__REALTIME_TIMESTAMP=1798761600000000\n_BOOT_ID=0f3a6e1c5b2d4e8f9a7b6c5d4e3f2a1b\n__MONOTONIC_TIMESTAMP=1\nMESSAGE=hello\n\n' |
        "$REMOTE" -o "$WORK/other/remote-x.journal" - 2> /dev/null
one_line_error "replay: a journal without guard record entries" 6 "has no recorded operations" \
        "$CTL" replay "$WORK/strict" --journal-dir "$WORK/other"
one_line_error "replay: a time range with nothing in it" 6 "No recorded operations in the time range given; .* has them from 2027-01-01 00:00:00 UTC to 2027-01-01 02:00:00 UTC" \
        "$CTL" replay "$WORK/strict" --journal-dir "$WORK/fleet" --since "2028-01-01"
make_journal "$WORK/newer" host0 "--format-version 2" <<'EOF'
1798761600 migration allow /usr/bin/tool /a /a /b 1
EOF
one_line_error "replay: entries of a newer format" 7 "has format version 2; this cgroup-guardctl reads version 1" \
        "$CTL" replay "$WORK/strict" --journal-dir "$WORK/newer"
mkdir -p "$WORK/broken"
echo '{ "version": 1, "migration": { "protect": ["system.slice"] } }' > "$WORK/broken/10-broken.json"
"$CTL" replay "$WORK/broken" --journal-dir "$WORK/fleet" > "$WORK/out" 2> "$WORK/err"
rc=$?
check "replay: a candidate that fails --check: exit 8, nothing on stdout" "8 " "$rc $(cat "$WORK/out")"
check_grep "replay: ... its errors (file:line:column)" "$WORK/err" "10-broken.json:1:"
check "replay: ... and one summary line" 1 "$(grep -c "not a valid policy directory" "$WORK/err")"
one_line_error "replay: a candidate directory that does not exist" 8 "cannot read policy directory" \
        "$CTL" replay "$WORK/nonexistent" --journal-dir "$WORK/fleet"
one_line_error "replay: --until before --since" 3 "before --since" \
        "$CTL" replay "$WORK/strict" --since 2027-01-02 --until 2027-01-01
one_line_error "replay: a time that does not parse" 3 "Invalid time" \
        "$CTL" replay "$WORK/strict" --since yesterday-ish

# --- learn ---------------------------------------------------------------------------------
"$CTL" learn --journal-dir $JOURNAL > "$WORK/learned.json" 2> "$WORK/learn.err"
rc=$?
mkdir -p "$WORK/learned"
cp "$WORK/learned.json" "$WORK/learned/50-learned.json"
check "learn: exit 0" 0 "$rc"
"$DAEMON" --check --policy-dir "$WORK/learned" > "$WORK/check" 2>&1
check "learn: the policy it prints passes cgroup-guardd --check (exit status)" 0 "$?"
check_grep "learn: ... which says OK for the one file" "$WORK/check" "OK.*1 file(s)"
"$CTL" replay "$WORK/learned" --journal-dir $JOURNAL > "$WORK/out" 2> "$WORK/err"
rc=$?
check "learn: replaying the recording over the learned policy: exit 0" 0 "$rc"
check_grep "learn: replaying the recording over the learned policy denies nothing" "$WORK/out" "nothing would be denied or audited"
check_grep_all "learn: the summary says what was seen, how often, and which generated rule covers it" "$WORK/learn.err" \
        '^ *3x migration by /usr/bin/mgr in /system.slice/mgr.service: /system.slice/mgr.service -> /system.slice/mgr.service/c1: learned/delegate/0:mgr.service (moves inside /system.slice/mgr.service)' \
        '^ *6x migration by /usr/lib/systemd/systemd in /init.scope: /init.scope -> /system.slice/a.service: learned/allow/1:systemd$' \
        '^ *4x namespace by /usr/bin/bwrap in /system.slice/b.service: net,user: no lock on these types there'
"$CTL" learn --journal-dir $JOURNAL > "$WORK/learned2.json" 2> "$WORK/learn2.err"
check "learn: deterministic: the same policy (no difference)" "" "$(diff "$WORK/learned.json" "$WORK/learned2.json" | head -5)"
check "learn: deterministic: the same summary (no difference)" "" "$(diff "$WORK/learn.err" "$WORK/learn2.err" | head -5)"

# A fleet: instance names generalised, so one rule covers every host's sessions.
"$CTL" learn --journal-dir "$WORK/fleet" --protect /system.slice > "$WORK/fleet.json" 2> "$WORK/fleet.err"
rc=$?
mkdir -p "$WORK/fleet-policy" && cp "$WORK/fleet.json" "$WORK/fleet-policy/50-learned.json"
check "learn: a fleet's journal directory: exit 0" 0 "$rc"
check_grep_all "learn: a fleet's journal directory, --protect, instance names generalised to globs" "$WORK/fleet.json" \
        '"cgroup": "/user.slice/user-\*.slice/session-\*.scope"' '"/system.slice"'
check_no_grep "learn: ... /user.slice is not protected" "$WORK/fleet.json" '"/user.slice"'
check_grep "learn: ... from 2 hosts" "$WORK/fleet.err" "^3 journal entries from 2 hosts"
"$DAEMON" --check --policy-dir "$WORK/fleet-policy" > /dev/null 2>&1
check "learn: ... the policy passes cgroup-guardd --check (exit status)" 0 "$?"

one_line_error "learn: a directory without journal files" 6 "holds no journal files" \
        "$CTL" learn --journal-dir "$WORK/empty-dir"
one_line_error "learn: a journal without guard record entries" 6 "has no recorded operations" \
        "$CTL" learn --journal-dir "$WORK/other"
one_line_error "learn: a time range with nothing in it" 6 "No recorded operations in the time range given" \
        "$CTL" learn --journal-dir "$WORK/fleet" --until "2020-01-01"
one_line_error "learn: entries of a newer format" 7 "has format version 2" \
        "$CTL" learn --journal-dir "$WORK/newer"
make_journal "$WORK/denied" <<'EOF'
1798761600 migration deny /usr/bin/evil /system.slice/e.service /system.slice/e.service /init.scope 3
EOF
one_line_error "learn: only denials recorded: no policy that looks valid" 6 "Nothing to learn: every one of the 3 recorded operation(s) was denied" \
        "$CTL" learn --journal-dir "$WORK/denied"
one_line_error "learn: --protect takes a policy path" 3 "protect" \
        "$CTL" learn --protect /sys/fs/cgroup/system.slice/ --journal-dir "$WORK/fleet"

finish
