#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Who the observe backend blames and what deny+freeze/deny+kill hit (issue 13 items 6 and 7): a
# process moving itself is judged and named by the cgroup it came from, never by the protected
# one it moved into; kill takes the offending process only; freeze takes the offender's cgroup
# only when that cgroup is a unit of its own (a leaf whose processes all run as the offender's
# user). Everything acted on here is a process this test started, in cgroups it created.
. "$(dirname "$0")/lib.sh"

for c in admin prot other other2 killprot shared mixed unit tree tree/sub; do mkdir -p "$T/$c"; done
cat > "$POLICY_DIR/10-prot.json" <<JSON
{ "version": 1, "action": "deny+freeze",
  "migration": { "protect": ["$P/prot"], "allow": [ { "cgroup": "$P/admin", "to": ["$P/prot"] } ] } }
JSON
cat > "$POLICY_DIR/20-killprot.json" <<JSON
{ "version": 1, "action": "deny+kill", "migration": { "protect": ["$P/killprot"] } }
JSON
cat > "$POLICY_DIR/30-lock-kill.json" <<JSON
{ "version": 1, "action": "deny+kill", "namespaces": { "lock": [ { "cgroup": "$P/shared", "types": ["user"] } ] } }
JSON
cat > "$POLICY_DIR/40-lock-freeze.json" <<JSON
{ "version": 1, "action": "deny+freeze",
  "namespaces": { "lock": [ { "cgroup": "$P/mixed", "types": ["user"] }, { "cgroup": "$P/unit", "types": ["user"] },
                            { "cgroup": "$P/tree", "types": ["user"] } ] } }
JSON

# Everything is in place before the daemon starts; each actor waits for its go file (in $WORK,
# which uid 65534 must be able to see).
chmod 755 "$WORK"
go() { touch "$WORK/go-$1"; }
wait_go() { echo "while [ ! -e $WORK/go-$1 ]; do sleep 0.05; done"; }
# A process that moves itself into $2 once told to, then sleeps there.
self_mover() { spawn bash -c "$(wait_go "$1"); echo \$\$ > $T/$2/cgroup.procs; exec sleep 1000"; }
# A process of uid 65534 that creates a user namespace by clone() once told to, then sleeps.
nobody_cloner() {
        spawn setpriv --reuid 65534 --regid 65534 --clear-groups perl -e '
                select(undef, undef, undef, 0.05) until -e $ARGV[0];
                my $child = syscall(56, 0x10000000 | 17, 0, 0, 0, 0);   # clone(CLONE_NEWUSER | SIGCHLD)
                if ($child == 0) { require POSIX; POSIX::_exit(0); }
                waitpid($child, 0); sleep 1000;' "$WORK/go-$1"
}
nobody_sleeper() { spawn setpriv --reuid 65534 --regid 65534 --clear-groups sleep 1000; }
frozen() { grep -q "frozen 1" "$T/$1/cgroup.events"; }

spawn sleep 1000; workload=$!; move "$T/prot" "$workload"
spawn sleep 1000; killworkload=$!; move "$T/killprot" "$killworkload"
self_mover admin prot; admin=$!; move "$T/admin" "$admin"
self_mover other prot; other=$!; move "$T/other" "$other"
self_mover other2 killprot; other2=$!; move "$T/other2" "$other2"
spawn sleep 1000; root_in_shared=$!; move "$T/shared" "$root_in_shared"
nobody_cloner shared; nobody_shared=$!; move "$T/shared" "$nobody_shared"
spawn sleep 1000; root_in_mixed=$!; move "$T/mixed" "$root_in_mixed"
nobody_cloner mixed; nobody_mixed=$!; move "$T/mixed" "$nobody_mixed"
nobody_sleeper; move "$T/unit" $!
nobody_cloner unit; nobody_unit=$!; move "$T/unit" "$nobody_unit"
nobody_sleeper; move "$T/tree/sub" $!
nobody_cloner tree; nobody_tree=$!; move "$T/tree" "$nobody_tree"
sleep 0.3   # setpriv has exec'd: the processes run as 65534 now

guard_start

# Item 6: an allowed actor moving itself is judged by the cgroup it came from.
go admin
go other
check_true "a self-move from a cgroup not allowed is reported" wait_log "to $P/prot by pid $other "
check_grep "... and the actor is named in the cgroup it came from" "$LOG" "by pid $other (.*) in $P/other:"
check_grep "... and nothing is frozen: the offender left its cgroup" "$LOG" "by pid $other .*pid $other has left $P/other"
check_no_grep "an allowed actor moving itself into the protected cgroup is not reported" "$LOG" "by pid $admin "
check_no_grep "the protected cgroup is never frozen" "$T/prot/cgroup.events" "frozen 1"
check "the protected workload runs" running "$(running "$workload")"

go other2
check_true "deny+kill on a self-move is reported" wait_log "to $P/killprot by pid $other2 "
check_grep "... and the response kills the offending process" "$LOG" "by pid $other2 .*killed pid $other2 "
for _ in $(seq 30); do kill -0 "$other2" 2>/dev/null || break; sleep 0.1; done
check "the offender is dead" gone "$(running "$other2")"
check "the workload in the protected cgroup it entered runs" running "$(running "$killworkload")"

# Item 7: kill takes the offending process, not its cgroup.
go shared
check_true "a denied clone(CLONE_NEWUSER) by uid 65534 is reported" wait_log "by pid $nobody_shared "
for _ in $(seq 30); do kill -0 "$nobody_shared" 2>/dev/null || break; sleep 0.1; done
check "deny+kill: the offender is dead" gone "$(running "$nobody_shared")"
check "deny+kill: a root process in the same cgroup runs" running "$(running "$root_in_shared")"
check_grep "deny+kill: the response names the process" "$LOG" "by pid $nobody_shared .*killed pid $nobody_shared (perl)"

# ... and freeze takes the cgroup only when it is the offender's own unit.
go mixed
check_true "deny+freeze in a shared cgroup is reported" wait_log "by pid $nobody_mixed "
check_grep "deny+freeze: a cgroup shared with other users is not frozen, and it says why" "$LOG" "by pid $nobody_mixed .*not frozen.*other users"
check_no_grep "deny+freeze: the shared cgroup runs" "$T/mixed/cgroup.events" "frozen 1"

go tree
check_true "deny+freeze in a cgroup with children is reported" wait_log "by pid $nobody_tree "
check_grep "deny+freeze: a cgroup with children is not frozen, and it says why" "$LOG" "by pid $nobody_tree .*not frozen.*child cgroups"
check_no_grep "deny+freeze: the cgroup with children runs" "$T/tree/cgroup.events" "frozen 1"

go unit
check_true "deny+freeze in the offender's own cgroup is reported" wait_log "by pid $nobody_unit "
check_grep "deny+freeze: the offender's own leaf cgroup is frozen" "$LOG" "by pid $nobody_unit .*froze $P/unit"
for _ in $(seq 30); do frozen unit && break; sleep 0.1; done
check_grep "deny+freeze: it is frozen" "$T/unit/cgroup.events" "frozen 1"
"$CTL" thaw "$P/unit" > /dev/null 2>&1 || echo 0 > "$T/unit/cgroup.freeze"

# Nothing about the allowed self-move came later either.
check_no_grep "still no report of the allowed self-move" "$LOG" "by pid $admin "
finish
