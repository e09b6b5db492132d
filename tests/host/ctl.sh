#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# cgroup-guardctl as an admin and a script see it, against a running daemon (observe backend:
# nothing is enforced here, but explain decides from the policy) on a private dbus-daemon and
# journald:
# every exit status of explain, "needs root", JSON, legends and aligned tables, and, on a
# pseudo-terminal (script(1)), the pager and colour conventions of systemd's tools.
. "$(dirname "$0")/private-ns.sh" dbus-daemon /lib/systemd/systemd-journald script -- "$@"
. "$(dirname "$0")/lib.sh"

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# Runs cgroup-guardctl on a pseudo-terminal; what it wrote there goes to stdout (CR LF line ends).
on_tty() { TERM=xterm script -qfec "$(printf '%q ' "$@")" /dev/null < /dev/null; }
ESC=$(printf '\033')

start_journald_and_bus
mkdir -p "$T/prot" "$T/aud" "$T/out" "$T/mover" "$T/locked" "$T/locked-aud"
cat > "$POLICY_DIR/10-enforce.json" <<JSON
{ "version": 1,
  "migration": { "protect": ["$P/prot"], "allow": [ { "cgroup": "$P/mover", "to": ["$P/prot"] } ] },
  "namespaces": { "lock": [ { "cgroup": "$P/locked", "types": ["net"] } ] } }
JSON
cat > "$POLICY_DIR/20-audit.json" <<JSON
{ "version": 1, "mode": "audit",
  "migration": { "protect": ["$P/aud"] },
  "namespaces": { "lock": [ { "cgroup": "$P/locked-aud", "types": ["net"] } ] } }
JSON
guard_start
for _ in $(seq 50); do busctl --system status org.cgroupguard.Guard1 > /dev/null 2>&1 && break; sleep 0.1; done

spawn sleep 1000; task=$!
move "$T/out" "$task"
spawn sleep 1000; mover=$!
move "$T/mover" "$mover"
spawn sleep 1000; locked=$!
move "$T/locked" "$locked"
spawn sleep 1000; locked_aud=$!
move "$T/locked-aud" "$locked_aud"
spawn unshare --net sleep 1000; other_net=$!
for _ in $(seq 30); do [ "$(readlink /proc/$other_net/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.1; done

# explain migration: every exit status
out=$("$CTL" explain migration --pid "$task" --to "$P/out" 2>&1); check "explain: allowed, exit 0" "0" "$?"
contains "explain: allowed says so" "allowed" "$out"
out=$("$CTL" explain migration --pid "$task" --to "$P/prot" 2>&1); check "explain: denied, exit 1" "1" "$?"
contains "explain: denied names the rule" "denied by 10-enforce.json:protect/0: " "$out"
out=$("$CTL" explain migration --pid "$task" --to "$P/aud" 2>&1); check "explain: audited, exit 2" "2" "$?"
contains "explain: audited names the rule" "audited by 20-audit.json:protect/0: " "$out"
out=$("$CTL" explain migration --actor "$mover" --pid "$task" --to "$P/prot" 2>&1)
check "explain --actor: an allowed actor may move the task (exit 0)" "0" "$?"
"$CTL" explain migration --actor "$task" --pid "$mover" --to "$P/prot" > /dev/null 2>&1
check "explain --actor: the task may not move the allowed actor (exit 1)" "1" "$?"
"$CTL" explain migration --pid 4000000 --to "$P/out" > /dev/null 2>&1; rc=$?
check "explain: no such pid, exit 3" "3" "$rc"
out=$("$CTL" explain migration --pid "$task" --to "$CG$P/prot" 2>&1); rc=$?
check "explain: a filesystem path for --to, exit 3" "3" "$rc"
contains "explain: the filesystem path error names the cgroup path meant" "relative to the cgroup2 mount $CG: $P/prot" "$out"
"$CTL" explain migration --pid "$task" --to "relative/path" > /dev/null 2>&1
check "explain: an invalid cgroup path, exit 3" "3" "$?"
"$CTL" explain migration --pid "$task" > /dev/null 2>&1
check "explain: --to missing, exit 3" "3" "$?"
"$CTL" explain migration --pid "$task" --to "$P/out" --bogus > /dev/null 2>&1
check "explain: unknown option, exit 3" "3" "$?"
"$CTL" explain migration --pid "$task" --to "$P/out/not-there" > "$WORK/out" 2> "$WORK/err"; rc=$?
check "explain: a cgroup that does not exist is still decided (exit 0)" "0" "$rc"
contains "explain: ... with a warning on stderr" "Warning: cgroup $P/out/not-there does not exist" "$(cat "$WORK/err")"
contains "explain: ... and the answer on stdout" "allowed" "$(cat "$WORK/out")"
"$CTL" explain migration --pid "$task" --to "$P/out" 2> "$WORK/err" > /dev/null
check "explain: no warning for a cgroup that exists" "" "$(cat "$WORK/err")"
out=$(nobody "$CTL" explain migration --pid "$task" --to "$P/prot" 2>&1)
check "explain: about another user's process, refused for non-root (exit 4)" "4" "$?"
spawn setpriv --reuid=65534 --regid=65534 --clear-groups sleep 1000; own=$!
sleep 0.1
out=$(nobody "$CTL" explain migration --pid "$own" --to "$P/prot" 2>&1)
check "explain: answered for non-root about its own process (exit 1)" "1" "$?"

# explain setns
"$CTL" explain setns --pid "$task" --type net --target-pid "$other_net" > /dev/null 2>&1
check "explain setns: allowed, exit 0" "0" "$?"
out=$("$CTL" explain setns --pid "$locked" --type net --target-pid "$other_net" 2>&1)
check "explain setns: denied, exit 1" "1" "$?"
contains "explain setns: denied names the lock" "denied by 10-enforce.json:" "$out"
"$CTL" explain setns --pid "$locked_aud" --type net --target-pid "$other_net" > /dev/null 2>&1
check "explain setns: audited, exit 2" "2" "$?"
"$CTL" explain setns --pid "$task" --type network --target-pid "$other_net" > /dev/null 2>&1
check "explain setns: unknown namespace type, exit 3" "3" "$?"
"$CTL" explain setns --pid "$task" --type net --target-pid 4000000 > /dev/null 2>&1
check "explain setns: no such target pid, exit 3" "3" "$?"

# JSON, same exit status
out=$("$CTL" --json explain migration --pid "$task" --to "$P/aud"); rc=$?
check "explain --json keeps the exit status (2)" "2" "$rc"
check "explain --json: the verdict" "audit" "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])')"
check "--json (plain) is short: one line" "1" "$("$CTL" status --json | wc -l)"
check "--json=short: one line" "1" "$("$CTL" --json=short status | wc -l)"
"$CTL" --json=pretty status > "$WORK/pretty"
check_int "--json=pretty: indented" "$(wc -l < "$WORK/pretty")" -gt 5
check_true "--json=pretty: valid JSON" python3 -m json.tool "$WORK/pretty"
check "--json=pretty: the same data as short" "$("$CTL" --json=short status | python3 -c 'import json,sys; print(json.load(sys.stdin))')" \
      "$(python3 -c 'import json,sys; print(json.load(sys.stdin))' < "$WORK/pretty")"
contains "--json=off: text" "observe backend" "$("$CTL" --json=off status)"
"$CTL" --json=yaml status > /dev/null 2>&1
check "--json=yaml: refused, exit 3" "3" "$?"
check "rules --json: an array of the rules" "5" "$("$CTL" rules --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"

# Tables: aligned columns, legend on and off
"$CTL" rules > "$WORK/rules"
check "rules: a header" "RULE KIND SUBJECT TARGET" "$(head -n 1 "$WORK/rules" | tr -s ' ')"
check "rules: a footer" "5 rules listed." "$(tail -n 1 "$WORK/rules")"
# Every column starts where its header does.
aligned=$(awk 'NR == 1 { for (i = 1; i <= 4; i++) col[i] = index($0, (i == 1 ? "RULE" : i == 2 ? "KIND" : i == 3 ? "SUBJECT" : "TARGET")); next }
               NF >= 4 && $0 !~ /rules listed/ { rows++; p = 1; for (i = 1; i <= 4; i++) { s = substr($0, p); p += index(s, $i) - 1; if (p != col[i]) bad++; p += length($i) } }
               END { print rows + 0, bad + 0 }' "$WORK/rules")
check "rules: 5 rows, columns aligned under their headers" "5 0" "$aligned"
check "rules --no-legend: only the 5 rows" "5" "$("$CTL" --no-legend rules | wc -l)"
check_no_grep "--no-legend: no header, no footer" <("$CTL" --no-legend rules) "RULE\|listed"
check_no_grep "rules: no trailing blanks" "$WORK/rules" "$(printf '[ \t]$')"
contains "denials: a legend saying since when" "since cgroup-guardd started" "$("$CTL" denials)"
check "denials --no-legend: nothing when there is nothing" "" "$("$CTL" denials --no-legend)"

# Privileged verbs as another user: one line, "needs root", exit 4.
for verb in "mode audit" "reload" "unload"; do
        out=$(nobody "$CTL" $verb 2>&1); rc=$?
        check "non-root $verb: exit 4" "4" "$rc"
        check "non-root $verb: one clear line" "cgroup-guardctl: ${verb%% *} needs root (Access denied)" "$out"
done
out=$(nobody "$CTL" thaw "$P/out" 2>&1); rc=$?
check "non-root thaw: exit 4" "4" "$rc"
check "non-root thaw: one clear line" "cgroup-guardctl: thaw needs root (Access denied)" "$out"
# The daemon's own check, behind a bus policy that lets the call through: the same one line.
cat > "$WORK/bus.d/zz-open.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><policy context="default"><allow send_destination="org.cgroupguard.Guard1"/></policy></busconfig>
XML
busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
sleep 0.2
out=$(nobody "$CTL" mode audit 2>&1); rc=$?
check "non-root mode, refused by the daemon itself: exit 4, one line" "4 cgroup-guardctl: mode needs root (Access denied)" "$rc $out"
rm "$WORK/bus.d/zz-open.conf"
busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
check "the refused calls changed nothing" "policy" "$("$CTL" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["mode"])')"

# explain follows a global mode override.
"$CTL" mode audit
"$CTL" explain migration --pid "$task" --to "$P/prot" > /dev/null 2>&1
check "explain under 'mode audit': audited, exit 2" "2" "$?"
"$CTL" mode policy
"$CTL" explain migration --pid "$task" --to "$P/prot" > /dev/null 2>&1
check "explain after 'mode policy': denied again, exit 1" "1" "$?"

# Pager: used on a terminal, with $SYSTEMD_PAGER before $PAGER; not with --no-pager, into a pipe,
# or when the variable is empty or "cat".
cat > "$WORK/pager" <<'SH'
#!/bin/sh
echo "${1:-pager}" >> "$PAGER_LOG"
tee "$PAGER_LOG.input"
SH
chmod +x "$WORK/pager"
export PAGER_LOG=$WORK/pager-used
pager_runs() { local n; n=$(grep -cx -- "${1:-pager}" "$PAGER_LOG" 2>/dev/null); echo "${n:-0}"; }

out=$(PAGER=$WORK/pager on_tty "$CTL" status)
check "tty: status goes through \$PAGER" "1" "$(pager_runs)"
contains "tty: the pager shows the status" "observe backend" "$out"
PAGER=$WORK/pager on_tty "$CTL" rules > /dev/null
check "tty: rules go through \$PAGER" "2" "$(pager_runs)"
PAGER=$WORK/pager on_tty "$CTL" --help > /dev/null
check "tty: --help goes through \$PAGER" "3" "$(pager_runs)"
PAGER=$WORK/pager on_tty "$CTL" --no-pager status > /dev/null
check "tty --no-pager: no pager" "3" "$(pager_runs)"
PAGER=$WORK/pager "$CTL" status | cat > /dev/null
check "pipe: no pager" "3" "$(pager_runs)"
PAGER=$WORK/pager SYSTEMD_PAGER="$WORK/pager systemd-pager" on_tty "$CTL" status > /dev/null
check "tty: \$SYSTEMD_PAGER wins over \$PAGER" "3 1" "$(pager_runs) $(pager_runs systemd-pager)"
PAGER=$WORK/pager SYSTEMD_PAGER= on_tty "$CTL" status > /dev/null
check "tty: an empty \$SYSTEMD_PAGER disables paging" "3" "$(pager_runs)"
PAGER=cat on_tty "$CTL" status > /dev/null
check "tty: PAGER=cat disables paging" "3" "$(pager_runs)"
PAGER=$WORK/pager on_tty "$CTL" explain migration --pid "$task" --to "$P/out" > /dev/null
check "tty: explain (one line) does not page" "3" "$(pager_runs)"
# Without either variable: less, with systemd's LESS=FRSXMK.
mkdir -p "$WORK/bin"
printf '#!/bin/sh\necho "less LESS=$LESS" >> "$PAGER_LOG"\ncat\n' > "$WORK/bin/less"
chmod +x "$WORK/bin/less"
(unset PAGER SYSTEMD_PAGER SYSTEMD_LESS; PATH=$WORK/bin:$PATH on_tty "$CTL" status > /dev/null)
check "tty: default pager less with LESS=FRSXMK" "less LESS=FRSXMK" "$(grep '^less' "$PAGER_LOG")"

# Colour: on a terminal only; NO_COLOR and SYSTEMD_COLORS=0 turn it off, SYSTEMD_COLORS=1 on.
unset NO_COLOR SYSTEMD_COLORS
out=$(on_tty "$CTL" --no-pager explain migration --pid "$task" --to "$P/prot")
check_grep "tty: colour" <(printf '%s\n' "$out") -F "$ESC["
out=$(NO_COLOR=1 on_tty "$CTL" --no-pager explain migration --pid "$task" --to "$P/prot")
check_no_grep "tty NO_COLOR=1: no colour" <(printf '%s\n' "$out") -F "$ESC["
out=$(SYSTEMD_COLORS=0 on_tty "$CTL" --no-pager status)
check_no_grep "tty SYSTEMD_COLORS=0: no colour" <(printf '%s\n' "$out") -F "$ESC["
out=$("$CTL" explain migration --pid "$task" --to "$P/prot" | cat)
check_no_grep "pipe: no colour" <(printf '%s\n' "$out") -F "$ESC["
out=$(SYSTEMD_COLORS=1 "$CTL" explain migration --pid "$task" --to "$P/prot" | cat)
check_grep "pipe SYSTEMD_COLORS=1: colour" <(printf '%s\n' "$out") -F "$ESC["
out=$(SYSTEMD_COLORS=1 NO_COLOR=1 "$CTL" explain migration --pid "$task" --to "$P/prot" | cat)
check_grep "SYSTEMD_COLORS=1 wins over NO_COLOR" <(printf '%s\n' "$out") -F "$ESC["
: > "$PAGER_LOG.input"
PAGER=$WORK/pager on_tty "$CTL" rules > /dev/null
check_grep "tty: the pager gets the colours (decided before it took stdout)" "$PAGER_LOG.input" -F "$ESC["
PAGER=$WORK/pager NO_COLOR=1 on_tty "$CTL" rules > /dev/null
check_no_grep "tty NO_COLOR=1: the pager gets no colours" "$PAGER_LOG.input" -F "$ESC["

# The daemon gone: exit 5, for explain too (>= 3).
kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=
"$CTL" explain migration --pid "$task" --to "$P/out" > /dev/null 2> "$WORK/err"
check "daemon not running: explain exits 5" "5" "$?"
contains "daemon not running: says so" "cgroup-guardd is not reachable" "$(cat "$WORK/err")"
CGROUP_GUARDD=$WORK/no-such-guardd "$CTL" status > /dev/null 2>&1
check "daemon not running, cgroup-guardd cannot be run to read the pins: status exits 5" "5" "$?"
CGROUP_GUARDD=$DAEMON "$CTL" status --bpffs-dir "$PIN" > "$WORK/out" 2>&1
check "daemon not running: status reads the pins (cgroup-guardd --status)" "0" "$?"
contains "daemon not running: status from the pins" "cgroup-guard: loaded, pins at $PIN" "$(cat "$WORK/out")"
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/no-such-socket "$CTL" explain migration --pid "$task" --to "$P/out" > /dev/null 2>&1
check "no system bus: explain exits 5" "5" "$?"
finish
