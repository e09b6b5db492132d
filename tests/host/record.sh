#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Recording on this machine's kernel (observe backend): with "cgroup-guardctl record on" (D-Bus)
# or "record": true in a policy file, every migration the guard sees, allowed ones included,
# lands in the journal once per distinct operation per interval with its count, executable and
# cgroups; off records nothing; the switch is refused to non-root callers and to callers in a
# confined cgroup, each attempt journaled; learn over the recording gives a policy that replays
# with no denial. Real journald and dbus-daemon (see lib.sh), read back with journalctl and
# cgroup-guardctl.
. "$(dirname "$0")/private-ns.sh" dbus-daemon /lib/systemd/systemd-journald -- "$@"
. "$(dirname "$0")/lib.sh"

RECORD_ID=44e49ebbd92b4f71807e50addc7c5583
RECORD_CHANGED_ID=59078f907e5e405fb1ef37065747ac98
REFUSED_ID=df33eb0f996c4d548922acf40d2e6d9b
JOURNAL=/run/log/journal
export TZ=UTC

start_journald_and_bus
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

mkdir -p "$T/prot" "$T/a" "$T/b"
echo "{ \"version\": 1, \"migration\": { \"protect\": [\"$P/prot\"] } }" > "$POLICY_DIR/10-a.json"
GUARD_START_TENTHS=600 guard_start --record-interval=1
for _ in $(seq 50); do busctl --system status org.cgroupguard.Guard1 > /dev/null 2>&1 && break; sleep 0.1; done

# Record entries for moves into DST (a policy path): the sum of their counts.
recorded() {
        journalctl -D $JOURNAL -o json MESSAGE_ID=$RECORD_ID 2>/dev/null |
                grep -F "\"CGROUP_GUARD_DST_CGROUP\":\"$1\"" | grep -o '"CGROUP_GUARD_COUNT":"[0-9]*"' |
                grep -o '[0-9]*' | awk '{ s += $1 } END { print s + 0 }'
}
entries() { journalctl -D $JOURNAL -o json MESSAGE_ID=$RECORD_ID 2>/dev/null | grep -cF "\"CGROUP_GUARD_DST_CGROUP\":\"$1\""; }
cgroup_of() { sed -n 's/^0:://p' /proc/$1/cgroup; }
newest() { journalctl -D $JOURNAL -o json MESSAGE_ID=$1 2>/dev/null | tail -n 1; }
# newest_with ID TEXT: the newest entry of ID, once one with TEXT is there (the daemon's entry
# reaches journald a moment after the caller has its answer: read at once, it was not always in).
newest_with() {
        for _ in $(seq 50); do
                newest "$1" | grep -qF -- "$2" && break
                sleep 0.1
        done
        newest "$1"
}

spawn sleep 600
SLEEPER=$!

# Off (the default): moves leave no record.
for _ in $(seq 5); do move "$T/a" $SLEEPER; move "$T/b" $SLEEPER; done
sleep 2.5
check "recording off: allowed moves leave no record entry" 0 "$(entries "$P/a")"
check "property Recording: false" "b false" "$(busctl --system get-property $BUS Recording)"

# The switch: refused to non-root and to a confined caller, journaled each time.
out=$(nobody "$CTL" record on 2>&1)
check "record on as nobody: refused in one line" "cgroup-guardctl: record needs root (Access denied)" "$out"
check_grep_all "refused record on: journaled with the caller" <(newest_with $REFUSED_ID '"CGROUP_GUARD_CALLER_UID":"65534"') \
        '"CGROUP_GUARD_VERB":"SetRecord"' '"CGROUP_GUARD_CALLER_UID":"65534"'
out=$(sh -c "echo \$\$ > $T/prot/cgroup.procs; exec $CTL record on" 2>&1)
rc=$?
check_int "record on from a protected cgroup (root): refused ($out)" "$rc" -ne 0
check_grep_all "record on from a protected cgroup (root): journaled" <(newest_with $REFUSED_ID "\"CGROUP_GUARD_CALLER_CGROUP\":\"$P/prot\"") \
        "\"CGROUP_GUARD_CALLER_CGROUP\":\"$P/prot\"" '"CGROUP_GUARD_RECORD":"on"'
check "refused: still not recording" "b false" "$(busctl --system get-property $BUS Recording)"

# On: allowed moves recorded, one entry per distinct operation per interval, with the count.
check_true "record on" "$CTL" record on
check_grep_all "record on: switched, journaled with its own MESSAGE_ID and the caller" <(newest $RECORD_CHANGED_ID) \
        '"CGROUP_GUARD_RECORD":"on"' '"CGROUP_GUARD_CALLER_UID":"0"'
check_grep "status says Recording: on" <("$CTL" status) "Recording: on"
for _ in $(seq 40); do move "$T/a" $SLEEPER; move "$T/b" $SLEEPER; done
# A short-lived actor, gone before the daemon looks (stopped meanwhile): still named, by the file
# of that device and inode in the usual directories.
mkdir -p "$T/short"
kill -STOP "$GUARD_PID"
/bin/sh -c "echo $SLEEPER > $T/short/cgroup.procs"
kill -CONT "$GUARD_PID"
move "$T/b" $SLEEPER
move "$T/prot" $SLEEPER     # observed: protected, nobody allowed
"$CTL" record off                   # drains at once
for _ in $(seq 30); do [ "$(recorded "$P/prot")" -ge 1 ] && break; sleep 0.1; done
a=$(recorded "$P/a") b=$(recorded "$P/b") ea=$(entries "$P/a")
check "record on: every allowed move counted (40 and 41)" "40 41" "$a $b"
sh_exe=$(readlink -f /bin/sh)
check_grep "a short-lived actor gone before the daemon looked is named ($sh_exe)" \
        <(journalctl -D $JOURNAL -o json MESSAGE_ID=$RECORD_ID | grep -F "\"CGROUP_GUARD_DST_CGROUP\":\"$P/short\"") \
        -F "\"CGROUP_GUARD_ACTOR_EXE\":\"$sh_exe\""
check_int "aggregated: $ea entries for 40 moves into $P/a (at least 1)" "$ea" -ge 1
check_int "aggregated: ... (at most 4)" "$ea" -le 4
e=$(journalctl -D $JOURNAL -o json MESSAGE_ID=$RECORD_ID | grep -F "\"CGROUP_GUARD_DST_CGROUP\":\"$P/a\"" | head -n 1)
# missing FIELD...: the fields the entry $e lacks, one a line.
missing() { local p; for p in "$@"; do case "$e" in *"$p"*) ;; *) echo "$p" ;; esac; done; }
check "record entry: format version, kind, verdict allow, first and last time (none missing)" "" \
      "$(missing '"CGROUP_GUARD_RECORD_VERSION":"1"' '"CGROUP_GUARD_KIND":"migration"' '"CGROUP_GUARD_ACTION":"allow"' \
                 '"CGROUP_GUARD_FIRST_USEC":"' '"CGROUP_GUARD_LAST_USEC":"')"
bash_exe=$(readlink -f /proc/$$/exe)
exe_id=$(stat -L -c '%Hd:%Ld:%i' "$bash_exe")
check "record entry: the actor's executable path and device:inode ($exe_id), its cgroup, source and destination (none missing)" "" \
      "$(missing "\"CGROUP_GUARD_ACTOR_EXE\":\"$bash_exe\"" "\"CGROUP_GUARD_ACTOR_EXE_ID\":\"$exe_id\"" \
                 "\"CGROUP_GUARD_SRC_CGROUP\":\"$P/b\"" "\"CGROUP_GUARD_ACTOR_CGROUP\":\"$(cgroup_of $$)\"")"
check_grep "the protected move is recorded too, as observed" \
        <(journalctl -D $JOURNAL -o json MESSAGE_ID=$RECORD_ID | grep -F "\"CGROUP_GUARD_DST_CGROUP\":\"$P/prot\"") \
        '"CGROUP_GUARD_ACTION":"observed"'
check "record off: off again" "b false" "$(busctl --system get-property $BUS Recording)"
count_off=$(entries "$P/a")
for _ in $(seq 5); do move "$T/a" $SLEEPER; move "$T/b" $SLEEPER; done
sleep 2.5
check "record off: nothing more recorded" "$count_off" "$(entries "$P/a")"

# learn over the recording: a policy that passes --check and replays with no denial. Only the
# moves of our own test cgroups, so the policy is about them.
"$CTL" learn --journal-dir $JOURNAL --protect "$P" > "$WORK/learned.json" 2> "$WORK/learn.err"
rc=$?
mkdir -p "$WORK/learned" && cp "$WORK/learned.json" "$WORK/learned/50-learned.json"
check "learn over the daemon's recording: exit 0" 0 "$rc"
check_grep "learn over the daemon's recording: a policy naming what was seen" "$WORK/learned.json" "\"$P/a\""
"$DAEMON" --check --policy-dir "$WORK/learned" > /dev/null 2>&1
check "learn over the daemon's recording: the policy passes --check (exit status)" 0 "$?"
check_grep "learn: the summary names the actor" "$WORK/learn.err" -F "by $bash_exe in "
check_grep "learn: the summary names the allow entry" "$WORK/learn.err" -- "-> $P/a: learned/allow/[0-9]*:bash$"
"$CTL" replay "$WORK/learned" --journal-dir $JOURNAL > "$WORK/out" 2>&1
rc=$?
# The move into the protected cgroup was not allowed when recorded (observed): it is denied again.
check "replay of the learned policy: exit 1" 1 "$rc"
check_grep "replay of the learned policy: the protect rule would deny 1 operation" "$WORK/out" \
        "^learned/protect/0 (50-learned.json) would deny 1 operation(s), 1 distinct"
check "replay of the learned policy: only one move would be denied" 1 "$(grep -c '^ *[0-9]*x migration' "$WORK/out")"
check_grep "replay of the learned policy: the move it never allowed" "$WORK/out" -F -- "-> $P/prot (first"

# "record": true in a policy file records as well, and record policy goes back to the files.
echo "{ \"version\": 1, \"record\": true, \"migration\": { \"protect\": [\"$P/prot\"] } }" > "$POLICY_DIR/10-a.json"
"$CTL" record policy
for _ in $(seq 50); do [ "$(busctl --system get-property $BUS Recording)" = "b true" ] && break; sleep 0.1; done
check "\"record\": true in a policy file: recording" "b true" "$(busctl --system get-property $BUS Recording)"
before=$(recorded "$P/a")
for _ in $(seq 7); do move "$T/a" $SLEEPER; move "$T/b" $SLEEPER; done
for _ in $(seq 50); do [ "$(recorded "$P/a")" -ge $((before + 7)) ] && break; sleep 0.1; done
check "... and the interval drain journals the new moves (7)" "$((before + 7))" "$(recorded "$P/a")"

# The catalog and the man page know both MESSAGE_IDs.
for id in $RECORD_ID $RECORD_CHANGED_ID; do
        check_grep "$id in the catalog" "$(dirname "$0")/../../units/cgroup-guard.catalog" "^-- $id"
        check_grep "$id in cgroup-guardd(8)" "$(dirname "$0")/../../man/cgroup-guardd.8" "$id"
done

finish
