#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# deny+freeze against the owner of a cgroup (issue 21, item 4): an unprivileged offender in a
# subtree delegated to it could thaw its own cgroup; the guard freezes the nearest cgroup above it
# whose cgroup.freeze its user cannot write, so "echo 0 > cgroup.freeze" changes nothing; where that
# cgroup holds another user's process, nothing is frozen and the report says why. Only cgroups this
# test created are frozen; cleanup thaws them.
. "$(dirname "$0")/lib.sh"

NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups --"
mkdir -p "$T/deleg" "$T/shared/bystander"
# Delegated as systemd does it: the directory and cgroup.procs/threads/subtree_control, not
# cgroup.freeze.
chown nobody "$T/deleg" "$T/deleg/cgroup.procs" "$T/deleg/cgroup.threads" "$T/deleg/cgroup.subtree_control"
chown nobody "$T/shared" "$T/shared/cgroup.procs" "$T/shared/cgroup.threads" "$T/shared/cgroup.subtree_control"
$NOBODY mkdir "$T/deleg/off" "$T/deleg/a" "$T/deleg/prot" "$T/shared/off" "$T/shared/prot"
cat > "$POLICY_DIR/10-freeze.json" <<JSON
{ "version": 1, "action": "deny+freeze", "migration": { "protect": ["$P/deleg/prot", "$P/shared/prot"] } }
JSON
guard_start

# offend SUBTREE [VICTIM_CGROUP]: a victim (in SUBTREE/off, or VICTIM_CGROUP) and an offender in
# SUBTREE/off, both nobody's; half a second later the offender moves the victim into
# SUBTREE/prot (a violation). The offender's pid in $offender.
offend() {
        local victim
        spawn $NOBODY sleep 1000; victim=$!
        move "${2:-$1/off}" "$victim"
        $NOBODY bash -c "sleep 0.5; echo $victim > '$1/prot/cgroup.procs'; sleep 1000; :" &
        offender=$!
        STARTED_PIDS="$STARTED_PIDS $offender"
        move "$1/off" "$offender"
}

offend "$T/deleg" "$T/deleg/a"
check_true "the violation is reported with a freeze of the cgroup above" wait_log "froze $P/deleg (above the offender's $P/deleg/off, whose cgroup.freeze its user can write)"
frozen() { grep -q "frozen 1" "$1/cgroup.events"; }
for _ in $(seq 30); do frozen "$T/deleg/off" && break; sleep 0.1; done
check_true "the offender's cgroup is frozen" frozen "$T/deleg/off"
# The offender's user thaws what it can write, from a process outside the frozen subtree.
$NOBODY sh -c "echo 0 > '$T/deleg/off/cgroup.freeze'" 2>/dev/null
$NOBODY sh -c "echo 0 > '$T/deleg/cgroup.freeze'" 2>/dev/null
check_int "nobody cannot write the frozen cgroup's cgroup.freeze (exit status)" "$?" -ne 0
sleep 0.3
check_true "after 'echo 0' by its user the offender is still frozen" frozen "$T/deleg/off"
"$CTL" thaw "$P/deleg" > /dev/null
check "cgroup-guardctl thaw (root): exit status" 0 "$?"
check_no_grep "... releases it" "$T/deleg/off/cgroup.events" "frozen 1"

# The cgroup above holds a root process: freezing it would stop someone else, so nothing is frozen.
spawn sleep 1000; move "$T/shared/bystander" $!
offend "$T/shared"; offender2=$offender
check_true "a violation under a cgroup shared with root is reported" wait_log "by pid $offender2 "
check_grep "... nothing is frozen, and the report says why" <(grep "by pid $offender2 " "$LOG") -F "not frozen: uid 65534 can write cgroup.freeze of $P/shared/off, and above it $P/shared/bystander holds processes of other users"
check_no_grep "the shared subtree runs" <(cat "$T/shared/cgroup.events" "$T/shared/off/cgroup.events") "frozen 1"

# A wide subtree (600 empty cgroups of the offender's own): every one of them was read at each
# event, a second apiece at 50,000, past the watchdog within one batch (a review found it). The
# scan stops at 512 cgroups: nothing is frozen, and the report says why.
mkdir -p "$T/wide"
chown nobody "$T/wide" "$T/wide/cgroup.procs" "$T/wide/cgroup.threads" "$T/wide/cgroup.subtree_control"
$NOBODY bash -c "mkdir '$T/wide/off' '$T/wide/prot'; for i in \$(seq 600); do mkdir '$T/wide/c'\$i; done"
cat > "$POLICY_DIR/10-freeze.json" <<JSON
{ "version": 1, "action": "deny+freeze", "migration": { "protect": ["$P/deleg/prot", "$P/shared/prot", "$P/wide/prot"] } }
JSON
kill -HUP "$GUARD_PID"
wait_log "Policy generation 2 in force"
offend "$T/wide"; offender3=$offender
check_true "a violation under a subtree of 600 cgroups is reported" wait_log "by pid $offender3 "
check_grep "... nothing is frozen: more cgroups than one response reads" <(grep "by pid $offender3 " "$LOG") -F "not frozen: uid 65534 can write cgroup.freeze of $P/wide/off, and above it the subtree holds more than 512 cgroups to check"
check_no_grep "the wide subtree runs" "$T/wide/cgroup.events" "frozen 1"

kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=
finish
