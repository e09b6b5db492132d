#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Paths instead of ids (issue 12), on this machine's kernel: in a mount namespace shared with the
# daemon (a private one of this test's), a root process bind-mounts another cgroup over the
# directory of the protected cgroup it runs in, or a bpffs over the pin directory. The D-Bus
# caller check must still see the protected cgroup, and the daemon must keep its pins instead of
# pinning a second set into what was mounted. The VM scenario (tests/vm/scenarios/paths.sh) does
# the same with enforcement and a freeze response.
. "$(dirname "$0")/private-ns.sh" dbus-daemon /lib/systemd/systemd-journald -- "$@"
. "$(dirname "$0")/lib.sh"

start_journald_and_bus
mkdir -p "$T/prot" "$T/free"
cat > "$POLICY_DIR/10-paths.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/prot"] } }
JSON
guard_start
for _ in $(seq 50); do busctl --system status org.cgroupguard.Guard1 > /dev/null 2>&1 && break; sleep 0.1; done

# A root shell in the protected cgroup: the attacker.
in_prot() { bash -c "echo \$\$ > $T/prot/cgroup.procs && exec \"\$@\"" in_prot "$@"; }

out=$(in_prot "$CTL" mode audit 2>&1)
check_int "sanity: mode audit from $P/prot is refused (exit status; $out)" "$?" -ne 0
out=$(in_prot sh -c "mount --bind $T/free $T/prot && exec $CTL mode audit" 2>&1)
check_int "with $P/free bind-mounted over $P/prot, mode audit is still refused (exit status; $out)" "$?" -ne 0
umount "$T/prot" 2>/dev/null
check "the mode is unchanged" "policy" "$("$CTL" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["mode"])')"
check_true "both refusals are journaled, naming $P/prot" \
        sh -c "[ \$(journalctl -o cat | grep -c 'Refused SetMode: the caller runs in $P/prot') -ge 2 ]"

# A bpffs over the pin directory: our pins are still there underneath, not gone.
mount -t bpf bpf "$PIN" || skip "cannot mount a bpffs over the pin directory"
WAIT_TENTHS=600
check_true "the daemon notices" wait_log "again with the\|mounted over the pin directory" 1 600
check_no_grep "the daemon keeps its pins: nothing loaded again" "$LOG" "again with the"
# (maps.debug and progs.debug: the kernel's own preloaded iterators, in every new bpffs)
check "nothing pinned into the bpffs mounted over the pin directory" "" "$(ls "$PIN" | grep -v '\.debug$')"
# A second daemon started meanwhile (by hand, in this mount namespace) finds no pins in the
# directory: it must see the set attached already and refuse, not load and pin a second one.
(
        "$DAEMON" --backend observe --bpffs-dir "$PIN" --policy-dir "$POLICY_DIR" > "$WORK/second.log" 2>&1 &
        echo $! > "$WORK/second.pid"
        wait $!
        echo $? > "$WORK/second.rc"
) &
# Up to 300 s, a bound on a hang: it exits (refused) or starts (a second set).
for _ in $(seq 3000); do
        [ -s "$WORK/second.rc" ] || grep -q "Reporting and reacting\|Enforcing with" "$WORK/second.log" && break
        sleep 0.1
done
if [ -s "$WORK/second.rc" ]; then rc=$(cat "$WORK/second.rc"); else rc=running; kill "$(cat "$WORK/second.pid")"; sleep 1; fi
check_all "a second daemon over the covered pin directory refuses (exit status $rc), naming the hidden set" \
        '[ "$rc" != running ]' '[ "$rc" != 0 ]' 'grep -q "attached already.*Not loading a second set" "$WORK/second.log"' ||
        diag "$(head -c 600 "$WORK/second.log")"
check "the second daemon pinned nothing into the bpffs mounted over the pin directory" "" "$(ls "$PIN" | grep -v '\.debug$')"
umount "$PIN"
"$DAEMON" --status --bpffs-dir "$PIN" > "$WORK/status" 2>&1; rc=$?
check "--status reads the pins underneath (exit status; $(head -n 1 "$WORK/status"))" 0 "$rc"
check "the daemon runs" running "$(running "$GUARD_PID")"

# A bind of cgroup2 at a path with a space, which a copy of this mount namespace (systemd's for
# a sandboxed unit) lists before /sys/fs/cgroup: the first line, taken as written, failed every
# start of the guard (a review found it). The tools find the real root.
if [ -d /proc/driver ] && mount -t tmpfs cgvm /proc/driver 2> /dev/null; then
        mkdir "/proc/driver/a b" && mount --bind "$CG" "/proc/driver/a b"
        first=$(unshare -m --propagation unchanged awk '$9 == "cgroup2" && $4 == "/" { print $5; exit }' /proc/self/mountinfo)
        check "in a copy of this namespace the bind comes first" '/proc/driver/a\040b' "$first"
        out=$(CGROUP_GUARDD=$DAEMON unshare -m --propagation unchanged "$CTL" show "$P/prot" --bpffs-dir "$PIN" 2>&1)
        check "cgroup-guardctl show there finds the cgroup2 root ($(echo "$out" | head -n 1))" yes \
                "$(echo "$out" | grep -q "^$P/prot (id" && echo yes)"
        umount "/proc/driver/a b"
        umount /proc/driver
fi
finish
