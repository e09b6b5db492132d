# Scenarios 1-5: the migration allowlist (deny, escape, allow by exe/cgroup/to, delegation, clone3).
. /scenarios/lib.sh

cp /usr/local/bin/cg-move /usr/local/bin/cg-move-to
cp /usr/local/bin/cg-clone3 /usr/local/bin/cg-clone3-allowed
mkdir -p $T/prot/a $T/prot/b $T/prot/allowed-x $T/prot/other $T/out $T/mgr \
         $T/deleg/user-1/a $T/deleg/user-1/b $T/deleg/user-1/mgr $T/deleg/user-2 $T/tdom
policy 10-migration.json <<'JSON'
{
  "version": 1,
  "migration": {
    "protect": ["/t/prot", "/t/deleg", "/t/tdom"],
    "allow": [
      { "exe": "/usr/local/bin/cg-move-allowed" },
      { "exe": "/usr/local/bin/cg-clone3-allowed" },
      { "cgroup": "/t/mgr" },
      { "exe": "/usr/local/bin/cg-move-to", "to": ["/t/prot/allowed-*"] }
    ],
    "delegate": ["/t/deleg/user-*"]
  }
}
JSON
# A bus for explain (its D-Bus call), as the daemon has under systemd.
dbus-daemon --config-file=/usr/share/dbus-1/session.conf --address=unix:path=/run/migration-bus --fork --nopidfile
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/migration-bus
guard_start

# 1. deny: a pid written into a protected cgroup.procs by a process no rule allows
sleep 1000 & victim=$!
check_cmd "intrusion into a protected cgroup is EPERM" EPERM cg-move $T/prot/a $victim
check "task stays in its cgroup" / "$(cgroup_of $victim)"

# 2. escape: a task in a protected cgroup moves itself out, via cgroup.procs and cgroup.threads
cg-move-allowed $T/prot/a $victim > /dev/null
check_cmd "escape from a protected cgroup (cgroup.procs) is EPERM" EPERM sh -c "cg-move-allowed $T/prot/a \$\$ > /dev/null && cg-move $T/out \$\$"
check_cmd "moving a task out of a protected cgroup is EPERM" EPERM cg-move $T/out $victim
check "victim stays in /t/prot/a" /t/prot/a "$(cgroup_of $victim)"
echo threaded > $T/tdom/cgroup.subtree_control 2>/dev/null
mkdir -p $T/tdom/t1 $T/tdom/t2
echo threaded > $T/tdom/t1/cgroup.type
echo threaded > $T/tdom/t2/cgroup.type
cg-thread > /tmp/tid & threaded=$!
sleep 0.3
cg-move-allowed $T/tdom/t1 $threaded > /dev/null
tid=$(cat /tmp/tid)
check_cmd "thread move inside a protected subtree (cgroup.threads) is EPERM" EPERM cg-move --threads $T/tdom/t2 $tid
check_cmd "the same by an allowed exe succeeds" ok cg-move-allowed --threads $T/tdom/t2 $tid
# In a threaded subtree a cgroup.procs write whose leader is there already still moves the other
# threads: that is decided, not taken for a move that changes nothing.
check_cmd "cgroup.procs with the leader already in dst, its thread elsewhere, is EPERM" EPERM cg-move $T/tdom/t1 $threaded
check "the thread stays in /t/tdom/t2" /t/tdom/t2 "$(sed 's/^0:://' /proc/$threaded/task/$tid/cgroup)"
check_cmd "the same by an allowed exe gathers the thread" ok cg-move-allowed $T/tdom/t1 $threaded
check "the thread moved to /t/tdom/t1" /t/tdom/t1 "$(sed 's/^0:://' /proc/$threaded/task/$tid/cgroup)"
kill $threaded

# 2b. A move that changes nothing is allowed whoever asks: systemd's forked child writes its own
# pid into its unit's cgroup.procs after PID 1 may already have moved it there.
check_cmd "a task in a protected cgroup writes itself into that cgroup (no-op)" ok \
        sh -c "cg-move-allowed $T/prot/a \$\$ > /dev/null && cg-move $T/prot/a \$\$"
check_cmd "anyone writes a task into the cgroup it is in (no-op)" ok cg-move $T/prot/a $victim
check_cmd "clone3 into its own protected cgroup (no-op)" ok \
        sh -c "cg-move-allowed $T/prot/a \$\$ > /dev/null && exec cg-clone3 $T/prot/a"
check_cmd "a thread written into the cgroup it is in (no-op)" ok cg-move --threads $T/prot/a $victim
check "victim still in /t/prot/a" /t/prot/a "$(cgroup_of $victim)"
not_ok_unless "the daemon is not on the bus" wait_log "Serving org.cgroupguard.Guard1"
out=$(cgroup-guardctl --no-pager explain migration --pid $victim --to /t/prot/a 2>&1)
contains "explain says a move into the task's own cgroup changes nothing" "is in /t/prot/a already" "$out"

# 3. allowed actors: by exe, by cgroup, and "to" restrictions
check_cmd "allowed exe moves into a protected cgroup" ok cg-move-allowed $T/prot/b $victim
check_cmd "allowed exe moves out of a protected cgroup" ok cg-move-allowed $T/out $victim
check_cmd "actor in an allowed cgroup moves into a protected cgroup" ok in-cgroup $T/mgr cg-move $T/prot/b $victim
check_cmd "exe with \"to\" may move into a matching destination" ok cg-move-to $T/prot/allowed-x $victim
check_cmd "exe with \"to\" may not move elsewhere in the subtree" EPERM cg-move-to $T/prot/other $victim

# The actor is the process that writes, not the one that opened the file (confused deputy).
check_cmd "an fd opened by an allowed exe, written by another process, is EPERM" EPERM cg-move-allowed --open $T/prot/b -- cg-move --fd 3 $victim
check_cmd "an fd opened by anyone, written by an allowed exe, works" ok cg-move --open $T/prot/b -- cg-move-allowed --fd 3 $victim

# 4. delegation: inside one delegated subtree instance the actor may move tasks
sleep 1000 & dvictim=$!
cg-move-allowed $T/deleg/user-1/a $dvictim > /dev/null
check_cmd "delegated actor moves between its children" ok in-cgroup $T/deleg/user-1/mgr cg-move $T/deleg/user-1/b $dvictim
check_cmd "delegated actor may not move into another instance" EPERM in-cgroup $T/deleg/user-1/mgr cg-move $T/deleg/user-2 $dvictim
check_cmd "delegated actor may not move out of its subtree" EPERM in-cgroup $T/deleg/user-1/mgr cg-move $T/out $dvictim
check_cmd "an actor outside may not move inside the delegated subtree" EPERM cg-move $T/deleg/user-1/a $dvictim

# 5. clone3(CLONE_INTO_CGROUP)
check_cmd "clone3 into a protected cgroup is EPERM" EPERM cg-clone3 $T/prot/a
check_cmd "clone3 into a protected cgroup by an allowed exe works" ok cg-clone3-allowed $T/prot/a
check_cmd "clone3 into an unprotected cgroup works" ok cg-clone3 $T/out

# The denials are reported with rule and reason.
check_true "denials are logged with the rule" wait_log "protected by rule '10-migration.json:protect/0' in 10-migration.json" 3
check_true "clone3 denials are logged as such" wait_log "CLONE_INTO_CGROUP" 1
# A destination removed right after the refused move (a scope PID 1 could not fill, then dropped):
# the kernel forgets the cgroup before the daemon reads the record, the report still names it.
check_cmd "a move into a cgroup removed at once is EPERM" EPERM cg-move --transient $T/prot/gone-at-once $victim
check_true "... and its denial names the removed destination" wait_log "to /t/prot/gone-at-once" 1

kill $victim $dvictim
finish
