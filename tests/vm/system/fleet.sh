# Events to a fleet, with systemd as PID 1 (tests/vm/run --system): the Debian units
# systemd-journal-upload and systemd-journal-remote (package systemd-journal-remote) on loopback,
# set up as the README's "Fleet" section says (plain HTTP here: no keys on a test VM). Real
# denials by the guard in enforce (a refused move and a refused setns, EPERM from the kernel)
# arrive in the gathered remote journal with MESSAGE_ID, MESSAGE and every CGROUP_GUARD_* field
# at exactly the values the kernel and the policy give; cgroup-guardctl denials, learn and replay
# read that journal. Runs on both kernels (compat on stock, native on hooks). POSIX sh.
. /system-lib.sh
REMOTE=/var/log/journal/remote
DENIAL_ID=e8540ee91e3f4008a0c051b6c2107e76
RECORD_ID=44e49ebbd92b4f71807e50addc7c5583
W=/tmp/fleet
mkdir -p $W

# The collector: journal-remote's socket unit on 19532, plain HTTP, one file per host.
mkdir -p /etc/systemd/system/systemd-journal-remote.service.d
printf '[Service]\nExecStart=\nExecStart=/lib/systemd/systemd-journal-remote --listen-http=-3 --output=%s/\n' $REMOTE \
        > /etc/systemd/system/systemd-journal-remote.service.d/http.conf
printf '[Remote]\nSplitMode=host\n' > /etc/systemd/journal-remote.conf
# The sender: journal-upload to the collector.
printf '[Upload]\nURL=http://127.0.0.1:19532\n' > /etc/systemd/journal-upload.conf

# The guard, enforcing: /t/prot protected, namespaces locked in /t/locked.
cp /usr/local/bin/cg-move /usr/local/bin/cg-move-allowed
mkdir -p $T/prot $T/locked /etc/cgroup-guard/policies.d
guard_unit_backend
admin_here
cat > /etc/cgroup-guard/policies.d/10-fleet.json <<'JSON'
{ "version": 1,
  "migration": { "protect": ["/t/prot"],
                 "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" }, { "exe": "/usr/lib/systemd/systemd" } ] },
  "namespaces": { "lock": [ { "cgroup": "/t/locked", "types": ["uts"] } ] } }
JSON
systemctl daemon-reload
check_all "systemd-journal-remote.socket started" 'systemctl start systemd-journal-remote.socket > $W/start.log 2>&1' ||
        diag "journal-remote.socket: $(cat $W/start.log)"
systemctl start systemd-journal-upload > $W/start.log 2>&1
sleep 3
if [ "$(systemctl is-active systemd-journal-upload)" != active ]; then
        # Debian's unit runs it as a DynamicUser; should that fail in this image, say why and run
        # it as a static user: what is tested here is the transport of the guard's entries.
        echo "# systemd-journal-upload with DynamicUser=yes: $(systemctl show -p ExecMainStatus --value systemd-journal-upload)," \
             "$(journalctl -u systemd-journal-upload -o cat | grep -v -e '^Started' -e '^Stopped' -e '^Scheduled' -e 'exit-code' -e '^Main process' | sort -u | tr '\n' ' ')"
        mkdir -p /etc/systemd/system/systemd-journal-upload.service.d
        printf '[Service]\nDynamicUser=no\nUser=systemd-journal-remote\n' > /etc/systemd/system/systemd-journal-upload.service.d/static-user.conf
        systemctl daemon-reload
        systemctl reset-failed systemd-journal-upload
        systemctl start systemd-journal-upload > $W/start.log 2>&1
        sleep 3
fi
check "systemd-journal-upload is running" active "$(systemctl is-active systemd-journal-upload)" ||
        diag "journal-upload: $(cat $W/start.log) $(journalctl -u systemd-journal-upload -o cat | sort -u | tr '\n' ' ')"
check_all "cgroup-guardd started" 'systemctl enable --now cgroup-guardd > $W/start.log 2>&1' ||
        diag "cgroup-guardd: $(cat $W/start.log)"
i=0; while [ $i -lt 50 ] && ! busctl status org.cgroupguard.Guard1 > /dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
check "the $BACKEND backend" "s \"$BACKEND\"" "$(busctl get-property $BUS Backend)"
check_all "cgroup-guardctl record on" 'cgroup-guardctl record on > $W/record.log 2>&1' ||
        diag "record on: $(cat $W/record.log)"
gen=$(busctl get-property $BUS PolicyGeneration | awk '{ print $2 }')   # recording on is a new generation

# Real operations: one refused move, one allowed move, one refused setns, each actor's pid known.
self=$(sed -n 's/^0:://p' /proc/self/cgroup)
sleep 1000 & victim=$!
unshare -u sleep 1000 & other=$!
sleep 0.5
r=$(sh -c 'echo $$ > /tmp/fleet/move.pid; exec cg-move /sys/fs/cgroup/t/prot '$victim)
check "a move into /t/prot by cg-move: EPERM" EPERM "$r"
r=$(cg-move-allowed $T/prot $victim)
check "the same move by cg-move-allowed: allowed" ok "$r"
r=$(sh /scenarios/in-cgroup $T/locked sh -c 'echo $$ > /tmp/fleet/setns.pid; exec cg-setns /proc/'$other'/ns/uts')
check "setns into another uts namespace from /t/locked: EPERM" EPERM "$r"
mover=$(cat $W/move.pid) joiner=$(cat $W/setns.pid)
check_all "cgroup-guardctl record off (drains the records)" 'cgroup-guardctl record off > $W/record.log 2>&1' ||
        diag "record off: $(cat $W/record.log)"
# Journaled after the drain: once the marker is in the remote journal, all before it is too.
echo "fleet test: all sent" | systemd-cat -t cgvm-fleet-marker

# Each device and inode as the kernel names them: MAJOR:MINOR:INODE.
exe_id() {
        dev=$(stat -L -c %d "$1") ino=$(stat -L -c %i "$1")
        echo "$(( (dev >> 8) & 0xfff )):$(( (dev & 0xff) | ((dev >> 12) & 0xfff00) )):$ino"
}
i=0
while [ $i -lt 1200 ] && [ -z "$(journalctl -D $REMOTE -q -o cat SYSLOG_IDENTIFIER=cgvm-fleet-marker 2> /dev/null)" ]; do
        sleep 0.1; i=$((i + 1))
done
check_int "everything journaled so far reached the collector" "$i" -lt 1200
local_records=$(journalctl -q -o cat MESSAGE_ID=$RECORD_ID | wc -l)
remote_records=$(journalctl -D $REMOTE -q -o cat MESSAGE_ID=$RECORD_ID | wc -l)
check_all "the $local_records record entries arrived" \
        '[ "$local_records" -ge 4 ]' \
        '[ "$remote_records" = "$local_records" ]' ||
        diag "record entries: $local_records local, $remote_records remote"

nsinum=$(stat -L -c %i /proc/$other/ns/uts)
# The guard's fields of the denial entries of one kind: locally, and (-D) in the remote journal.
fields() { journalctl "$@" -o export MESSAGE_ID=$DENIAL_ID 2> /dev/null | grep -aE '^(CGROUP_GUARD_[A-Z_]+|MESSAGE_ID|MESSAGE)=' | sort; }
# The actor's executable as the daemon names it (cgroup-guardd(8), CGROUP_GUARD_ACTOR_EXE): the
# path while the actor still runs it, else, for an actor gone before the daemon read /proc (these
# two exit at once), its identity: one of these two exact values.
exe_name() {
        id=$(exe_id "$1") kind=$2
        gone="exited since, exe: dev ${id%:*} inode ${id##*:}"
        if fields CGROUP_GUARD_KIND=$kind | grep -qxF "CGROUP_GUARD_ACTOR_EXE=$gone"; then
                echo "# $kind: the actor had exited when the daemon named it: '$gone'" >&2
                echo "$gone"
        else
                echo "$1"
        fi
}
mv_exe=$(exe_name /usr/local/bin/cg-move migration)
ns_exe=$(exe_name /usr/local/bin/cg-setns setns)
# The moved task, named by the kernel (compat: by cgroup_procs_write_start(), which found it).
task_line="CGROUP_GUARD_TASK_COMM=sleep
CGROUP_GUARD_TASK_PID=$victim" of_task=" of pid $victim (sleep)"
cat > $W/expected.migration <<EOF
CGROUP_GUARD_ACTION=deny
CGROUP_GUARD_ACTOR_CGROUP=$self
CGROUP_GUARD_ACTOR_COMM=cg-move
CGROUP_GUARD_ACTOR_EXE=$mv_exe
CGROUP_GUARD_ACTOR_EXE_ID=$(exe_id /usr/local/bin/cg-move)
CGROUP_GUARD_ACTOR_PID=$mover
CGROUP_GUARD_ACTOR_UID=0
CGROUP_GUARD_BACKEND=$BACKEND
CGROUP_GUARD_DST_CGROUP=/t/prot
CGROUP_GUARD_GENERATION=$gen
CGROUP_GUARD_KIND=migration
CGROUP_GUARD_POLICY=10-fleet.json
CGROUP_GUARD_REASON=/t/prot is protected by rule '10-fleet.json:protect/0' in 10-fleet.json and no allow or delegate rule matches
CGROUP_GUARD_RULE=10-fleet.json:protect/0
CGROUP_GUARD_SRC_CGROUP=$self
$task_line
MESSAGE=Denied migration$of_task from $self to /t/prot by pid $mover ($mv_exe, cg-move) in $self: /t/prot is protected by rule '10-fleet.json:protect/0' in 10-fleet.json and no allow or delegate rule matches
MESSAGE_ID=$DENIAL_ID
EOF
sed -i '/^$/d' $W/expected.migration
cat > $W/expected.setns <<EOF
CGROUP_GUARD_ACTION=deny
CGROUP_GUARD_ACTOR_CGROUP=/t/locked
CGROUP_GUARD_ACTOR_COMM=cg-setns
CGROUP_GUARD_ACTOR_EXE=$ns_exe
CGROUP_GUARD_ACTOR_EXE_ID=$(exe_id /usr/local/bin/cg-setns)
CGROUP_GUARD_ACTOR_PID=$joiner
CGROUP_GUARD_ACTOR_UID=0
CGROUP_GUARD_BACKEND=$BACKEND
CGROUP_GUARD_GENERATION=$gen
CGROUP_GUARD_KIND=setns
CGROUP_GUARD_NS_INUM=$nsinum
CGROUP_GUARD_NS_TYPE=uts
CGROUP_GUARD_POLICY=10-fleet.json
CGROUP_GUARD_REASON=tasks in /t/locked are locked into their namespaces by rule '10-fleet.json:lock/0' in 10-fleet.json
CGROUP_GUARD_RULE=10-fleet.json:lock/0
MESSAGE=Denied joining another uts namespace (inode $nsinum) by pid $joiner ($ns_exe, cg-setns) in /t/locked: tasks in /t/locked are locked into their namespaces by rule '10-fleet.json:lock/0' in 10-fleet.json
MESSAGE_ID=$DENIAL_ID
EOF

ls -l $REMOTE > $W/remote.ls 2>&1
# SplitMode=host: one file per sender, named by its address.
check_true "the collector wrote the sender's journal file remote-127.0.0.1.journal" [ -f $REMOTE/remote-127.0.0.1.journal ] ||
        diag "remote directory: $(cat $W/remote.ls)"
for kind in migration setns; do
        fields CGROUP_GUARD_KIND=$kind > $W/local.$kind
        fields -D $REMOTE CGROUP_GUARD_KIND=$kind > $W/remote.$kind
        check_true "$kind: the local entry has exactly the expected fields" cmp -s $W/expected.$kind $W/local.$kind ||
                diag "$kind: local entry differs from the expected: $(diff $W/expected.$kind $W/local.$kind)"
        check_true "$kind: arrived in the remote journal with MESSAGE_ID, MESSAGE and every CGROUP_GUARD_* field intact" cmp -s $W/expected.$kind $W/remote.$kind ||
                diag "$kind: remote entry differs from the expected: $(diff $W/expected.$kind $W/remote.$kind)"
done
journalctl -D $REMOTE -o export MESSAGE_ID=$DENIAL_ID CGROUP_GUARD_KIND=migration > $W/remote.export
check_grep "the remote entry names its host" $W/remote.export -a '^_HOSTNAME=cgvm$'

# cgroup-guardctl reads the gathered journal.
cgroup-guardctl denials --journal-dir $REMOTE --no-pager --no-legend > $W/denials 2>&1; rc=$?
check_all "cgroup-guardctl denials --journal-dir: both denials, with the host" \
        '[ $rc = 0 ]' \
        '[ "$(wc -l < $W/denials)" = 2 ]' \
        'grep -q "cgvm: Denied migration$of_task from $self to /t/prot by pid $mover " $W/denials' \
        'grep -q "cgvm: Denied joining another uts namespace (inode $nsinum) by pid $joiner " $W/denials' ||
        diag "denials (rc $rc): $(cat $W/denials)"
cgroup-guardctl denials --journal-dir $REMOTE --json --no-pager > $W/denials.json 2>&1
check_grep_all "denials --journal-dir --json: both rules" $W/denials.json '"rule":"10-fleet.json:protect/0"' '"rule":"10-fleet.json:lock/0"'

# The records the guard journaled arrived too: learn and replay read them from the remote journal.
ops() { sed -n 's/^ *\([0-9]*\)x \(.*\) (first .*/\1x \2/p' "$1" | sort; }
cat > $W/expected.denied <<EOF
1x migration by /usr/local/bin/cg-move in $self: $self -> /t/prot
1x setns by /usr/local/bin/cg-setns in /t/locked: uts
EOF
sort -o $W/expected.denied $W/expected.denied
mkdir -p $W/same $W/learned $W/open
cp /etc/cgroup-guard/policies.d/10-fleet.json $W/same/
cgroup-guardctl replay $W/same --journal-dir $REMOTE > $W/replay.out 2>&1; rc=$?
ops $W/replay.out > $W/replay.ops
check_all "replay DIR --journal-dir, the policy in force: exactly what the kernel refused (exit 1)" \
        '[ $rc = 1 ]' \
        'cmp -s $W/expected.denied $W/replay.ops' ||
        diag "replay of the policy in force (rc $rc): $(cat $W/replay.out)"
cgroup-guardctl learn --journal-dir $REMOTE --protect /t > $W/learned/50-learned.json 2> $W/learn.err; rc=$?
check_all "learn --journal-dir: a valid policy allowing the recorded allowed move" \
        '[ $rc = 0 ]' \
        'grep -q "\"/usr/local/bin/cg-move-allowed\"" $W/learned/50-learned.json' \
        'cgroup-guardctl check $W/learned > $W/check.out 2>&1' ||
        diag "learn (rc $rc): $(cat $W/learned/50-learned.json $W/learn.err $W/check.out)"
cgroup-guardctl replay $W/learned --journal-dir $REMOTE > $W/replay.out 2>&1; rc=$?
ops $W/replay.out > $W/replay.ops
check_all "replay of the learned policy: allows what was allowed, refuses what was refused" \
        '[ $rc = 1 ]' \
        'cmp -s $W/expected.denied $W/replay.ops' ||
        diag "replay of the learned policy (rc $rc): $(cat $W/replay.out)"
echo '{ "version": 1, "migration": { "protect": ["/t/prot"], "allow": [ { "exe": "/usr/local/bin/cg-move" }, { "exe": "/usr/local/bin/cg-move-allowed" } ] } }' \
        > $W/open/10-open.json
cgroup-guardctl replay $W/open --journal-dir $REMOTE > $W/replay.out 2>&1; rc=$?
check_all "replay of a looser candidate: nothing denied (exit 0)" \
        '[ $rc = 0 ]' \
        'grep -q "nothing would be denied or audited" $W/replay.out' ||
        diag "replay open (rc $rc): $(cat $W/replay.out)"

kill $victim $other 2>/dev/null
echo "$passed passed, $failed failed"
if [ $failed -ne 0 ]; then
        systemctl status systemd-journal-remote systemd-journal-upload cgroup-guardd --no-pager
        journalctl -u systemd-journal-upload -u systemd-journal-remote --no-pager | grep -v -e Scheduled -e Stopped -e Started | tail -30
        cat $W/remote.ls
fi
exit $failed
