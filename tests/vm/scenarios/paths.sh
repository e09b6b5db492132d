# Issue 12, "paths instead of ids": root in a confined cgroup shares the daemon's mount namespace
# (as here, or through mount propagation under systemd) and bind-mounts one cgroup directory over
# another, or a bpffs over the pin directory. The daemon must keep acting on the cgroups and pins
# it means: the D-Bus caller check, a freeze response and the pins of a reload.
. /scenarios/lib.sh

PINS=/sys/fs/bpf/cgroup-guard
mkdir -p $T/prot $T/free $T/freezeprot $T/offender $T/bystander
policy 10-paths.json <<'JSON'
{ "version": 1, "migration": { "protect": ["/t/prot"], "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] } }
JSON
policy 20-freeze.json <<'JSON'
{ "version": 1, "action": "deny+freeze", "migration": { "protect": ["/t/freezeprot"] } }
JSON
dbus-daemon --config-file=/usr/share/dbus-1/session.conf --address=unix:path=/run/paths-bus --fork --nopidfile
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/paths-bus
guard_start
not_ok_unless "the daemon is not on the bus" wait_log "Serving org.cgroupguard.Guard1" 1 600
sleep 1000 & victim=$!
check_cmd "enforcing" EPERM cg-move $T/prot $victim
revive() { kill -0 $GUARD_PID 2>/dev/null || { guard_start; wait_log "Serving org.cgroupguard.Guard1" 2 600; }; }

# --- the D-Bus caller check: /proc/PID/cgroup names /t/prot, the path leads to /t/free ---
check_fails "sanity: mode audit from /t/prot is refused" in-cgroup $T/prot cgroup-guardctl mode audit
# From a confined cgroup the mount itself is refused now (a mount over cgroup2 in PID 1's
# namespace: PID 1 works on cgroups by path); the daemon's check holds either way.
check "a confined root cannot bind-mount /t/free over /t/prot" refused \
        "$(in-cgroup $T/prot sh -c "mount -o bind $T/free $T/prot 2>/dev/null && echo mounted || echo refused")"
check_fails "after that attempt, mode audit is still refused" \
        in-cgroup $T/prot sh -c "mount -o bind $T/free $T/prot 2>/dev/null; exec cgroup-guardctl mode audit"
check_true "the refusal names the caller's real cgroup" wait_log "Refused SetMode: the caller runs in /t/prot" 2
umount $T/prot
cgroup-guardctl mode policy > /dev/null 2>&1
check_cmd "still enforcing" EPERM cg-move $T/prot $victim

# --- a freeze response: the offender's cgroup, not the one mounted over its directory ---
in-cgroup $T/bystander sleep 1000 & bystander=$!
in-cgroup $T/offender sh -c "mount -o bind $T/bystander $T/offender && exec cg-move $T/freezeprot $victim -- sleep 1000 > /tmp/freeze.out" &
offender=$!
not_ok_unless "no response logged" wait_log "froze \|not frozen" 1 3000
sleep 0.5
umount $T/offender 2>/dev/null
check_grep "the cgroup mounted over the offender's directory is not frozen" $T/bystander/cgroup.events "frozen 0"
check_grep "the offender's own cgroup is frozen" $T/offender/cgroup.events "frozen 1"
echo 0 > $T/bystander/cgroup.freeze
echo 0 > $T/offender/cgroup.freeze
# Thawed, the offender writes its result in a moment (not at once on a loaded machine).
i=0; while [ $i -lt 100 ] && [ ! -s /tmp/freeze.out ]; do sleep 0.1; i=$((i + 1)); done
check_cmd "the move was denied" EPERM cat /tmp/freeze.out

# --- a bpffs mounted over the pin directory: the daemon's pins are where it made them, not gone ---
revive
links_before=$(link_ids)
in-cgroup $T/prot mount -t bpf bpf $PINS 2>/tmp/out && mounted=1 || mounted=0
echo "# bpffs over $PINS from /t/prot: $([ $mounted = 1 ] && echo mounted || echo "refused: $(cat /tmp/out)")"
# Before the fix the daemon took its pins for gone and loaded a second set into the new bpffs.
if [ $mounted = 1 ]; then
        check_true "the daemon notices" wait_log "again with the\\|mounted over the pin directory" 1 3000
        check_no_grep "the daemon keeps its pins: nothing loaded again" $LOG "again with the"
fi
kill -HUP $GUARD_PID
check_true "a reload is done" wait_log "Policy generation .* in force" 2 3000
if [ $mounted = 1 ]; then
        # (maps.debug and progs.debug: the kernel's own preloaded iterators, in every new bpffs)
        on_top=$(ls $PINS 2>/dev/null | grep -vc '\.debug$')
        umount $PINS
        check "nothing pinned into the bpffs mounted over the pin directory" 0 "$on_top"
fi
check "no second program set attached" "$links_before" "$(link_ids)"
check_succeeds "--status reads the pins" cgroup-guardd --status
check_cmd "still enforcing" EPERM cg-move $T/prot $victim

# --- a second daemon started over a covered pin directory: with a bpffs mounted over $PINS while
# the guard runs (its pins underneath), a daemon started by hand (outside a unit's private mount
# namespace) finds no pins there. Before the fix it loaded and pinned a second program set into the
# new bpffs: two guards, the hidden one's policy stale. It must refuse, naming the hidden set. ---
revive
links_before=$(link_ids)
mount -t bpf bpf $PINS
rm -f /tmp/second.rc
(
        cgroup-guardd --backend $BACKEND > /tmp/second.log 2>&1 &
        echo $! > /tmp/second.pid
        wait $!
        echo $? > /tmp/second.rc
) &
# Up to 300 s, a bound on a hang: it exits (refused) or says its policy is in force (loaded).
i=0
while [ $i -lt 3000 ] && [ ! -s /tmp/second.rc ] && ! grep -q "Policy generation .* in force" /tmp/second.log; do
        sleep 0.1
        i=$((i + 1))
done
links_second=$(link_ids)
# A second daemon that runs carries the guard's mark: only the guard's binary (--unload, which
# stops the daemon its pins name) stops it, and unpins its set from the bpffs mounted over $PINS.
if [ -s /tmp/second.rc ]; then rc=$(cat /tmp/second.rc); else rc=running; cgroup-guardd --unload > /dev/null 2>&1; fi
check_int "the second daemon refuses to start (exit status $rc, not running)" "$rc" -ne 0
check_grep "its error names the hidden program set" /tmp/second.log "attached already.*Not loading a second set"
check "no second program set attached over the covered pin directory" "$links_before" "$links_second"
umount $PINS
check_succeeds "--status reads the first set's pins again" cgroup-guardd --status
check_cmd "the first daemon's set still enforces" EPERM cg-move $T/prot $victim

kill $victim $bystander $offender 2>/dev/null
finish
