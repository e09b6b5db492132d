# A denial flood cannot crowd out coverage, bookkeeping or reloads (issue 13 item 3): an
# unprivileged user floods denied unshare(CLONE_NEWUSER) (its cgroup locks user namespaces) while
# glob-matched cgroups appear and the policy is reloaded. The kernel protects the new cgroups;
# their mkdir records reach the daemon through their own ring buffer (D-Bus KnownCgroups,
# explain); denial records are rate-limited in the kernel (counted as suppressed), counters
# stay exact, and the reload happens within seconds.
. /scenarios/lib.sh

BUS="org.cgroupguard.Guard1 /org/cgroupguard/Guard1 org.cgroupguard.Guard1.Manager"
FLOOD_SECONDS=${FLOOD_SECONDS:-300}     # at most; it stops when the checks are done
mkdir -p $T/flood
policy 30-flood.json <<'JSON'
{
  "version": 1,
  "protect_self": false,
  "migration": { "protect": ["/t/g-*"], "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] },
  "namespaces": { "lock": [ { "cgroup": "/t/flood", "types": ["user"] } ] }
}
JSON
dbus-daemon --config-file=/usr/share/dbus-1/session.conf --address=unix:path=/run/flood-bus --fork --nopidfile
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/flood-bus
guard_start
not_ok_unless "the daemon is not on the bus" wait_log "Serving org.cgroupguard.Guard1"

known() { k=$(busctl --system get-property $BUS KnownCgroups 2>/dev/null | awk '{ print $2 }'); echo "${k:-0}"; }
counter() { cgroup-guardd --status | sed -n "s/.* \([0-9]*\) $1.*/\1/p" | head -n 1; }
uptime_cs() { awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime; }

before=$(known)
not_ok_unless "KnownCgroups does not read (KnownCgroups: '$before')" [ "$before" -gt 0 ]
denied_before=$(counter denied)
sleep 1000 & victim=$!

# Two flooders as uid 65534 in /t/flood, as fast as they can.
rm -f /tmp/flood.stop
in-cgroup $T/flood cg-unshare --uid 65534 user --repeat $FLOOD_SECONDS --until /tmp/flood.stop > /tmp/flood.1 &
f1=$!
in-cgroup $T/flood cg-unshare --uid 65534 user --repeat $FLOOD_SECONDS --until /tmp/flood.stop > /tmp/flood.2 &
f2=$!
sleep 2

# (b) 20 glob-matched cgroups appear during the flood.
i=1
while [ $i -le 20 ]; do mkdir $T/g-$i; sleep 0.05; i=$((i + 1)); done
# The daemon's tree knows every new cgroup while the flood goes on.
i=0
while [ $i -lt 100 ] && [ "$(known)" -lt $((before + 20)) ]; do sleep 0.1; i=$((i + 1)); done
kill -0 $f1 2>/dev/null && flooding=" (flood still running)" || flooding=" (flood over)"
known=$(known)
check_int "flood: the daemon knows the 20 new cgroups ($before -> $known)$flooding" "$known" -ge $((before + 20))
[ "$known" -ge $((before + 20)) ] 2>/dev/null ||
        { sleep 10; echo "# 10 s later: $(known); $(cgroup-guardd --status | grep Records)"; }
out=$(cgroup-guardctl --no-pager explain migration --pid $victim --to /t/g-17 2>&1)
contains "flood: explain of a move into g-17 names the rule in 30-flood.json" "30-flood.json" "$out"

refused=0
i=1
while [ $i -le 20 ]; do [ "$(cg-move $T/g-$i $victim)" = EPERM ] && refused=$((refused + 1)); i=$((i + 1)); done
check "flood: 20 of 20 glob cgroups created during the flood are protected" 20 "$refused"

# (a) A reload during the flood: a new file protecting /t/h-*.
start=$(uptime_cs)
policy 31-more.json <<'JSON'
{ "version": 1, "migration": { "protect": ["/t/h-*"] } }
JSON
took=
while [ $(( $(uptime_cs) - start )) -lt 1500 ]; do
        grep -q "Policy generation 2 in force" $LOG && { took=$(( $(uptime_cs) - start )); break; }
        sleep 0.1
done
check_int "flood: the reload happened $((took / 100)).$((took % 100 / 10)) s after the change (cs, empty: over 1500)" "$took" -le 500
mkdir $T/h-1
check_cmd "flood: the reloaded generation is in force (h-1 protected)" EPERM cg-move $T/h-1 $victim

check "flood: still running after the checks" running "$(running $f1)"
touch /tmp/flood.stop
wait $f1 $f2
flood_denied=$(( $(sed -n 's/^denied \([0-9]*\).*/\1/p' /tmp/flood.1) + $(sed -n 's/^denied \([0-9]*\).*/\1/p' /tmp/flood.2) ))
flood_allowed=$(( $(sed -n 's/.* allowed \([0-9]*\)/\1/p' /tmp/flood.1) + $(sed -n 's/.* allowed \([0-9]*\)/\1/p' /tmp/flood.2) ))
check_cmd "flood: every unshare(CLONE_NEWUSER) of the flood was refused" 0 echo $flood_allowed
sleep 2
denied_after=$(counter denied)
suppressed=$(counter "suppressed")
lost=$(counter "lost events")
lost_mkdir=$(counter "lost cgroup records")
# 21 refused moves besides the flood.
check "flood: the denial counter is exact ($flood_denied flood denials + 21 moves)" $((flood_denied + 21)) $((denied_after - denied_before))
check_int "flood: $suppressed denial records suppressed in the kernel, $lost lost of $flood_denied" "$suppressed" -gt 0
check "flood: no cgroup record lost" 0 "$lost_mkdir"
check_true "flood: the daemon says how many records the kernel suppressed" wait_log "suppressed in the kernel"
echo "# flood: $flood_denied denied unshare(CLONE_NEWUSER), $suppressed records suppressed, $lost lost"
kill $victim
finish
