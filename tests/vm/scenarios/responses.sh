# Response actions on the enforcing backends: deny+kill and deny+freeze act on the offending
# actor's cgroup (and only there), the event records it; cgroup-guardctl thaw releases a freeze.
. /scenarios/lib.sh

mkdir -p $T/killprot $T/freezeprot $T/offender-kill $T/offender-freeze $T/bystander
policy 10-kill.json <<'JSON'
{ "version": 1, "action": "deny+kill", "migration": { "protect": ["/t/killprot"] } }
JSON
policy 20-freeze.json <<'JSON'
{ "version": 1, "action": "deny+freeze", "migration": { "protect": ["/t/freezeprot"] } }
JSON
guard_start
sleep 1000 & victim=$!
in-cgroup $T/bystander sleep 1000 & bystander=$!

# The offending process itself is killed, nothing else: not its cgroup, not a sibling in it.
in-cgroup $T/offender-kill sleep 1000 & sibling=$!
# The offender stays (cg-move acts, then becomes sleep): the kill must find it.
in-cgroup $T/offender-kill sh -c "exec cg-move $T/killprot $victim -- sleep 1000 > /tmp/kill.out" & offender=$!
i=0; while [ $i -lt 50 ] && kill -0 $offender 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
# The kill may land before cg-move prints its EPERM: then the victim staying put is the proof.
out=$(cat /tmp/kill.out)
check "deny+kill: the move is denied (EPERM, or no answer and the victim still in /)" denied \
        "$(if [ "$out" = EPERM ] || { [ -z "$out" ] && [ "$(cgroup_of $victim)" = / ]; }; then echo denied; else echo "'$out', the victim in $(cgroup_of $victim)"; fi)"
check "deny+kill: the offending process was killed" gone "$(running $offender)"
check_true "deny+kill: the event records it" wait_log "killed pid $offender "
check "deny+kill: another process in the offender's cgroup lives on" running "$(running $sibling)"
check "deny+kill: other cgroups untouched" running "$(running $bystander)"
check "the victim did not move" / "$(cgroup_of $victim)"

in-cgroup $T/offender-freeze sh -c "exec cg-move $T/freezeprot $victim -- sleep 1000 > /tmp/freeze.out" & frozen=$!
i=0; while [ $i -lt 30 ] && ! grep -q "frozen 1" $T/offender-freeze/cgroup.events; do sleep 0.1; i=$((i + 1)); done
check_grep "deny+freeze: the offender's cgroup is frozen" $T/offender-freeze/cgroup.events "frozen 1"
check_true "deny+freeze: the event records it" wait_log "froze /t/offender-freeze"
check "cgroup-guardctl thaw releases it (exit status, cgroup.events)" "0 frozen 0" \
        "$(cgroup-guardctl thaw /t/offender-freeze > /dev/null; echo $?) $(grep -o "frozen [01]" $T/offender-freeze/cgroup.events)"
check "deny+freeze: the move was denied" EPERM "$(cat /tmp/freeze.out)"

# Guard rail: an offender in the root cgroup is refused, never killed.
check_cmd "a root-cgroup offender is denied" EPERM cg-move $T/killprot $victim
check_true "guard rail: nothing in the root cgroup is killed" wait_log "refused to kill pid [0-9]* in /: it is the root cgroup"

kill $victim $bystander $frozen $sibling 2>/dev/null
finish
