# Crashes at random points: the daemon is SIGKILLed while it reloads, again and again, while two
# probers keep trying a forbidden migration and a forbidden setns. Nothing may get through, and
# every restart must find consistent pins. FAULT_ROUNDS (default 25; the issue's 100 by hand).
. /scenarios/lib.sh

ROUNDS=${FAULT_ROUNDS:-25}
mkdir -p $T/prot $T/locked
policy 10-faults.json <<'JSON'
{ "version": 1, "protect_self": false,
  "migration": { "protect": ["/t/prot"] },
  "namespaces": { "lock": [ { "cgroup": "/t/locked", "types": ["uts"] } ] } }
JSON
guard_start
sleep 100000 & victim=$!
unshare -u sleep 100000 & other=$!
sleep 0.3
rm -f /tmp/stop
( while [ ! -e /tmp/stop ]; do cg-move $T/prot $victim; done > /tmp/probe-migrate ) &
probe1=$!
in-cgroup $T/locked sh -c "while [ ! -e /tmp/stop ]; do cg-setns /proc/$other/ns/uts; done > /tmp/probe-setns" &
probe2=$!

restarts_ok=0
for round in $(seq 1 $ROUNDS); do
        # A reload in flight (the policy changes in a way that keeps both rules) ...
        echo "{ \"version\": 1, \"protect_self\": false, \"migration\": { \"protect\": [\"/t/prot\", \"/t/r$round\"] },
                \"namespaces\": { \"lock\": [ { \"cgroup\": \"/t/locked\", \"types\": [\"uts\"] } ] } }" > $POLICY_DIR/10-faults.json
        kill -HUP $GUARD_PID 2>/dev/null
        # ... and a SIGKILL at a random point of it.
        usleep $(( (RANDOM % 300) * 1000 ))
        kill -9 $GUARD_PID 2>/dev/null
        wait $GUARD_PID 2>/dev/null
        : > $LOG
        guard_start
        cgroup-guardd --status > /dev/null 2>&1 && restarts_ok=$((restarts_ok + 1))
done
touch /tmp/stop
wait $probe1 $probe2 2>/dev/null

check "$ROUNDS kills during reloads: every restart found consistent pins" "$ROUNDS" "$restarts_ok"
attempts=$(wc -l < /tmp/probe-migrate) got=$(grep -c '^ok$' /tmp/probe-migrate)
check "forbidden migration: $attempts attempts, 0 succeeded" "above 10 attempts, 0 succeeded" "$(above 10 "$attempts") attempts, $got succeeded"
attempts=$(wc -l < /tmp/probe-setns) got=$(grep -c '^ok$' /tmp/probe-setns)
check "forbidden setns: $attempts attempts, 0 succeeded" "above 10 attempts, 0 succeeded" "$(above 10 "$attempts") attempts, $got succeeded"
check_output_no "no leftover temporary pins" '^new_' ls /sys/fs/bpf/cgroup-guard

# Map full: a generation that does not fit into the kernel policy map fails as a whole (the
# kernel refuses the update with E2BIG); the old generation keeps denying, nothing of the new
# one applies, and a policy that fits applies afterwards.
guard_stop
cgroup-guardd --unload > /dev/null
: > $LOG
mkdir -p $T/out
policy 10-faults.json <<'JSON'
{ "version": 1, "protect_self": false, "migration": { "protect": ["/t/prot"] } }
JSON
guard_start --policy-entries-max=64
sleep 100000 & mover=$!
{ printf '{ "version": 1, "protect_self": false, "migration": { "protect": ["/t/out"'
  for i in $(seq 80); do printf ', "/t/filler%d"' $i; done
  printf '] } }\n'; } > $POLICY_DIR/10-faults.json
kill -HUP $GUARD_PID
i=0; while [ $i -lt 50 ] && ! grep -q "did not fit" $LOG; do sleep 0.1; i=$((i + 1)); done
check_grep "map full: the reload fails with a clear error" $LOG "did not fit into the kernel policy map (64 entries"
check_cmd "map full: the old generation still denies" EPERM cg-move $T/prot $mover
check_cmd "map full: nothing of the failed generation applies" ok cg-move $T/out $mover
check_output "map full: generation 1 stays pinned" "Policy: generation 1," cgroup-guardd --status
policy 10-faults.json <<'JSON'
{ "version": 1, "protect_self": false, "migration": { "protect": ["/t/out"] } }
JSON
kill -HUP $GUARD_PID
i=0; while [ $i -lt 50 ] && ! grep -q "Policy generation 2 in force" $LOG; do sleep 0.1; i=$((i + 1)); done
check_cmd "map full: a policy that fits applies afterwards" EPERM cg-move $T/out $victim
kill $mover 2>/dev/null

kill $victim $other 2>/dev/null
finish
