# Learn and replay on a real kernel (issue 18): with "record": true the guard journals every
# migration and namespace change it sees, allowed ones included, aggregated per distinct
# operation with a count; cgroup-guardctl learn turns the recording into a policy; enforced, that
# policy lets the same workload run with 0 denials, while escapes and namespace changes nobody
# made are still EPERM; replay of the recording over it denies nothing, and replay of a too-strict
# policy lists exactly the operations it would break.
. /scenarios/lib.sh

RECORD_ID=44e49ebbd92b4f71807e50addc7c5583
cp /usr/local/bin/cg-move /usr/local/bin/cg-mgr

# A real journald: the daemon's records go to it, learn and replay read them back.
mkdir -p /run/systemd/journal
/lib/systemd/systemd-journald > /tmp/journald.log 2>&1 &
i=0; while [ $i -lt 50 ] && [ ! -S /run/systemd/journal/socket ]; do sleep 0.1; i=$((i + 1)); done
check_true "journald runs" test -S /run/systemd/journal/socket
[ -S /run/systemd/journal/socket ] || { sed 's/^/# journald: /' /tmp/journald.log; finish; }

mkdir -p $T/svc/app $T/svc/app2 $T/mgr $T/deleg/init.scope $T/deleg/work1 $T/deleg/work2 $T/ns
sleep 1000 & sleeper=$!
sleep 1000 & inner=$!
cg-move-allowed $T/deleg/init.scope $inner > /dev/null

# The workload: a manager (its own executable, in its own cgroup) starts a service and moves it
# around; a manager inside its own subtree moves its tasks there (delegation); a sandbox
# creates a network namespace. Each actor lingers, so its executable can be named.
LINGER=
# The first line an actor printed, once it did (up to 60 s: TCG guests on a loaded machine are slow to start a process).
first_line() {
        i=0
        while [ $i -lt 600 ] && [ ! -s "$1" ]; do sleep 0.1; i=$((i + 1)); done
        head -n 1 "$1"
}
STEP=0
# step CGROUP COMMAND...: COMMAND from inside CGROUP, lingering; waits for its first line, which
# must be "ok" (each step its own output file: a later step cannot be mistaken for an earlier one).
step() {
        dir=$1
        shift
        STEP=$((STEP + 1))
        # A file left by an earlier run of the workload would be read before the redirection
        # below truncates it.
        rm -f /tmp/step.$STEP
        in-cgroup "$dir" "$@" > /tmp/step.$STEP & LINGER="$LINGER $!"
        [ "$(first_line /tmp/step.$STEP)" = ok ] || echo "step $STEP ($*): $(cat /tmp/step.$STEP)"
}
workload() {
        for round in 1 2 3; do
                step $T/mgr cg-mgr $T/svc/app $sleeper --linger
                step $T/mgr cg-mgr $T/svc/app2 $sleeper --linger
                step $T/deleg/init.scope cg-mgr $T/deleg/work1 $inner --linger
                step $T/deleg/init.scope cg-mgr $T/deleg/work2 $inner --linger
        done
        in-cgroup $T/svc/app true
        # clone(CLONE_IO): a flag among the CLONE_NEW* ones that creates no namespace.
        out=$(in-cgroup $T/svc/app cg-unshare --clone-io)
        [ "$out" = ok ] || echo "clone(CLONE_IO) in /t/svc/app: $out"
        step $T/ns cg-unshare net --hold
        sleep 0.5
        kill $LINGER 2>/dev/null
        wait $LINGER 2>/dev/null
        LINGER=
}

# --- 1. Record ---------------------------------------------------------------------------------
policy 00-record.json <<'JSON'
{ "version": 1, "record": true }
JSON
guard_start --record-interval=1
out=$(workload)
check "recording: the workload runs" "" "$out"
sleep 2.5
# Sum of the counts of the record entries whose fields contain every pattern.
recorded() {
        journalctl -o json MESSAGE_ID=$RECORD_ID > /tmp/records.json 2>/dev/null
        for p in "$@"; do grep -F "$p" /tmp/records.json > /tmp/records.sel; mv /tmp/records.sel /tmp/records.json; done
        sed -n 's/.*"CGROUP_GUARD_COUNT":"\([0-9]*\)".*/\1/p' /tmp/records.json | awk '{ s += $1 } END { print s + 0 }'
}
entries() { journalctl -o json MESSAGE_ID=$RECORD_ID 2>/dev/null | grep -F "$1" | grep -cF "$2"; }
n_mgr=$(recorded '"CGROUP_GUARD_DST_CGROUP":"/t/svc/app"' '"CGROUP_GUARD_ACTOR_EXE":"/usr/local/bin/cg-mgr"' \
        '"CGROUP_GUARD_ACTOR_CGROUP":"/t/mgr"' '"CGROUP_GUARD_ACTION":"allow"')
check "recorded: the manager's 3 allowed moves into /t/svc/app, named by executable and cgroup" 3 "$n_mgr"
e=$(entries '"CGROUP_GUARD_DST_CGROUP":"/t/svc/app"' '"CGROUP_GUARD_ACTOR_EXE":"/usr/local/bin/cg-mgr"')
check "aggregated: $e entries for those 3 moves (1 to 3)" "1 to 3" "$(case "$e" in [123]) echo 1 to 3 ;; *) echo "$e" ;; esac)"
n_deleg=$(recorded '"CGROUP_GUARD_DST_CGROUP":"/t/deleg/work1"' '"CGROUP_GUARD_ACTOR_CGROUP":"/t/deleg/init.scope"')
check "recorded: the delegated manager's 3 moves" 3 "$n_deleg"
n_ns=$(recorded '"CGROUP_GUARD_KIND":"namespace"' '"CGROUP_GUARD_ACTOR_CGROUP":"/t/ns"' '"CGROUP_GUARD_NS_TYPES":"net"' \
       '"CGROUP_GUARD_ACTOR_EXE":"/usr/local/bin/cg-unshare"')
check_int "recorded: the sandbox's network namespace ($n_ns)" "$n_ns" -ge 1
e=$(entries '"CGROUP_GUARD_KIND":"namespace"' '"CGROUP_GUARD_ACTOR_CGROUP":"/t/svc/app"')
check "clone(CLONE_IO) is no namespace change: nothing recorded for it" 0 "$e"
journalctl -o json MESSAGE_ID=$RECORD_ID | grep -F '"CGROUP_GUARD_ACTOR_EXE_ID":"' > /tmp/records.exe-id
check_grep "record entries carry the format version and the executable's device:inode" /tmp/records.exe-id -F '"CGROUP_GUARD_RECORD_VERSION":"1"'

# --- 2. Learn, check, replay --------------------------------------------------------------------
cgroup-guardctl learn --protect /t > /tmp/learned.json 2> /tmp/learn.err
rc=$?
mkdir -p /tmp/learned && cp /tmp/learned.json /tmp/learned/50-learned.json
check "learn: a policy that passes --check (the exit statuses of learn, --check)" "0 0" \
        "$rc $(cgroup-guardd --check --policy-dir /tmp/learned > /tmp/check.out 2>&1; echo $?)"
check_grep_all "learn: the manager by executable, the delegated subtree as delegate" /tmp/learned.json \
        '"/t/deleg"' '"exe": "/usr/local/bin/cg-mgr"'
cgroup-guardctl replay /tmp/learned > /tmp/replay.out 2>&1
rc=$?
check "replay of the learned policy over the recording: nothing denied (exit status, verdict)" "0 nothing would be denied" \
        "$rc $(grep -o "nothing would be denied" /tmp/replay.out | head -n 1)"
# Too strict: the same protection, the manager allowed only into app2, no delegation.
mkdir -p /tmp/strict
cat > /tmp/strict/10-strict.json <<'JSON'
{ "version": 1, "migration": { "protect": ["/t/svc", "/t/deleg"],
  "allow": [ { "exe": "/usr/local/bin/cg-mgr", "to": ["/t/svc/app2"] },
             { "exe": "/usr/local/bin/cg-move-allowed" } ] } }
JSON
cgroup-guardctl replay /tmp/strict > /tmp/replay.out 2>&1
rc=$?
sed -n 's/^ *\([0-9]*\)x \(.*\) (first .*/\1x \2/p' /tmp/replay.out > /tmp/replay.ops
cat > /tmp/replay.expected <<'EOF'
1x migration by /usr/local/bin/cg-mgr in /t/mgr: / -> /t/svc/app
2x migration by /usr/local/bin/cg-mgr in /t/mgr: /t/svc/app2 -> /t/svc/app
1x migration by /usr/local/bin/cg-mgr in /t/deleg/init.scope: /t/deleg/init.scope -> /t/deleg/work1
3x migration by /usr/local/bin/cg-mgr in /t/deleg/init.scope: /t/deleg/work1 -> /t/deleg/work2
2x migration by /usr/local/bin/cg-mgr in /t/deleg/init.scope: /t/deleg/work2 -> /t/deleg/work1
EOF
sort /tmp/replay.expected > /tmp/replay.want; sort /tmp/replay.ops > /tmp/replay.got
check "replay of a too-strict policy lists exactly the operations it would break (exit 1)" "1 $(cat /tmp/replay.want)" \
        "$rc $(cat /tmp/replay.got)"

# --- 3. Enforce the learned policy: the same workload, 0 denials; escapes still denied ----------
guard_stop
cgroup-guardd --unload > /dev/null 2>&1
rm -f $POLICY_DIR/*.json
cp /tmp/learned.json $POLICY_DIR/50-learned.json
: > $LOG
guard_start
check_output "enforcing the learned policy" "Counters: 0 denied" cgroup-guardd --status
out=$(workload)
check "enforced: the recorded workload runs unchanged" "" "$out"
check_output "enforced: 0 denials for the same workload" "Counters: 0 denied" cgroup-guardd --status

check_cmd "escape: a task in /t/svc/app moving itself out is EPERM" EPERM \
        sh -c "cg-move-allowed $T/svc/app \$\$ > /dev/null && cg-move $T \$\$"
check_cmd "intrusion: another executable moving into /t/svc/app is EPERM" EPERM cg-move $T/svc/app $$
check_cmd "the manager into a cgroup it never used is EPERM" EPERM in-cgroup $T/mgr cg-mgr $T/deleg/work1 $sleeper
check_cmd "across delegated subtrees: /t/deleg/init into /t/svc is EPERM" EPERM in-cgroup $T/deleg/init.scope cg-mgr $T/svc/app $inner
check_cmd "a namespace type nobody used in /t/svc (user) is EPERM" EPERM in-cgroup $T/svc/app cg-unshare user
check_cmd "the sandbox's other types (uts) are EPERM" EPERM in-cgroup $T/ns cg-unshare uts
check_cmd "the sandbox's own type (net) still works" ok in-cgroup $T/ns cg-unshare net --fork
check_output_no "the escape attempts are counted as denials ($(cgroup-guardd --status | grep -o 'Counters: [0-9]* denied'))" "Counters: 0 denied" cgroup-guardd --status

# --- 4. A cgroup gone before the daemon read its records is still named --------------------------
# (The real-client proof lost PID 1's move into a transient scope: systemd had removed the scope
# by the time the daemon got to its mkdir record.) The daemon is stopped while a cgroup is made,
# used and removed, so every one of its records waits in the ring. Tamper protection off: only
# PID 1 may stop the daemon otherwise.
guard_stop
cgroup-guardd --unload > /dev/null 2>&1
rm -f $POLICY_DIR/*.json
policy 10-brief.json <<'JSON'
{ "version": 1, "record": true, "protect_self": false,
  "migration": { "protect": ["/t/svc"], "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] } }
JSON
: > $LOG
guard_start --record-interval=1
kill -STOP $GUARD_PID
# Hundreds of cgroup records before the brief cgroup's: the daemon reads them a batch at a time
# when it runs again, and its record timer (due by then) takes its turn after the first batch.
mkdir $T/noise
i=0; while [ $i -lt 200 ]; do mkdir $T/noise/c$i && rmdir $T/noise/c$i; i=$((i + 1)); done
mkdir $T/svc/brief
cg-move-allowed $T/svc/brief $sleeper > /dev/null
cg-move-allowed $T/svc/app $sleeper > /dev/null
rmdir $T/svc/brief
sleep 1.5 # the record timer is due
kill -CONT $GUARD_PID
i=0; while [ $i -lt 100 ] && [ "$(entries '"CGROUP_GUARD_DST_CGROUP":"/t/svc/app"' '"CGROUP_GUARD_SRC_CGROUP":"/t/svc/brief"')" = 0 ]; do sleep 0.1; i=$((i + 1)); done
into_brief=$(entries '"CGROUP_GUARD_DST_CGROUP":"/t/svc/brief"' '"CGROUP_GUARD_ACTOR_EXE":"/usr/local/bin/cg-move-allowed"')
out_of_brief=$(entries '"CGROUP_GUARD_SRC_CGROUP":"/t/svc/brief"' '"CGROUP_GUARD_DST_CGROUP":"/t/svc/app"')
check "a cgroup removed before the daemon read its records: both moves recorded with its path (entries in, out)" \
        "above 0, above 0" "$(above 0 "$into_brief"), $(above 0 "$out_of_brief")"

# --- 5. An entry larger than the socket takes in one datagram ----------------------------------
# A root elsewhere lowered net.core.wmem_default: the daemon's journal socket then refused the
# entries of a long executable path or a deep cgroup (EMSGSIZE), only those, and they were lost
# (a review found it). They go in a sealed memfd, as sd-journal sends large entries.
guard_stop
old_wmem=$(cat /proc/sys/net/core/wmem_default)
echo 4608 > /proc/sys/net/core/wmem_default
deep=$T/ns
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do deep=$deep/$(printf 'c%.0s' $(seq 240)); done
mkdir -p "$deep"
: > $LOG
guard_start
check "a move into a cgroup at a ${#deep}-character path is denied" EPERM "$(cg-move "$deep" $sleeper)"
echo "$old_wmem" > /proc/sys/net/core/wmem_default
journaled_deep() {
        journalctl -o json MESSAGE_ID=e8540ee91e3f4008a0c051b6c2107e76 2>/dev/null |
                grep -F "\"CGROUP_GUARD_DST_CGROUP\":\"${deep#$CG}\"" | grep -q CGROUP_GUARD_RULE
}
i=0; while [ $i -lt 100 ] && ! journaled_deep; do sleep 0.1; i=$((i + 1)); done
check_true "... and journaled with every field although no datagram could hold it" journaled_deep
d=$deep; while [ "$d" != "$T/ns" ]; do rmdir "$d"; d=${d%/*}; done

kill $sleeper $inner 2>/dev/null
finish
