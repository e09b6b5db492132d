# Issue 12, PID 1's child before its exec (tests/vm/run --system; POSIX sh; both kernels): a
# tracer kept across the exec that makes the guard, and a PAM module run there (at the end).
# PID 1 restarting the guard's unit (which the policy confines) forks a child that gets the
# guard's mark at its exec of cgroup-guardd; a tracer attached to that child before the exec
# would keep control of the guard (attaching to the marked guard is refused, an attachment from
# before is not). The child's window between fork and exec is made to last here
# (StandardInput= a FIFO: it waits in open() until the test writes to it): the attacker's race,
# won every time.
. /system-lib.sh
PIN=/sys/fs/bpf/cgroup-guard/map_guard_counters
DROPIN=/etc/systemd/system/cgroup-guardd.service.d/held.conf
FIFO=/run/cgroup-guardd-held
adopted() { journalctl -u cgroup-guardd -o cat | grep -c "adopted from pins"; }
# Up to a minute; every 0.1 s for 2 s, then every 0.5 s (a journalctl under TCG is a good part of
# a core's second: polling it ten times a second through a daemon's restart kept a core busy).
wait_for() {
        _deadline=$(($(uptime_s) + 60)) _tries=0
        while ! eval "$1"; do
                [ "$(uptime_s)" -lt $_deadline ] || break
                _tries=$((_tries + 1))
                if [ $_tries -le 20 ]; then sleep 0.1; else sleep 0.5; fi
        done
        eval "$1"
}

mkdir -p $T/prot /etc/cgroup-guard/policies.d
guard_unit_backend
# The tracer the ptrace check lets through (below) is the admin's: PID 1's child in the guard's
# unit is in an admin cgroup by default, and only an admin attaches to a process there.
admin_here
cat > /etc/cgroup-guard/policies.d/10-test.json <<'JSON'
{ "version": 1,
  "migration": { "protect": ["/t/prot", "/system.slice/cgroup-guardd.service", "/system.slice/evil.service",
                               "/system.slice/evil-pam.service"],
                 "allow": [ { "cgroup": "/init.scope" } ] } }
JSON
systemctl daemon-reload
check_all "the service runs in a cgroup its policy protects" \
        'systemctl enable --now cgroup-guardd > /tmp/enable.log 2>&1' \
        '[ "$(systemctl is-active cgroup-guardd)" = active ]' ||
        diag "enable: $(cat /tmp/enable.log)"
sleep 1000 & victim=$!
check "enforcing" EPERM "$(cg-move $T/prot $victim)"

# Stops the guard and starts it again with PID 1's child held before its exec; prints its pid.
held_start() {
        rm -f $FIFO && mkfifo $FIFO
        printf '[Service]\nStandardInput=file:%s\n' $FIFO > $DROPIN
        systemctl daemon-reload
        systemctl stop cgroup-guardd
        systemctl start --no-block cgroup-guardd
        wait_for '[ -n "$(cat $CG/system.slice/cgroup-guardd.service/cgroup.procs 2>/dev/null)" ]'
        held=$(head -n 1 $CG/system.slice/cgroup-guardd.service/cgroup.procs)
        # Later starts (Restart=on-failure) are not held.
        rm -f $DROPIN
        systemctl daemon-reload
        echo "$held"
}
release() { timeout 60 sh -c "echo > $FIFO"; }

# --- a confined root attaches to PID 1's child before it execs cgroup-guardd ---
before=$(adopted)
held=$(held_start)
check "PID 1's child $held waits before its exec (its parent)" 1 "$([ -n "$held" ] && cut -d ' ' -f 4 /proc/$held/stat)"
rm -f /tmp/trace1.out
systemd-run --unit=evil --collect --quiet sh -c "cg-trace exec $held $PIN > /tmp/trace1.out 2>&1"
wait_for '[ -s /tmp/trace1.out ]'
release
wait_for '! systemctl -q is-active evil'
out=$(tr '\n' ' ' < /tmp/trace1.out)
check "a confined root cannot attach to PID 1's child before its exec (ptrace: EPERM)" EPERM "$(head -n 1 /tmp/trace1.out)" ||
        diag "the tracer in a confined service: $out (seized, then what the traced guard got from its pin)"
adopted_again() { [ "$(adopted)" -gt "$before" ]; }
check_all "the guard started untraced, adopted the pins" 'wait_for adopted_again' '[ "$(systemctl is-active cgroup-guardd)" = active ]' ||
        diag "guard: $(systemctl is-active cgroup-guardd)"
check "still enforcing" EPERM "$(cg-move $T/prot $victim)"

# --- root outside confined cgroups but in no admin cgroup attaches to PID 1's child before its
# exec: refused too (the child runs PID 1's code, which moves and joins what nobody else may) ---
before=$(adopted)
held=$(held_start)
rm -f /tmp/trace3.out
systemd-run --unit=unconfined-tracer --collect --quiet sh -c "cg-trace exec $held $PIN > /tmp/trace3.out 2>&1"
wait_for '[ -s /tmp/trace3.out ]'
release
wait_for '! systemctl -q is-active unconfined-tracer'
out=$(tr '\n' ' ' < /tmp/trace3.out)
check "root in an unconfined cgroup that is no admin cgroup cannot attach to PID 1's child before its exec (EPERM)" \
        EPERM "$(head -n 1 /tmp/trace3.out)" || diag "the tracer in an unconfined service: $out"
systemctl reset-failed cgroup-guardd 2> /dev/null
systemctl -q is-active cgroup-guardd || systemctl restart cgroup-guardd
check_all "the guard started untraced, adopted the pins" 'wait_for adopted_again' '[ "$(systemctl is-active cgroup-guardd)" = active ]' ||
        diag "guard: $(systemctl is-active cgroup-guardd)"
check "still enforcing" EPERM "$(cg-move $T/prot $victim)"

# --- a tracer the ptrace check lets through (root in an admin cgroup): no mark at the exec ---
before=$(adopted)
held=$(held_start)
timeout 120 cg-trace exec $held $PIN > /tmp/trace2.out 2>&1 &
tracer=$!
wait_for '[ -s /tmp/trace2.out ]'
release
wait $tracer
out=$(tr '\n' ' ' < /tmp/trace2.out)
check "an exec of cgroup-guardd under a tracer does not make the guard (seized, then what it got from its pin: EPERM)" "seized EPERM " "$out"
# Not the guard, in a cgroup the policy confines, it cannot start; PID 1 starts it again, untraced.
systemctl reset-failed cgroup-guardd 2> /dev/null
systemctl restart cgroup-guardd
check_all "restarted untraced, the guard adopts the pins" 'wait_for adopted_again' '[ "$(systemctl is-active cgroup-guardd)" = active ]' ||
        diag "guard: $(systemctl is-active cgroup-guardd)"
check "still enforcing" EPERM "$(cg-move $T/prot $victim)"
check_true "the attach is journaled as a tamper event" \
        wait_for 'journalctl -q -u cgroup-guardd -o cat CGROUP_GUARD_KIND=tamper | grep -q "before its exec"'
check_true "the traced exec is journaled as a tamper event" \
        wait_for 'journalctl -q -u cgroup-guardd -o cat CGROUP_GUARD_KIND=tamper | grep -q "under ptrace"'

# --- PID 1's child runs a PAM module before its exec (PAMName=) ---
# A module a root that may write /usr replaced (or one a changed /etc/pam.d names by path) runs
# in that child, in the unit's cgroup (protected here), where it still carries PID 1's trust for
# what systemd does there: the mounts of the unit's own namespace. Nothing else: no program that
# overrules the guard's hooks, no bind over a usermode helper in PID 1's mount namespace or in one
# still shared with it (the kernel would run that code in the root cgroup), no join of the
# guard's namespaces (there it could mount over what the daemon reads). The admin (this test)
# installs the stack; cg-pam-evil.so reports each step (tests/vm/helpers/cg-pam-evil.c).
helper=$(cat /proc/sys/kernel/modprobe)
mkdir -p $T/pam-sysctl
guardd=$(systemctl show -P MainPID cgroup-guardd)
# A mount whose root is a guarded name (the directory of the helper's program), shared: its
# unmount in a copy of PID 1's namespace propagates there.
mount --bind /usr/sbin /usr/sbin
# A mount of PID 1's root (detaching it is decided as umount -l / is).
mkdir -p /var/tmp/cg-root
mount --bind / /var/tmp/cg-root
printf 'auth required pam_permit.so\naccount required pam_permit.so\nsession required /usr/local/bin/cg-pam-evil.so %s %s %s %s %s\n' \
        "$T/pam-sysctl" "$helper" "$guardd" /usr/sbin /var/tmp/cg-root > /etc/pam.d/cgvm-evil
rm -f /run/cgvm-pam.out
systemd-run --unit=evil-pam -p PAMName=cgvm-evil -p User=root --wait --collect --quiet true > /tmp/evil-pam.log 2>&1
step() { sed -n "s/^$1 //p" /run/cgvm-pam.out 2> /dev/null; }
check "PID 1's child running a PAM module cannot load an LSM program of its own" EPERM "$(step lsm)" ||
        diag "the module's report: $(tr '\n' ' ' < /run/cgvm-pam.out 2> /dev/null) $(cat /tmp/evil-pam.log)"
check "... nor one that calls bpf_probe_write_user() (in a confined unit no tracing program loads: EPERM)" EPERM "$(step writeuser)"
check "... nor attach a cgroup/sysctl program" EPERM "$(step sysctl)"
check "... nor bind-mount over a usermode helper ($helper) in PID 1's mount namespace" EPERM "$(step mount-host)"
check "... nor detach a mount of PID 1's root (as umount -l /)" EPERM "$(step umount-root)"
check "... nor in a mount namespace of its own still shared with PID 1's" EPERM "$(step mount-shared)"
check "... nor unmount there a guarded mount made private, whose parent still propagates" EPERM "$(step umount-propagate)"
check "... which PID 1's namespace still has (/usr/sbin)" 1 "$(grep -c ' /usr/sbin /usr/sbin ' /proc/1/mountinfo)"
check "... but may once its \"/\" is a slave, as systemd sets up a unit's namespace" ok "$(step mount-slave)"
check "... nor join the guard's network namespace (PrivateNetwork=)" EPERM "$(step setns-net)"
check "... nor its mount namespace" EPERM "$(step setns-mnt)"
check "the helper is the admin's still" "" "$(grep " $helper " /proc/1/mountinfo)"
umount /usr/sbin /var/tmp/cg-root 2> /dev/null
check_true "systemctl reload cgroup-guardd works (ExecReload='s child joins the unit's network namespace)" \
        systemctl reload cgroup-guardd || diag "reload: $(journalctl -u cgroup-guardd -o cat | tail -3)"
check "still enforcing" EPERM "$(cg-move $T/prot $victim)"

# ... and a confined root cannot change what names such code: PAM's stacks (/etc/pam.d sealed),
# PAM's single file (/etc/pam.conf: its name reserved) and NSS's configuration.
systemd-run --unit=evil --pipe --wait --collect --quiet sh -c '
        try() { (eval "$1") 2> /dev/null && echo ok || echo EPERM; }
        try "echo \"session required /tmp/evil.so\" > /etc/pam.d/cgvm-evil2"
        try "echo \"session required /tmp/evil.so\" >> /etc/pam.d/cgvm-evil"
        try "echo \"session required /tmp/evil.so\" > /etc/pam.conf"
        try "echo \"passwd: files cgvm\" >> /etc/nsswitch.conf"
        try "mv /etc/pam.d/cgvm-evil /etc/pam.d/cgvm-evil3"' > /tmp/pam-conf.out 2>&1
check "a confined root cannot add a PAM stack, change one, create /etc/pam.conf, change /etc/nsswitch.conf or rename a stack" \
        "EPERM EPERM EPERM EPERM EPERM" "$(echo $(cat /tmp/pam-conf.out))"
check "the admin may still change them" ok \
        "$(echo '# the admin' >> /etc/pam.d/cgvm-evil && rm /etc/pam.d/cgvm-evil && echo ok)"

# --- code PID 1's children run while still in PID 1's cgroup ---
# PID 1 runs system generators from /init.scope, an admin cgroup, at every daemon-reload (its
# "(sd-executor)" child forks and execs each), and its child for a unit looks the unit's User=
# up there (an NSS module) until PID 1's own move of it wins the race. Neither such a child nor
# what it forks and execs there counts as an admin or as the guard. The admin installs a
# generator as a root that may write /etc could; a confined root asks for the daemon-reload.
mkdir -p /etc/systemd/system-generators
cat > /etc/systemd/system-generators/cgvm-evil <<'SH'
#!/bin/sh
[ -e /run/cgvm-gen.armed ] || exit 0
rm -f /run/cgvm-gen.armed
out=/run/cgvm-gen.out
echo "cgroup $(sed -n 's/^0:://p' /proc/self/cgroup)" >> $out
echo "lsm $(/usr/local/bin/cg-fmodret lsm bpf)" >> $out
echo "ptrace $(/usr/local/bin/cg-tamper attach 1)" >> $out
/usr/bin/cgroup-guardctl unload > /dev/null 2>&1 && echo "bus-unload ok" >> $out || echo "bus-unload refused" >> $out
/usr/sbin/cgroup-guardd --unload > /dev/null 2>&1 && echo "exec-unload ok" >> $out || echo "exec-unload refused" >> $out
# A forged exe link (prctl PR_SET_MM) must add to the marks, not replace them: then the exec.
echo "forged-lsm $(/usr/local/bin/cg-forge /usr/sbin/cgroup-guardd exec /usr/local/bin/cg-fmodret lsm bpf 2>&1 | tail -n 1)" >> $out
/usr/local/bin/cg-forge /usr/sbin/cgroup-guardd exec /usr/sbin/cgroup-guardd --unload > /dev/null 2>&1 &&
        echo "forged-exec-unload ok" >> $out || echo "forged-exec-unload refused" >> $out
SH
chmod 755 /etc/systemd/system-generators/cgvm-evil
rm -f /run/cgvm-gen.out
touch /run/cgvm-gen.armed
systemd-run --unit=evil --pipe --wait --collect --quiet systemctl daemon-reload > /dev/null 2>&1
gen_step() { sed -n "s/^$1 //p" /run/cgvm-gen.out 2> /dev/null | head -n 1; }
wait_for '[ -n "$(gen_step forged-exec-unload)" ]'
check "a generator PID 1 runs in its cgroup ($(gen_step cgroup)) cannot load an LSM program" EPERM "$(gen_step lsm)" ||
        diag "the generator's report: $(tr '\n' ' ' < /run/cgvm-gen.out 2> /dev/null)"
check "... nor attach to PID 1" EPERM "$(gen_step ptrace)"
check "... nor is its cgroup-guardctl unload an admin's call (D-Bus)" refused "$(gen_step bus-unload)"
check "... and its cgroup-guardd --unload is not the guard's" refused "$(gen_step exec-unload)"
check "... nor, having forged its exe link (prctl PR_SET_MM) first, may what it execs load an LSM program" EPERM "$(gen_step forged-lsm)"
check "... or unload the guard" refused "$(gen_step forged-exec-unload)"
check "still enforcing" EPERM "$(cg-move $T/prot $victim)"
rm -f /etc/systemd/system-generators/cgvm-evil
systemctl daemon-reload

# --- the pins' bpffs, unmounted in a copy of PID 1's mount namespace ---
# A confined root's namespace that keeps the copies as peers of PID 1's mounts: the unmount
# propagates to PID 1's /sys/fs/bpf (with the daemon stopped, the pins were the links' last
# holders). One that makes its copies private (unshare's default, systemd's units) may.
unmount_bpffs() { # PROPAGATION
        systemd-run --unit=evil --pipe --wait --collect --quiet sh -c \
                "unshare -m --propagation $1 sh -c 'umount -l /sys/fs/bpf 2> /dev/null && echo ok || echo EPERM'" 2>&1
}
check "a confined root cannot unmount the pins' bpffs where that propagates to PID 1's namespace" EPERM \
        "$(unmount_bpffs unchanged)"
check "... which PID 1's namespace still has" 1 "$(grep -c ' /sys/fs/bpf ' /proc/1/mountinfo)"
check "... but may in a namespace of its own whose copies are private" ok "$(unmount_bpffs private)"
check "still enforcing" EPERM "$(cg-move $T/prot $victim)"

# --- a mount above the pins' bpffs, with the daemon stopped ---
# systemctl stop (PID 1's API, open to a confined root) leaves the pins as the links' last
# holders; a lazy unmount of /sys took the bpffs with it, and every link: the guard was off.
above_pins() { # COMMAND: a confined root stops the daemon, then runs COMMAND
        systemd-run --unit=evil --pipe --wait --collect --quiet sh -c \
                "systemctl stop cgroup-guardd; $1 2> /dev/null && echo ok || echo EPERM" 2>&1
}
check "with the daemon stopped, a confined root cannot unmount /sys, above the pins' bpffs" EPERM \
        "$(above_pins 'umount -l /sys')"
check "... nor from a copy of PID 1's namespace that propagates there" EPERM \
        "$(above_pins "unshare -m --propagation unchanged umount -l /sys")"
check "still enforcing, the daemon stopped" EPERM "$(cg-move $T/prot $victim)"
# A copy of /sys made by rbind is a peer of PID 1's (systemd makes / shared), with a copy of the
# bpffs on it: a lazy unmount of the tmpfs it sits on propagated from each copy's parent, and
# took PID 1's /sys/fs/bpf (and every link, the daemon stopped).
systemctl start cgroup-guardd
check "... nor lazily unmount a tree that holds an rbind copy of /sys (it propagates to PID 1's)" EPERM \
        "$(systemd-run --unit=evil --pipe --wait --collect --quiet sh -c \
                'systemctl stop cgroup-guardd; mkdir -p /run/cgvm-t && mount -t tmpfs cgvm /run/cgvm-t &&
                 mkdir /run/cgvm-t/sys && mount --rbind /sys /run/cgvm-t/sys || { echo setup failed; exit; }
                 cg-tamper umount /run/cgvm-t detach' 2>&1)"
check "... which PID 1's namespace still has" 1 "$(grep -c ' /sys/fs/bpf ' /proc/1/mountinfo)"
check "still enforcing, the daemon stopped" EPERM "$(cg-move $T/prot $victim)"
# Made private first, as a chroot's builder should (mount --make-rslave), it may.
check "... but may once the tree is made private" ok \
        "$(mount --make-rprivate /run/cgvm-t && umount -l /run/cgvm-t 2>&1 && echo ok)"
systemctl start cgroup-guardd

# An unmount propagates to whatever sits on the same directory in each peer of the parent: a
# private bind of /sys with a tmpfs on its fs/bpf, made a peer of PID 1's /sys by
# MOVE_MOUNT_SET_GROUP (here set up by the test, outside confined cgroups, in a copy of PID 1's
# namespace that kept its peers), took PID 1's /sys/fs/bpf when a confined root unmounted the
# tmpfs there.
rm -f /run/cgvm-setgroup.out
mkdir -p /mnt/cgvm-s
unshare -m --propagation unchanged sh -c 'mount --make-private / && mount --bind /sys /mnt/cgvm-s &&
        mount --make-private /mnt/cgvm-s && mount -t tmpfs cgvm /mnt/cgvm-s/fs/bpf &&
        cg-tamper set-group /sys /mnt/cgvm-s > /run/cgvm-setgroup.out 2>&1 || echo setup failed > /run/cgvm-setgroup.out
        exec sleep 600' &
holder=$!
wait_for '[ -s /run/cgvm-setgroup.out ]'
check "a copy of /sys joins the peer group of PID 1's (MOVE_MOUNT_SET_GROUP)" ok "$(cat /run/cgvm-setgroup.out)"
check "... and a confined root may not unmount a tmpfs on its fs/bpf (it propagates to PID 1's bpffs)" EPERM \
        "$(systemd-run --unit=evil --pipe --wait --collect --quiet sh -c \
                "systemctl stop cgroup-guardd; nsenter -t $holder -m cg-tamper umount /mnt/cgvm-s/fs/bpf detach" 2>&1)"
check "... which PID 1's namespace still has" 1 "$(grep -c ' /sys/fs/bpf ' /proc/1/mountinfo)"
check "still enforcing, the daemon stopped" EPERM "$(cg-move $T/prot $victim)"
kill $holder 2> /dev/null
wait $holder 2> /dev/null
rmdir /mnt/cgvm-s 2> /dev/null
# Nor may a confined root join that group itself (nor, between an unmount's check and the
# unmount, make the tree it unmounts shared so).
check "... nor may a confined root make a copy of /sys a peer of PID 1's (MOVE_MOUNT_SET_GROUP)" EPERM \
        "$(systemd-run --unit=evil --pipe --wait --collect --quiet unshare -m --propagation unchanged sh -c \
                'mount --make-private / && mkdir -p /mnt/cgvm-g && mount --bind /sys /mnt/cgvm-g &&
                 mount --make-private /mnt/cgvm-g && cg-tamper set-group /sys /mnt/cgvm-g' 2>&1)"
rmdir /mnt/cgvm-g 2> /dev/null
# Nor hide PID 1's /sys/fs (a reload then found no fs/bpf there, and dropped its guard).
check "... nor mount over /sys/fs, on the way to the pins, in PID 1's namespace" EPERM \
        "$(systemd-run --unit=evil --pipe --wait --collect --quiet sh -c \
                'mount -t tmpfs cgvm /sys/fs 2> /dev/null && echo mounted || echo EPERM' 2>&1)"
umount /sys/fs 2> /dev/null
# Nor cover /sys or /sys/fs/bpf there: PID 1 and a restarted daemon lost sight of the pins, and
# the daemon registered the cover's directories as the way to them, anew at each change.
for dir in /sys /sys/fs/bpf; do
        check "... nor mount over $dir in PID 1's namespace" EPERM \
                "$(systemd-run --unit=evil --pipe --wait --collect --quiet sh -c \
                        "mount -t tmpfs cgvm $dir 2> /dev/null && echo mounted || echo EPERM" 2>&1)"
        if awk -v d="$dir" '$5 == d && / - tmpfs cgvm /' /proc/1/mountinfo | grep -q .; then umount -l "$dir"; fi
done
systemctl start cgroup-guardd

# Removing the directory a mount sits on detaches the mounts on it in every namespace: from a
# namespace of its own where /sys is unmounted (privately), a confined root's rmdir /sys took
# PID 1's /sys with the bpffs below it.
check "a confined root may not remove /sys where it is unmounted (PID 1's mounts on it would go)" refused \
        "$(systemd-run --unit=evil --pipe --wait --collect --quiet sh -c \
                "systemctl stop cgroup-guardd; unshare -m sh -c 'umount -l /sys && rmdir /sys 2> /dev/null && echo removed || echo refused'" 2>&1)"
check "... which PID 1's namespace still has" 1 "$(grep -c ' /sys/fs/bpf ' /proc/1/mountinfo)"
check "still enforcing, the daemon stopped" EPERM "$(cg-move $T/prot $victim)"
systemctl start cgroup-guardd

kill $victim 2>/dev/null
systemctl stop cgroup-guardd
/usr/sbin/cgroup-guardd --unload > /dev/null 2>&1
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] || journalctl -u cgroup-guardd -o cat | tail -n 40
exit $failed
