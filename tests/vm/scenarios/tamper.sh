# Tamper protection (issue: root can undo any policy by detaching the guard's programs): nobody
# but cgroup-guardd may get at its maps, programs or links, remove or rename its pins, or signal
# it; every attempt is refused with EPERM and reported; the daemon and --unload still work.
. /scenarios/lib.sh

PINS=/sys/fs/bpf/cgroup-guard
GUARD_CGROUP=$T/guardd          # its own cgroup, like a systemd unit
GUARD_UNIT_MEMBER=1             # and a process there besides the daemon (in_unit)
mkdir -p $T/prot
policy 10-tamper.json <<'JSON'
{ "version": 1, "migration": { "protect": ["/t/prot"] } }
JSON
guard_start
sleep 1000 & victim=$!
check_cmd "enforcing" EPERM cg-move $T/prot $victim
if grep -q "lockdown=confidentiality" /proc/cmdline; then
        grep -q "\[confidentiality\]" /sys/kernel/security/lockdown && ok "kernel lockdown is confidentiality" ||
                not_ok "lockdown: $(cat /sys/kernel/security/lockdown 2>&1)"
        grep -q "Kernel lockdown=confidentiality: links are guarded" $LOG && ok "the daemon chose the lockdown variants" ||
                not_ok "no lockdown notice"
        cgroup-guardd --stats | grep -q "^prog guard_tamper_bpf_lockdown " && ! cgroup-guardd --stats | grep -q "^prog guard_tamper_bpf " &&
                ok "guard_tamper_bpf_lockdown is attached instead of guard_tamper_bpf" || not_ok "programs: $(cgroup-guardd --stats | grep ^prog)"
fi

map_id=$(bpftool map show pinned $PINS/map_guard_policy 2>/dev/null | sed -n 's/^\([0-9]*\):.*/\1/p')
[ -z "$map_id" ] && ok "bpftool cannot open a pinned map" || not_ok "bpftool opened map $map_id"
bpftool map dump pinned $PINS/map_guard_counters > /tmp/out 2>&1; grep -q "Operation not permitted" /tmp/out && ok "bpftool map dump pinned: EPERM" || not_ok "map dump: $(head -c 200 /tmp/out)"
bpftool map update pinned $PINS/map_guard_policy key 0 0 0 0 value 0 0 0 0 > /tmp/out 2>&1; grep -q "Operation not permitted" /tmp/out && ok "bpftool map update: EPERM" || not_ok "map update: $(head -c 200 /tmp/out)"
ids=$(bpftool map show 2>/dev/null | sed -n 's/^\([0-9]*\): .*name guard_counters.*/\1/p')
[ -z "$ids" ] && ok "our maps are not even listed (no handle by id)" || { bpftool map dump id $ids > /tmp/out 2>&1; grep -q "Operation not permitted" /tmp/out && ok "bpftool map dump id: EPERM" || not_ok "map dump id $ids worked"; }
# A pin every backend that protects itself has (listing the directory may itself be refused).
link=link_guard_tamper_task_kill
links_before=$(cgroup-guardd --stats | grep -c "^prog ")
bpftool link detach pinned $PINS/$link > /tmp/out 2>&1; grep -q "Operation not permitted" /tmp/out && ok "bpftool link detach pinned: EPERM" || not_ok "link detach: $(head -c 200 /tmp/out)"
lid=$(bpftool link show 2>/dev/null | sed -n 's/^\([0-9]*\): .*/\1/p' | head -n 1)
if [ -n "$lid" ]; then
        bpftool link detach id $lid > /tmp/out 2>&1; grep -q "Operation not permitted" /tmp/out && ok "bpftool link detach id: EPERM" || not_ok "link detach id $lid: $(head -c 200 /tmp/out)"
else
        ok "no link listed at all"
fi
! rm $PINS/$link 2>/tmp/out && [ "$(cgroup-guardd --stats | grep -c "^prog ")" = "$links_before" ] &&
        cgroup-guardd --stats | grep -q "^prog guard_tamper_task_kill " && ok "rm of a pin: refused" || not_ok "pin removed: $(cat /tmp/out)"
! mv $PINS/$link $PINS/moved 2>/tmp/out && [ "$(cgroup-guardd --stats | grep -c "^prog ")" = "$links_before" ] &&
        cgroup-guardd --stats | grep -q "^prog guard_tamper_task_kill " && ok "mv of a pin: refused" || not_ok "pin renamed: $(cat /tmp/out)"
kill -9 $GUARD_PID 2>/tmp/out; sleep 0.2
kill -0 $GUARD_PID 2>/dev/null && ok "kill -9 of the daemon by another root process: refused" || not_ok "the daemon was killed"
kill -TERM $GUARD_PID 2>/dev/null; sleep 0.2
kill -0 $GUARD_PID 2>/dev/null && ok "kill -TERM too" || not_ok "SIGTERM went through"
in_unit kill -HUP $GUARD_PID && ok "a process in the daemon's own cgroup may send SIGHUP (ExecReload=)" || not_ok "HUP from the unit's cgroup refused"
check_cmd "and no other signal: EPERM" EPERM in_unit cg-tamper signal $GUARD_PID 15
check_cmd "still enforcing after all that" EPERM cg-move $T/prot $victim
check_true "attempts are reported as tamper events" wait_log "Refused tamper attempt" 5
grep -q "Refused tamper attempt: signalling cgroup-guardd" $LOG && ok "the signal attempt is reported" || not_ok "no signal report"

# The daemon itself still works: reload, status; and the off-switch works.
echo '{ "version": 1, "migration": { "protect": ["/t/prot", "/t/other"] } }' > $POLICY_DIR/10-tamper.json
# The SIGHUP above made generation 2 already: wait for the edited policy (2 rules), not a number.
check_true "the daemon still reloads" wait_log "in force: [0-9]* files, 2 rules"
check_true "--status (the daemon's own binary) still reads the pins" wait_status "generation [0-9]*, 2 rules"

# protect_self: false switches it off (on request of an active policy file)
echo '{ "version": 1, "protect_self": false, "migration": { "protect": ["/t/prot"] } }' > $POLICY_DIR/10-tamper.json
check_true "reload with protect_self false" wait_log "Tamper protection is off"
bpftool map dump pinned $PINS/map_guard_counters > /tmp/out 2>&1 && ok "protect_self false: bpftool may read the maps" || not_ok "still refused: $(head -c 200 /tmp/out)"
echo '{ "version": 1, "migration": { "protect": ["/t/prot"] } }' > $POLICY_DIR/10-tamper.json
i=0; while [ $i -lt 30 ] && bpftool map dump pinned $PINS/map_guard_counters > /dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
bpftool map dump pinned $PINS/map_guard_counters > /dev/null 2>&1 && not_ok "protection not back on" || ok "protection back on after the edit"

# The deliberate off-switch: --unload by the daemon's binary, while the daemon runs.
cgroup-guardd --unload > /tmp/out 2>&1 && ok "cgroup-guardd --unload works" || not_ok "--unload: $(cat /tmp/out)"
guard_stop
[ -z "$(link_ids)" ] && ok "no links left" || not_ok "links left: $(link_ids)"
check_cmd "nothing enforced any more" ok cg-move $T/prot $victim

# Recovery: /etc/cgroup-guard/disable makes the daemon unload and not load
guard_start
touch /etc/cgroup-guard/disable
guard_stop
cgroup-guardd > /tmp/out 2>&1
grep -q "Disabled by /etc/cgroup-guard/disable" /tmp/out && [ -z "$(link_ids)" ] && ok "the disable file unloads everything at start" || not_ok "disable file: $(cat /tmp/out)"
rm /etc/cgroup-guard/disable
kill $victim
finish
