# A cgroup.procs write naming a process whose thread-group leader has exited (a zombie with live
# threads) moves the live threads; the exited leader stays where it died. Judged from the
# leader's cgroup, the threads escaped a protected cgroup as a move that changes nothing (the
# leader died in the destination) or as a move from wherever the leader died. Judged from the
# threads that move, both are denied, a write that moves nothing is allowed, and what decided one
# write (cgroup2 or v1) never decides the writer's next move (a clone3 out of its protected
# cgroup). A denial names the moved task as it was when it was refused, even when it is gone
# before the daemon reads the record (CGROUP_GUARD_TASK_COMM, with the daemon frozen).
. /scenarios/lib.sh

mkdir -p /run/systemd/journal
/lib/systemd/systemd-journald > /tmp/journald.log 2>&1 &
i=0; while [ $i -lt 50 ] && [ ! -S /run/systemd/journal/socket ]; do sleep 0.1; i=$((i + 1)); done
[ -S /run/systemd/journal/socket ] || { echo "journald did not start: $(cat /tmp/journald.log)"; exit 99; }
DENIAL_ID=e8540ee91e3f4008a0c051b6c2107e76

mkdir -p $T/prot $T/free $T/other
# Tamper protection off: the name test freezes the daemon on purpose.
policy 10-zombie.json <<'JSON'
{ "version": 1, "protect_self": false,
  "migration": { "protect": ["/t/prot"], "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] } }
JSON
# A cgroup v1 hierarchy, mounted before the guard (which refuses new ones): its writes name a
# task as cgroup2 writes do, and open no decision window.
mkdir -p /tmp/v1z
mount -t cgroup -o none,name=zombie cgroup /tmp/v1z || echo "# no cgroup v1 hierarchy"
# A bus for explain (its D-Bus call), as the daemon has under systemd.
dbus-daemon --config-file=/usr/share/dbus-1/session.conf --address=unix:path=/run/zombie-bus --fork --nopidfile
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/zombie-bus
GUARD_CGROUP=$T/guard guard_start

thread_cgroup() { sed -n 's/^0:://p' /proc/$1/task/$2/cgroup; }

# zombie CGROUP FILE: a process (its pid in $!) whose leader exits in CGROUP; its live thread's id
# goes to FILE once the leader is a zombie.
zombie() {
        in-cgroup $1 cg-zombie > $2.tmp &
        zpid=$!
        i=0
        while [ $i -lt 50 ] && { [ ! -s $2.tmp ] || ! grep -q '^State:.Z' /proc/$zpid/task/$zpid/status 2>/dev/null; }; do
                sleep 0.1
                i=$((i + 1))
        done
        mv $2.tmp $2
}

# 1. The leader dies in /t/free, an allowed mover puts the process into /t/prot: its thread is
# there, the zombie leader stays in /t/free.
zombie $T/free /tmp/z1
z1=$zpid tid1=$(cat /tmp/z1)
check_grep "the leader of $z1 is a zombie, thread $tid1 lives" /proc/$z1/task/$z1/status '^State:.Z'
check_cmd "an allowed mover puts the process into /t/prot" ok cg-move-allowed $T/prot $z1
check "its live thread is in /t/prot" /t/prot "$(thread_cgroup $z1 $tid1)"
check "the zombie leader stayed in /t/free" /t/free "$(thread_cgroup $z1 $z1)"
check_cmd "the zombie leader itself cannot be moved by cgroup.threads (domain cgroups)" EOPNOTSUPP \
        cg-move-allowed --threads $T/prot $z1

# 2. The attacks: the leader's cgroup is the destination (src == dst), or another unprotected one.
check_cmd "cgroup.procs into the zombie leader's cgroup is EPERM" EPERM cg-move $T/free $z1
check "the thread stays in /t/prot" /t/prot "$(thread_cgroup $z1 $tid1)"
check_cmd "the same naming the live thread's id is EPERM" EPERM cg-move $T/free $tid1
check "the thread still stays in /t/prot" /t/prot "$(thread_cgroup $z1 $tid1)"
check_cmd "cgroup.procs into another unprotected cgroup is EPERM" EPERM cg-move $T/other $z1
check "the thread is still in /t/prot" /t/prot "$(thread_cgroup $z1 $tid1)"
check_cmd "a confined writer in /t/prot is refused too" EPERM in-cgroup $T/prot cg-move $T/free $z1
check "the thread is in /t/prot after all attempts" /t/prot "$(thread_cgroup $z1 $tid1)"
check_true "the denial is reported from the threads' cgroup" wait_log "migration of pid $z1 (cg-zombie) from /t/prot to /t/free" 1
not_ok_unless "the daemon is not on the bus" wait_log "Serving org.cgroupguard.Guard1"
out=$(cgroup-guardctl --no-pager explain migration --pid $z1 --to /t/free 2>&1)
case "$out" in "denied by 10-zombie.json:protect/0: "*) ok "explain decides it from the threads' cgroup: denied" ;;
*) not_ok "explain: $out" ;; esac
# Writing it into the cgroup its threads are in moves nothing: allowed whoever asks.
check_cmd "cgroup.procs into the cgroup its live thread is in (no-op) works" ok cg-move $T/prot $z1
check "the thread is in /t/prot" /t/prot "$(thread_cgroup $z1 $tid1)"
check_cmd "the allowed mover takes it out" ok cg-move-allowed $T/other $z1
check "the thread moved to /t/other" /t/other "$(thread_cgroup $z1 $tid1)"
kill $z1

# 3. The reverse: the leader dies in /t/prot, the allowed mover takes the process to /t/free.
zombie $T/prot /tmp/z2
z2=$zpid tid2=$(cat /tmp/z2)
check_cmd "a process whose leader died in /t/prot is moved out by the allowed mover" ok cg-move-allowed $T/free $z2
check "its thread is in /t/free" /t/free "$(thread_cgroup $z2 $tid2)"
check "its zombie leader stayed in /t/prot" /t/prot "$(thread_cgroup $z2 $z2)"
check_cmd "anyone may write it into /t/free, where its thread is (no-op)" ok cg-move $T/free $z2
check_cmd "moving it between unprotected cgroups is not judged by the leader's /t/prot" ok cg-move $T/other $z2
check "its thread is in /t/other" /t/other "$(thread_cgroup $z2 $tid2)"
# A stale note: a task in /t/prot writes it into /t/other (a no-op), then, in the same thread,
# clones a child into /t/other: that clone leaves /t/prot and is denied.
check_cmd "a write that moves nothing, then a clone3 out of /t/prot by the same task" "ok EPERM" \
        in-cgroup $T/prot cg-zombie --write-then-clone3 $T/other/cgroup.procs $z2 $T/other
check_cmd "a cgroup v1 write naming it, then a clone3 out of /t/prot by the same task" "ok EPERM" \
        in-cgroup $T/prot cg-zombie --write-then-clone3 /tmp/v1z/cgroup.procs $z2 $T/other
check "its thread is still in /t/other" /t/other "$(thread_cgroup $z2 $tid2)"
kill $z2

# 4. A denied task that exits before the daemon reads the record is still named.
cp /usr/local/bin/cg-thread /tmp/short-lived
/tmp/short-lived > /dev/null & short=$!
sleep 0.2
echo 1 > $T/guard/cgroup.freeze
i=0; while [ $i -lt 30 ] && ! grep -q "frozen 1" $T/guard/cgroup.events; do sleep 0.1; i=$((i + 1)); done
check_grep "the daemon is frozen" $T/guard/cgroup.events "frozen 1"
check_cmd "moving short-lived into /t/prot is EPERM" EPERM cg-move $T/prot $short
kill -9 $short
wait $short 2> /dev/null
check_fails "short-lived ($short) is gone" test -e /proc/$short
echo 0 > $T/guard/cgroup.freeze
check_true "its denial is reported" wait_log "to /t/prot by pid" 1
grep "to /t/prot by pid" $LOG > /tmp/lines
check_grep "the message names it: pid $short (short-lived)" /tmp/lines -F "migration of pid $short (short-lived) from"
for _ in $(seq 50); do journalctl -o json MESSAGE_ID=$DENIAL_ID | grep -q "\"CGROUP_GUARD_TASK_PID\":\"$short\"" && break; sleep 0.1; done
entry=$(journalctl -o json MESSAGE_ID=$DENIAL_ID | grep "\"CGROUP_GUARD_TASK_PID\":\"$short\"")
contains "journal: CGROUP_GUARD_TASK_COMM names it" '"CGROUP_GUARD_TASK_COMM":"short-lived"' "$entry"

umount /tmp/v1z 2> /dev/null
finish
