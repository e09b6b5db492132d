# Coverage that never depends on the daemon (issue 13): cgroups created while the daemon is
# frozen are classified by the kernel at mkdir (globs and literals, several levels deep), and a
# task moved into a just-created glob-protected cgroup is refused every time (run with 2 vCPUs).
. /scenarios/lib.sh

# 1. Start-up race: cgroups created in a loop while the daemon starts are all covered.
mkdir -p $T/u $T/start
policy 05-start.json <<'JSON'
{ "version": 1, "migration": { "protect": ["/t/start/s-*"] } }
JSON
( i=0; while [ $i -lt 150 ]; do mkdir $T/start/s-$i; i=$((i + 1)); done ) &
creator=$!
guard_start
wait $creator
sleep 0.5
sleep 1000 & starter=$!
covered=0
i=0
while [ $i -lt 150 ]; do
        [ "$(cg-move $T/start/s-$i $starter)" = EPERM ] && covered=$((covered + 1))
        i=$((i + 1))
done
check "start-up race: 150 of 150 cgroups created during start are protected" 150 "$covered"
kill $starter
guard_stop
cgroup-guardd --unload > /dev/null 2>&1
rm -f $POLICY_DIR/05-start.json

# Tamper protection off: this test freezes the daemon on purpose (with it on, only PID 1 may).
policy 10-coverage.json <<'JSON'
{
  "version": 1,
  "protect_self": false,
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
check "the daemon is frozen" 1 "$(cat $T/guard/cgroup.events | sed -n 's/^frozen //p')"

mkdir $T/g-1 $T/g-2 $T/other $T/u/user-1000.slice $T/u/user-1000.slice/session-3.scope $T/later $T/later/lit.service
sleep 1000 & victim=$!
sleep 0.2
check_cmd "glob: a move into a cgroup created while the daemon is frozen is EPERM" EPERM cg-move $T/g-1 $victim
check_cmd "glob: its children are covered too" EPERM sh -c "mkdir $T/g-2/sub && cg-move $T/g-2/sub $victim"
check_cmd "two glob levels: session-3.scope under a new user-1000.slice is protected" EPERM cg-move $T/u/user-1000.slice/session-3.scope $victim
check_cmd "the slice between them is not" ok cg-move $T/u/user-1000.slice $victim
check_cmd "a literal path created later is protected" EPERM cg-move $T/later/lit.service $victim
check_cmd "a cgroup no pattern names is free" ok cg-move $T/other $victim
check_cmd "the allowed mover still may" ok cg-move-allowed $T/g-1 $victim
check_cmd "and nobody may take the task out" EPERM cg-move $T/other $victim
check_cmd "lock: a task in the new session scope cannot unshare uts" 1 \
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
check "mkdir race: 60 of 60 moves into just-created glob cgroups refused (none escaped)" 0 "$escaped"

echo 0 > $T/guard/cgroup.freeze
kill $victim $racer 2>/dev/null
guard_stop
cgroup-guardd --unload > /dev/null 2>&1

# 3. Reloads never deny what both generations allow: a task moved by an allowed mover into a
# just-created cgroup only a glob of the "to" list names, while the daemon reloads over and over
# (PID 1 starting a unit during a reload, under the shipped policy). A cgroup created after the
# scan a generation was compiled from must have its entry in that generation before it is in force.
rm -f $POLICY_DIR/*.json
mkdir -p $T/r-src $T/r-dst $T/r-mover $T/r-bulk
i=0; while [ $i -lt 400 ]; do mkdir $T/r-bulk/b-$i; i=$((i + 1)); done  # a scan that takes a while
policy 30-reload.json <<'JSON'
{ "version": 2, "protect_self": false,
  "migration": { "protect": [ { "name": "reload-src", "cgroup": "/t/r-src" }, { "name": "reload-dst", "cgroup": "/t/r-dst" } ],
                 "allow": [ { "name": "reload-mover", "cgroup": "/t/r-mover", "to": ["/t/r-dst/job-*"] } ] } }
JSON
guard_start
sleep 1000 & mover_victim=$!
cg-move-allowed $T/r-src $mover_victim > /dev/null
base=$(grep -c "in force" $LOG)
( while [ ! -e /tmp/reload-stop ]; do kill -HUP $GUARD_PID; sleep 0.2; done ) &
reloader=$!
# At least 300 moves and at least 10 reloads (a loaded machine reloads more slowly), 1500 at most.
in-cgroup $T/r-mover sh -c "i=0; while [ \$i -lt 1500 ]; do mkdir $T/r-dst/job-\$i; cg-move $T/r-dst/job-\$i $mover_victim; i=\$((i + 1));
        [ \$i -ge 300 ] && [ \$(grep -c 'in force' $LOG) -ge $((base + 10)) ] && break; done" > /tmp/reload-moves
touch /tmp/reload-stop
wait $reloader
reloads=$(($(grep -c "in force" $LOG) - base))
moves=$(wc -l < /tmp/reload-moves)
check "reload race: $moves of $moves allowed moves into just-created cgroups went through ($reloads reloads)" "$moves" "$(grep -c '^ok' /tmp/reload-moves)"
check_true "... at least 300 moves over at least 10 reloads" [ "$moves" -ge 300 -a "$reloads" -ge 10 ]
kill $mover_victim
guard_stop
cgroup-guardd --unload > /dev/null 2>&1
rm -f $POLICY_DIR/*.json

# 2. A full map fails closed and says so. A delegated subtree nothing below classifies costs no
# entries however many cgroups its owner makes; where entries are needed and the map is full,
# a cgroup without one is denied, never free.
rm -f $POLICY_DIR/*.json
mkdir -p /sys/fs/cgroup/m/deleg /sys/fs/cgroup/m/full  # outside /t: few entries before the fill
chown 65534 /sys/fs/cgroup/m/deleg /sys/fs/cgroup/m/deleg/cgroup.procs
policy 20-full.json <<'JSON'
{ "version": 1, "protect_self": false, "migration": { "protect": ["/m/deleg", "/m/full/prot-*"] } }
JSON
guard_start --policy-entries-max=64
before=$(cgroup-guardd --status | sed -n 's/.* \([0-9]*\) of [0-9]* map entries.*/\1/p')
su -s /bin/sh nobody -c "i=0; while [ \$i -lt 400 ]; do mkdir /sys/fs/cgroup/m/deleg/c-\$i; i=\$((i + 1)); done" 2>/dev/null ||
        { i=0; while [ $i -lt 400 ]; do mkdir /sys/fs/cgroup/m/deleg/c-$i; i=$((i + 1)); done; }
after=$(cgroup-guardd --status | sed -n 's/.* \([0-9]*\) of [0-9]* map entries.*/\1/p')
check "400 cgroups in a settled delegated subtree cost no map entries ($after)" "${before:-(no count before)}" "$after"
sleep 1000 & filler=$!
check_cmd "a cgroup deep in that subtree is still protected" EPERM sh -c "mkdir -p /sys/fs/cgroup/m/deleg/c-1/x/y && cg-move /sys/fs/cgroup/m/deleg/c-1/x/y $filler"
# /m/full tells its children apart (prot-*): each child costs an entry; fill the map.
i=0
while [ $i -lt 80 ]; do mkdir /sys/fs/cgroup/m/full/free-$i; i=$((i + 1)); done
mkdir /sys/fs/cgroup/m/full/prot-late /sys/fs/cgroup/m/full/free-late
check_cmd "map full: a protected cgroup without its entry is denied (fail closed)" EPERM cg-move /sys/fs/cgroup/m/full/prot-late $filler
check_cmd "map full: so is an unprotected one (fail closed, not silently free)" EPERM cg-move /sys/fs/cgroup/m/full/free-late $filler
check_true "map full: said in the log" wait_log "The policy map is full"
check_output "map full: said by --status" "Map full:" cgroup-guardd --status
kill $filler
guard_stop
cgroup-guardd --unload > /dev/null 2>&1

# 4. A level with more glob patterns than the kernel tests at mkdir (nine; it tests eight): a
# cgroup a plain name of the policy names is still classified there while the daemon is frozen.
# Such a level had no literal transition either: /system.slice with nine globs gave a restarted
# service its parent's entry, no lock, until the daemon came back (a review found it).
rm -f $POLICY_DIR/*.json
mkdir -p $T/o
policy 40-globs.json <<'JSON'
{ "version": 1, "protect_self": false,
  "migration": { "protect": ["/t/o/g1-*", "/t/o/g2-*", "/t/o/g3-*", "/t/o/g4-*", "/t/o/g5-*", "/t/o/g6-*",
                             "/t/o/g7-*", "/t/o/g8-*", "/t/o/g9-*", "/t/o/lk"],
                 "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] },
  "namespaces": { "lock": [ { "cgroup": "/t/o/lk", "types": ["uts"] } ] } }
JSON
GUARD_CGROUP=$T/guard guard_start
echo 1 > $T/guard/cgroup.freeze
sleep 0.3
mkdir $T/o/lk
check "nine globs at a level, daemon frozen: the lock on a plain name there holds at once" 1 \
        "$(in-cgroup $T/o/lk sh -c 'unshare -u true 2>/dev/null; echo $?')"
# A cgroup there that no name of the policy names takes its parent's entry, and so do its
# children: the same plain name one level deeper is another cgroup, no lock (a copy that kept the
# level's state gave o/x/lk what o/lk gets: a review found it).
mkdir $T/o/x $T/o/x/lk
check "... while o/x/lk below an unnamed o/x is not o/lk: free, as the policy says" 0 \
        "$(in-cgroup $T/o/x/lk sh -c 'unshare -u true 2>/dev/null; echo $?')"
echo 0 > $T/guard/cgroup.freeze
finish
