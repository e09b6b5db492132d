# Identity under systemd as PID 1 (tests/vm/run --system; ext4 root file system), issue 12:
# item 1/2: the guard's own unit confined by the policy still restarts over its pins (PID 1 ran
#   it), while cgroup-guardd run from another confined service unloads nothing;
# item 7: exe rules follow a package upgrade (a new binary renamed over the allowed one) and an
#   inode number freed by it does not pass for the allowed file (inode generation), even while the
#   daemon is not running to re-resolve. POSIX sh; both kernels.
. /system-lib.sh
BIN=/usr/local/bin
# The pins, as the admin's cgroup-guardd outside confined cgroups sees them (bpftool may not).
links() { /usr/sbin/cgroup-guardd --status 2>/dev/null | sed -n 's/^ *Links: \([0-9]*\) .*/\1/p'; }
active_gen() { journalctl -u cgroup-guardd -o cat | grep -c "Policy generation .* in force"; }
wait_gen() { want=$1 i=0; while [ $i -lt 100 ] && [ "$(active_gen)" -lt "$want" ]; do sleep 0.1; i=$((i + 1)); done; [ "$(active_gen)" -ge "$want" ]; }

cp $BIN/cg-move $BIN/cg-upgraded
mkdir -p $T/prot /etc/cgroup-guard/policies.d
guard_unit_backend
admin_here
cat > /etc/cgroup-guard/policies.d/10-test.json <<'JSON'
{ "version": 1,
  "migration": { "protect": ["/t/prot", "/system.slice/cgroup-guardd.service", "/system.slice/evil.service",
                              "/system.slice/evil-child.service"],
                 "allow": [ { "cgroup": "/init.scope" }, { "exe": "/usr/local/bin/cg-upgraded", "to": ["/t/prot"] } ] } }
JSON
systemctl daemon-reload
check_all "the service runs in a cgroup its policy protects" \
        'systemctl enable --now cgroup-guardd > /tmp/enable.log 2>&1' \
        '[ "$(systemctl is-active cgroup-guardd)" = active ]' ||
        diag "enable: $(cat /tmp/enable.log)"
sleep 1000 & victim=$!
check "enforcing" EPERM "$(cg-move $T/prot $victim)"

# --- items 1, 2 ---
before=$(links)
systemctl restart cgroup-guardd > /tmp/restart.log 2>&1
i=0; while [ $i -lt 100 ] && ! journalctl -u cgroup-guardd -o cat | grep -q "adopted from pins"; do sleep 0.1; i=$((i + 1)); done
check_all "restarted by PID 1 in its confined cgroup, it adopts the pins (the guard by PID 1's exec)" \
        '[ "$(systemctl is-active cgroup-guardd)" = active ]' \
        'journalctl -u cgroup-guardd -o cat | grep -q "adopted from pins"' ||
        diag "restart: $(systemctl is-active cgroup-guardd) $(cat /tmp/restart.log) $(journalctl -u cgroup-guardd -o cat | tail -n 5)"
systemd-run --unit=evil --wait --collect --quiet sh -c '/usr/sbin/cgroup-guardd --unload > /tmp/evil.out 2>&1; echo $? > /tmp/evil.rc' \
        > /dev/null 2>&1
check_all "cgroup-guardd --unload from another confined service unloads nothing (rc $(cat /tmp/evil.rc 2>&1): $(head -c 150 /tmp/evil.out 2>&1))" \
        '[ -n "$before" ]' \
        '[ "$(links)" = "$before" ]' \
        '[ "$before" -gt 0 ]' ||
        diag "links $before -> $(links): $(cat /tmp/evil.out 2>&1)"
# The confined service asks PID 1 for a transient unit (PID-1 deputy) that runs the guard's binary
# itself, with injected code, in a cgroup the policy confines: PID 1 forked and exec'd it, but it
# is not the guard's own unit, so no mark.
systemd-run --unit=evil --wait --collect --quiet sh -c 'systemd-run --unit=evil-child --wait --collect --pipe --quiet \
        -E LD_PRELOAD=/usr/local/bin/cg-evil.so -E CG_EVIL_PIN=/sys/fs/bpf/cgroup-guard/map_guard_counters \
        /usr/sbin/cgroup-guardd --status > /tmp/evil-child.out 2>&1' > /dev/null 2>&1
check "cgroup-guardd with LD_PRELOAD in a confined transient unit PID 1 started: opening a pin EPERM" EPERM "$(cat /tmp/evil-child.out 2>&1)"
check "still enforcing" EPERM "$(cg-move $T/prot $victim)"
[ "$(systemctl is-active cgroup-guardd)" = active ] || systemctl start cgroup-guardd

# --- a write fd on the unit's new cgroup, opened while the restarted daemon starts ---
# PID 1 makes the unit's cgroup anew at each start, seconds before the new daemon registers its
# files. A confined root retrying all along to open its cgroup.freeze for writing would get an fd
# then, and freeze the running daemon with it later.
GCG=$CG/system.slice/cgroup-guardd.service
rm -f /tmp/race.out /tmp/race.go /tmp/race.stop /tmp/race.tries
systemd-run --unit=evil --collect --quiet sh -c "
        while [ ! -e /tmp/race.stop ]; do
                if (exec 3>>$GCG/cgroup.freeze && echo opened > /tmp/race.out &&
                    while [ ! -e /tmp/race.go ]; do sleep 0.2; done && echo 1 >&3 && echo wrote >> /tmp/race.out) 2>/dev/null
                then break; fi
                echo . >> /tmp/race.tries
        done" > /dev/null 2>&1
wait_for_file() { i=0; while [ $i -lt 100 ] && [ ! -s "$1" ]; do sleep 0.1; i=$((i + 1)); done; }
wait_for_file /tmp/race.tries
tries=$(wc -l < /tmp/race.tries 2>/dev/null || echo 0)
systemctl restart cgroup-guardd
touch /tmp/race.go
sleep 2
# It tried all along (or got its fd and stopped trying).
check_all "a confined root retried opening the guard's cgroup.freeze for writing during the restart" \
        '[ "$(wc -l < /tmp/race.tries 2>/dev/null || echo 0)" -gt "$tries" ] || [ -e /tmp/race.out ]' ||
        diag "the attacker did not run: $(systemctl status evil 2>&1 | tail -n 3)"
if grep -q "^frozen 1" $GCG/cgroup.events || [ -e /tmp/race.out ]; then
        not_ok "a write fd on the new cgroup's cgroup.freeze, opened during the restart: $(cat /tmp/race.out 2>&1 | tr '\n' ' ')$(grep frozen $GCG/cgroup.events)"
else
        ok "no write fd on the new cgroup's files during the restart (refused from PID 1's mkdir on)"
fi
touch /tmp/race.stop
systemctl stop evil > /dev/null 2>&1
systemctl thaw cgroup-guardd > /dev/null 2>&1
check "the guard runs after the attempt" active "$(systemctl is-active cgroup-guardd)"

# PID 1's own cgroup's files (/init.scope): frozen or starved, PID 1 restarts nothing (a review
# found it). Opened for writing only, never written.
check "a confined root cannot open PID 1's cgroup.freeze for writing" EPERM \
        "$(systemd-run --unit=evil-pid1 --wait --collect --pipe --quiet sh -c "(exec 3>>$CG/init.scope/cgroup.freeze) 2>/dev/null && echo ok || echo EPERM" 2>&1)"
check "... nor its pids.max" EPERM \
        "$(systemd-run --unit=evil-pid1 --wait --collect --pipe --quiet sh -c "(exec 3>>$CG/init.scope/pids.max) 2>/dev/null && echo ok || echo EPERM" 2>&1)"

# --- item 7 ---
gen=$(active_gen)
check "the allowed executable moves into the protected cgroup" ok "$(cg-upgraded $T/prot $victim)"
sleep 1000 & victim2=$!
old=$(stat -c %i $BIN/cg-upgraded)
cp $BIN/cg-move $BIN/.cg-upgraded.new && mv -f $BIN/.cg-upgraded.new $BIN/cg-upgraded
check_true "upgrade: a new file renamed over the allowed one (a new inode)" [ "$(stat -c %i $BIN/cg-upgraded)" != "$old" ]
check_true "the daemon resolves the executables again (a new generation)" wait_gen $((gen + 1))
check "the upgraded binary is allowed without a reload" ok "$(cg-upgraded $T/prot $victim2)"

# The daemon stopped (the pinned generation enforces): nothing re-resolves; upgrade again and
# take the freed inode number with a new file. (Restarted first, so that the rules in force name
# the file that is there now, with or without the re-resolving above.)
systemctl restart cgroup-guardd
systemctl stop cgroup-guardd
sleep 1000 & victim3=$!
old=$(stat -c %i $BIN/cg-upgraded)
cp $BIN/cg-move $BIN/.cg-upgraded.new && mv -f $BIN/.cg-upgraded.new $BIN/cg-upgraded
sync
reused=
i=0
while [ $i -lt 300 ] && [ -z "$reused" ]; do
        cp $BIN/cg-move $BIN/evil-$i
        [ "$(stat -c %i $BIN/evil-$i)" = "$old" ] && reused=$BIN/evil-$i
        i=$((i + 1))
done
if [ -n "$reused" ]; then
        ok "a new file got the freed inode number $old ($reused)"
        check_all "it does not pass for the allowed executable (inode generation)" \
                '[ "$(stat -c %i $reused)" = "$old" ]' \
                '[ "$($reused $T/prot $victim3)" = EPERM ]' ||
                diag "the file with the reused inode number was allowed"
else
        not_ok "no new file got the freed inode number $old (tried $i)"
fi
rm -f $BIN/evil-*
systemctl start cgroup-guardd
check "started again, the upgraded binary is allowed" ok "$(cg-upgraded $T/prot $victim3)"

# modprobe.d on ext4 (issue 12, from an adversarial review): a file added there while the guard
# runs is guarded by its directory. Opened by its file handle after a cache drop, its dentry is a
# disconnected one, with no parent to check: refused to a confined root all the same.
mkdir -p /etc/modprobe.d
echo '# the admin' > /etc/modprobe.d/cg-handle.conf
systemd-run --unit=evil --wait --collect --quiet sh -c 'cg-tamper handle-openw /etc/modprobe.d/cg-handle.conf > /tmp/handle.out 2> /tmp/handle.err'
check "a confined root cannot open a new modprobe.d file for writing by its file handle" EPERM "$(head -n 1 /tmp/handle.out 2>&1)"
[ -s /tmp/handle.err ] && diag "$(cat /tmp/handle.err)"
check "... it is the admin's still" "# the admin" "$(cat /etc/modprobe.d/cg-handle.conf)"
rm -f /etc/modprobe.d/cg-handle.conf

# PID 1's child for the guard's unit before its exec (held here while it opens a FIFO the unit
# reads as standard input): a confined root killed it at each restart (five and the start limit
# keeps the guard down), or set RLIMIT_AS there and the exec failed (a review found it). Signals,
# limits and scheduling on it are refused to confined tasks; PID 1 and the child itself set them.
mkfifo /run/cg-hold
mkdir -p /run/systemd/system/cgroup-guardd.service.d
printf '[Service]\nStandardInput=file:/run/cg-hold\n' > /run/systemd/system/cgroup-guardd.service.d/hold.conf
systemctl daemon-reload
old_main=$(systemctl show -P MainPID cgroup-guardd)
systemctl restart --no-block cgroup-guardd
unit_cg=$CG/system.slice/cgroup-guardd.service
# PID 1's new child: not the daemon still stopping, named "(cgroup-guardd)" until its exec.
new_child() {
        for p in $(cat $unit_cg/cgroup.procs 2>/dev/null); do
                [ "$p" != "$old_main" ] && grep -q '^(' /proc/$p/comm 2>/dev/null && { echo $p; return; }
        done
}
child=
i=0; while [ $i -lt 300 ] && [ -z "$child" ]; do child=$(new_child); sleep 0.1; i=$((i + 1)); done
if [ -n "$child" ]; then
        # SIGKILL through F_SETOWN first (no task_kill hook sees it): the child still there after.
        systemd-run --unit=evil --wait --collect --quiet sh -c "cg-tamper sigio $child 9 > /dev/null 2>&1"
        sleep 1
        check "a confined root cannot kill PID 1's child for the guard before its exec through SIGIO" alive \
                "$([ -d /proc/$child ] && echo alive || echo killed)"
        systemd-run --unit=evil --wait --collect --quiet sh -c "cg-tamper prlimit-same $child > /tmp/hold-limit.out 2>&1; cg-tamper affinity-same $child > /tmp/hold-sched.out 2>&1; kill -9 $child 2> /dev/null && echo killed > /tmp/hold-kill.out || echo refused > /tmp/hold-kill.out"
        check "a confined root cannot set a limit of PID 1's child for the guard before its exec" EPERM "$(cat /tmp/hold-limit.out)"
        check "... nor its scheduling" EPERM "$(cat /tmp/hold-sched.out)"
        check "... nor kill it" refused "$(cat /tmp/hold-kill.out)"
else
        not_ok "PID 1's child for the guard never appeared in $unit_cg"
fi
rm -f /run/systemd/system/cgroup-guardd.service.d/hold.conf
systemctl daemon-reload
exec 9<> /run/cg-hold # the writer the child's open waits for
check_true "... which then runs the guard" wait_for 60 sh -c '[ "$(systemctl is-active cgroup-guardd)" = active ]'
exec 9>&-
rm -f /run/cg-hold

kill $victim $victim2 $victim3 2>/dev/null
systemctl stop cgroup-guardd
/usr/sbin/cgroup-guardd --unload > /dev/null 2>&1
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] || journalctl -u cgroup-guardd -o cat | tail -n 40
exit $failed
