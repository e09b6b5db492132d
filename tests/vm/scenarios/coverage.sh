# Coverage that never depends on the daemon (issue 13): cgroups created while the daemon is
# frozen are classified by the kernel at mkdir (globs and literals, several levels deep), and a
# task moved into a just-created glob-protected cgroup is refused every time (run with 2 vCPUs).
. /scenarios/lib.sh

mkdir -p $T/u
policy 10-coverage.json <<'JSON'
{
  "version": 1,
  "migration": {
    "protect": ["/t/g-*", "/t/u/user-*.slice/session-*.scope", "/t/later/lit.service"],
    "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ]
  },
  "namespaces": { "lock": [ { "cgroup": "/t/u/user-*.slice/session-*.scope", "types": ["uts"] } ] }
}
JSON
GUARD_CGROUP=$T/guard guard_start

# Freeze the daemon: from here on, only the kernel can cover what appears.
echo 1 > $T/guard/cgroup.freeze
sleep 0.3
[ "$(cat $T/guard/cgroup.events | sed -n 's/^frozen //p')" = 1 ] && ok "the daemon is frozen" || not_ok "the daemon is not frozen"

mkdir $T/g-1 $T/g-2 $T/other $T/u/user-1000.slice $T/u/user-1000.slice/session-3.scope $T/later $T/later/lit.service
sleep 1000 & victim=$!
sleep 0.2
check "glob: a move into a cgroup created while the daemon is frozen is EPERM" EPERM cg-move $T/g-1 $victim
check "glob: its children are covered too" EPERM sh -c "mkdir $T/g-2/sub && cg-move $T/g-2/sub $victim"
check "two glob levels: session-3.scope under a new user-1000.slice is protected" EPERM cg-move $T/u/user-1000.slice/session-3.scope $victim
check "the slice between them is not" ok cg-move $T/u/user-1000.slice $victim
check "a literal path created later is protected" EPERM cg-move $T/later/lit.service $victim
check "a cgroup no pattern names is free" ok cg-move $T/other $victim
check "the allowed mover still may" ok cg-move-allowed $T/g-1 $victim
check "and nobody may take the task out" EPERM cg-move $T/other $victim
check "lock: a task in the new session scope cannot unshare uts" 1 \
        in-cgroup $T/u/user-1000.slice/session-3.scope sh -c 'unshare -u true 2>/dev/null; echo $?'

# The mkdir race: create and move at once, many times (2 vCPUs), a task from the root cgroup.
sleep 1000 & racer=$!
escaped=0
i=0
while [ $i -lt 60 ]; do
        mkdir $T/g-race-$i
        cg-move $T/g-race-$i $racer > /tmp/race.out 2>&1
        grep -q '^ok' /tmp/race.out && escaped=$((escaped + 1))
        i=$((i + 1))
done
[ $escaped = 0 ] && ok "mkdir race: 60 of 60 moves into just-created glob cgroups refused" ||
        not_ok "mkdir race: $escaped of 60 moves got into a just-created glob cgroup"

echo 0 > $T/guard/cgroup.freeze
kill $victim $racer 2>/dev/null
finish
