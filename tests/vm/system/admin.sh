# The admin's view, with systemd as PID 1 (tests/vm/run --system): enable the service, watch a
# denial in journalctl and on the bus, edit the policy, reload and restart without a gap, read
# the catalog; the off-switches refused outside the admin cgroups (issue 12 item 9). Runs on both
# kernels (compat on stock, native on hooks). POSIX sh.
. /system-lib.sh

cp /usr/local/bin/cg-move /usr/local/bin/cg-move-allowed
mkdir -p $T/prot $T/other /etc/cgroup-guard/policies.d
guard_unit_backend
admin_here
cat > /etc/cgroup-guard/policies.d/10-test.json <<'JSON'
{ "version": 1,
  "migration": { "protect": ["/t/prot"],
                 "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" }, { "exe": "/usr/lib/systemd/systemd" } ] } }
JSON

systemctl daemon-reload
if systemctl enable --now cgroup-guardd > /tmp/enable.log 2>&1; then ok "systemctl enable --now cgroup-guardd"; else not_ok "enable: $(cat /tmp/enable.log)"; fi
check "the service is active (READY=1 sent)" active "$(systemctl is-active cgroup-guardd)"
check "the service is enabled" enabled "$(systemctl is-enabled cgroup-guardd)"
# Not the OOM killer's choice (a confined root could make every other process unkillable first).
check "the daemon's oom_score_adj is -1000 (OOMScoreAdjust=)" -1000 \
        "$(cat /proc/$(systemctl show -P MainPID cgroup-guardd)/oom_score_adj 2>&1)"
check_output "STATUS= names the backend" "Enforcing with the $BACKEND backend" systemctl show -p StatusText cgroup-guardd
i=0; while [ $i -lt 50 ] && ! busctl status org.cgroupguard.Guard1 > /dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
check_output "busctl introspect" "ExplainMigration" busctl introspect org.cgroupguard.Guard1 /org/cgroupguard/Guard1
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
check_grep "a Denied signal on the bus" /tmp/monitor '"member":"Denied"'
check_output "journalctl -x shows the catalog text" "If the operation is legitimate" journalctl -x -u cgroup-guardd MESSAGE_ID=e8540ee91e3f4008a0c051b6c2107e76

# Editing the policy changes behaviour.
echo '{ "version": 1, "migration": { "protect": ["/t/other"] } }' > /etc/cgroup-guard/policies.d/10-test.json
i=0; while [ $i -lt 20 ] && [ "$(cg-move $T/prot $victim)" != ok ]; do sleep 0.1; i=$((i + 1)); done
check_int "an edited policy applies within 2 s" "$i" -lt 20
check "the new rule is enforced" EPERM "$(cg-move $T/other $victim)"

# Loosened and tightened on demand: every rule into audit, and back to the files' modes.
check_all "cgroup-guardctl mode audit: the forbidden move goes through" 'cgroup-guardctl mode audit' '[ "$(cg-move $T/other $victim)" = ok ]' ||
        diag "cg-move: $(cg-move $T/other $victim)"
i=0; while [ $i -lt 30 ] && ! journalctl -u cgroup-guardd -o json | grep '"CGROUP_GUARD_ACTION":"audit"' | grep -q '"CGROUP_GUARD_DST_CGROUP":"/t/other"'; do sleep 0.1; i=$((i + 1)); done
check_int "... and is journaled as an audit event" "$i" -lt 30
cg-move $T/prot $victim > /dev/null
check_all "cgroup-guardctl mode policy: denied again" 'cgroup-guardctl mode policy' '[ "$(cg-move $T/other $victim)" = EPERM ]' ||
        diag "cg-move: $(cg-move $T/other $victim)"

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
check_true "systemctl reload" systemctl reload cgroup-guardd
check_true "systemctl restart" systemctl restart cgroup-guardd
sleep 0.5
touch /tmp/probe.stop
wait $prober_pid
attempts=$(wc -l < /tmp/probe)
successes=$(grep -c '^ok$' /tmp/probe)
check "reload + restart: $attempts forbidden attempts, 0 succeeded" "above 5 attempts, 0 succeeded" "$(above 5 "$attempts") attempts, $successes succeeded"
check_output "the restarted daemon adopted the pins" "adopted from pins" journalctl -u cgroup-guardd
i=0; while [ $i -lt 50 ] && ! busctl status org.cgroupguard.Guard1 > /dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
check_true "the generation moved on" [ "$(busctl get-property $BUS PolicyGeneration)" != "$gen" ]

# Issue 12 item 9: the off-switches from an unconfined cgroup that is no admin cgroup (a scope
# beside this service; 05-admin.json names PID 1's cgroup and this service): refused, journaled
# with the caller's cgroup; from here they worked above.
systemd-run --scope --quiet --unit=cgvm-other-1 cgroup-guardctl mode audit > /tmp/other.out 2>&1
check "cgroup-guardctl mode audit from a scope that is no admin cgroup: refused" 's "policy"' "$(busctl get-property $BUS Mode)"
check "... still enforcing" EPERM "$(cg-move $T/other $victim)"
i=0; while [ $i -lt 30 ] && ! journalctl -u cgroup-guardd -o cat | grep -q "Refused SetMode: the caller runs in /system.slice/cgvm-other-1.scope"; do sleep 0.1; i=$((i + 1)); done
check_true "... journaled with the caller's cgroup" [ $i -lt 30 ] || diag "no refusal entry: $(cat /tmp/other.out)"
systemd-run --scope --quiet --unit=cgvm-other-2 cgroup-guardctl unload > /tmp/other.out 2>&1
check "cgroup-guardctl unload from there: refused, still enforcing" EPERM "$(cg-move $T/other $victim)"
systemd-run --scope --quiet --unit=cgvm-other-3 /usr/sbin/cgroup-guardd --unload > /tmp/other.out 2>&1
check "cgroup-guardd --unload from there: refused, still enforcing" EPERM "$(cg-move $T/other $victim)"
i=0; while [ $i -lt 30 ] && ! journalctl -u cgroup-guardd -o cat | grep -q "Refused tamper attempt: .* in /system.slice/cgvm-other-3.scope:"; do sleep 0.1; i=$((i + 1)); done
check_true "... a tamper event naming its cgroup" [ $i -lt 30 ] || diag "no tamper event: $(cat /tmp/other.out)"

# A frozen journald with a full socket: the daemon's entries (sd_journal_sendv()) blocked it at the
# next one, D-Bus went silent and the watchdog restarted it over and over (a review found it). An
# entry journald cannot take now is dropped and counted, and said once journald takes them again.
JOURNALD_CG=$CG/system.slice/systemd-journald.service
restarts=$(systemctl show -p NRestarts --value cgroup-guardd)
echo 1 > $JOURNALD_CG/cgroup.freeze
check_output "journald frozen, its socket filled" " EAGAIN" cg-tamper journal-fill
for k in 1 2 3 4 5; do cg-move $T/other $victim > /dev/null; done
check_output "... the daemon still answers on the bus" 's "policy"' timeout 10 busctl get-property $BUS Mode
check "... and enforces" EPERM "$(cg-move $T/other $victim)"
# Said with no entry after it (the daemon's timer): the count waited for the next entry, and the
# one that came while journald still read its backlog was dropped too (CI's run of 0f0dd1b).
echo 0 > $JOURNALD_CG/cgroup.freeze
i=0; while [ $i -lt 100 ] && ! journalctl -u cgroup-guardd -o cat | grep -q "journal entries were dropped while journald did not take them"; do sleep 0.2; i=$((i + 1)); done
check_true "... the dropped entries said once journald takes them again, with no entry after" [ $i -lt 100 ]
check "... and no restart" "$restarts" "$(systemctl show -p NRestarts --value cgroup-guardd)"

systemctl stop cgroup-guardd
check "systemctl stop keeps enforcement" EPERM "$(cg-move $T/other $victim)"
cgroup-guardd --unload > /dev/null
check "--unload ends it" ok "$(cg-move $T/other $victim)"

kill $victim $monitor 2>/dev/null
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] || { systemctl status cgroup-guardd --no-pager; journalctl -u cgroup-guardd --no-pager | tail -30; }
exit $failed
