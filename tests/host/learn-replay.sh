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
[ $rc = 0 ] && grep -q "^Replayed 18 recorded operation(s) (7 journal entries" "$WORK/out" &&
        grep -q "nothing would be denied or audited" "$WORK/out" &&
        ok "replay: a policy that fits the recording denies nothing (exit 0)" ||
        not_ok "replay fits: rc=$rc $(cat "$WORK/out" "$WORK/err")"

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
[ $rc = 1 ] && diff -u "$WORK/expected" "$WORK/got" > "$WORK/diff" &&
        grep -q "^10-strict.json:lock/0 would deny 6 operation(s), 2 distinct, first " "$WORK/out" &&
        grep -q "^10-strict.json:protect/0 would deny 4 operation(s), 2 distinct, first " "$WORK/out" &&
        grep -q "^Would deny 10 and audit 0 of 18 operation(s)." "$WORK/out" &&
        ok "replay: a too-strict policy lists exactly the operations it would deny, by rule, with counts (exit 1)" ||
        not_ok "replay strict: rc=$rc $(cat "$WORK/diff" "$WORK/out" "$WORK/err")"

# The same rules in audit mode: reported as audits, exit 0.
sed 's/"version": 1,/"version": 1, "mode": "audit",/' "$WORK/strict/10-strict.json" > "$WORK/audit.json"
mkdir -p "$WORK/audit" && mv "$WORK/audit.json" "$WORK/audit/10-strict.json"
"$CTL" replay "$WORK/audit" --journal-dir $JOURNAL > "$WORK/out" 2> "$WORK/err"
rc=$?
[ $rc = 0 ] && grep -q "^10-strict.json:lock/0 would audit 6 operation(s)" "$WORK/out" &&
        grep -q "^Would deny 0 and audit 10 of 18 operation(s)." "$WORK/out" &&
        ok "replay: audit-mode rules are listed as audits, exit 0" || not_ok "replay audit: rc=$rc $(cat "$WORK/out" "$WORK/err")"

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
[ $rc = 1 ] && grep -q "(3 journal entries from 2 hosts, 2027-01-01 00:00:00 UTC to 2027-01-01 02:00:00 UTC)" "$WORK/out" &&
        grep -q "^10-strict.json:protect/0 would deny 7 operation(s), 3 distinct, first 2027-01-01 00:00:00 UTC, last 2027-01-01 02:00:01 UTC:" "$WORK/out" &&
        ok "replay: a journal directory from two hosts, first and last times" || not_ok "replay fleet: rc=$rc $(cat "$WORK/out" "$WORK/err")"

"$CTL" replay "$WORK/strict" --journal-dir "$WORK/fleet" --since "2027-01-01 00:30" --until "2027-01-01 01:30" > "$WORK/out" 2> "$WORK/err"
rc=$?
[ $rc = 1 ] && grep -q "^Replayed 2 recorded operation(s) (1 journal entries" "$WORK/out" &&
        ok "replay: --since and --until select the entries" || not_ok "replay range: rc=$rc $(cat "$WORK/out" "$WORK/err")"

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
[ $rc = 8 ] && [ ! -s "$WORK/out" ] && grep -q "10-broken.json:1:" "$WORK/err" &&
        [ "$(grep -c "not a valid policy directory" "$WORK/err")" = 1 ] &&
        ok "replay: a candidate that fails --check: its errors (file:line:column) and one summary line, exit 8" ||
        not_ok "replay broken: rc=$rc $(cat "$WORK/out" "$WORK/err")"
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
[ $rc = 0 ] && "$DAEMON" --check --policy-dir "$WORK/learned" > "$WORK/check" 2>&1 &&
        grep -q "OK.*1 file(s)" "$WORK/check" &&
        ok "learn: the policy it prints passes cgroup-guardd --check" || not_ok "learn: rc=$rc $(cat "$WORK/learned.json" "$WORK/learn.err" "$WORK/check")"
"$CTL" replay "$WORK/learned" --journal-dir $JOURNAL > "$WORK/out" 2> "$WORK/err"
rc=$?
[ $rc = 0 ] && grep -q "nothing would be denied or audited" "$WORK/out" &&
        ok "learn: replaying the recording over the learned policy denies nothing" || not_ok "replay learned: rc=$rc $(cat "$WORK/out" "$WORK/err" "$WORK/learned.json")"
grep -q '^ *3x migration by /usr/bin/mgr in /system.slice/mgr.service: /system.slice/mgr.service -> /system.slice/mgr.service/c1: learned/delegate/0:mgr.service (moves inside /system.slice/mgr.service)' "$WORK/learn.err" &&
        grep -q '^ *6x migration by /usr/lib/systemd/systemd in /init.scope: /init.scope -> /system.slice/a.service: learned/allow/1:systemd$' "$WORK/learn.err" &&
        grep -q '^ *4x namespace by /usr/bin/bwrap in /system.slice/b.service: net,user: no lock on these types there' "$WORK/learn.err" &&
        ok "learn: the summary says what was seen, how often, and which generated rule covers it" ||
        not_ok "learn summary: $(cat "$WORK/learn.err")"
"$CTL" learn --journal-dir $JOURNAL > "$WORK/learned2.json" 2> "$WORK/learn2.err"
cmp -s "$WORK/learned.json" "$WORK/learned2.json" && cmp -s "$WORK/learn.err" "$WORK/learn2.err" &&
        ok "learn: deterministic (same journal, same policy and summary)" || not_ok "learn: output differs between runs"

# A fleet: instance names generalised, so one rule covers every host's sessions.
"$CTL" learn --journal-dir "$WORK/fleet" --protect /system.slice > "$WORK/fleet.json" 2> "$WORK/fleet.err"
rc=$?
mkdir -p "$WORK/fleet-policy" && cp "$WORK/fleet.json" "$WORK/fleet-policy/50-learned.json"
[ $rc = 0 ] && grep -q '"cgroup": "/user.slice/user-\*.slice/session-\*.scope"' "$WORK/fleet.json" &&
        [ "$(grep -c '"/system.slice"' "$WORK/fleet.json")" -ge 1 ] && ! grep -q '"/user.slice"' "$WORK/fleet.json" &&
        grep -q "^3 journal entries from 2 hosts" "$WORK/fleet.err" &&
        "$DAEMON" --check --policy-dir "$WORK/fleet-policy" > /dev/null 2>&1 &&
        ok "learn: a fleet's journal directory, --protect, instance names generalised to globs" ||
        not_ok "learn fleet: rc=$rc $(cat "$WORK/fleet.json" "$WORK/fleet.err")"

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
