# Issue 12 (a smaller gap): a cgroup.procs write names a process whose leader has exited. The
# kernel moves the live threads; the zombie leader keeps the cgroup it died in, from which the
# kernel judged the write. A leader that died outside and threads moved into a protected cgroup
# since: writing the pid to the outside cgroup's cgroup.procs must not pass as a move that
# changes nothing while the threads leave.
. /scenarios/lib.sh

mkdir -p $T/prot $T/out
policy 10-leader.json <<'JSON'
{ "version": 1, "migration": { "protect": ["/t/prot"], "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] } }
JSON
dbus-daemon --config-file=/usr/share/dbus-1/session.conf --address=unix:path=/run/leader-bus --fork --nopidfile
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/leader-bus
guard_start
wait_log "Serving org.cgroupguard.Guard1" 1 3000 || not_ok "the daemon is not on the bus"

in-cgroup $T/out cg-zombie-leader > /tmp/leader.out &
i=0
while [ $i -lt 600 ] && [ ! -s /tmp/leader.out ]; do sleep 0.1; i=$((i + 1)); done
read pid tid < /tmp/leader.out
check "the leader has exited, a thread lives on" "Z" "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' /proc/$pid/status)"
check_cmd "the allowed executable moves the process into the protected cgroup" ok cg-move-allowed $T/prot $pid
check "its live thread is there" /t/prot "$(cgroup_of $pid/task/$tid)"
check "its leader stays where it died" /t/out "$(cgroup_of $pid)"
out=$(cgroup-guardctl --no-pager explain migration --pid $pid --to /t/out 2>&1)
echo "$out" | grep -q "10-leader.json" && ok "explain judges it from the live thread's cgroup (the protect rule)" ||
        not_ok "explain: $out"
check_cmd "moving it out by the pid of its exited leader, to the cgroup the leader died in: EPERM" EPERM \
        cg-move $T/out $pid
check "the live thread stayed in the protected cgroup" /t/prot "$(cgroup_of $pid/task/$tid)"
check_true "the denial is reported" wait_log "protected by rule '10-leader.json:protect/0'"
check_cmd "the allowed executable still moves it out" ok cg-move-allowed $T/out $pid
check "... the live thread with it" /t/out "$(cgroup_of $pid/task/$tid)"
check_cmd "a move to where its live thread is changes nothing: allowed" ok cg-move $T/out $pid

kill $pid 2>/dev/null
finish
