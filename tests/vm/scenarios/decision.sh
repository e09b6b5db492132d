# One decision on a real kernel (busybox sh): the regressions of issue 11 (A: a multi-type
# unshare decided by its strictest lock, B: an audit-mode sandbox mark cannot weaken an
# enforce-mode lock), then a generated policy, cgroup tree and 1,000+ real operations, each
# compared with what explain predicted (tests/vm/helpers/cg-decide-diff.c).
. /scenarios/lib.sh

mkdir -p $T/ab $T/sbd $T/user $T/free
policy 00-base.json <<'JSON'
{ "version": 1, "protect_self": false }
JSON
# A: an audit lock on net in an earlier file, an enforce lock on uts in a later one.
policy 10-net-audit.json <<'JSON'
{ "version": 1, "mode": "audit",
  "namespaces": {
    "lock": [ { "cgroup": "/t/ab", "types": ["net"] } ],
    "lock_on_entry": [ { "created_by": { "cgroup": "/t/sbd" }, "types": ["uts", "net"] } ] } }
JSON
policy 20-uts-enforce.json <<'JSON'
{ "version": 1, "mode": "enforce",
  "namespaces": { "lock": [ { "cgroup": "/t/ab", "types": ["uts"] }, { "cgroup": "/t/user", "types": ["uts"] } ] } }
JSON
guard_start

check_cmd "A: unshare(NET|UTS) with audit on net and enforce on uts is EPERM" 1 \
        in-cgroup $T/ab sh -c 'unshare -n -u true 2>/dev/null; echo $?'
check_cmd "A: clone(NET|UTS) likewise" 1 in-cgroup $T/ab sh -c 'unshare -n -u -f true 2>/dev/null; echo $?'
check_cmd "A: unshare(NET) alone is audited, so it works" 0 in-cgroup $T/ab sh -c 'unshare -n true; echo $?'
check_true "A: the denial names the enforce rule" wait_log "by rule '20-uts-enforce.json:lock/0' in 20-uts-enforce.json"

# B: a task in /t/user enters a sandbox by its net namespace (net is not locked there) and so
# carries an audit-mode mark for uts and net; its cgroup's enforce lock on uts must still hold.
unshare -u sleep 1000 & other=$!
in-cgroup $T/sbd unshare -u -n sleep 1000 & sandbox=$!
wait_ns $other uts
wait_ns $sandbox uts net
check_cmd "B: entering the sandbox by net works" ok in-cgroup $T/user cg-setns /proc/$sandbox/ns/net
check_cmd "B: after entering, setns to another uts namespace is still EPERM (enforce lock)" EPERM \
        in-cgroup $T/user cg-setns /proc/$sandbox/ns/net -- cg-setns /proc/$other/ns/uts
check_cmd "B: and unshare(UTS) too" 1 in-cgroup $T/user cg-setns /proc/$sandbox/ns/net -- sh -c 'unshare -u true 2>/dev/null; echo $?'
kill $other $sandbox 2>/dev/null
wait $other $sandbox 2>/dev/null
guard_stop
cgroup-guardd --unload > /dev/null 2>&1
rm -f $POLICY_DIR/*.json

# The differential run: explain against the kernel, operation by operation, over D-Bus.
dbus-daemon --config-file=/usr/share/dbus-1/session.conf --address=unix:path=/run/diff-bus --fork --nopidfile
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/diff-bus
cat > /tmp/start-guard.sh <<EOF2
cgroup-guardd --backend $BACKEND >> $LOG 2>&1 &
echo \$! > /tmp/guard.pid
i=0
while [ \$i -lt 3000 ]; do
        grep -q "Serving org.cgroupguard.Guard1" $LOG && exit 0
        sleep 0.1
        i=\$((i + 1))
done
exit 1
EOF2
: > $LOG
cg-decide-diff ${DIFF_SEED:-1} ${DIFF_OPS:-1200} $POLICY_DIR "sh /tmp/start-guard.sh" 2>&1 | tee /tmp/diff.out | grep -v '^#   ' | head -80
rc=$(grep -c '^not ok' /tmp/diff.out)
grep -q '^# [0-9]* operations (' /tmp/diff.out || rc=99
[ $rc -eq 99 ] && { echo "--- daemon log"; tail -20 $LOG; }
GUARD_PID=$(cat /tmp/guard.pid 2>/dev/null)
check_int "differential: explain and the kernel agree on every operation" "$rc" -eq 0
finish
