# The admin's view, with systemd as PID 1 (tests/vm/run --system): enable the service, watch a
# denial in journalctl and on the bus, edit the policy, reload and restart without a gap, read
# the catalog. Runs on both kernels (compat on stock, native on hooks). POSIX sh.
. /system-lib.sh

cp /usr/local/bin/cg-move /usr/local/bin/cg-move-allowed
mkdir -p $T/prot $T/other /etc/cgroup-guard/policies.d
guard_unit_backend
cat > /etc/cgroup-guard/policies.d/10-test.json <<'JSON'
{ "version": 1,
  "migration": { "protect": ["/t/prot"],
                 "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" }, { "exe": "/usr/lib/systemd/systemd" } ] } }
JSON

systemctl daemon-reload
if systemctl enable --now cgroup-guardd > /tmp/enable.log 2>&1; then ok "systemctl enable --now cgroup-guardd"; else not_ok "enable: $(cat /tmp/enable.log)"; fi
check "the service is active (READY=1 sent)" active "$(systemctl is-active cgroup-guardd)"
check "the service is enabled" enabled "$(systemctl is-enabled cgroup-guardd)"
systemctl show -p StatusText cgroup-guardd | grep -q "Enforcing with the $BACKEND backend" && ok "STATUS= names the backend" || not_ok "status text: $(systemctl show -p StatusText cgroup-guardd)"
i=0; while [ $i -lt 50 ] && ! busctl status org.cgroupguard.Guard1 > /dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
busctl introspect org.cgroupguard.Guard1 /org/cgroupguard/Guard1 | grep -q "ExplainMigration" && ok "busctl introspect" || not_ok "introspect"
check "Backend property is $BACKEND" "s \"$BACKEND\"" "$(busctl get-property $BUS Backend)"

busctl monitor --json=short --match "type='signal',interface='org.cgroupguard.Guard1.Manager',member='Denied'" > /tmp/monitor 2>&1 &
monitor=$!
sleep 1
sleep 1000 & victim=$!
r=$(cg-move $T/prot $victim)
check "a real violation is denied with EPERM" EPERM "$r"
i=0; while [ $i -lt 30 ] && ! journalctl -u cgroup-guardd -o json | grep -q '"CGROUP_GUARD_DST_CGROUP":"/t/prot"'; do sleep 0.1; i=$((i + 1)); done
entry=$(journalctl -u cgroup-guardd -o json | grep '"CGROUP_GUARD_DST_CGROUP":"/t/prot"' | head -n 1)
case "$entry" in *'"CGROUP_GUARD_ACTION":"deny"'*'"_SYSTEMD_UNIT":"cgroup-guardd.service"'*|*'"_SYSTEMD_UNIT":"cgroup-guardd.service"'*'"CGROUP_GUARD_ACTION":"deny"'*)
        ok "journalctl -u cgroup-guardd -o json shows the denial" ;; *) not_ok "journal: $entry" ;; esac
i=0; while [ $i -lt 30 ] && ! grep -q '"member":"Denied"' /tmp/monitor; do sleep 0.1; i=$((i + 1)); done
grep -q '"member":"Denied"' /tmp/monitor && ok "a Denied signal on the bus" || not_ok "no Denied signal"
journalctl -x -u cgroup-guardd MESSAGE_ID=e8540ee91e3f4008a0c051b6c2107e76 | grep -q "If the operation is legitimate" &&
        ok "journalctl -x shows the catalog text" || not_ok "no catalog text"

# Editing the policy changes behaviour.
echo '{ "version": 1, "migration": { "protect": ["/t/other"] } }' > /etc/cgroup-guard/policies.d/10-test.json
i=0; while [ $i -lt 20 ] && [ "$(cg-move $T/prot $victim)" != ok ]; do sleep 0.1; i=$((i + 1)); done
[ $i -lt 20 ] && ok "an edited policy applies within 2 s" || not_ok "edit not applied"
check "the new rule is enforced" EPERM "$(cg-move $T/other $victim)"

# Loosened and tightened on demand: every rule into audit, and back to the files' modes.
cgroup-guardctl mode audit && [ "$(cg-move $T/other $victim)" = ok ] && ok "cgroup-guardctl mode audit: the forbidden move goes through" ||
        not_ok "mode audit: still $(cg-move $T/other $victim)"
i=0; while [ $i -lt 30 ] && ! journalctl -u cgroup-guardd -o json | grep '"CGROUP_GUARD_ACTION":"audit"' | grep -q '"CGROUP_GUARD_DST_CGROUP":"/t/other"'; do sleep 0.1; i=$((i + 1)); done
[ $i -lt 30 ] && ok "... and is journaled as an audit event" || not_ok "no audit entry"
cg-move $T/prot $victim > /dev/null
cgroup-guardctl mode policy && [ "$(cg-move $T/other $victim)" = EPERM ] && ok "cgroup-guardctl mode policy: denied again" ||
        not_ok "mode policy: $(cg-move $T/other $victim)"

# reload and restart: never a moment without enforcement
prober() {
        : > /tmp/probe
        while [ ! -e /tmp/probe.stop ]; do
                cg-move $T/other $victim >> /tmp/probe
        done
}
rm -f /tmp/probe.stop
prober &
prober_pid=$!
sleep 0.5
gen=$(busctl get-property $BUS PolicyGeneration)
systemctl reload cgroup-guardd && ok "systemctl reload" || not_ok "systemctl reload failed"
systemctl restart cgroup-guardd && ok "systemctl restart" || not_ok "systemctl restart failed"
sleep 0.5
touch /tmp/probe.stop
wait $prober_pid
attempts=$(wc -l < /tmp/probe)
successes=$(grep -c '^ok$' /tmp/probe)
[ "$attempts" -gt 5 ] && [ "$successes" = 0 ] && ok "reload + restart: $attempts forbidden attempts, 0 succeeded" || not_ok "gap: $successes of $attempts attempts succeeded"
journalctl -u cgroup-guardd | grep -q "adopted from pins" && ok "the restarted daemon adopted the pins" || not_ok "no adoption"
i=0; while [ $i -lt 50 ] && ! busctl status org.cgroupguard.Guard1 > /dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
[ "$(busctl get-property $BUS PolicyGeneration)" != "$gen" ] && ok "the generation moved on" || not_ok "generation: $(busctl get-property $BUS PolicyGeneration)"

systemctl stop cgroup-guardd
check "systemctl stop keeps enforcement" EPERM "$(cg-move $T/other $victim)"
cgroup-guardd --unload > /dev/null
check "--unload ends it" ok "$(cg-move $T/other $victim)"

kill $victim $monitor 2>/dev/null
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] || { systemctl status cgroup-guardd --no-pager; journalctl -u cgroup-guardd --no-pager | tail -30; }
exit $failed
