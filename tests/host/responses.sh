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
grep -q "by pid $other (.*) in $P/other:" "$LOG" && ok "... and the actor is named in the cgroup it came from" ||
        not_ok "actor's cgroup: $(grep "by pid $other " "$LOG")"
grep -q "by pid $other .*pid $other has left $P/other" "$LOG" && ok "... and nothing is frozen: the offender left its cgroup" ||
        not_ok "response: $(grep -o "by pid $other .*" "$LOG")"
grep -q "by pid $admin " "$LOG" && not_ok "an allowed self-move was reported: $(grep "by pid $admin " "$LOG")" ||
        ok "an allowed actor moving itself into the protected cgroup is not reported"
frozen prot && not_ok "the protected cgroup was frozen" || ok "the protected cgroup is never frozen"
kill -0 "$workload" 2>/dev/null && ok "the protected workload runs" || not_ok "the protected workload is gone"

go other2
check_true "deny+kill on a self-move is reported" wait_log "to $P/killprot by pid $other2 "
grep -q "by pid $other2 .*killed pid $other2 " "$LOG" && ok "... and the response kills the offending process" ||
        not_ok "response: $(grep -o "by pid $other2 .*" "$LOG")"
for _ in $(seq 30); do kill -0 "$other2" 2>/dev/null || break; sleep 0.1; done
kill -0 "$other2" 2>/dev/null && not_ok "the offender still runs" || ok "the offender is dead"
kill -0 "$killworkload" 2>/dev/null && ok "the workload in the protected cgroup it entered runs" || not_ok "the protected workload was killed"

# Item 7: kill takes the offending process, not its cgroup.
go shared
check_true "a denied clone(CLONE_NEWUSER) by uid 65534 is reported" wait_log "by pid $nobody_shared "
for _ in $(seq 30); do kill -0 "$nobody_shared" 2>/dev/null || break; sleep 0.1; done
kill -0 "$nobody_shared" 2>/dev/null && not_ok "deny+kill: the offender still runs" || ok "deny+kill: the offender is dead"
kill -0 "$root_in_shared" 2>/dev/null && ok "deny+kill: a root process in the same cgroup runs" || not_ok "deny+kill: a bystander was killed"
grep -q "by pid $nobody_shared .*killed pid $nobody_shared (perl)" "$LOG" && ok "deny+kill: the response names the process" ||
        not_ok "response: $(grep -o "by pid $nobody_shared .*" "$LOG")"

# ... and freeze takes the cgroup only when it is the offender's own unit.
go mixed
check_true "deny+freeze in a shared cgroup is reported" wait_log "by pid $nobody_mixed "
grep -q "by pid $nobody_mixed .*not frozen.*other users" "$LOG" && ok "deny+freeze: a cgroup shared with other users is not frozen, and it says why" ||
        not_ok "response: $(grep -o "by pid $nobody_mixed .*" "$LOG")"
frozen mixed && not_ok "deny+freeze: the shared cgroup was frozen" || ok "deny+freeze: the shared cgroup runs"

go tree
check_true "deny+freeze in a cgroup with children is reported" wait_log "by pid $nobody_tree "
grep -q "by pid $nobody_tree .*not frozen.*child cgroups" "$LOG" && ok "deny+freeze: a cgroup with children is not frozen, and it says why" ||
        not_ok "response: $(grep -o "by pid $nobody_tree .*" "$LOG")"
frozen tree && not_ok "deny+freeze: the cgroup with children was frozen" || ok "deny+freeze: the cgroup with children runs"

go unit
check_true "deny+freeze in the offender's own cgroup is reported" wait_log "by pid $nobody_unit "
grep -q "by pid $nobody_unit .*froze $P/unit" "$LOG" && ok "deny+freeze: the offender's own leaf cgroup is frozen" ||
        not_ok "response: $(grep -o "by pid $nobody_unit .*" "$LOG")"
for _ in $(seq 30); do frozen unit && break; sleep 0.1; done
frozen unit && ok "deny+freeze: it is frozen" || not_ok "deny+freeze: not frozen"
"$CTL" thaw "$P/unit" > /dev/null 2>&1 || echo 0 > "$T/unit/cgroup.freeze"

# Nothing about the allowed self-move came later either.
grep -q "by pid $admin " "$LOG" && not_ok "an allowed self-move was reported late" || ok "still no report of the allowed self-move"
finish
