# PID 1's SwitchRoot for a confined root (issue 12): org.freedesktop.systemd1.Manager.SwitchRoot
# (any root may call it; systemd 252 does not check that it runs from an initrd) makes systemd
# send SIGTERM to every process, make "/" private, move /sys, /dev, /run and /proc into the new
# root, re-root itself and exec that root's systemd, or the init the caller named, as PID 1.
# The test is that root: its unit (/system.slice/cgvm-run.service) is protected by the shipped
# 10-system.json. Its own tree, bind-mounted on itself (a mount point: pivot_root and MS_MOVE need
# one), holds cg-tamper as usr/lib/systemd/systemd and as an init; run as PID 1, cg-tamper writes
# /run/cg-evil-pid1 and powers the machine off.
#  1. SwitchRoot ROOT "": refused at its first step (the propagation change of "/"), nothing
#     moved; systemd re-execs itself in the old root (before: PID 1 ran cg-tamper);
#  2. SwitchRoot ROOT /cg-evil-init, with /cg-evil-init in the old root too: the switch fails the
#     same way and systemd execs the named init from the old root: refused (after a refused
#     switch PID 1 execs only what it runs, systemd-shutdown and /sbin/init); systemd 252's
#     fallback then freezes PID 1 (a denial of service, no bypass), so this is the last step.
# PID 1 sends every process SIGTERM first (the guard and journald too). POSIX sh; this shell and
# cgvm-run trap SIGTERM.
. /system-lib.sh

trap : TERM HUP
unconfined_start
enable_shipped_policies
tamper_journaled() { # TEXT: a refusal of PID 1's, journaled by the guard
        journalctl -u cgroup-guardd -o cat | grep "Refused tamper attempt: .*by pid 1 " | grep -q "$1"
}
# PID 1's first mapping: it moves at each exec (ASLR), so a change tells its re-exec.
pid1_image() { head -n 1 /proc/1/maps; }
# PID 1 back after its re-exec (image before: pid1_image's), answering on its private socket, the
# guard restarted. (Not "systemctl is-system-running": it stays "starting" while this test, a
# oneshot, runs.)
pid1_back() {
        wait_for 300 sh -c "[ \"\$(head -n 1 /proc/1/maps)\" != \"$1\" ]" ||
                diag "PID 1 did not re-exec within 300 s"
        wait_for 60 sh -c 'systemctl show -P Version | grep -q .'
        systemctl start cgroup-guardd > /dev/null 2>&1
        wait_for 60 sh -c '[ "$(systemctl is-active cgroup-guardd)" = active ]'
}

EVIL=/var/tmp/evil
mkdir -p $EVIL/etc $EVIL/usr/lib/systemd $EVIL/sbin $EVIL/run $EVIL/proc $EVIL/sys $EVIL/dev $EVIL/mnt
echo 'ID=evil' > $EVIL/etc/os-release
for f in usr/lib/systemd/systemd sbin/init cg-evil-init; do cp /usr/local/bin/cg-tamper $EVIL/$f; done
cp /usr/local/bin/cg-tamper /cg-evil-init
mount --bind $EVIL $EVIL
root_before=$(stat -Lc %d:%i /proc/1/root/)
# The propagation of PID 1's root mount: "shared" where mountinfo gives it a peer group.
root_propagation() { awk '$5 == "/" { print ($7 ~ /^shared:/ ? "shared" : "private"); exit }' /proc/1/mountinfo; }
check "before: / is a shared mount in PID 1's namespace (systemd made it so at boot)" shared "$(root_propagation)"

exe_before=$(readlink /proc/1/exe)

# 1. The new root's own systemd.
image_before=$(pid1_image)
busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager SwitchRoot ss $EVIL "" \
        > /tmp/switch1.out 2>&1
pid1_back "$image_before"
check_all "SwitchRoot $EVIL from a protected service: PID 1 is still $exe_before in its root, it ran nothing of the caller's" \
        '[ ! -e /run/cg-evil-pid1 ]' \
        '[ "$(readlink /proc/1/exe)" = "$exe_before" ]' \
        '[ "$(stat -Lc %d:%i /proc/1/root/)" = "$root_before" ]' ||
        diag "after SwitchRoot: $(cat /run/cg-evil-pid1 2> /dev/null) PID 1 $(readlink /proc/1/exe), root $(stat -Lc %d:%i /proc/1/root/) (was $root_before): $(cat /tmp/switch1.out)"
check_true "... /sys, /dev, /run and /proc stay where they were" \
        sh -c '[ -d /sys/fs/cgroup/system.slice ] && [ -c /dev/null ] && [ -d /run/systemd/system ] && [ -r /proc/1/status ]'
# The refusal's effect, in the kernel: systemd's first call would have made "/" private. (The
# tamper record itself may reach the guard that PID 1 just sent SIGTERM, while journald is gone.)
check "... its first step was refused: / is still a shared mount in PID 1's namespace" shared "$(root_propagation)"
tamper_journaled "making the root mount private" ||
        diag "(the refusal's tamper record was not journaled: the guard was stopping, journald too)"
check_true "... PID 1 answers, units start (systemd-run --wait true)" systemd-run --wait -q true

# 2. An init the caller names, there and in the old root. Last: systemd's fallback after the
# refused exec, /sbin/init with PID 1's arguments (those of its re-exec above, whose --deserialize
# fd is gone), fails and PID 1 freezes (systemd 252): checked without PID 1, journald or
# the guard's daemon (both got SIGTERM), from the kernel's log and the kernel itself.
unconfined rm -f /etc/systemd/system/multi-user.target.wants/cgvm-run.service || diag "cgvm-run's link stays"
busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager SwitchRoot ss $EVIL /cg-evil-init \
        > /tmp/switch2.out 2>&1
# Either PID 1 freezes (systemd's last words, in the kernel's log) or cg-tamper runs as PID 1.
pid1_done() { dmesg | grep -q "systemd\[1\]: Freezing execution" || [ -e /run/cg-evil-pid1 ]; }
wait_for 120 pid1_done
sleep 2
check_all "SwitchRoot $EVIL /cg-evil-init: PID 1 did not run /cg-evil-init from the old root, it is still $exe_before in its root" \
        '[ ! -e /run/cg-evil-pid1 ]' \
        '[ "$(readlink /proc/1/exe)" = "$exe_before" ]' \
        '[ "$(stat -Lc %d:%i /proc/1/root/)" = "$root_before" ]' ||
        diag "after SwitchRoot with an init: $(cat /run/cg-evil-pid1 2> /dev/null) PID 1 $(readlink /proc/1/exe): $(cat /tmp/switch2.out)"
mkdir -p $CG/t/out
sleep 1000 &
check "... and the guard still enforces: a move out of this protected service is EPERM" EPERM "$(cg-move $CG/t/out $!)"
kill $!
dmesg | grep -e "systemd\[1\]" | grep -i -e "switch" -e "execute" -e "serializ" -e "freez" | tail -n 6 | sed 's/^/# /'
echo "$passed passed, $failed failed"
exit $failed
