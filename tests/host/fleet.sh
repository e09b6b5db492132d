#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Events to a fleet: a real systemd-journald (private namespace), systemd-journal-upload sending
# its journal to systemd-journal-remote on loopback (package systemd-journal-remote), as the
# README's "fleet" section sets them up. The guard's denial entries (violations here: the observe
# backend) arrive with the MESSAGE_ID and every CGROUP_GUARD_* field as journaled, and
# cgroup-guardctl denials --journal-dir reads the gathered journal.
. "$(dirname "$0")/private-ns.sh" dbus-daemon /lib/systemd/systemd-journald /lib/systemd/systemd-journal-remote -- "$@"
. "$(dirname "$0")/lib.sh"
DENIAL_ID=e8540ee91e3f4008a0c051b6c2107e76

start_journald_and_bus
REMOTE=$WORK/remote
mkdir -p "$REMOTE" "$T/prot" "$T/out"
PORT=$((20000 + ($$ + 7) % 20000))
spawn /lib/systemd/systemd-journal-remote --listen-http="127.0.0.1:$PORT" --output="$REMOTE/" --split-mode=host
for _ in $(seq 50); do (echo > "/dev/tcp/127.0.0.1/$PORT") 2> /dev/null && break; sleep 0.1; done
spawn /lib/systemd/systemd-journal-upload --url="http://127.0.0.1:$PORT" --save-state="$WORK/upload.state"

cat > "$POLICY_DIR/10-fleet.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/prot"] } }
JSON
guard_start
spawn sleep 1000; victim=$!
move "$T/prot" "$victim"
move "$T/out" "$victim"

fields() { journalctl "$@" -o export MESSAGE_ID=$DENIAL_ID 2>/dev/null | grep -aE '^(CGROUP_GUARD_[A-Z_]+|MESSAGE_ID|MESSAGE)=' | sort; }
for _ in $(seq 100); do
        [ "$(fields -D "$REMOTE" | grep -c '^MESSAGE_ID=')" -ge 2 ] && break
        sleep 0.1
done
check "the local journal has the 2 denial entries" 2 "$(fields | grep -c '^MESSAGE_ID=')"
check "both arrived in the remote journal" 2 "$(fields -D "$REMOTE" | grep -c '^MESSAGE_ID=')"
fields > "$WORK/local.fields"
fields -D "$REMOTE" > "$WORK/remote.fields"
check_int "the entries carry their CGROUP_GUARD_* fields" "$(grep -c '^CGROUP_GUARD_' "$WORK/local.fields")" -ge 20
check "every CGROUP_GUARD_* field, MESSAGE and MESSAGE_ID intact (no difference)" "" \
      "$(diff "$WORK/local.fields" "$WORK/remote.fields" | head -5)"
check_grep "remote: the rule" "$WORK/remote.fields" "^CGROUP_GUARD_RULE=10-fleet.json:protect/0$"

# cgroup-guardctl reads the gathered journal, each denial with its host.
"$CTL" denials --journal-dir "$REMOTE" --no-pager > "$WORK/denials" 2>&1; rc=$?
check "cgroup-guardctl denials --journal-dir: exit 0" 0 "$rc"
check "cgroup-guardctl denials --journal-dir: both, with the host" 2 "$(grep -c "$(hostname): .*pid $victim (sleep)" "$WORK/denials")"
"$CTL" denials --journal-dir "$REMOTE" -n 1 --no-pager --no-legend > "$WORK/one"
check "-n 1: one line" 1 "$(wc -l < "$WORK/one")"
check_grep "-n 1: the newest" "$WORK/one" "to $P/out"
check_grep "--json" <("$CTL" denials --journal-dir "$REMOTE" --json --no-pager) '"rule":"10-fleet.json:protect/0"'
check_grep "--until before them: none" <("$CTL" denials --journal-dir "$REMOTE" --until @1 --no-pager) -- "-- No entries --"
"$CTL" denials --journal-dir "$WORK/nothing-here" > /dev/null 2>&1; rc=$?
check "a directory without journal files: exit 3" 3 "$rc"
finish
