# PID 1 as a deputy for new units (issue 12): a confined root that can reach PID 1's API asks it
# to start the guard's off-switches elsewhere, under systemd as PID 1 with the shipped policies
# installed as an admin would (tests/vm/run --system; both kernels). The test itself is that
# root: its unit (/system.slice/cgvm-run.service) is protected by the shipped 10-system.json.
# - systemd-run -p Slice=escape.slice cgroup-guardd --unload, and ... cgroup-guardctl unload:
#   PID 1's child cannot move from /init.scope into /escape.slice (the shipped policy gives PID 1's
#   unit starts a "to"), the unit fails, nothing is unloaded (before: both unloaded the guard,
#   the unit ran outside every protected subtree, where root was the admin);
# - units still start where units live (/system.slice, /user.slice, /machine.slice);
# - systemctl set-environment LD_PRELOAD=... then systemctl restart cgroup-guardd: the unit's
#   UnsetEnvironment= keeps the library out of the restarted guard (before: the injected code ran
#   with the guard's mark and got its pins), and CGROUP_GUARD_HIDE_KERNEL_FUNCTIONS too;
# - systemd-sysctl, a real client, from this protected service: writes a usermode helper's sysctl
#   as it is, and is refused a new one (before: it set what /etc/sysctl.d said);
# - su - in a transient unit that takes a login service's place (a getty's slice, the name of a
#   service with no unit file) gets no session; with the base policy alone, a unit of root's user
#   manager stays confined (before: both left every confined cgroup);
# - systemctl set-environment LD_PRELOAD=... does not reach the units the shipped policies trust
#   by name (the user manager, a getty). POSIX sh.
. /system-lib.sh

mkdir -p $T/out
unconfined_start
enable_shipped_policies
sleep 1000 & victim=$!
enforcing() { [ "$(cg-move $T/out $victim)" = EPERM ]; }
check_true "enforcing: a move out of the test's service is EPERM" enforcing ||
        diag "not enforcing before the attacks"
# journald's per-unit rate limit, lifted for the guard's own lines: PID 1 tells journald by a
# symlink (LogRateLimitIntervalSec=0, which the unit had before, exported nothing).
check "journald is told the guard's unit's burst (PID 1's export)" 1000000 \
        "$(readlink /run/systemd/units/log-rate-limit-burst:cgroup-guardd.service 2>&1)"

DENIAL=e8540ee91e3f4008a0c051b6c2107e76

# ... and what journald reads there is PID 1's alone: a confined root's log-level-max for the
# guard's unit (a symlink to 0: emergencies only) had journald drop every denial the guard sent,
# and a lowered burst had it drop all but the first (review 29's open item). journald reads a
# unit's settings again after 5 s.
U=/run/systemd/units
ln -s 0 $U/log-level-max:cgroup-guardd.service 2> /dev/null
ln -sfn 1 $U/log-rate-limit-burst:cgroup-guardd.service 2> /dev/null
rm -f $U/invocation:cgroup-guardd.service 2> /dev/null
check "a confined root's log settings for the guard's unit in $U: refused" "missing 1000000 there" \
        "$([ -L $U/log-level-max:cgroup-guardd.service ] && echo there || echo missing) $(readlink $U/log-rate-limit-burst:cgroup-guardd.service) $([ -L $U/invocation:cgroup-guardd.service ] && echo there || echo missing)"
sleep 6
denials_now() { journalctl -o cat MESSAGE_ID=$DENIAL CGROUP_GUARD_TASK_PID=$victim | wc -l; }
before=$(denials_now)
cg-move $T/out $victim > /dev/null
more_denials() { [ "$(denials_now)" -gt "$before" ]; }
check_true "... the guard's next denial reaches the journal" wait_for 20 more_denials ||
        diag "denials of $victim: $before before, $(denials_now) now"
unconfined "rm -f $U/log-level-max:cgroup-guardd.service; ln -sfn 1000000 $U/log-rate-limit-burst:cgroup-guardd.service" > /dev/null

escape_denial() { # UNIT [SLICE_PATH]: the move of PID 1's child into SLICE_PATH/UNIT was refused
        journalctl -o json MESSAGE_ID=$DENIAL | grep -q "\"CGROUP_GUARD_DST_CGROUP\":\"${2:-/escape.slice}/$1\""
}

# The guard's binary, run by PID 1 in a unit outside every protected subtree.
systemd-run --unit=escape-guardd -p Slice=escape.slice --wait --collect --quiet \
        /usr/sbin/cgroup-guardd --unload > /tmp/escape-guardd.out 2>&1
rc=$?
check_all "systemd-run -p Slice=escape.slice cgroup-guardd --unload from a protected service fails (rc $rc), still enforcing" \
        'enforcing' \
        '[ "$rc" != 0 ]' ||
        diag "cgroup-guardd --unload in escape.slice: rc $rc, enforcing: $(cg-move $T/out $victim): $(cat /tmp/escape-guardd.out)"
check_true "... PID 1's child's move into /escape.slice is denied and journaled" wait_for 30 escape_denial escape-guardd.service ||
        diag "no denial into /escape.slice/escape-guardd.service: $(journalctl -o json MESSAGE_ID=$DENIAL | tail -2)"

# The admin CLI over D-Bus, run by PID 1 the same way.
[ "$(systemctl is-active cgroup-guardd)" = active ] || systemctl start cgroup-guardd
systemd-run --unit=escape-ctl -p Slice=escape.slice --wait --collect --quiet \
        /usr/bin/cgroup-guardctl unload > /tmp/escape-ctl.out 2>&1
rc=$?
check_all "systemd-run -p Slice=escape.slice cgroup-guardctl unload from a protected service fails (rc $rc), still enforcing" \
        'enforcing' \
        '[ "$rc" != 0 ]' ||
        diag "cgroup-guardctl unload in escape.slice: rc $rc, enforcing: $(cg-move $T/out $victim): $(cat /tmp/escape-ctl.out)"
check_true "... denied and journaled as well" wait_for 30 escape_denial escape-ctl.service ||
        diag "no denial into /escape.slice/escape-ctl.service"

# Nor into the other top-level slices, where a unit could run unconfined with fewer policies
# installed than here (/user.slice, /machine.slice: the unit starts PID 1 makes there are its
# templates' user@, user-runtime-dir@ and systemd-nspawn@ services).
for slice in user machine; do
        systemd-run --unit=escape-$slice -p Slice=$slice.slice --wait --collect --quiet \
                /usr/bin/cgroup-guardctl unload > /tmp/escape-$slice.out 2>&1
        rc=$?
        check_all "systemd-run -p Slice=$slice.slice cgroup-guardctl unload fails too (rc $rc), PID 1's child denied the move" \
                'enforcing' \
                '[ "$rc" != 0 ]' \
                'wait_for 30 escape_denial escape-$slice.service /$slice.slice' ||
                diag "cgroup-guardctl unload in $slice.slice: rc $rc, enforcing: $(cg-move $T/out $victim): $(cat /tmp/escape-$slice.out)"
done
# A scope named like a login session, asked for from the protected service: PID 1 moves the
# caller out of it, which only login services may have done for them.
systemd-run --scope --unit=session-c4242.scope -p Slice=user-0.slice --quiet \
        /usr/bin/cgroup-guardctl unload > /tmp/escape-session.out 2>&1
rc=$?
session_denial() {
        journalctl -o json MESSAGE_ID=$DENIAL | grep '"CGROUP_GUARD_SRC_CGROUP":"/system.slice/cgvm-run.service"' |
                grep -q '"CGROUP_GUARD_DST_CGROUP":"/user.slice/user-0.slice/session-c4242.scope"'
}
check_all "systemd-run --scope --unit=session-c4242.scope -p Slice=user-0.slice cgroup-guardctl unload fails (rc $rc), the move denied" \
        'enforcing' \
        '[ "$rc" != 0 ]' \
        'wait_for 30 session_denial' ||
        diag "a session-named scope: rc $rc, enforcing: $(cg-move $T/out $victim): $(cat /tmp/escape-session.out)"

# Where units live, PID 1 still starts them: services in /system.slice, a user manager with its
# runtime directory service in /user.slice.
[ "$(systemctl is-active cgroup-guardd)" = active ] || systemctl start cgroup-guardd
check_all "a transient service in /system.slice starts and runs there" \
        'systemd-run --wait --collect --quiet -p StandardOutput=file:/run/unit-cg cat /proc/self/cgroup > /dev/null 2>&1' \
        'grep -q "^0::/system.slice/run-" /run/unit-cg' ||
        diag "a unit in /system.slice: $(cat /run/unit-cg 2> /dev/null)"
check_all "user@0.service and user-runtime-dir@0.service start in /user.slice/user-0.slice" \
        'systemctl start user@0.service' \
        '[ "$(systemctl is-active user@0.service user-runtime-dir@0.service | sort -u)" = active ]' ||
        diag "user@0: $(systemctl is-active user@0.service user-runtime-dir@0.service) $(journalctl -u user@0.service --no-pager | tail -3)"
systemctl stop user@0.service

# The unit's ExecReload= runs in the guard's own cgroup, an admin cgroup: a confined root that
# rewrites what it execs (/bin/kill was, a file the guard does not run itself) and asks PID 1 for
# a reload would run its code there, where the guard's binary is the admin's.
[ "$(systemctl is-active cgroup-guardd)" = active ] || systemctl start cgroup-guardd
kill_bin=$(readlink -f /bin/kill)
cp "$kill_bin" /tmp/kill.orig
# The unit's sandbox leaves little writable: what it did shows in enforcement and its journal.
printf '#!/bin/sh\nexec /usr/sbin/cgroup-guardd --unload\n' > /tmp/kill.evil
cat /tmp/kill.evil > "$kill_bin" 2> /tmp/kill.err
wrote=$?
since=$(date '+%Y-%m-%d %H:%M:%S')
systemctl reload cgroup-guardd > /tmp/reload.log 2>&1
reload_rc=$?
cat /tmp/kill.orig > "$kill_bin"
check_all "a confined root rewrites /bin/kill (rc $wrote) and asks for a reload: still enforcing" \
        'enforcing' ||
        diag "ExecReload ran the rewritten file: $(journalctl -u cgroup-guardd --since "$since" -o cat | tail -3)"
check_all "... and the reload itself works (rc $reload_rc)" \
        '[ "$reload_rc" = 0 ]' \
        'wait_for 30 sh -c "[ \"\$(systemctl is-active cgroup-guardd)\" = active ]"' ||
        diag "reload: $(cat /tmp/reload.log; journalctl -u cgroup-guardd --no-pager | tail -3)"
# After an attack that worked (the tree before the fix): load again for what follows.
enforcing || { systemctl restart cgroup-guardd; wait_for 300 enforcing; }

# The manager's environment reaches every unit PID 1 starts, the guard's restart included.
active_pid() { [ "$(systemctl is-active cgroup-guardd)" = active ] && systemctl show -P MainPID cgroup-guardd; }
[ "$(systemctl is-active cgroup-guardd)" = active ] || systemctl start cgroup-guardd
systemctl set-environment LD_PRELOAD=/usr/local/bin/cg-evil.so CG_EVIL_PIN=/sys/fs/bpf/cgroup-guard/map_guard_counters \
        CGROUP_GUARD_HIDE_KERNEL_FUNCTIONS=cgroup_attach_task
since=$(date '+%Y-%m-%d %H:%M:%S')
systemctl restart cgroup-guardd > /tmp/restart.log 2>&1
# A start verifies BPF programs: 15-30 s under TCG; the bound only stops a hang. Injected code
# prints what it got and exits before READY=1.
injected_said() { journalctl -u cgroup-guardd --since "$since" -o cat | grep -x -e ok -e 'E[A-Z]*'; }
wait_for 300 sh -c "[ \"\$(systemctl is-active cgroup-guardd)\" = active ] || journalctl -u cgroup-guardd --since '$since' -o cat | grep -qx -e ok -e 'E[A-Z]*'"
pid=$(active_pid)
injected=$(injected_said | head -n 1)
check_all "systemctl set-environment LD_PRELOAD=... and a restart: the guard runs without the library (pid $pid)" \
        '[ -n "$pid" ]' \
        '[ -z "$injected" ]' \
        '! grep -q cg-evil /proc/"$pid"/maps' ||
        diag "LD_PRELOAD reached the guard: active pid '${pid}', the injected code said '$injected', $(cat /tmp/restart.log)"
environ_of_pid() { tr '\0' '\n' < /proc/"$pid"/environ; }
check_all "... the manager's other variables do reach it (the control: set-environment worked)" \
        '[ -n "$pid" ]' 'environ_of_pid | grep -q ^CG_EVIL_PIN=' ||
        diag "CG_EVIL_PIN not in the guard's environment: set-environment had no effect"
check_all "... nor LD_PRELOAD or CGROUP_GUARD_HIDE_KERNEL_FUNCTIONS (weakening compat) in its environment" \
                '[ -n "$pid" ]' '! environ_of_pid | grep -q -e ^LD_PRELOAD= -e ^CGROUP_GUARD_HIDE_KERNEL_FUNCTIONS=' ||
        diag "the guard's environment: $(tr '\0' '\n' < /proc/"$pid"/environ 2> /dev/null | grep -e LD_ -e CGROUP_GUARD)"
systemctl unset-environment LD_PRELOAD CG_EVIL_PIN CGROUP_GUARD_HIDE_KERNEL_FUNCTIONS
# A real client under the shipped policies: systemd-sysctl, run by its unit in the protected
# /system.slice at each boot (and by hand, for the files named, from this protected service). The
# value in force written again is allowed; a usermode helper changed from there is refused (the
# kernel would run the program as root in the root cgroup for whoever controls /etc/sysctl.d).
# Debian's kernels dump core; the hooks kernels have no core_pattern (no CONFIG_COREDUMP): modprobe.
# (The unit itself fails on the hooks kernels anyway: kernel.pid_max 4194304 is out of their range.)
key=core_pattern
[ -e /proc/sys/kernel/core_pattern ] || key=modprobe
value=$(cat /proc/sys/kernel/$key)
printf 'kernel.%s = %s\n' $key "$value" > /etc/sysctl.d/60-cgvm.conf
check_true "systemd-sysctl from a protected service, kernel.$key as it is: succeeds" \
        /usr/lib/systemd/systemd-sysctl /etc/sysctl.d/60-cgvm.conf
case $key in
core_pattern) printf 'kernel.core_pattern = |/usr/local/bin/cg-helper %%p\n' ;;
*) printf 'kernel.modprobe = /usr/local/bin/cg-helper\n' ;;
esac > /etc/sysctl.d/60-cgvm.conf
/usr/lib/systemd/systemd-sysctl /etc/sysctl.d/60-cgvm.conf
check "... a new kernel.$key is refused: systemd-sysctl carries on (it ignores EPERM: status 0)" 0 "$?"
check "... and the value stays" "$value" "$(cat /proc/sys/kernel/$key)"
check_true "... a tamper event naming systemd-sysctl" \
        wait_for 10 sh -c 'journalctl -u cgroup-guardd -o cat | grep -q "changing a usermode helper.*, systemd-sysctl) in /system.slice/"'
rm -f /etc/sysctl.d/60-cgvm.conf
printf '%s\n' "$value" > /proc/sys/kernel/$key 2> /dev/null

# PID 1 mounting for a protected service: systemd-mount --automount has PID 1 itself mount an
# autofs over /usr/sbin (on kernel.modprobe's path, so registered), and the first access binds the
# caller's directory there: the next module autoload would run its modprobe as root.
# (autofs: built in on the hooks kernels; a module Debian's guests do not load, where systemd
# says "unsupported" and mounts nothing, so the check would prove nothing there.)
modprobe_path=$(readlink -f "$(cat /proc/sys/kernel/modprobe)")
if grep -qw autofs /proc/filesystems; then
        mkdir -p /var/tmp/evil-sbin
        printf '#!/bin/sh\nid > /run/evil-modprobe\n' > /var/tmp/evil-sbin/modprobe
        chmod 755 /var/tmp/evil-sbin/modprobe
        systemd-mount --no-block --automount=yes --options=bind /var/tmp/evil-sbin /usr/sbin > /tmp/sdmount.out 2>&1
        sleep 2
        ls /usr/sbin/ > /dev/null 2>&1
        sleep 1
        check_all "systemd-mount --automount over /usr/sbin (kernel.modprobe's path: $modprobe_path) from a protected service: PID 1 mounts nothing there" \
                '! grep -q " /usr/sbin " /proc/1/mountinfo' ||
                diag "mounted: $(grep ' /usr/sbin ' /proc/1/mountinfo); $(cat /tmp/sdmount.out)"
        check_true "... a tamper event naming PID 1" \
                wait_for 10 sh -c 'journalctl -u cgroup-guardd -o cat | grep -q "Refused tamper attempt: .*by pid 1 "'
        systemctl stop usr-sbin.automount usr-sbin.mount > /dev/null 2>&1
        while grep -q " /usr/sbin " /proc/1/mountinfo; do umount -l /usr/sbin 2> /dev/null || break; done
        systemctl reset-failed usr-sbin.automount usr-sbin.mount > /dev/null 2>&1
fi
# PID 1's root mount, detached from a protected service (a bind of / elsewhere keeps the tree
# reachable): every mount on it goes too, /run included, and the kernel's helpers, which share
# PID 1's root, would walk the directories underneath. (The busybox guests' rootfs cannot be
# unmounted at all, so only here.)
mkdir -p /var/tmp/cg-root
mount --bind / /var/tmp/cg-root
check_all "a protected service cannot detach PID 1's root mount (umount -l /)" \
        '! umount -l / 2> /dev/null' '[ -d /run/systemd/system ]' ||
        diag "root mount detached: $(head -c 300 /proc/1/mountinfo)"
umount /var/tmp/cg-root 2> /dev/null

# PID 1's child opens a unit's standard output before its exec (systemd 252), in the unit's
# cgroup: a protected service asking for a unit whose output is a new file in /etc/modprobe.d
# (sealed: a line there is a command modprobe runs as root at the next autoload), or appended to
# the helper kernel.modprobe names, must get neither (an adversarial review; the child passed as
# PID 1's code before). Last here: before the fix these wrote.
rm -f /etc/modprobe.d/cg-deputy.conf
systemd-run --unit=cg-stdout -p StandardOutput=file:/etc/modprobe.d/cg-deputy.conf --wait --collect --quiet \
        echo 'install cg-evil /tmp/evil-helper' > /dev/null 2>&1
check_all "a unit whose output is a new file in /etc/modprobe.d, asked for from a protected service, makes none" \
        '[ ! -e /etc/modprobe.d/cg-deputy.conf ]' ||
        diag "made: $(cat /etc/modprobe.d/cg-deputy.conf 2>&1)"
rm -f /etc/modprobe.d/cg-deputy.conf
sum_before=$(md5sum < "$modprobe_path")
systemd-run --unit=cg-stdout2 -p StandardOutput=append:$modprobe_path --wait --collect --quiet \
        echo 'cg-evil' > /dev/null 2>&1
check "... nor does one whose output is appended to the modprobe helper ($modprobe_path)" "$sum_before" "$(md5sum < "$modprobe_path")"
check_true "... a tamper event naming PID 1's child in its unit" \
        wait_for 10 sh -c 'journalctl -u cgroup-guardd -o cat | grep -q "Refused tamper attempt: .* in /system.slice/cg-stdout"'

# A login service's place, taken by a transient unit (an adversarial review): PID 1 moves a task
# from a login service into a session scope for logind (pam_systemd asks it), out of the
# service's cgroup. A confined root asks PID 1 for a unit in a getty's slice, or under the name of
# a login service or a display manager that has no unit file here (this rootfs has neither
# openssh nor a display manager), and runs su - in it: su must stay in that unit, its session
# move denied (before: it got a session in /user.slice). All four at once: a refused session
# holds pam_systemd for its 2-minute wait, so each unit is stopped once decided.
login_denied() { # SRC: the move of su out of SRC into a session scope was denied
        journalctl -o json MESSAGE_ID=$DENIAL | grep "\"CGROUP_GUARD_SRC_CGROUP\":\"$1\"" |
                grep -q '"CGROUP_GUARD_DST_CGROUP":"/user.slice/user-0.slice/session-'
}
for c in cgvm-getty.service:system-getty.slice gdm.service: ssh.service: sshd@cgvm.service:system-sshd.slice; do
        unit=${c%%:*} slice=${c#*:}
        rm -f /run/cgvm-login-$unit
        systemd-run --unit=$unit --collect --quiet ${slice:+-p Slice=$slice} -p StandardOutput=file:/run/cgvm-login-$unit \
                su - root -c 'cat /proc/self/cgroup' > /tmp/login-$unit.err 2>&1
done
for c in cgvm-getty.service:system-getty.slice gdm.service: ssh.service: sshd@cgvm.service:system-sshd.slice; do
        unit=${c%%:*} slice=${c#*:}
        src=/system.slice/${slice:+$slice/}$unit
        # A service the policy names has its name refused to transient units where it has no
        # unit file (PID 1 may not make the unit's file: review 34); its slice's other names not.
        check_all "su - in a transient unit $unit${slice:+ in $slice} asked for from a protected service: no session (the unit refused, or the move denied)" \
                'grep -q "Access denied" /tmp/login-$unit.err || wait_for 60 login_denied "$src"' \
                '! grep -q "^0::/user.slice/" /run/cgvm-login-$unit 2> /dev/null' ||
                diag "$unit: su ran in $(cat /run/cgvm-login-$unit 2> /dev/null) $(cat /tmp/login-$unit.err)"
        systemctl stop $unit > /dev/null 2>&1
done
# The premise: a name that has a unit file (getty@.service's instances, which the shipped policy
# names) PID 1 gives no transient unit.
out=$(systemd-run --unit=getty@cgvm.service --quiet true 2>&1)
check_all "a transient unit named as a getty (getty@cgvm.service) is refused by PID 1" \
        '[ -n "$out" ]' '! systemctl is-active -q getty@cgvm.service' ||
        diag "getty@cgvm.service: $out"
systemctl stop getty@cgvm.service > /dev/null 2>&1

# The manager's environment reaches every unit PID 1 starts (systemctl set-environment, from a
# confined root): LD_PRELOAD in a unit the shipped policies trust by name (a login service, whose
# code may ask logind for a session that PID 1 moves it into; a user manager; nspawn, logind)
# would run the confined root's code there. Those units drop the loader's variables (drop-ins
# the package installs, an adversarial review): the user manager started after it runs none.
systemctl stop user@0.service
touch /run/cgvm-injected
systemctl set-environment LD_PRELOAD=/usr/local/bin/cg-evil.so CG_EVIL_WRITE=/run/cgvm-injected CG_EVIL_VALUE=injected
systemd-run --wait --quiet true > /dev/null 2>&1
check "the control: with that environment a unit PID 1 starts runs the injected code" injected "$(cat /run/cgvm-injected)"
: > /run/cgvm-injected
timeout 120 systemctl start user@0.service > /dev/null 2>&1
check "systemctl set-environment LD_PRELOAD=... from a protected service: user@0.service runs none of it" "" \
        "$(cat /run/cgvm-injected)"
systemctl stop user@0.service > /dev/null 2>&1
systemctl reset-failed user@0.service > /dev/null 2>&1
systemctl unset-environment LD_PRELOAD CG_EVIL_WRITE CG_EVIL_VALUE
rm -f /run/cgvm-injected
# The same drop-in on every other unit of this system the shipped policies name (a getty needs a
# terminal, logind runs already: their configuration, as PID 1 loaded it).
for unit in getty@tty9.service serial-getty@ttyS9.service container-getty@9.service console-getty.service \
            user-runtime-dir@0.service systemd-logind.service; do
        check_true "... nor would $unit (UnsetEnvironment= names LD_PRELOAD)" \
                sh -c "systemctl show -P UnsetEnvironment $unit | tr ' ' '\n' | grep -qx LD_PRELOAD"
        # ... nor the manager's PATH (gdm's ExecStartPre= script follows it), nor OpenSSL's
        # configuration (sshd's libcrypto loads a provider it names): review 34.
        check_true "... nor the manager's PATH or OPENSSL_CONF ($unit)" \
                sh -c "systemctl show -P Environment $unit | tr ' ' '\n' | grep -qx 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' &&
                       systemctl show -P UnsetEnvironment $unit | tr ' ' '\n' | grep -qx OPENSSL_CONF"
done

# The guard's own unit (issue 12 item 9): its file and drop-ins say what PID 1 runs in the guard's
# cgroup, an admin cgroup, at the next start. A confined root may write none of them, in any
# directory of the unit search path, nor the drop-ins for every service (service.d) or for the
# unit's prefix (cgroup-.service.d), nor an alias of the unit (whose drop-ins are the unit's), nor
# a generator (PID 1 runs it in its own cgroup); nor have PID 1 do it (systemctl link, mask,
# disable, revert, set-property: its unit-file API acts for any root). The proof of a way through:
# code that ran in the guard's cgroup at its restart (/run/cgvm-unit-ran).
rm -f /run/cgvm-unit-ran
pre="ExecStartPre=/bin/sh -c 'cat /proc/self/cgroup > /run/cgvm-unit-ran'"
printf '[Service]\n%s\n' "$pre" > /tmp/dropin.conf
printf '[Unit]\nDefaultDependencies=no\n[Service]\nType=notify\n%s\nExecStart=/usr/sbin/cgroup-guardd\n' "$pre" > /tmp/unit.service
unit_write() { (mkdir -p "${1%/*}" && cp "$2" "$1") 2> /dev/null && echo ok || echo EPERM; }
for f in /etc/systemd/system/cgroup-guardd.service.d/50-off.conf /run/systemd/system/cgroup-guardd.service.d/50-off.conf \
         /etc/systemd/system.control/cgroup-guardd.service.d/50-off.conf /usr/lib/systemd/system/cgroup-guardd.service.d/50-off.conf \
         /etc/systemd/system/service.d/50-off.conf /run/systemd/system/cgroup-.service.d/50-off.conf; do
        check "a confined root cannot write $f" EPERM "$(unit_write $f /tmp/dropin.conf)"
done
for f in /etc/systemd/system/cgroup-guardd.service /run/systemd/system/cgroup-guardd.service \
         /run/systemd/transient/cgroup-guardd.service; do
        check "a confined root cannot write $f" EPERM "$(unit_write $f /tmp/unit.service)"
done
check "... nor make an alias of the unit (/run/systemd/system/cgvm-alias.service)" EPERM \
        "$(ln -s /usr/lib/systemd/system/cgroup-guardd.service /run/systemd/system/cgvm-alias.service 2> /dev/null && echo ok || echo EPERM)"
check "... nor give it drop-ins (/etc/systemd/system/cgvm-alias.service.d)" EPERM \
        "$(unit_write /etc/systemd/system/cgvm-alias.service.d/50-off.conf /tmp/dropin.conf)"
check "... nor install a unit file (/etc/systemd/system/libvirtd.service, which an allow entry names)" EPERM \
        "$( (: > /etc/systemd/system/libvirtd.service) 2> /dev/null && echo ok || echo EPERM)"
check "... nor a generator (/etc/systemd/system-generators/cgvm-gen)" EPERM \
        "$(unit_write /etc/systemd/system-generators/cgvm-gen /tmp/dropin.conf)"
check "... nor an environment generator (/run/systemd/system-environment-generators/cgvm-env)" EPERM \
        "$(unit_write /run/systemd/system-environment-generators/cgvm-env /tmp/dropin.conf)"
printf '[Manager]\nManagerEnvironment=SYSTEMD_UNIT_PATH=/run/cgvm-units:\n' > /tmp/manager.conf
check "... nor change PID 1's own configuration (/run/systemd/system.conf.d: a unit path of its own)" EPERM \
        "$(unit_write /run/systemd/system.conf.d/50-off.conf /tmp/manager.conf)"
check "... nor in /etc/systemd/system.conf.d" EPERM "$(unit_write /etc/systemd/system.conf.d/50-off.conf /tmp/manager.conf)"
check "... nor /etc/systemd/system.conf" EPERM \
        "$( (cat /tmp/manager.conf >> /etc/systemd/system.conf) 2> /dev/null && echo ok || echo EPERM)"
check "... nor remove a trusted unit's drop-in (user@.service.d/50-cgroup-guard-env.conf: UnsetEnvironment=LD_PRELOAD)" EPERM \
        "$(rm -f /usr/lib/systemd/system/user@.service.d/50-cgroup-guard-env.conf 2> /dev/null && echo ok || echo EPERM)"
# Through PID 1.
mkdir -p /var/tmp/cgvm && cp /tmp/unit.service /var/tmp/cgvm/cgroup-guardd.service
systemctl link /var/tmp/cgvm/cgroup-guardd.service > /dev/null 2>&1
check "systemctl link of another cgroup-guardd.service: nothing in /etc/systemd/system" absent \
        "$([ -e /etc/systemd/system/cgroup-guardd.service ] || [ -L /etc/systemd/system/cgroup-guardd.service ] && echo present || echo absent)"
systemctl daemon-reload
systemctl restart cgroup-guardd > /tmp/restart.log 2>&1
wait_for 60 sh -c '[ "$(systemctl is-active cgroup-guardd)" = active ]'
check "... after a daemon-reload and a restart, nothing of the confined root's ran in the guard's cgroup" "" \
        "$(cat /run/cgvm-unit-ran 2> /dev/null)"
unconfined rm -f /etc/systemd/system/cgroup-guardd.service /run/cgvm-unit-ran
systemctl mask cgroup-guardd.service > /dev/null 2>&1
check "systemctl mask cgroup-guardd: not masked" absent \
        "$([ -L /etc/systemd/system/cgroup-guardd.service ] && echo present || echo absent)"
systemctl disable cgroup-guardd.service > /dev/null 2>&1
check "systemctl disable cgroup-guardd: still enabled" enabled "$(systemctl is-enabled cgroup-guardd.service 2>&1)"
systemctl revert cgroup-guardd.service > /dev/null 2>&1
check "systemctl revert cgroup-guardd: the admin's drop-in stays" present \
        "$([ -e /etc/systemd/system/cgroup-guardd.service.d/backend.conf ] && echo present || echo absent)"
systemctl add-requires cgroup-guardd.service systemd-journald.service > /dev/null 2>&1
check "systemctl add-requires cgroup-guardd (a dependency, masked, keeps it from starting): none added" absent \
        "$(ls /etc/systemd/system/cgroup-guardd.service.requires/systemd-journald.service > /dev/null 2>&1 && echo present || echo absent)"
systemctl set-property cgroup-guardd.service MemoryMax=1G > /dev/null 2>&1
check "systemctl set-property cgroup-guardd (system.control made anew): no drop-in" absent \
        "$(ls /etc/systemd/system.control/cgroup-guardd.service.d/* > /dev/null 2>&1 && echo present || echo absent)"
systemctl set-property --runtime cgroup-guardd.service CPUWeight=50 > /dev/null 2>&1
check "systemctl set-property --runtime cgroup-guardd: no drop-in" absent \
        "$(ls /run/systemd/system.control/cgroup-guardd.service.d/* > /dev/null 2>&1 && echo present || echo absent)"
check "... nor a confined root's there" EPERM \
        "$(unit_write /run/systemd/system.control/cgroup-guardd.service.d/60-off.conf /tmp/dropin.conf)"
# Another unit's (a name too long for the kernel to reserve): PID 1 makes its drop-in directory;
# a confined root adds nothing there.
systemctl set-property --runtime systemd-ask-password-wall.service CPUWeight=50 > /dev/null 2>&1
check "systemctl set-property --runtime of another unit: PID 1 makes its drop-in" present \
        "$(ls /run/systemd/system.control/systemd-ask-password-wall.service.d/* > /dev/null 2>&1 && echo present || echo absent)"
check "... and a confined root cannot add one beside it" EPERM \
        "$(unit_write /run/systemd/system.control/systemd-ask-password-wall.service.d/60-x.conf /tmp/dropin.conf)"
systemctl daemon-reload
systemctl restart cgroup-guardd > /tmp/restart.log 2>&1
wait_for 60 sh -c '[ "$(systemctl is-active cgroup-guardd)" = active ]'
check "after a daemon-reload and a restart of the guard, nothing of the confined root's ran in its cgroup" "" \
        "$(cat /run/cgvm-unit-ran 2> /dev/null)"
check_true "... still enforcing" enforcing ||
        diag "the guard's unit: $(systemctl cat cgroup-guardd 2>&1 | grep -v '^#' | tr '\n' ' ')"
unconfined "rm -rf /etc/systemd/system/cgroup-guardd.service.d/50-off.conf /run/systemd/system/cgroup-guardd.service.d \
        /etc/systemd/system.control /run/systemd/system.control /usr/lib/systemd/system/cgroup-guardd.service.d \
        /etc/systemd/system/service.d /run/systemd/system/cgroup-.service.d /etc/systemd/system/cgroup-guardd.service \
        /run/systemd/system/cgroup-guardd.service /run/systemd/transient/cgroup-guardd.service /run/systemd/system/cgvm-alias.service \
        /etc/systemd/system/cgvm-alias.service.d /etc/systemd/system/libvirtd.service /etc/systemd/system-generators/cgvm-gen \
        /run/systemd/system-environment-generators /etc/systemd/system/cgroup-guardd.service.requires \
        /run/systemd/system.conf.d /etc/systemd/system.conf.d/50-off.conf" > /dev/null 2>&1
grep -q cgvm-units /etc/systemd/system.conf && unconfined "sed -i /cgvm-units/d /etc/systemd/system.conf"
[ -e /usr/lib/systemd/system/user@.service.d/50-cgroup-guard-env.conf ] ||
        unconfined cp /usr/lib/systemd/system/getty@.service.d/50-cgroup-guard-env.conf /usr/lib/systemd/system/user@.service.d/
systemctl unmask cgroup-guardd.service > /dev/null 2>&1
systemctl enable cgroup-guardd.service > /dev/null 2>&1
if [ -e /run/cgvm-unit-ran ] || ! enforcing; then
        systemctl daemon-reload
        systemctl restart cgroup-guardd
        wait_for 60 enforcing
fi

# The generators' output (/run/systemd/generator, .early, .late): PID 1 removes the directories
# at each daemon-reload, makes them anew, runs the generators and then reads the units there. A
# confined root that kept writing /run/systemd/generator/getty@cgvm.service while a reload ran
# (any root may ask for one) had PID 1 load its unit under a name the shipped policy lets PID 1
# move into a login session (an instance's file comes before the template's in /usr/lib). The
# generators still write there (their output after each reload).
generated=$(ls /run/systemd/generator | tr '\n' ' ')
printf '[Service]\nType=oneshot\nExecStart=/bin/su - root -c "cat /proc/self/cgroup"\nStandardOutput=file:/run/cgvm-login-gen\n' > /tmp/gen-ssh.service
for d in generator generator.early generator.late; do
        check "a confined root cannot write a unit file in /run/systemd/$d" EPERM "$(unit_write /run/systemd/$d/ssh.service /tmp/gen-ssh.service)"
done
rm -f /run/cgvm-login-gen /tmp/gen-stop
( while [ ! -e /tmp/gen-stop ]; do
        [ -e /run/systemd/generator/getty@cgvm.service ] || cp /tmp/gen-ssh.service /run/systemd/generator/getty@cgvm.service 2> /dev/null
  done ) &
writer=$!
systemctl daemon-reload
touch /tmp/gen-stop
wait $writer
check "... nor while a daemon-reload makes the directory anew: PID 1 loads no getty@cgvm.service from there" "" \
        "$(systemctl show -P FragmentPath getty@cgvm.service | grep /run/systemd/generator)"
timeout 120 systemctl start getty@cgvm.service > /tmp/gen.err 2>&1
check_true "... and su in getty@cgvm.service gets no login session" sh -c '! grep -q "^0::/user.slice/" /run/cgvm-login-gen 2> /dev/null' ||
        diag "su ran in $(cat /run/cgvm-login-gen 2> /dev/null) $(cat /tmp/gen.err)"
timeout 60 systemctl stop getty@cgvm.service > /dev/null 2>&1
unconfined "rm -f /run/systemd/generator*/ssh.service /run/systemd/generator*/getty@cgvm.service" > /dev/null
check "the generators' output after the daemon-reload (PID 1 made the directories, its generators wrote there)" "$generated" \
        "$(ls /run/systemd/generator 2>&1 | tr '\n' ' ')" ||
        diag "$(journalctl -b --no-pager | grep -i "generator" | tail -4)"
sub=/run/systemd/generator/$(ls /run/systemd/generator | head -1)
check "... a confined root writes nothing in the directory made anew, nor in a generator's ($sub)" "EPERM EPERM" \
        "$(unit_write /run/systemd/generator/ssh.service /tmp/gen-ssh.service) $( (ln -s /tmp/gen-ssh.service $sub/ssh.service) 2> /dev/null && echo ok || echo EPERM)"
unconfined "rm -f /run/systemd/generator/ssh.service $sub/ssh.service" > /dev/null

# What PID 1's child makes every unit's namespace of (systemd's namespace.c), the guard's at its
# next start included (review 26): systemd's names in /run/systemd, and the places a unit's
# sandbox mounts on. Removed or of another type, the start failed (226/NAMESPACE); made symlinks,
# they led its mounts elsewhere (/run/systemd/incoming -> a library directory had the unit's
# propagation directory bound over it). Only the places' names are guarded (review 27): a
# confined root still mounts and unmounts there (mount units, snap-confine's binds of /dev),
# writes /dev/null and touches /tmp.
attempt() { (eval "$1") 2> /dev/null && echo ok || echo EPERM; }
check "a confined root cannot move /run/systemd/incoming away" EPERM \
        "$(attempt 'mv /run/systemd/incoming /run/systemd/incoming.cgvm')"
check "... nor remove /run/systemd/unit-root (and make a file of it)" EPERM \
        "$(attempt 'rmdir /run/systemd/unit-root && : > /run/systemd/unit-root')"
check "... nor make /run/systemd/mount-rootfs (systemd 257's) a symlink" EPERM \
        "$(attempt 'ln -s /usr/lib /run/systemd/mount-rootfs')"
check "... nor remove /run/systemd/inaccessible/dir (ProtectHome=)" EPERM "$(attempt 'rmdir /run/systemd/inaccessible/dir')"
check "... nor move /run/systemd/inaccessible/chr away" EPERM \
        "$(attempt 'mv /run/systemd/inaccessible/chr /run/systemd/inaccessible/chr.cgvm')"
check "... nor replace the guard's propagation directory with a file" EPERM \
        "$(attempt 'rmdir /run/systemd/propagate/cgroup-guardd.service && : > /run/systemd/propagate/cgroup-guardd.service')"
check "... nor move the journal's stdout socket away" EPERM \
        "$(attempt 'mv /run/systemd/journal/stdout /run/systemd/journal/stdout.cgvm')"
check "... nor move /root away (for a symlink to /sys/fs/bpf)" EPERM "$(attempt 'mv /root /root.cgvm')"
check "... nor /var/tmp" EPERM "$(attempt 'mv /var/tmp /var/tmp.cgvm')"
check "... nor /dev/full" EPERM "$(attempt 'mv /dev/full /dev/full.cgvm')"
if [ -e /var/lib/prometheus ]; then
        check "... nor move node-exporter's directory away (ReadWritePaths=)" EPERM \
                "$(attempt 'mv /var/lib/prometheus /var/lib/prometheus.cgvm')"
else
        check "... nor make /var/lib/prometheus (node-exporter's, ReadWritePaths=) a dangling symlink" EPERM \
                "$(attempt 'ln -s /etc/hostname/x /var/lib/prometheus')"
fi
# chattr (FS_IOC_SETFLAGS, no other hook): +i on /run/systemd/propagate kept PID 1's child from
# making the guard's propagation directory; on /var/tmp, from making PrivateTmp='s.
chattr_err() { (eval "$1") 2>&1 > /dev/null | grep -o "Operation not permitted\|Operation not supported\|Inappropriate ioctl" | head -n 1; }
own=$(chattr_err 'touch /run/cgvm-own && chattr +i /run/cgvm-own && chattr -i /run/cgvm-own')
rm -f /run/cgvm-own
check "a confined root may chattr +i a file of its own in /run (tmpfs)" "" "$own"
check "... not /run/systemd/propagate" "Operation not permitted" "$(chattr_err 'chattr +i /run/systemd/propagate')"
mkdir -p /run/cgvm-dev
check "a confined root may mount on /tmp in PID 1's namespace (a mount unit's tmpfs) and unmount it" ok \
        "$(attempt 'mount -t tmpfs cgvm /tmp && umount /tmp')"
check "... and bind /dev elsewhere and unmount it (snap-confine's hostfs)" ok \
        "$(attempt 'mount --bind /dev /run/cgvm-dev && umount /run/cgvm-dev')"
check "... mount on /tmp in a namespace of its own" ok \
        "$(attempt "unshare -m --propagation private sh -c 'mount -t tmpfs cgvm /tmp'")"
check "... write /dev/null" ok "$(attempt 'echo x > /dev/null')"
check "... touch /tmp and /dev/null" ok "$(attempt 'touch /tmp /dev/null')"
check "... make and remove a file in /tmp" "" "$( (: > /tmp/cgvm-f && rm /tmp/cgvm-f) 2>&1)" ||
        diag "$(ls -ld /tmp /tmp/cgvm-f 2>&1; journalctl -o cat -u cgroup-guardd | grep 'Refused tamper' | tail -n 2)"
# A guarded file an admin removes frees its inode number, which ext4 gives to the next file made
# in its block group (the lowest free one, at once where there is a journal): the key outlived
# the file until the daemon's next round, and a confined root's new file there was taken for the
# guarded one (the check above failed now and then so, after the unit files removed earlier).
check "/etc/nsswitch.conf is guarded (a confined root cannot touch it)" EPERM "$(attempt 'touch /etc/nsswitch.conf')"
check "... a new file of a confined root's in /etc is its own" ok "$(attempt ': > /etc/cgvm-reuse-0 && echo x > /etc/cgvm-reuse-0')"
ns_ino=$(stat -c %i /etc/nsswitch.conf)
unconfined "cp -p /etc/nsswitch.conf /run/cgvm-nsswitch && rm /etc/nsswitch.conf"
reused= i=0
while [ $i -lt 400 ] && [ -z "$reused" ]; do
        i=$((i + 1))
        (: > /etc/cgvm-reuse-$i) 2> /dev/null
        [ "$(stat -c %i /etc/cgvm-reuse-$i 2> /dev/null)" = "$ns_ino" ] && reused=/etc/cgvm-reuse-$i
done
check "a confined root's new file in /etc with the removed /etc/nsswitch.conf's inode number is its own to write" ok \
        "$([ -n "$reused" ] && (echo x > $reused) 2> /dev/null && echo ok || echo "EPERM (${reused:-none of $i new files got inode $ns_ino})")"
unconfined "mv /run/cgvm-nsswitch /etc/nsswitch.conf"
unconfined "rm -f /etc/cgvm-reuse-*"
systemctl restart cgroup-guardd > /tmp/restart.log 2>&1
check_true "the guard restarts" wait_for 60 sh -c '[ "$(systemctl is-active cgroup-guardd)" = active ]' ||
        diag "restart: $(systemctl show -P ExecMainStatus cgroup-guardd) $(journalctl -u cgroup-guardd --no-pager | tail -3)"
# After attacks that worked (the tree before the fix).
umount /run/cgvm-dev 2> /dev/null
unconfined "[ -f /run/systemd/unit-root ] && rm /run/systemd/unit-root && mkdir -m 0700 /run/systemd/unit-root;
        [ -L /run/systemd/mount-rootfs ] && rm /run/systemd/mount-rootfs;
        [ -L /var/lib/prometheus ] && rm /var/lib/prometheus;
        [ -f /run/systemd/propagate/cgroup-guardd.service ] && rm /run/systemd/propagate/cgroup-guardd.service;
        for f in /run/systemd/incoming /run/systemd/inaccessible/chr /run/systemd/journal/stdout /root /var/tmp /dev/full /var/lib/prometheus; do
                [ -e \$f.cgvm ] && mv -T \$f.cgvm \$f; done; [ -d /run/systemd/inaccessible/dir ] || mkdir -m 0 /run/systemd/inaccessible/dir;
        chattr -i /run/systemd/propagate; true" > /dev/null 2>&1
enforcing || { systemctl restart cgroup-guardd; wait_for 300 enforcing; }

# With the base policy alone (10-system.json), as an admin adopts it first: root's user manager,
# which any root that reaches PID 1 may start (systemctl start user@0.service), runs whatever
# root asks of it (systemd-run --user); its units were outside every confined cgroup (a root
# there may move anywhere, change the kernel's usermode helpers, switch the guard off by its
# files). The base confines /user.slice.
gen=$(busctl get-property $BUS PolicyGeneration | awk '{ print $2 }')
unconfined "find /etc/cgroup-guard/policies.d -name '*.json' ! -name 10-system.json -delete" || diag "policies not removed"
systemctl reload cgroup-guardd
check_true "the base policy alone is in force" \
        wait_for 60 sh -c "[ \"\$(busctl get-property $BUS PolicyGeneration | awk '{ print \$2 }')\" != $gen ]"
# logind stops root's user manager a while after its last session ended (UserStopDelaySec=, the
# su sessions above): a start inside that while is undone a second later (CI's loaded machine:
# "Failed to connect to bus"). Started again until it stays, its bus there.
for _ in 1 2 3 4 5 6 7 8 9 10; do
        systemctl start user@0.service
        sleep 2
        [ -S /run/user/0/bus ] && systemctl -q is-active user@0.service && break
done
rm -f /run/cgvm-user-cg
mkdir -p $CG/cgvm-free # outside every confined cgroup ($$$$: PID 1 makes "$$" of an ExecStart's "$$$$")
XDG_RUNTIME_DIR=/run/user/0 systemd-run --user --unit=cgvm-user-escape --collect --quiet \
        sh -c '/bin/echo $$$$ > /sys/fs/cgroup/cgvm-free/cgroup.procs 2> /run/cgvm-user-err; cat /proc/self/cgroup > /run/cgvm-user-cg' \
        > /tmp/user-escape.err 2>&1
wait_for 30 test -s /run/cgvm-user-cg
user_denied() {
        journalctl -o json MESSAGE_ID=$DENIAL | grep '"CGROUP_GUARD_SRC_CGROUP":"/user.slice/user-0.slice/user@0.service/' |
                grep -q '"CGROUP_GUARD_RULE":"login-sessions"'
}
check_all "a unit of root's user manager, asked for from a protected service, cannot move out of /user.slice" \
        'grep -q "^0::/user.slice/user-0.slice/user@0.service/" /run/cgvm-user-cg' \
        'wait_for 10 user_denied' ||
        diag "the user unit: $(cat /run/cgvm-user-cg /run/cgvm-user-err 2> /dev/null) $(cat /tmp/user-escape.err)
$(systemctl is-active user@0.service) $(ls /run/user/0 2>&1 | tr '\n' ' ')
$(journalctl -u user@0.service --no-pager -n 12 2>&1)
$(journalctl -u cgroup-guardd --no-pager 2>&1 | grep 'Refused' | tail -n 4)"
echo "# the user unit's move: $(cat /run/cgvm-user-err 2> /dev/null)"
systemctl stop user@0.service
rmdir $CG/cgvm-free 2> /dev/null
unconfined "cp /usr/share/cgroup-guard/policies/*.json /etc/cgroup-guard/policies.d/" || diag "policies not written back"

# PID 1 opens what a socket unit names for whoever reaches its API: with ListenSpecial= and
# Writable=yes on securityfs's lockdown, the service it starts gets a write fd, and the level
# raised stays until a reboot (the guard's next fresh load takes its lockdown variants; a review
# found it). Last: where it gets through, nothing lowers it again.
before=$(cat /sys/kernel/security/lockdown)
systemd-run --unit=cgvm-lockdown --quiet --socket-property=ListenSpecial=/sys/kernel/security/lockdown \
        --socket-property=Writable=yes sh -c 'echo integrity >&3; sleep 1000' > /tmp/lockdown.out 2>&1
# Settled once the level moved, or the socket unit failed (PID 1's open refused), or its service
# ran (a TCG guest takes seconds to activate it).
lockdown_settled() {
        [ "$(cat /sys/kernel/security/lockdown)" != "$before" ] || [ "$(systemctl is-active cgvm-lockdown.socket)" = failed ] ||
                [ "$(systemctl is-active cgvm-lockdown.service)" = active ]
}
wait_for 60 lockdown_settled
sleep 1
check "a confined root's socket unit cannot raise the lockdown level through PID 1" "$before" \
        "$(cat /sys/kernel/security/lockdown)" ||
        diag "systemd-run: $(cat /tmp/lockdown.out) $(systemctl is-active cgvm-lockdown.socket cgvm-lockdown.service)"
check_true "... a tamper event naming PID 1" wait_for 30 sh -c \
        'journalctl -u cgroup-guardd --no-pager | grep -q "Refused tamper attempt: raising the kernel.s lockdown level.* by pid 1 "'
systemctl stop cgvm-lockdown.socket cgvm-lockdown.service > /dev/null 2>&1
# The same with /sys/power/resume: a swap device named there is resumed from at once, an image
# of the caller's (a review found PID 1 open it for a confined root's socket unit). Refused to PID 1
# as to confined tasks; the service never gets a descriptor.
if [ -e /sys/power/resume ]; then
        systemd-run --unit=cgvm-resume --quiet --socket-property=ListenSpecial=/sys/power/resume \
                --socket-property=Writable=yes sh -c 'sleep 1000' > /tmp/resume.out 2>&1
        resume_settled() { case $(systemctl is-active cgvm-resume.socket) in failed | active) return 0 ;; esac; return 1; }
        wait_for 60 resume_settled
        check "... nor have PID 1 open /sys/power/resume for writing" failed "$(systemctl is-active cgvm-resume.socket)" ||
                diag "systemd-run: $(cat /tmp/resume.out)"
        check_true "... a tamper event naming PID 1" wait_for 30 sh -c \
                'journalctl -u cgroup-guardd --no-pager | grep -q "Refused tamper attempt: loading a kernel to boot into.* by pid 1 "'
        systemctl stop cgvm-resume.socket cgvm-resume.service > /dev/null 2>&1
        systemctl reset-failed cgvm-resume.socket > /dev/null 2>&1
else
        ok "no /sys/power/resume in this kernel (no hibernation)"
fi

# PID 1 moves whatever process a root names: the guard's own into a scope of the asker's
# (StartTransientUnit with its pid; the base lets PID 1 move tasks into /system.slice). A SIGHUP
# from there was the unit's, and the reload made that scope the default admin cgroup: the asker's
# off-switches then worked (a review found it). Moves out of the guard's cgroup are the guard's.
cgroup_of() { sed -n 's/^0:://p' /proc/$1/cgroup 2> /dev/null; }
guardd=$(systemctl show -P MainPID cgroup-guardd)
guard_cg=$(cgroup_of "$guardd")
busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartTransientUnit \
        'ssa(sv)a(sa(sv))' cgvm-steal.scope fail 1 PIDs au 1 "$guardd" 0 > /tmp/steal.out 2>&1
sleep 2
check "StartTransientUnit with the guard's pid: the guard stays in its unit's cgroup ($guard_cg)" "$guard_cg" \
        "$(cgroup_of "$guardd")" || diag "$(cat /tmp/steal.out)"
check_true "... a tamper event: moving a process out of cgroup-guardd's cgroup" \
        sh -c 'journalctl -u cgroup-guardd --no-pager | grep -q "Refused tamper attempt: moving a process out of cgroup-guardd"'
systemctl stop cgvm-steal.scope > /dev/null 2>&1
enforcing

# PID 1 binds a transient socket unit's path for whoever asks, unlinking what is there: at
# journald's socket, the daemon, which sent each entry by path, sent its denials to the asker (a
# review found it). It stays connected to journald's socket. Last: journald's path is gone then.
denials() { journalctl -o json MESSAGE_ID=$DENIAL | grep -c '"CGROUP_GUARD_DST_CGROUP":"/t/out"'; }
before=$(denials)
systemd-run --unit=cgvm-fakejournal --quiet --socket-property=ListenDatagram=/run/systemd/journal/socket \
        sh -c 'cat <&3 > /run/cgvm-fake-journal' > /tmp/fakejournal.out 2>&1
wait_for 60 sh -c '[ "$(systemctl is-active cgvm-fakejournal.socket)" = active ]'
check_true "a confined root's socket unit took journald's socket path (PID 1 binds it)" \
        sh -c '[ "$(systemctl is-active cgvm-fakejournal.socket)" = active ]' || diag "$(cat /tmp/fakejournal.out)"
enforcing
new_denial() { [ "$(denials)" -gt "$before" ]; }
check_true "... the guard's next denial still reaches journald" wait_for 60 new_denial ||
        diag "denials into /t/out: $before before, $(denials) now; the fake socket got $(wc -c < /run/cgvm-fake-journal 2>/dev/null) bytes"
systemctl stop cgvm-fakejournal.socket cgvm-fakejournal.service > /dev/null 2>&1

# PID 1 removes a unit's RuntimeDirectory= at its stop, for whoever asked for the unit: one named
# systemd/inaccessible took the nodes ProtectHome= binds from, and every sandboxed start failed
# until PID 1's next re-exec (review 28). Those are refused to PID 1 too.
systemd-run --unit=cgvm-inacc --wait --collect --quiet -p RuntimeDirectory=systemd/inaccessible true > /dev/null 2>&1
check "a unit with RuntimeDirectory=systemd/inaccessible, asked for from a protected service: the nodes stay" \
        "dir reg chr" "$(for n in dir reg chr; do [ -e /run/systemd/inaccessible/$n ] && printf '%s ' $n; done | sed 's/ $//')"
[ -e /run/systemd/inaccessible/dir ] || { systemctl daemon-reexec; sleep 2; }
# ... and unlinks its PIDFile= when it stops (review 29): a policy file (the next reload dropped
# its rules). A unit that made none (Type=forking with /bin/true) names it.
# The guard's binary, a library it maps and a symlink on the way to one (the soname link its loader
# opened) too: unlinked, the guard's next start failed (review 29's open item).
pf=$(ls /etc/cgroup-guard/policies.d/*.json | head -n 1)
lib=$(readlink -f /lib/x86_64-linux-gnu/libjson-c.so.5)
k=0
# So is a drop-in this package installs for a unit the policies trust (the loader's environment
# unset there: systemctl set-environment LD_PRELOAD= reached getty again; review 30).
dropin=/usr/lib/systemd/system/getty@.service.d/50-cgroup-guard-env.conf
[ -e $dropin ] || diag "no $dropin"
for f in "$pf" /usr/sbin/cgroup-guardd "$lib" /lib/x86_64-linux-gnu/libjson-c.so.5 $dropin; do
        k=$((k + 1))
        cp -a "$f" /var/tmp/cgvm-pf.$k 2> /dev/null
        systemd-run --unit=cgvm-pidfile-$k --wait --collect --quiet -p Type=forking -p PIDFile="$f" -p TimeoutStartSec=5 \
                /bin/true > /dev/null 2>&1
        check "a unit whose PIDFile= is $f, asked for from a protected service: it stays" yes \
                "$( { [ -e "$f" ] || [ -L "$f" ]; } && echo yes)"
        [ -e "$f" ] || [ -L "$f" ] || unconfined "cp -a /var/tmp/cgvm-pf.$k $f" > /dev/null
        rm -f /var/tmp/cgvm-pf.$k
done

# A socket unit has PID 1 itself link its Symlinks= (making the directories on the way), and
# unlink them at its stop with RemoveOnStop=yes, for whoever asked (review 30): at a missing
# helper's name, the kernel ran a confined root's script as root in the root cgroup; in a missing
# generator directory, PID 1 ran it at the next daemon-reload; /etc/systemd/system.conf removed
# and linked to a file of the confined root's; /run/systemd/incoming (removed by PID 1 as a
# unit's RuntimeDirectory=) a symlink, which systemd follows to bind the guard's propagation
# directory over what it names.
mkdir -p /var/tmp/cgvm-sock
echo '#!/bin/sh' > /var/tmp/cgvm-sock/script
sock_unit() { # NAME SOCKET-PROPERTY...: a socket unit with these, started and stopped
        _n=$1; shift
        _props=""
        for _p in "$@"; do _props="$_props --socket-property=$_p"; done
        # shellcheck disable=SC2086
        systemd-run --unit=cgvm-sock-$_n --quiet --socket-property=ListenStream=/var/tmp/cgvm-sock/$_n $_props \
                /bin/true > /dev/null 2>&1
        sleep 1
        systemctl stop cgvm-sock-$_n.socket > /dev/null 2>&1
}
sock_unit rk Symlinks=/sbin/request-key
check "a socket unit's Symlinks=/sbin/request-key (keyutils not installed), asked for from a protected service: no link" \
        none "$( { [ -L /sbin/request-key ] || [ -e /sbin/request-key ]; } && echo "$(ls -l /sbin/request-key)" || echo none)"
unconfined "[ -L /sbin/request-key ] && rm -f /sbin/request-key" > /dev/null
gen_missing=$([ -e /run/systemd/system-generators ] || echo yes)
sock_unit gen Symlinks=/run/systemd/system-generators/cgvm-g
[ "$gen_missing" = yes ] && check "... Symlinks= in the missing /run/systemd/system-generators: not made" none \
        "$([ -e /run/systemd/system-generators ] && echo "$(ls -la /run/systemd/system-generators)" || echo none)"
unconfined "rm -rf /run/systemd/system-generators" > /dev/null
# ... nor in the generators' output, where PID 1 reads units at the next rebuild of its unit-name
# map (any unit directory's mtime changed: systemctl mask --runtime; a review found it). Nor at
# the missing generator.early's name (its directory first in the unit search path).
sock_unit genout Symlinks=/run/systemd/generator/getty@cgvm.service Symlinks=/run/systemd/generator/getty@.service.d/x.conf
sock_unit genearly Symlinks=/run/systemd/generator.early
check "... Symlinks= into /run/systemd/generator, and at the missing generator.early: none made" "none none none" \
        "$(for f in /run/systemd/generator/getty@cgvm.service /run/systemd/generator/getty@.service.d /run/systemd/generator.early; do
                { [ -L $f ] || [ -e $f ]; } && echo "$(ls -ld $f)" || echo none; done | tr '\n' ' ' | sed 's/ $//')"
unconfined "rm -rf /run/systemd/generator/getty@cgvm.service /run/systemd/generator/getty@.service.d; [ -L /run/systemd/generator.early ] && rm -f /run/systemd/generator.early" > /dev/null
# ... nor a SysV script, which systemd-sysv-generator makes a unit of at the next daemon-reload
# (a service the policies trust by name where it has no unit file: ssh, gdm).
check "a confined root cannot add a SysV script (/etc/init.d/ssh) nor a runlevel link" "EPERM EPERM" \
        "$( (: > /etc/init.d/ssh) 2> /dev/null && echo ok || echo EPERM) $(ln -s ../init.d/ssh /etc/rc2.d/S01ssh 2> /dev/null && echo ok || echo EPERM)"
unconfined "rm -f /etc/init.d/ssh /etc/rc2.d/S01ssh" > /dev/null
cp -a /etc/systemd/system.conf /var/tmp/cgvm-system.conf
sock_unit conf Symlinks=/etc/systemd/system.conf RemoveOnStop=yes
check "... Symlinks=/etc/systemd/system.conf with RemoveOnStop=yes: it stays" file \
        "$([ -f /etc/systemd/system.conf ] && [ ! -L /etc/systemd/system.conf ] && echo file || ls -l /etc/systemd/system.conf 2>&1)"
[ -f /etc/systemd/system.conf ] && [ ! -L /etc/systemd/system.conf ] ||
        unconfined "rm -f /etc/systemd/system.conf; cp -a /var/tmp/cgvm-system.conf /etc/systemd/system.conf" > /dev/null
systemd-run --unit=cgvm-incoming --wait --collect --quiet -p RuntimeDirectory=systemd/incoming true > /dev/null 2>&1
sock_unit inc Symlinks=/run/systemd/incoming
check "... Symlinks=/run/systemd/incoming after a unit with RuntimeDirectory=systemd/incoming: no link" none \
        "$([ -L /run/systemd/incoming ] && echo "$(ls -l /run/systemd/incoming)" || echo none)"
unconfined "[ -L /run/systemd/incoming ] && rm -f /run/systemd/incoming" > /dev/null
# ... nor where a drop-in of this package's name takes the vendor's place (review 31).
sock_unit env Symlinks=/run/systemd/system/getty@.service.d/50-cgroup-guard-env.conf
check "... Symlinks= at this package's drop-in's name for getty@.service in /run/systemd/system: no link" none \
        "$([ -L /run/systemd/system/getty@.service.d/50-cgroup-guard-env.conf ] && echo linked || echo none)"
unconfined "rm -rf /run/systemd/system/getty@.service.d" > /dev/null
rm -rf /var/tmp/cgvm-sock /var/tmp/cgvm-system.conf
# PID 1's unit-file API acts for whoever reaches it (review 33): a socket unit's Symlinks= into a
# trusted unit's drop-in directory linked the unit's socket there; ListenFIFO= made a FIFO there,
# which PID 1 reads as a drop-in at its next load (what the asker writes into it); ListenStream= at
# a unit's file unlinked it and bound a socket there; systemctl link put a confined root's unit
# file in the search path; a FIFO two directories deep (an alias of any unit, linked to it by a
# socket's Symlinks=: review 34). systemctl enable, disable, mask, unmask and
# set-property still work from here: what PID 1 writes there is its own.
mkdir -p /var/tmp/cgvm-sock
gd=/etc/systemd/system/getty@.service.d
sock_unit dropin Symlinks=$gd/cgvm-link.conf
check "a socket unit's Symlinks= into getty@.service's drop-in directory, asked for from a protected service: no link" none \
        "$([ -L $gd/cgvm-link.conf ] && echo "$(ls -l $gd/cgvm-link.conf)" || echo none)"
sock_unit fifo ListenFIFO=$gd/cgvm-fifo.conf
check "... ListenFIFO= there: no FIFO" none "$([ -p $gd/cgvm-fifo.conf ] && echo fifo || echo none)"
unconfined "rm -rf $gd" > /dev/null
sock_unit deep ListenFIFO=/etc/systemd/system/cgvm-zz/y/ssh.service
check "... ListenFIFO= two directories below /etc/systemd/system: not made" none \
        "$([ -e /etc/systemd/system/cgvm-zz ] && echo "$(find /etc/systemd/system/cgvm-zz)" || echo none)"
unconfined "rm -rf /etc/systemd/system/cgvm-zz" > /dev/null
tu=/etc/systemd/system/cgvm-trusted.service
# (unconfined() sends one line through echo, which would make lines of the \n: a file to copy)
printf '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n' > /var/tmp/cgvm-trusted.bak
unconfined "cp /var/tmp/cgvm-trusted.bak $tu" > /dev/null
sum=$(md5sum < $tu)
# (ListenSpecial= with Writable=yes on it: PID 1 opens it read-write, then fails to watch a regular
# file with epoll, closes it and starts nothing; refused all the same.)
systemd-run --unit=cgvm-stream --quiet --socket-property=ListenStream=$tu /bin/true > /dev/null 2>&1
sleep 1
systemctl stop cgvm-stream.socket > /dev/null 2>&1
check "... ListenStream= at a unit's file: the file is as it was" "$sum" "$(md5sum < $tu 2>&1)"
unconfined "rm -f $tu; cp /var/tmp/cgvm-trusted.bak $tu" > /dev/null
mkdir -p /var/tmp/cgvm-link
printf '[Service]\nExecStart=/bin/true\n' > /var/tmp/cgvm-link/cgvm-linked.service
systemctl link /var/tmp/cgvm-link/cgvm-linked.service > /tmp/link.out 2>&1
check "... systemctl link of a confined root's unit file: not linked" none \
        "$([ -L /etc/systemd/system/cgvm-linked.service ] && echo linked || echo none)" || diag "$(cat /tmp/link.out)"
unconfined "rm -f /etc/systemd/system/cgvm-linked.service" > /dev/null
systemctl daemon-reload
wants=/etc/systemd/system/multi-user.target.wants/cgvm-trusted.service
check "... systemctl enable and disable of an admin's unit still work" "enabled disabled" \
        "$(systemctl enable cgvm-trusted.service > /dev/null 2>&1; [ -L $wants ] && printf 'enabled '
           systemctl disable cgvm-trusted.service > /dev/null 2>&1; [ -e $wants ] || [ -L $wants ] || echo disabled)"
check "... and so do mask and unmask" "masked unmasked" \
        "$(systemctl mask cgvm-masked.service > /dev/null 2>&1; [ "$(readlink /etc/systemd/system/cgvm-masked.service)" = /dev/null ] && printf 'masked '
           systemctl unmask cgvm-masked.service > /dev/null 2>&1; [ -L /etc/systemd/system/cgvm-masked.service ] || echo unmasked)"
check "... and set-property" "50 gone" \
        "$(systemctl set-property cgvm-trusted.service CPUWeight=50 > /dev/null 2>&1; systemctl show -P CPUWeight cgvm-trusted.service | tr '\n' ' '
           systemctl revert cgvm-trusted.service > /dev/null 2>&1; [ -e /etc/systemd/system.control/cgvm-trusted.service.d/50-CPUWeight.conf ] || echo gone)"
systemctl revert cgvm-trusted.service > /dev/null 2>&1
# ... and set-property writes Description= as it is given, newlines and all, into PID 1's own
# drop-in: for a getty, a unit the policies trust by name, it made none.
systemctl set-property --runtime getty@tty5.service "$(printf 'Description=x\n[Service]\nExecStartPre=/bin/true')" \
        > /tmp/setprop.out 2>&1
check "... set-property --runtime of getty@tty5.service (Description= with lines of its own): no drop-in" none \
        "$([ -e /run/systemd/system.control/getty@tty5.service.d ] && echo "$(ls /run/systemd/system.control/getty@tty5.service.d)" || echo none)" ||
        diag "$(cat /tmp/setprop.out)"
unconfined "rm -rf /run/systemd/system.control/getty@tty5.service.d" > /dev/null
# ... nor for a transient unit named by a dashed prefix of a trusted one (its drop-ins are
# serial-getty@ttyS0's too: review 34).
systemd-run --unit=serial-@ttyS0.service --quiet -p RemainAfterExit=yes /bin/true > /dev/null 2>&1
systemctl set-property serial-@ttyS0.service "$(printf 'Description=x\n[Service]\nExecStartPre=/bin/true')" > /dev/null 2>&1
check "... a transient serial-@ttyS0.service and its set-property: no drop-in for serial-getty@ttyS0" none \
        "$(ls -d /run/systemd/transient/serial-@ttyS0.service.d /run/systemd/system.control/serial-@ttyS0.service.d \
                /etc/systemd/system.control/serial-@ttyS0.service.d 2> /dev/null || echo none)"
systemctl stop serial-@ttyS0.service > /dev/null 2>&1
unconfined "rm -rf /run/systemd/transient/serial-@ttyS0.service.d /etc/systemd/system.control/serial-@ttyS0.service.d" > /dev/null
# (PID 1's own mount there, an automount's Where=, is refused too; these guests have no autofs.)
unconfined "rm -rf $tu /etc/systemd/system.control/cgvm-trusted.service.d" > /dev/null
rm -f /var/tmp/cgvm-trusted.bak
rm -rf /var/tmp/cgvm-sock /var/tmp/cgvm-link
systemctl daemon-reload
# Last, since nothing here works without it: PIDFile=/dev/null (a place) failed every start with
# PrivateDevices= or StandardInput=null, the guard's among them. Made again through the
# unconfined shell's FIFOs directly (unconfined() itself redirects to /dev/null).
systemd-run --unit=cgvm-pidfile-null --wait --collect --quiet -p Type=forking -p PIDFile=/dev/null -p TimeoutStartSec=5 \
        /bin/true > /dev/null 2>&1
null_state=$([ -c /dev/null ] && echo yes || echo gone)
if [ "$null_state" != yes ]; then
        echo "rm -f /dev/null; mknod -m 666 /dev/null c 1 3" > /tmp/free.cmd
        cat /tmp/free.out > /tmp/free.last
fi
check "a unit whose PIDFile= is /dev/null, asked for from a protected service: it stays" yes "$null_state"

# PID 1 removes a unit's RuntimeDirectory= at its stop: systemd/units, which it makes at its
# next re-exec, or freezes (the missing name was reserved for no one but the admin: review 31),
# and then linked by a socket unit's Symlinks= to a confined root's directory of log settings; a
# unit directory, then linked so: a confined root's directory first in the unit search path
# (review 32). Both are kept from PID 1's removal now, and from its links.
mkdir -p /var/tmp/cgvm-sock /var/tmp/cgvm-dir
for d in units system.control; do
        systemd-run --unit=cgvm-rd --wait --collect --quiet -p RuntimeDirectory=systemd/$d true > /dev/null 2>&1
        sock_unit rd-$d Symlinks=/run/systemd/$d
        check "a unit with RuntimeDirectory=systemd/$d, then a socket unit's Symlinks= there: still PID 1's directory" dir \
                "$( { [ -d /run/systemd/$d ] && [ ! -L /run/systemd/$d ]; } && echo dir || ls -ld /run/systemd/$d 2>&1)"
        unconfined "[ -L /run/systemd/$d ] && rm -f /run/systemd/$d && mkdir -m 0755 /run/systemd/$d" > /dev/null
done
rm -rf /var/tmp/cgvm-sock /var/tmp/cgvm-dir
sleep 3
timeout 60 systemctl daemon-reexec > /dev/null 2>&1
check_true "... a unit with RuntimeDirectory=systemd/units, then daemon-reexec: PID 1 answers, the directory is there" \
        sh -c '[ -n "$(timeout 30 systemctl show -P Version 2> /dev/null)" ] && [ -d /run/systemd/units ]' ||
        diag "$(timeout 10 systemctl is-system-running 2>&1; ls -ld /run/systemd/units 2>&1)"
# ... and a RuntimeDirectory=systemd/unit-root, which PID 1's children make again for every start.
systemd-run --unit=cgvm-unitroot --wait --collect --quiet -p RuntimeDirectory=systemd/unit-root true > /dev/null 2>&1
check "a sandboxed unit starts after a unit with RuntimeDirectory=systemd/unit-root stopped" 0 \
        "$(systemd-run --unit=cgvm-sandboxed --wait --collect --quiet -p PrivateTmp=yes -p ProtectSystem=strict true > /dev/null 2>&1; echo $?)"
systemctl restart cgroup-guardd > /tmp/restart.log 2>&1
check_true "... and after the guard restarted (PID 1 removed and remade its propagation directory)" sh -c \
        'sleep 2; systemd-run --unit=cgvm-sandboxed2 --wait --collect --quiet -p PrivateTmp=yes -p ProtectHome=yes true'

check_true "still enforcing at the end" enforcing ||
        diag "enforcement gone at the end"

kill $victim
journalctl -u cgroup-guardd --no-pager | tail -n 5 | sed 's/^/# /'
echo "$passed passed, $failed failed"
exit $failed
