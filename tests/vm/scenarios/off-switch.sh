# Issue 12 item 9: the off-switches follow the policy's "admin" list. The guard's binary is the
# guard (pins, --unload) only in an admin cgroup: root in an unconfined cgroup the list does not
# name, in the root cgroup (left there, or run there by the kernel as a usermode helper on a
# confined root's behalf: kernel.modprobe for an unknown binary format) is refused, a tamper
# event naming it; the same command from the admin cgroup unloads. (The D-Bus verbs: windows.sh.)
# The admin cgroups hold their boundary: root outside them can neither move a process into one
# (cgroup.procs, clone3) nor attach to a process there; the admin can, explain predicts it.
. /scenarios/lib.sh

ADMIN_CGROUP=$T/admin   # the policy's admin list; lib.sh runs --status and --unload from there
mkdir -p $T/prot $T/other $T/admin
policy 10-off-switch.json <<'JSON'
{ "version": 2, "admin": ["/t/admin"], "migration": { "protect": ["/t/prot"] } }
JSON
GUARDD=$(command -v cgroup-guardd)
PINS=/sys/fs/bpf/cgroup-guard
# A bus for explain (its D-Bus call).
dbus-daemon --config-file=/usr/share/dbus-1/session.conf --address=unix:path=/run/off-switch-bus --fork --nopidfile --print-pid > /tmp/bus.pid
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/off-switch-bus
# A real journald, to which the daemon sends its entries by the socket's path.
mkdir -p /run/systemd/journal
/lib/systemd/systemd-journald > /tmp/journald.log 2>&1 &
journald_pid=$!
i=0; while [ $i -lt 50 ] && [ ! -S /run/systemd/journal/socket ]; do sleep 0.1; i=$((i + 1)); done
# Placed before the guard enforces: afterwards only an admin may join an admin cgroup.
member_start admin $ADMIN_CGROUP
member_start confined $T/prot
# 70 levels below the admin cgroup: past the kernel's walk (GUARD_CGROUP_WALK_MAX, 64).
deep=$T/admin
i=0; while [ $i -lt 70 ]; do deep=$deep/d; i=$((i + 1)); done
mkdir -p $deep
member_start deep $deep
in-cgroup $T/admin sleep 1000 & admin_task=$!
# The admin's usermode helpers, named before the start (which registers them): for module
# autoloads one on a file system of its own (a separate /usr, say), for an orderly poweroff one
# reached through a symlinked directory (as /sbin -> usr/sbin).
UMH=/usr/local/sbin/cg-umh
mkdir -p /usr/local/lib/modprobe.d      # an empty configuration directory, sealed at the start
mkdir -p /usr/local/sbin /usr/local/libexec/cg
mount -t tmpfs -o mode=755 umh /usr/local/sbin
printf '#!/bin/sh\necho ran >> /tmp/umh-real.ran\n' > $UMH
chmod 755 $UMH
echo $UMH > /proc/sys/kernel/modprobe
old_poweroff=$(cat /proc/sys/kernel/poweroff_cmd)
printf '#!/bin/sh\necho poweroff\n' > /usr/local/libexec/cg/cg-poweroff
chmod 755 /usr/local/libexec/cg/cg-poweroff
ln -s usr/local/libexec/cg /umh
echo /umh/cg-poweroff > /proc/sys/kernel/poweroff_cmd
# modprobe's configuration as a distribution ships it (/run/modprobe.d does not exist).
mkdir -p /etc/modprobe.d
echo '# the admin' > /etc/modprobe.d/admin.conf
rm -rf /run/modprobe.d
# PID 1's notify socket as systemd names it to the daemon, which sd_notify() sends to by path:
# none listens here (the daemon's notifications go nowhere), its name is the daemon's all the same.
mkdir -p /run/cg-notify
export NOTIFY_SOCKET=/run/cg-notify/notify
# An extension program loaded by a confined root before the guard arms (nothing refuses then),
# attached after: it keeps the target it was loaded for (a guard program, given its fd) and is
# attached by a command that names nothing else (a review found it). Judged as its load.
rm -f /tmp/ext.go
in-cgroup $T/prot cg-fmodret ext-later /tmp/ext.go > /tmp/ext.out 2>&1 & ext_pid=$!
i=0; while ! grep -q loaded /tmp/ext.out && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
guard_start
touch /tmp/ext.go
wait $ext_pid
check "an extension program a confined root loaded before the guard armed cannot be attached after" \
        "loaded EPERM" "$(cat /tmp/ext.out | tr '\n' ' ' | sed 's/ $//')"
sleep 1000 & victim=$!
check_cmd "enforcing" EPERM cg-move $T/prot $victim

enforcing() { [ "$(cg-move $T/prot $victim)" = EPERM ]; }
# After an attack that worked (the unfixed tree), start again so the next one is judged alone.
rearm() {
        enforcing && return 0
        guard_stop
        guard_start
}

# Root in an unconfined cgroup the admin list does not name.
in-cgroup $T/other "$GUARDD" --unload > /tmp/other.out 2>&1 &
pid=$!
wait $pid
rc=$?
enforcing && [ $rc != 0 ] && ok "--unload from an unconfined cgroup that is no admin cgroup: refused (rc $rc)" ||
        not_ok "--unload from /t/other: rc $rc, $(cg-move $T/prot $victim): $(head -c 200 /tmp/other.out)"
check_true "... a tamper event naming it and its cgroup" wait_log "Refused tamper attempt: .* by pid $pid (.*) in /t/other:"
rearm

# Root left in the root cgroup (the test shell itself).
"$GUARDD" --unload > /tmp/root.out 2>&1 &
pid=$!
wait $pid
rc=$?
check "the test shell runs in the root cgroup" / "$(cgroup_of $$)"
enforcing && [ $rc != 0 ] && ok "--unload from the root cgroup: refused (rc $rc)" ||
        not_ok "--unload from the root cgroup: rc $rc, $(cg-move $T/prot $victim): $(head -c 200 /tmp/root.out)"
check_true "... a tamper event naming it" wait_log "Refused tamper attempt: .* by pid $pid "
rearm

# The kernel as a deputy: a usermode helper runs in the root cgroup. kernel.modprobe, which the
# kernel runs (and waits for) when a file of an unknown binary format is executed, set by a root
# that may write the sysctl; the exec comes from the unconfined non-admin cgroup.
old_modprobe=$(cat /proc/sys/kernel/modprobe)
cat > /tmp/umh-helper <<EOF
#!/bin/sh
echo "\$(sed -n 's/^0:://p' /proc/self/cgroup)" > /tmp/umh.cgroup
$GUARDD --unload > /tmp/umh.out 2>&1
echo \$? > /tmp/umh.rc
EOF
printf '\377\377\377\377unknown format' > /tmp/umh-trigger
chmod 755 /tmp/umh-helper /tmp/umh-trigger
rm -f /tmp/umh.rc /tmp/umh.cgroup
echo /tmp/umh-helper > /proc/sys/kernel/modprobe
in-cgroup $T/other /tmp/umh-trigger 2>/dev/null
echo "$old_modprobe" > /proc/sys/kernel/modprobe
i=0; while [ $i -lt 50 ] && [ ! -s /tmp/umh.rc ]; do sleep 0.1; i=$((i + 1)); done
check "the kernel ran the helper in the root cgroup" / "$(cat /tmp/umh.cgroup 2>&1)"
enforcing && [ "$(cat /tmp/umh.rc 2>&1)" != 0 ] && ok "--unload run by the kernel (usermode helper) in the root cgroup: refused" ||
        not_ok "usermode helper: rc $(cat /tmp/umh.rc 2>&1), $(cg-move $T/prot $victim): $(head -c 200 /tmp/umh.out 2>&1)"
rearm

# The admin cgroups hold their boundary: root outside them may neither join one (and then use
# the off-switches from there) nor attach to a process in one (and drive it to them).
sleep 1000 & mover=$!
check_cmd "root in no admin cgroup cannot move a process into an admin cgroup" EPERM in-cgroup $T/other cg-move $T/admin $mover
check_true "... a tamper event naming it" wait_log "Refused tamper attempt: moving a process into an admin cgroup"
mkdir -p $T/admin/sub
check_cmd "... nor into a cgroup below one" EPERM in-cgroup $T/other cg-move $T/admin/sub $mover
check_cmd "... nor itself, by clone3(CLONE_INTO_CGROUP)" EPERM in-cgroup $T/other cg-clone3 $T/admin
in-cgroup $T/other sh -c "cg-move $T/admin \$\$ > /dev/null; $GUARDD --unload" > /tmp/join.out 2>&1
check "... so it cannot switch the guard off from there" EPERM "$(cg-move $T/prot $victim)"
# A flood of one kind of refused attempt first (pin opens): the kernel's rate limit on tamper
# records kept one bucket for them all, and the attempt below went unreported (a full test run
# showed it); each kind has its own now.
in-cgroup $T/other cg-tamper grab 2 $PINS > /dev/null
check_cmd "root in no admin cgroup cannot attach (ptrace) to a process in an admin cgroup" EPERM \
        in-cgroup $T/other cg-tamper attach $admin_task
check_true "... a tamper event naming it" wait_log "Refused tamper attempt: attaching to a process in an admin cgroup"
# The same from one process: the daemon's journal limit kept one slot per process for every kind
# of tamper attempt, so five refused pin opens kept its ptrace out of the journal (a review).
out=$(in-cgroup $T/other sh -c "echo \$\$; exec cg-tamper seq grab 1 $PINS -- attach $admin_task" 2>&1)
pid=$(echo "$out" | head -n 1)
check "... nor after a flood of another kind, from the same process" EPERM "$(echo "$out" | tail -n 1)"
check_true "... a tamper event naming it and that process" wait_log "attaching to a process in an admin cgroup .* by pid $pid "
# And from another process of the same user while one floods that kind: the kernel's limit kept
# one bucket per user and kind, so the flood kept the other's attempts out (a review found it).
in-cgroup $T/other cg-tamper grab 4 $PINS > /dev/null & flooder=$!
sleep 2
out=$(in-cgroup $T/other sh -c 'echo $$; exec cgroup-guardd --status' 2>&1)
pid=$(echo "$out" | head -n 1)
check_true "... nor does one root's flood keep another root's attempt of that kind out of the journal" \
        wait_log "Refused tamper attempt: .* the guard's .* by pid $pid "
wait $flooder
check_cmd "... nor the root cgroup's shell" EPERM cg-tamper attach $admin_task
out=$(cgroup-guardctl --no-pager explain migration --actor $$ --pid $mover --to /t/admin 2>&1)
contains "explain predicts the refusal" "admin cgroup" "$out"
check_cmd "the admin may attach to a process in its cgroup" ok as_admin cg-tamper attach $admin_task
check_cmd "... and move a process into it" ok as_admin cg-move $T/admin/sub $mover
check "... which is there" /t/admin/sub "$(cgroup_of $mover)"
check_cmd "... and out again" ok as_admin cg-move $T/other $mover
kill $mover $admin_task

# A confined root with the kernel as its deputy: kernel.core_pattern "|program" has the kernel
# run the program at a crash, kernel.modprobe at an unknown binary format, as root in the root
# cgroup, out of the confined cgroup. A confined task may not change them (the value in force may
# be written again: systemd-sysctl does at each start); the admin and unconfined tasks may.
old_core=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
cat > /tmp/core-helper <<'EOF'
#!/bin/sh
sed -n 's/^0:://p' /proc/self/cgroup > /tmp/core.cgroup
EOF
chmod 755 /tmp/core-helper
rm -f /tmp/core.cgroup
confined() { in_member confined "$*" 2>/dev/null | head -n 1; }
check "the confined shell runs in /t/prot" /t/prot "$(cgroup_of $CONFINED_MEMBER)"
# Debian's kernels dump core; our hooks builds have no CONFIG_COREDUMP (and no core_pattern).
if [ -e /proc/sys/kernel/core_pattern ]; then
        check "a confined root cannot point kernel.core_pattern at a program" EPERM \
                "$(confined cg-tamper write /proc/sys/kernel/core_pattern "'|/tmp/core-helper'")"
        check_true "... a tamper event naming it" wait_log "Refused tamper attempt: changing a usermode helper.* 1 by pid"
        confined "sh -c 'kill -SEGV \$\$'"
        i=0; while [ $i -lt 20 ] && [ ! -s /tmp/core.cgroup ]; do sleep 0.1; i=$((i + 1)); done
        check "... so its crash runs no program of its choosing outside its cgroup" "" "$(cat /tmp/core.cgroup 2>/dev/null)"
        check "... the pattern is the one in force" "$old_core" "$(cat /proc/sys/kernel/core_pattern)"
        echo "$old_core" > /proc/sys/kernel/core_pattern
        check "a confined root may write the value in force again (systemd-sysctl)" ok \
                "$(confined "printf '%s\n' '$old_core' > /proc/sys/kernel/core_pattern && echo ok || echo EPERM")"
fi
check "a confined root cannot point kernel.modprobe at a program" EPERM \
        "$(confined cg-tamper write /proc/sys/kernel/modprobe /tmp/core-helper)"
check_true "... a tamper event naming it" wait_log "Refused tamper attempt: changing a usermode helper.* 2 by pid"
check "... which stays" "$old_modprobe" "$(cat /proc/sys/kernel/modprobe)"
echo "$old_modprobe" > /proc/sys/kernel/modprobe
# The value in force written again, then more at that offset: the kernel appends it.
check "... nor append to it" EPERM "$(confined "exec 3>/proc/sys/kernel/modprobe; printf '%s' '$old_modprobe' >&3; printf x >&3 2>/dev/null && echo ok || echo EPERM")"
check "... as it was" "$old_modprobe" "$(cat /proc/sys/kernel/modprobe)"
echo "$old_modprobe" > /proc/sys/kernel/modprobe
check "... but may write the value in force again" ok \
        "$(confined "printf '%s\n' '$old_modprobe' > /proc/sys/kernel/modprobe && echo ok || echo EPERM")"
check "... and change other sysctls" ok "$(confined cg-tamper write /proc/sys/kernel/domainname guarded)"
check_cmd "root in an unconfined cgroup may change kernel.modprobe" ok \
        in-cgroup $T/other cg-tamper write /proc/sys/kernel/modprobe /tmp/core-helper
check_cmd "... and the admin" ok as_admin cg-tamper write /proc/sys/kernel/modprobe "$old_modprobe"
check "... back to the one it was" "$old_modprobe" "$(cat /proc/sys/kernel/modprobe)"
echo "$old_modprobe" > /proc/sys/kernel/modprobe
[ -n "$old_core" ] && echo "$old_core" > /proc/sys/kernel/core_pattern

# What the helper runs: the program kernel.modprobe names is guarded like the files the guard
# runs. Replaced (a mount over it or its directory in PID 1's mount namespace, a write, a rename
# over it), the kernel would run a confined root's code as root in the root cgroup at the next
# autoload, whoever sets it off.
cat > /tmp/evil-helper <<'EOF'
#!/bin/sh
sed -n 's/^0:://p' /proc/self/cgroup > /tmp/evil.cgroup
EOF
chmod 755 /tmp/evil-helper
mkdir -p /tmp/evil-dir
cp /tmp/evil-helper /tmp/evil-dir/cg-umh
rm -f /tmp/evil.cgroup /tmp/umh-real.ran
check "kernel.modprobe names the admin's helper" $UMH "$(cat /proc/sys/kernel/modprobe)"
check "a confined root cannot mount over the program kernel.modprobe names" EPERM \
        "$(confined "mount --bind /tmp/evil-helper $UMH 2>/dev/null && echo ok || echo EPERM")"
check_true "... a tamper event naming it" wait_log "Refused tamper attempt: writing, truncating, removing, renaming or mounting over a file cgroup-guardd runs"
check "... nor over its directory" EPERM \
        "$(confined "mount --bind /tmp/evil-dir /usr/local/sbin 2>/dev/null && echo ok || echo EPERM")"
check "... nor write it" EPERM "$(confined cg-tamper write $UMH "'#!/bin/sh'")"
check "... nor rename another file over it" EPERM \
        "$(confined "cp /tmp/evil-helper /usr/local/sbin/.evil && mv -f /usr/local/sbin/.evil $UMH 2>/dev/null && echo ok || echo EPERM")"
rm -f /usr/local/sbin/.evil
# mount(2) takes MS_BIND before the propagation flags: MS_BIND|MS_PRIVATE is a bind mount too.
check "... nor mount over it with MS_BIND|MS_PRIVATE" EPERM "$(confined cg-tamper bind-private /tmp/evil-helper $UMH)"
# The file system it is on: unmounted or moved away, the directory beneath would take its place.
check "... nor unmount the file system it is on" EPERM "$(confined "umount -l /usr/local/sbin 2>/dev/null && echo ok || echo EPERM")"
mkdir -p /tmp/moved
check "... nor move that away (move_mount)" EPERM "$(confined cg-tamper move-mount /usr/local/sbin /tmp/moved)"
# Whatever got through (the unfixed tree): the confined root's helper where the admin's was.
grep -q umh-real $UMH 2>/dev/null || confined "cp /tmp/evil-helper $UMH" > /dev/null
# pivot_root in PID 1's mount namespace would re-root the kernel's helpers into the caller's tree.
# (After a pause: the kernel's report limit, 10 a second per user after a burst of 20, holds
# back the record of a refusal that follows the many above.)
mkdir -p /tmp/newroot
sleep 3
check "... nor pivot the root of PID 1's mount namespace" EPERM \
        "$(confined "mount -t tmpfs none /tmp/newroot && mkdir -p /tmp/newroot/old && cg-tamper pivot-root /tmp/newroot /tmp/newroot/old")"
check_true "... a tamper event naming that" wait_log "Refused tamper attempt: .*moving a mount or the root in PID 1's mount namespace"
umount /tmp/newroot 2>/dev/null
# A helper that is not installed: its name is reserved (here /sbin/reboot, /sbin/request-key and
# /sbin/bridge-stp: the busybox guest has no such files), or the first to create it chooses what
# the kernel runs.
check "a confined root cannot create a helper's program that is not installed (/sbin/request-key)" EPERM \
        "$(confined "(: > /sbin/request-key) 2>/dev/null && echo ok || echo EPERM")"
check "... nor as a symlink (/sbin/bridge-stp)" EPERM "$(confined "ln -s /tmp/evil-helper /sbin/bridge-stp 2>/dev/null && echo ok || echo EPERM")"
check "... nor by renaming a file there (/sbin/reboot)" EPERM \
        "$(confined "cp /tmp/evil-helper /sbin/.r && mv /sbin/.r /sbin/reboot 2>/dev/null && echo ok || echo EPERM")"
rm -f /sbin/.r
check "... but other names in that directory" ok "$(confined "(: > /sbin/cg-other) 2>/dev/null && echo ok || echo EPERM")"
check "the admin may install one" ok "$(as_admin "(: > /sbin/request-key) 2>/dev/null && echo ok || echo EPERM")"
# Installed while the guard runs, no reload since: its name is still reserved, so guarded at once.
check "... and once installed, a confined root cannot write it (no reload since)" EPERM "$(confined cg-tamper write /sbin/request-key /tmp/evil-helper)"
check "... nor remove it" EPERM "$(confined "rm -f /sbin/request-key 2>/dev/null && echo ok || echo EPERM")"
# Registered at a reload (a file the kernel runs now, no longer a reserved name), then removed by
# the admin (apt remove keyutils): its name stays reserved, or the first confined root to create
# it would choose what the kernel runs at the next request-key upcall.
reloads=$(grep -c "in force:" $LOG)
cp $POLICY_DIR/10-off-switch.json $POLICY_DIR/.p.tmp && mv $POLICY_DIR/.p.tmp $POLICY_DIR/10-off-switch.json
check_true "a reload registers the installed helper" wait_log "in force:" $((reloads + 1)) 300
# With the kernel's share of guard_objects used up first (files renamed into a sealed directory by
# a root outside confined cgroups: a review found that the name then went unreserved).
# The flood and the removal run realtime on the guest's one CPU, RT throttling off: the daemon's
# rounds (every second while the share is half used) cannot make room between them (a flood at
# normal priority raced them: ENOSPC or not by the load on the host).
rt_runtime=$(cat /proc/sys/kernel/sched_rt_runtime_us)
echo -1 > /proc/sys/kernel/sched_rt_runtime_us
flood=$(as_admin "cg-tamper fifo sh -c 'cg-tamper arrivals /etc/.cgg-arrival /etc/modprobe.d/cgg-junk 5000; rm /sbin/request-key && echo removed'")
echo "$rt_runtime" > /proc/sys/kernel/sched_rt_runtime_us
rm -f /etc/modprobe.d/cgg-junk /etc/.cgg-arrival
check_true "the kernel's share of the guard's map used up by arrivals ($(echo $flood))" eval 'case "$flood" in "ENOSPC "*) true ;; *) false ;; esac'
check "... then the admin may remove it" removed "$(echo "$flood" | tail -1)"
check "... and a confined root cannot create it in its place" EPERM "$(confined "(: > /sbin/request-key) 2>/dev/null && echo ok || echo EPERM")"
check "... nor rename a file there" EPERM "$(confined "cp /tmp/evil-helper /sbin/.rk && mv /sbin/.rk /sbin/request-key 2>/dev/null && echo ok || echo EPERM")"
rm -f /sbin/.rk
# The daemon's rounds, every second while the kernel's share is half used, make room again (an
# upgrade's renames failed with ENOSPC until the next reload: a review found it).
room() { i=0; while [ $i -lt 150 ]; do [ "$(cg-tamper arrivals /etc/.cgg-arrival /etc/modprobe.d/cgg-junk 1)" = "ok 1" ] && break; sleep 0.1; i=$((i + 1)); done; rm -f /etc/modprobe.d/cgg-junk /etc/.cgg-arrival; [ $i -lt 150 ]; }
check_true "... and the daemon makes room for arrivals again within seconds" room
rm -f /sbin/request-key /sbin/bridge-stp /sbin/reboot /sbin/cg-other
# A directory on a helper's path reached through a symlink: the kernel walks on from the target.
check "a confined root cannot rename away a directory the poweroff helper's path leads through" EPERM \
        "$(confined "mv /usr/local/libexec/cg /usr/local/libexec/cg.old 2>/dev/null && echo ok || echo EPERM")"
[ -d /usr/local/libexec/cg.old ] && mv /usr/local/libexec/cg.old /usr/local/libexec/cg
check "... which leads to the admin's program" poweroff "$(/umh/cg-poweroff)"
# modprobe's configuration: an "install" line there is a command modprobe runs as root in the
# root cgroup at the next autoload, which any process sets off.
check "a confined root cannot add to modprobe's configuration" EPERM \
        "$(confined "(echo 'install cg-evil /tmp/evil-helper' > /etc/modprobe.d/evil.conf) 2>/dev/null && echo ok || echo EPERM")"
check_true "... a tamper event naming it" wait_log "Refused tamper attempt: .*adding an entry to modprobe's configuration"
check "... nor change a file there" EPERM "$(confined cg-tamper write /etc/modprobe.d/admin.conf "'install cg-evil /tmp/evil-helper'")"
check "... nor create the directory where there is none (/run/modprobe.d)" EPERM \
        "$(confined "mkdir /run/modprobe.d 2>/dev/null && echo ok || echo EPERM")"
check "... nor a symlink by that name" EPERM "$(confined "ln -s /tmp /run/modprobe.d 2>/dev/null && echo ok || echo EPERM")"
check "... nor rename a directory to it" EPERM \
        "$(confined "mkdir -p /run/cg-conf && mv /run/cg-conf /run/modprobe.d 2>/dev/null && echo ok || echo EPERM")"
# Only there: an image unpacked elsewhere (a container's, debootstrap's) has its own etc/modprobe.d.
check "... but may create a modprobe.d elsewhere (an image's /tmp/image/etc/modprobe.d)" ok \
        "$(confined "mkdir -p /tmp/image/etc/modprobe.d && echo '# ok' > /tmp/image/etc/modprobe.d/x.conf && echo ok || echo EPERM")"
rm -rf /run/cg-conf /run/modprobe.d /etc/modprobe.d/evil.conf /tmp/image
check "the admin may add to it" ok "$(as_admin "echo '# more' > /etc/modprobe.d/more.conf && echo ok || echo EPERM")"
check "... and root in an unconfined cgroup" ok \
        "$(in-cgroup $T/other sh -c "echo '# more' > /etc/modprobe.d/other.conf && echo ok || echo EPERM")"
# Added while the guard runs (no reload since, so not registered as a file): guarded at once, as
# everything in the sealed directory.
check "a file added there while the guard runs: a confined root cannot change it" EPERM \
        "$(confined cg-tamper write /etc/modprobe.d/more.conf "'install cg-evil /tmp/evil-helper'")"
check "... nor truncate it (truncate(2))" EPERM "$(confined cg-tamper truncate /etc/modprobe.d/more.conf)"
check "... nor remove it" EPERM "$(confined "rm -f /etc/modprobe.d/more.conf 2>/dev/null && echo ok || echo EPERM")"
check "... nor rename it out of the directory" EPERM "$(confined "mv /etc/modprobe.d/more.conf /etc/cg-more.conf 2>/dev/null && echo ok || echo EPERM")"
check "... nor give it a second name elsewhere to write it there" EPERM \
        "$(confined "ln /etc/modprobe.d/more.conf /etc/cg-more-link 2>/dev/null && echo ok || echo EPERM")"
echo 'install cg-evil /tmp/evil-helper' > /tmp/cg-evil.conf
check "... nor mount over it" EPERM \
        "$(confined "mount --bind /tmp/cg-evil.conf /etc/modprobe.d/more.conf 2>/dev/null && echo ok || echo EPERM")"
check "it is the admin's still" "# more" "$(cat /etc/modprobe.d/more.conf)"
check "the admin may remove it" ok "$(as_admin "rm /etc/modprobe.d/more.conf && echo ok || echo EPERM")"
umount /etc/modprobe.d/more.conf 2>/dev/null; rm -f /etc/cg-more.conf /etc/cg-more-link /tmp/cg-evil.conf
check "a confined root cannot remove an empty configuration directory (/usr/local/lib/modprobe.d)" EPERM \
        "$(confined "rmdir /usr/local/lib/modprobe.d 2>/dev/null && echo ok || echo EPERM")"
# The admin gives one a second name elsewhere (a backup): guarded there too.
check "the admin links a file there elsewhere (a backup)" ok "$(as_admin "ln /etc/modprobe.d/other.conf /etc/cg-backup && echo ok || echo EPERM")"
check "... a confined root cannot write it through that name" EPERM "$(confined cg-tamper write /etc/cg-backup "'install cg-evil /tmp/evil-helper'")"
rm -f /etc/cg-backup /etc/modprobe.d/other.conf
# The admin's atomic save in the directory, its own fd still open at the rename (os.replace in a
# "with" block): allowed.
check "the admin saves a file there atomically with its fd still open" ok \
        "$(as_admin "(exec 4> /etc/modprobe.d/.saved.tmp && echo '# saved' >&4 && mv /etc/modprobe.d/.saved.tmp /etc/modprobe.d/saved.conf) && echo ok || echo EPERM")"
rm -f /etc/modprobe.d/saved.conf /etc/modprobe.d/.saved.tmp
# An inode that arrives there with another name (dpkg's .dpkg-new, an admin's mv of a file a
# confined root linked first): guarded by its own key at once, so that name is no way in.
echo '# new' > /etc/cg-new.conf
check "a confined root may link a file outside modprobe.d" ok "$(confined "ln /etc/cg-new.conf /etc/cg-new-link 2>/dev/null && echo ok || echo EPERM")"
check "the admin moves it there" ok "$(as_admin "mv /etc/cg-new.conf /etc/modprobe.d/new.conf && echo ok || echo EPERM")"
check "... then the confined root cannot write it through its link" EPERM \
        "$(confined cg-tamper write /etc/cg-new-link "'install cg-evil /tmp/evil-helper'")"
echo '# held' > /etc/cg-held.conf
# (From the confined shell: nothing may move a process into /t/prot now.)
holder=$(confined "sh -c 'exec 3>> /etc/cg-held.conf; exec sleep 60' > /dev/null 2>&1 & echo \$!")
sleep 1
check "the confined root holds it open for writing" /t/prot "$(cgroup_of "$holder")"
check "a file a confined root holds open for writing is not moved there, even by the admin" EPERM \
        "$(as_admin "mv /etc/cg-held.conf /etc/modprobe.d/held.conf 2>/dev/null && echo ok || echo EPERM")"
kill "$holder" 2>/dev/null
rm -f /etc/modprobe.d/new.conf /etc/modprobe.d/held.conf /etc/cg-new-link /etc/cg-held.conf
# A configuration directory the admin makes after the daemon's registration (its name reserved):
# sealed at once.
check "the admin makes /run/modprobe.d" ok "$(as_admin "mkdir /run/modprobe.d && echo ok || echo EPERM")"
check "... a confined root cannot add to it" EPERM \
        "$(confined "(echo 'install cg-evil /tmp/evil-helper' > /run/modprobe.d/evil.conf) 2>/dev/null && echo ok || echo EPERM")"
check "the admin saves a file there atomically (a temporary file renamed)" ok \
        "$(as_admin "echo '# a' > /run/modprobe.d/.a.tmp && mv /run/modprobe.d/.a.tmp /run/modprobe.d/a.conf && echo ok || echo EPERM")"
check "... it stays sealed" EPERM \
        "$(confined "(echo 'install cg-evil /tmp/evil-helper' > /run/modprobe.d/evil.conf) 2>/dev/null && echo ok || echo EPERM")"
rm -rf /run/modprobe.d
# A machine check's trigger (sysfs) names a helper too, as the sysctls do.
MCE_TRIGGER=/sys/devices/system/machinecheck/machinecheck0/trigger
if [ -e $MCE_TRIGGER ]; then
        check "a confined root cannot name the machine-check helper (sysfs trigger)" EPERM \
                "$(confined cg-tamper write $MCE_TRIGGER /tmp/evil-helper)"
        check_true "... a tamper event naming it" wait_log "Refused tamper attempt: changing a usermode helper.* 6 by pid"
        check "... the admin may" ok "$(as_admin cg-tamper write $MCE_TRIGGER /tmp/evil-helper)"
fi
in-cgroup $T/other /tmp/umh-trigger 2>/dev/null
i=0; while [ $i -lt 50 ] && [ ! -s /tmp/umh-real.ran ] && [ ! -s /tmp/evil.cgroup ]; do sleep 0.1; i=$((i + 1)); done
check "... so an autoload runs the admin's helper" ran "$(head -n 1 /tmp/umh-real.ran 2>/dev/null)"
check "... and none of the confined root's code" "" "$(cat /tmp/evil.cgroup 2>/dev/null)"
# Whatever got through (the unfixed tree), undone for what follows: the mounts above the admin's.
while grep -q " $UMH " /proc/self/mountinfo; do umount $UMH || break; done
while [ "$(grep -c ' /usr/local/sbin ' /proc/self/mountinfo)" -gt 1 ]; do umount /usr/local/sbin || break; done
grep -q ' /usr/local/sbin ' /proc/self/mountinfo || mount -t tmpfs -o mode=755 umh /usr/local/sbin
printf '#!/bin/sh\necho ran >> /tmp/umh-real.ran\n' > $UMH
chmod 755 $UMH
check "root in an unconfined cgroup may replace it (a package upgrade)" ok \
        "$(in-cgroup $T/other sh -c "cp $UMH /usr/local/sbin/.new && mv -f /usr/local/sbin/.new $UMH && echo ok || echo EPERM")"
check "... and the new file is guarded at once, not at the next reload" EPERM "$(confined cg-tamper write $UMH "'#!/bin/sh'")"
# dpkg's .dpkg-new held open for writing by a confined root (who may write /usr/local/sbin): the
# rename over the helper is refused, even to the admin, or that fd would write the new helper.
cp $UMH /usr/local/sbin/cg-umh.dpkg-new
holder=$(confined "sh -c 'exec 3>> /usr/local/sbin/cg-umh.dpkg-new; exec sleep 60' > /dev/null 2>&1 & echo \$!")
sleep 1
check "a new helper a confined root holds open for writing is not renamed over the helper" EPERM \
        "$(in-cgroup $T/other sh -c "mv -f /usr/local/sbin/cg-umh.dpkg-new $UMH 2>/dev/null && echo ok || echo EPERM")"
kill "$holder" 2>/dev/null
rm -f /usr/local/sbin/cg-umh.dpkg-new
# A second name a confined root gives a registered file at no reserved name (the guard's own
# program): that name would outlive the key, which goes with the inode at the next upgrade.
check "a confined root cannot give the guard's program a second name" EPERM \
        "$(confined "ln $GUARDD $(dirname "$GUARDD")/cg-alias 2>/dev/null && echo ok || echo EPERM")"
rm -f "$(dirname "$GUARDD")/cg-alias"
# Its mode or owner: chmod 666 would let any user in an unconfined cgroup write the helper.
check "a confined root cannot chmod the helper" EPERM "$(confined "chmod 666 $UMH 2>/dev/null && echo ok || echo EPERM")"
check "... nor chown it" EPERM "$(confined "chown 65534 $UMH 2>/dev/null && echo ok || echo EPERM")"
check "... nor chmod a file in modprobe.d" EPERM "$(confined "chmod 666 /etc/modprobe.d/admin.conf 2>/dev/null && echo ok || echo EPERM")"
check "the admin may" ok "$(as_admin "chmod 644 $UMH && echo ok || echo EPERM")"
chmod 755 $UMH
# Nor an ACL, which grants a user write access as chmod would (setxattr of system.posix_acl_access:
# inode_setxattr on 6.1, inode_set_acl since 6.2), nor another extended attribute.
# The hooks kernels' tmpfs has no ACLs: on 6.1 the guard's EPERM comes first (inode_setxattr),
# since 6.2 the file system's EOPNOTSUPP does (vfs_set_acl() asks before inode_set_acl): no ACL
# can be set there by anyone.
no_acl() { [ "$KERNEL" = hooks-6.12 ] && [ "$1" = EOPNOTSUPP ] && echo EPERM || echo "$1"; }
check "a confined root cannot give a user write access to the helper by an ACL" EPERM "$(no_acl "$(confined cg-tamper setacl $UMH)")"
check "... nor set another extended attribute on it" EPERM "$(confined cg-tamper setxattr $UMH)"
# The admin may (on the hooks kernels EOPNOTSUPP from the file system, after the guard let it through).
acl_ok() { case "$1" in ok) echo ok ;; EOPNOTSUPP) [ "$KERNEL" = hooks ] || [ "$KERNEL" = hooks-6.12 ] && echo ok || echo "$1" ;; *) echo "$1" ;; esac; }
check "the admin may (an ACL)" ok "$(acl_ok "$(as_admin cg-tamper setacl $UMH)")"
check "... a confined root cannot remove it" EPERM "$(no_acl "$(confined cg-tamper rmacl $UMH)")"
check "... the admin may" ok "$(acl_ok "$(as_admin cg-tamper rmacl $UMH)")"
chmod 755 $UMH
# The admin names another helper while the guard runs: registered within a second or two.
mkdir -p /usr/local/libexec/cg2
printf '#!/bin/sh\necho ran >> /tmp/umh-real.ran\n' > /usr/local/libexec/cg2/cg-umh2
chmod 755 /usr/local/libexec/cg2/cg-umh2
as_admin cg-tamper write /proc/sys/kernel/modprobe /usr/local/libexec/cg2/cg-umh2 > /dev/null
sleep 2.5
check "a helper the admin names while the guard runs is guarded within seconds" EPERM \
        "$(confined cg-tamper write /usr/local/libexec/cg2/cg-umh2 "'#!/bin/sh'")"
echo $UMH > /proc/sys/kernel/modprobe

# A cgroup/sysctl program of its own on the root cgroup would run after the guard's and could
# override its verdict (bpf_set_retval(0)) or the value it let through.
check "a confined root cannot attach a cgroup/sysctl program to the root cgroup" EPERM \
        "$(confined cg-tamper sysctl-override $CG attach)"
check "... nor link one" EPERM "$(confined cg-tamper sysctl-override $CG link)"
check "... so kernel.modprobe stays refused to it" EPERM "$(confined cg-tamper write /proc/sys/kernel/modprobe /tmp/core-helper)"
echo "$old_modprobe" > /proc/sys/kernel/modprobe
check "... nor may root in an unconfined cgroup attach one" EPERM "$(in-cgroup $T/other cg-tamper sysctl-override $CG link)"
check "the admin may (a link, gone when it exits)" ok "$(as_admin cg-tamper sysctl-override $CG link)"
# The fd a BPF_LINK_DETACH names is read by the check and looked up again by the command: a child
# sharing the fd table swapped the number between /dev/null and the root cgroup's cgroup/sysctl
# link (native: anyone may open a link pin) and won that race, and kernel.modprobe was then the
# confined root's to set. On native only PID 1, the guard and admins detach or update links now.
if [ "$BACKEND" = native ]; then
        check "a confined root does not detach the guard's cgroup/sysctl link through a swapped fd number (20 s)" held \
                "$(confined cg-tamper detach-race $PINS/link_guard_tamper_sysctl 20 | cut -d' ' -f1)"
        check "... so kernel.modprobe stays refused to it" EPERM "$(confined cg-tamper write /proc/sys/kernel/modprobe /tmp/core-helper)"
        echo "$old_modprobe" > /proc/sys/kernel/modprobe
        # So no fd is judged there: a link of its own (a cgroup_skb program on its own cgroup) is
        # not detached either, by a confined root nor by root in an unconfined cgroup.
        check "a confined root may link a program of its own to its cgroup, not detach it (native)" EPERM \
                "$(confined cg-tamper link-detach-own $T/prot)"
        check_true "... a tamper event: detaching a link outside the admin cgroups" \
                wait_log "Refused tamper attempt: detaching a BPF link or replacing its program"
        check "... nor may root in an unconfined cgroup" EPERM "$(in-cgroup $T/other cg-tamper link-detach-own $T/other)"
else
        # Compat refuses the guard's pins: nobody else holds a guard link, links of one's own stay one's own.
        check "a confined root detaches a link of its own (compat)" ok "$(confined cg-tamper link-detach-own $T/prot)"
fi
check "the admin detaches a link of its own" ok "$(as_admin cg-tamper link-detach-own $CG)"

# binfmt_misc: a handler a confined root registers (an extension or a magic, and an interpreter)
# would run at the exec of every matching file, the admin's included. Debian's kernels build it as
# a module (tests/vm/run ships the guest's); the hooks kernels have none.
case $KERNEL in
stock*) insmod /lib/modules/binfmt_misc.ko 2>/dev/null ;;
esac
if grep -q binfmt_misc /proc/filesystems; then
        mkdir -p /tmp/binfmt
        mount -t binfmt_misc none /tmp/binfmt
        cat > /tmp/cgx-interp <<'EOF'
#!/bin/sh
sed -n 's/^0:://p' /proc/self/cgroup > /tmp/cgx.cgroup
EOF
        printf 'data\n' > /tmp/payload.cgx
        chmod 755 /tmp/cgx-interp /tmp/payload.cgx
        rm -f /tmp/cgx.cgroup
        check "a confined root cannot register a binary format handler (binfmt_misc)" EPERM \
                "$(confined cg-tamper write /tmp/binfmt/register ":cgx:E::cgx::/tmp/cgx-interp:")"
        check_true "... a tamper event naming it" wait_log "Refused tamper attempt: registering or changing a binary format handler"
        as_admin /tmp/payload.cgx > /dev/null 2>&1
        check "... so the admin's exec of a matching file runs none of its code" "" "$(cat /tmp/cgx.cgroup 2>/dev/null)"
        check "the admin may register one" ok "$(as_admin cg-tamper write /tmp/binfmt/register ":cgx:E::cgx::/tmp/cgx-interp:")"
        check "... which a confined root cannot disable" EPERM "$(confined cg-tamper write /tmp/binfmt/cgx 0)"
        check "... nor switch binfmt_misc off" EPERM "$(confined cg-tamper write /tmp/binfmt/status 0)"
        check "... nor root in an unconfined cgroup (the guard's own exec, in its admin cgroup, would run it)" EPERM \
                "$(in-cgroup $T/other cg-tamper write /tmp/binfmt/register ":cgy:E::cgy::/tmp/cgx-interp:")"
        check "the admin may remove it" ok "$(as_admin cg-tamper write /tmp/binfmt/cgx -1)"
        umount /tmp/binfmt
else
        case $KERNEL in
        stock*) not_ok "binfmt_misc: no module in the guest (/lib/modules/binfmt_misc.ko)" ;;
        esac
fi

# Programs that overrule the LSM hooks: fmod_ret may attach to any security_*() function, and a
# non-zero return skips it and every LSM hook behind it (security_bpf() returning 1: the guard's
# lsm/bpf never runs, a link is had by id); an LSM program of one's own runs beside the guard's.
out=$(in_member confined "cg-fmodret security_bpf 1 6 & sleep 2; cg-tamper grab 2 $PINS; wait" 2>&1)
check "a confined root cannot load an fmod_ret program on security_bpf()" EPERM "$(echo "$out" | head -n 1)"
contains "... so the guard's maps, programs and links stay out of its reach" "maps 0 progs 0 links 0 pins 0 writes 0" "$out"
check_true "... a tamper event naming it" wait_log "Refused tamper attempt: loading a BPF program that could overrule"
check "... nor an LSM program of its own" EPERM "$(confined cg-fmodret lsm bpf)"
check "... nor may root in an unconfined cgroup" EPERM "$(in-cgroup $T/other cg-fmodret security_bpf 0 0)"
check "the admin may (returning 0: nothing skipped)" ok "$(as_admin cg-fmodret security_bpf 0 0)"
# An extension program (freplace) replaces a global function of a loaded program: with an fd of
# a guard program (one got before it armed), guard_current_admin_cgroup() returning 1 passed
# every task as an admin (a review found it). Nothing but the admin may load one.
check "a confined root cannot load an extension (freplace) program" EPERM "$(confined cg-fmodret ext)"
check_true "... a tamper event naming it" wait_log "Refused tamper attempt: loading a BPF program .*(program type) 28 by pid"
check "... nor may root in an unconfined cgroup" EPERM "$(in-cgroup $T/other cg-fmodret ext)"
check "the admin may" ok "$(as_admin cg-fmodret ext)"
# A cgroup/getsockopt program runs for the sockets its cgroup's tasks create, dbus-daemon's end of
# their connections included: one that answers SO_PEERCRED with the pid of a bus client in an
# admin cgroup made a confined root's D-Bus call that admin's (a review found it).
bus_admin=$(as_admin 'busctl monitor > /dev/null 2>&1 < /dev/null & echo $!')
sleep 1
check "an admin's bus client runs (busctl monitor in /t/admin)" /t/admin "$(cgroup_of $bus_admin 2>&1)"
BUS="org.cgroupguard.Guard1 /org/cgroupguard/Guard1 org.cgroupguard.Guard1.Manager"
out=$(in_member confined "cg-fmodret peercred $bus_admin $T/prot 8 & sleep 2; busctl call $BUS SetMode s audit > /dev/null 2>&1 && echo done || echo refused; wait" 2>&1)
check "a confined root cannot load a cgroup/getsockopt program (the peer credentials of its connections)" EPERM "$(echo "$out" | head -n 1)"
check "... so its SetMode audit, passing for an admin's bus client, is refused" refused "$(echo "$out" | sed -n 2p)"
check "... the mode stays" 's "policy"' "$(busctl get-property $BUS Mode 2>&1)"
check_true "... a tamper event naming it" wait_log "Refused tamper attempt: loading a BPF program .*(program type) 25 by pid"
check "... nor may root in an unconfined cgroup" EPERM "$(in-cgroup $T/other cg-fmodret peercred 1 $T/other 0)"
check "the admin may" ok "$(as_admin cg-fmodret peercred 1 $T/admin 0)"
# A cgroup program on the root cgroup (or PID 1's, or the daemon's or one above it) runs for PID 1's
# unit starts and the daemon: a cgroup/device one refusing /dev/null failed every start, the
# guard's restart included (a review found it). Attaches there are the admin's; to a cgroup of
# its own (runc's, systemd's DeviceAllow=) they stay open. The program tried allows everything.
check "a confined root cannot attach a cgroup program to the root cgroup (BPF_PROG_ATTACH)" EPERM \
        "$(confined "cg-fmodret device $CG attach")"
check "... nor by BPF_LINK_CREATE" EPERM "$(confined "cg-fmodret device $CG link")"
check "... nor may root in an unconfined cgroup" EPERM "$(in-cgroup $T/other cg-fmodret device $CG link)"
check "... but to a cgroup of its own" ok "$(confined "cg-fmodret device $T/prot link")"
check "the admin may attach to the root cgroup" ok "$(as_admin cg-fmodret device $CG link)"
busctl call $BUS SetMode s policy > /dev/null 2>&1 || as_admin busctl call $BUS SetMode s policy > /dev/null 2>&1
kill $bus_admin 2>/dev/null
# bpf_probe_write_user() writes into whatever process runs when the program fires (PID 1's child
# in the guard's unit: "--reload=PID" made "--unload"): the helper is refused at verification.
check "a confined root cannot load a program that calls bpf_probe_write_user() (no tracing program at all)" EPERM "$(confined cg-fmodret writeuser)"
check_true "... a tamper event naming it" wait_log "Refused tamper attempt: loading a BPF program that could overrule the LSM hooks, write"
check "... nor root in an unconfined cgroup" EINVAL "$(in-cgroup $T/other cg-fmodret writeuser)"
if ! grep -q -e '\[integrity\]' -e '\[confidentiality\]' /sys/kernel/security/lockdown 2>/dev/null; then
        check "the admin may" ok "$(as_admin cg-fmodret writeuser)"
else
        check "the admin may not either: the kernel's lockdown refuses the helper to all" EINVAL "$(as_admin cg-fmodret writeuser)"
fi
# bpf_send_signal() signals the task a tracing program fires in, through no LSM hook (a review
# found it): a raw tracepoint on sys_enter that kills the daemon at its next system call (the
# D-Bus call below makes one).
out=$(in_member confined "cg-fmodret sigkill $GUARD_PID 4 & sleep 1; busctl get-property org.cgroupguard.Guard1 /org/cgroupguard/Guard1 org.cgroupguard.Guard1.Manager Mode > /dev/null 2>&1; wait" 2>&1)
check "a confined root cannot load a tracing program (bpf_send_signal() at the daemon's system calls)" EPERM "$(echo "$out" | head -n 1)"
check_true "... the daemon lives" kill -0 "$GUARD_PID"
check_true "... a tamper event naming it" wait_log "Refused tamper attempt: loading a BPF program .* or a tracing program"
check "root in an unconfined cgroup still may trace" ok "$(in-cgroup $T/other cg-fmodret sigkill 999999 0)"
check "... nor a syscall program (sleepable: on 6.1 it can hold the task storage's lock across a reschedule)" EPERM "$(confined cg-fmodret syscall)"
check "... which root in an unconfined cgroup may load" ok "$(in-cgroup $T/other cg-fmodret syscall)"
# A perf event with sigtrap on the daemon: the kernel sends it SIGTRAP at its first context switch
# (send_sig_perf(): no task_kill hook; root opens it without the ptrace check).
out=$(in_member confined "cg-tamper perf-sigtrap $GUARD_PID 3 & sleep 1; busctl get-property org.cgroupguard.Guard1 /org/cgroupguard/Guard1 org.cgroupguard.Guard1.Manager Mode > /dev/null 2>&1; wait" 2>&1)
check "a confined root cannot open a perf event with sigtrap (on the daemon)" EPERM "$(echo "$out" | head -n 1)"
check_true "... the daemon lives" kill -0 "$GUARD_PID"
# On a sleep of its own, not on itself: it would get the SIGTRAP at its first context switch.
sleep 30 &
trap_target=$!
check "root in an unconfined cgroup may (on a process of its own)" ok "$(in-cgroup $T/other cg-tamper perf-sigtrap $trap_target 0)"
kill $trap_target 2>/dev/null; wait $trap_target 2>/dev/null
# /proc/sysrq-trigger "i": SIGKILL to every task but PID 1, the kernel's own signal.
if [ -e /proc/sysrq-trigger ]; then
        check "a confined root cannot open /proc/sysrq-trigger for writing" EPERM "$(confined cg-tamper openw /proc/sysrq-trigger)"
        check_true "... a tamper event naming it" wait_log "Refused tamper attempt: a signal the kernel sends as its own"
        check "root in an unconfined cgroup may" ok "$(in-cgroup $T/other cg-tamper openw /proc/sysrq-trigger)"
else
        check "no /proc/sysrq-trigger here: a hooks kernel (tinyconfig, no MAGIC_SYSRQ)" hooks "${KERNEL%-6.12}"
fi
# kernel.ftrace_enabled=0 turns every ftrace call site back into a NOP, the trampolines of every
# BPF LSM and fentry program among them: all the guard's hooks stop (a review found it).
check "a confined root cannot switch ftrace off (kernel.ftrace_enabled=0)" EPERM "$(confined cg-tamper write /proc/sys/kernel/ftrace_enabled 0)"
check "... nor root in an unconfined cgroup" EPERM "$(in-cgroup $T/other cg-tamper write /proc/sys/kernel/ftrace_enabled 0)"
check "... ftrace stays on" 1 "$(cat /proc/sys/kernel/ftrace_enabled)"
echo 1 > /proc/sys/kernel/ftrace_enabled 2>/dev/null # where the guard failed: on again for the rest
check_true "... a tamper event naming it" wait_log "Refused tamper attempt: switching ftrace off"
check "the admin may write the value in force" ok "$(as_admin cg-tamper write /proc/sys/kernel/ftrace_enabled 1)"
check_cmd "still enforcing" EPERM cg-move $T/prot $victim
# The guard's own configuration (issue 12 item 9): the policy directory, whose files the daemon
# reloads at once (a policy without rules, or with "protect_self": false, switches it off), and
# the disable flag's directory (/etc/cgroup-guard/disable: the next start unloads). Sealed as
# modprobe.d is: a confined root may not write, add, remove, rename or mount over; the admin and
# root in an unconfined cgroup may.
policy_file=$POLICY_DIR/10-off-switch.json
cp $policy_file /tmp/policy.saved
echo '{ "version": 1 }' > /tmp/off.json
restore_policy() {
        cmp -s /tmp/policy.saved $policy_file && [ ! -e $POLICY_DIR/00-off.json ] && [ ! -e /etc/cgroup-guard/disable ] &&
                [ -d $POLICY_DIR ] && return 0
        umount $POLICY_DIR 2>/dev/null
        [ -d /etc/cgroup-guard/moved ] && rm -rf $POLICY_DIR && mv /etc/cgroup-guard/moved $POLICY_DIR
        rm -f $POLICY_DIR/00-off.json /etc/cgroup-guard/disable
        cp /tmp/policy.saved $policy_file
        sleep 2
        rearm
}
check "a confined root cannot rewrite the policy file (a policy without rules)" EPERM \
        "$(confined "cp /tmp/off.json $policy_file 2>/dev/null && echo ok || echo EPERM")"
check_true "... a tamper event naming it" wait_log "Refused tamper attempt: .*cgroup-guard's own"
sleep 2 # the daemon's reload, were it written
check_cmd "... still enforcing" EPERM cg-move $T/prot $victim
restore_policy
check "... nor truncate it" EPERM "$(confined cg-tamper truncate $policy_file)"
# Its times, or its directory's: each change reloads the policy (IN_ATTRIB), as often as a confined
# root likes (a review found it).
check "... nor change its times (each a reload)" EPERM "$(confined "touch $policy_file 2>/dev/null && echo ok || echo EPERM")"
check "... nor its directory's" EPERM "$(confined "touch $POLICY_DIR 2>/dev/null && echo ok || echo EPERM")"
check "... nor add one" EPERM "$(confined "cp /tmp/off.json $POLICY_DIR/00-off.json 2>/dev/null && echo ok || echo EPERM")"
check "... nor rename one in" EPERM \
        "$(confined "cp /tmp/off.json /etc/.off.tmp 2>/dev/null && mv /etc/.off.tmp $POLICY_DIR/00-off.json 2>/dev/null && echo ok || echo EPERM")"
rm -f /etc/.off.tmp
check "... nor remove one" EPERM "$(confined "rm -f $policy_file 2>/dev/null && echo ok || echo EPERM")"
restore_policy
check "... nor rename the directory away" EPERM \
        "$(confined "mv $POLICY_DIR /etc/cgroup-guard/moved 2>/dev/null && echo ok || echo EPERM")"
restore_policy
check "... nor mount over it" EPERM "$(confined "mount -t tmpfs cgg $POLICY_DIR 2>/dev/null && echo ok || echo EPERM")"
restore_policy
check "... nor create the disable flag" EPERM "$(confined "(: > /etc/cgroup-guard/disable) 2>/dev/null && echo ok || echo EPERM")"
restore_policy
check_cmd "still enforcing" EPERM cg-move $T/prot $victim
reloads=$(grep -c "in force:" $LOG)
check "the admin may add a policy file" ok \
        "$(as_admin "echo '{ \"version\": 1, \"migration\": { \"protect\": [\"/t/other\"] } }' > $POLICY_DIR/90-admin.json && echo ok || echo EPERM")"
check_true "... which the daemon loads" wait_log "in force:" $((reloads + 1)) 300
check_cmd "... and enforces" EPERM cg-move $T/other $victim
check "... and remove it" ok "$(as_admin "rm $POLICY_DIR/90-admin.json && echo ok || echo EPERM")"
check_true "... which the daemon unloads" wait_log "in force:" $((reloads + 2)) 300
check "root in an unconfined cgroup may write one" ok \
        "$(in-cgroup $T/other sh -c "cp $policy_file $POLICY_DIR/.p.tmp && mv $POLICY_DIR/.p.tmp $policy_file && echo ok || echo EPERM")"
check_cmd "still enforcing" EPERM cg-move $T/prot $victim
cg-move / $victim > /dev/null
# debugfs: sched/preempt "full" lets a task preempted inside one of compat's fentry programs make
# the kernel skip that program for every other task on its CPU (no window opened: no decision; a
# review found it). A confined task may not open a debugfs file that can be written.
if mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null; then
        check "a confined root cannot open debugfs's sched/preempt for writing" EPERM "$(confined cg-tamper openw /sys/kernel/debug/sched/preempt)"
        check_true "... a tamper event naming it" wait_log "Refused tamper attempt: opening a debugfs file"
        check "root in an unconfined cgroup still may" ok "$(in-cgroup $T/other cg-tamper openw /sys/kernel/debug/sched/preempt)"
        umount /sys/kernel/debug
else
        check "no debugfs here: a hooks kernel (tinyconfig: no preemption model to switch either)" hooks "${KERNEL%-6.12}"
fi
check_cmd "still enforcing" EPERM cg-move $T/prot $victim

# A mount onto PID 1's root directory in its namespace: stacked over "/", it is the tree a unit's
# namespace is built from (systemd binds "/" recursively), where a restarted guard would read a
# disable flag of the confined root's (a review found it). Last here: on a tree that lets it
# through, nothing takes it away again.
mkdir -p /tmp/stacked/etc/cgroup-guard && : > /tmp/stacked/etc/cgroup-guard/disable
refusals=$(grep -c "Refused tamper attempt: .*mounting over a file cgroup-guardd runs" $LOG)
check "a confined root cannot bind a tree over PID 1's root directory" EPERM \
        "$(confined "mount --bind /tmp/stacked / 2>/dev/null && echo ok || echo EPERM")"
check "... nor mount a file system there" EPERM "$(confined "mount -t tmpfs cgg / 2>/dev/null && echo ok || echo EPERM")"
check_true "... a tamper event naming each" wait_log "Refused tamper attempt: .*mounting over a file cgroup-guardd runs" $((refusals + 2))
check_cmd "still enforcing" EPERM cg-move $T/prot $victim
# ... nor through a place covered after it was named: a mount onto a directory opened before a
# bind of "/" went over it (/proc/self/fd/N, or move_mount() onto the fd) lands on that bind
# (lock_mount() takes the top mount), a peer of PID 1's "/" where "/" is shared (systemd makes
# it so): the tree went over PID 1's root directory (a design study found it). From PID 1's
# namespace, and from a copy of it whose /tmp (PID 1's is private) reaches nothing.
mount --make-shared /
mkdir -p /tmp/cover
on_root() { awk '$5 == "/"' /proc/1/mountinfo | wc -l; }
roots=$(on_root)
refusals=$(grep -c "Refused tamper attempt: .*mounting onto a place covered" $LOG)
check "... nor through a directory covered after it was opened (mount(2) onto /proc/self/fd/N)" EPERM \
        "$(confined "cg-tamper covered mount / /tmp/stacked /tmp/cover")"
check "... PID 1's root directory stays uncovered" "$roots" "$(on_root)"
umount -l /tmp/cover 2>/dev/null
check "... nor by move_mount(2) onto its fd" EPERM "$(confined "cg-tamper covered move / /tmp/stacked /tmp/cover")"
umount -l /tmp/cover 2>/dev/null
check "... nor from a namespace of its own whose mount there reaches nothing, the cover a peer of PID 1's \"/\"" EPERM \
        "$(confined "unshare -m --propagation shared cg-tamper covered mount / /tmp/stacked /tmp/cover || echo no namespace")"
check "... nor its root directory then" "$roots" "$(on_root)"
check_true "... a tamper event naming each" wait_log "Refused tamper attempt: .*mounting onto a place covered" $((refusals + 3))
check "... but a mount onto a place covered in a namespace that shares nothing with PID 1's" ok \
        "$(confined "unshare -m --propagation private cg-tamper covered mount / /tmp/stacked /tmp/cover || echo no namespace")"
# ... nor by a second mount onto the same place while the first waits between its checks and
# the kernel's lock of the place (here a getdents into a userfaultfd page holds the directory's
# lock; a FUSE or autofs lookup does as well): released, the bind of "/" goes first and the tree
# lands on it (a review found it). One mount at a time per place for confined tasks.
mkdir -p /tmp/race
refusals=$(grep -c "Refused tamper attempt: .*another confined task's mount is on its way" $LOG)
out=$(confined "cg-tamper mount-race mount /tmp/race / /tmp/stacked")
if [ "$out" = "no userfaultfd" ]; then
        check "no userfaultfd to hold a directory's lock with: a hooks kernel (tinyconfig)" hooks "${KERNEL%-6.12}"
else
        check "... nor by a second mount onto a place while the first waits for its lock (mount(2))" EPERM "$out"
        check "... PID 1's root directory stays uncovered" "$roots" "$(on_root)"
        umount -l /tmp/race 2>/dev/null
        check "... (move_mount(2))" EPERM "$(confined "cg-tamper mount-race move /tmp/race / /tmp/stacked")"
        check "... nor its root directory then" "$roots" "$(on_root)"
        umount -l /tmp/race 2>/dev/null
        check_true "... a tamper event naming each" wait_log "Refused tamper attempt: .*another confined task's mount is on its way" $((refusals + 2))
        check "... while one after the other still may" ok \
                "$(confined "mount --bind /tmp/stacked /tmp/race && mount --bind /tmp/stacked /tmp/race && umount /tmp/race && umount /tmp/race && echo ok")"
fi
# ... nor through an automount: a bind's source is looked up after its checks, and an autofs
# mount point on the way holds the lookup until its daemon (the confined root itself) answers;
# meanwhile it binds "/" onto the place the first bind was checked for, which then landed on
# that (a review found it; autofs is built into the hooks kernels, a module on stock ones).
# The same with the place covered by a bind that reaches nothing when the first bind is checked
# (from a copy of PID 1's namespace: in PID 1's own a covered place is refused), named through an
# fd opened before: the cover unmounted meanwhile and "/" bound onto the bare place (lock_mount()
# starts from the place named; a second review found it).
mkdir -p /tmp/auto /tmp/cover /tmp/private
out=$(confined "cg-tamper autofs-race /tmp/auto /tmp/auto / etc")
case $out in
"no autofs"*)
        check "no autofs to hold a lookup with ($out): a stock kernel (a module there)" stock "${KERNEL%-6.12}" ;;
*)
        check "... nor through an automount: the bind of / onto the place the first was checked for" cover=EPERM "${out%% *}"
        check "... PID 1's root directory stays uncovered" "$roots" "$(on_root)"
        for _ in 1 2 3; do umount -l /tmp/auto 2>/dev/null; done
        # Nor may the mount a waiting one was checked for be taken away from under it (a review:
        # one tucked beneath was what it landed on then).
        out=$(confined "CG_AUTOFS_UMOUNT=1 cg-tamper autofs-race /tmp/auto /tmp/auto / etc")
        check "... nor unmount the mount another one waits to land on" umount=EPERM "${out%% *}"
        for _ in 1 2 3; do umount -l /tmp/auto 2>/dev/null; done
        out=$(confined "unshare -m --propagation shared cg-tamper autofs-race /tmp/auto /tmp/cover / etc /tmp/private")
        # Refused at the unmount of the cover (the waiting mount claims each root on the place)
        # or at the bind of "/" onto the bare place.
        check "... nor onto a covered place named by an fd, its cover unmounted meanwhile (a namespace of its own)" \
                refused "$(case "$out" in *cover=EPERM*) echo refused ;; *) echo "$out" ;; esac)"
        check "... PID 1's root directory stays uncovered" "$roots" "$(on_root)" ;;
esac
for _ in 1 2 3; do umount -l /tmp/auto 2>/dev/null; umount -l /tmp/cover 2>/dev/null; done
mount --make-private /
check_cmd "still enforcing" EPERM cg-move $T/prot $victim

# New names in the pin directory: a directory at a name the daemon pins through made a restart's
# load fail, and the restart fell back to a backend that unpinned the enforcing set (a review
# found it). Judged by the restart below too.
# A pin's mode or owner: native does not refuse opening pins, but chmod 000 put them out of the
# reach of the daemon (no CAP_DAC_OVERRIDE under its unit): no adoption at a restart, no disarm at
# an unload (reviews found both).
check "a confined root cannot change a pin's mode" EPERM \
        "$(confined "chmod 000 $PINS/map_guard_self 2>/dev/null && echo ok || echo EPERM")"
check "... nor its owner" EPERM "$(confined "chown 65534 $PINS/map_guard_policy 2>/dev/null && echo ok || echo EPERM")"
check "... nor the pin directory's mode" EPERM "$(confined "chmod 777 $PINS 2>/dev/null && echo ok || echo EPERM")"
check "... nor may root in an unconfined cgroup" EPERM \
        "$(in-cgroup $T/other sh -c "chmod 000 $PINS/map_guard_self 2>/dev/null && echo ok || echo EPERM")"
chmod 600 $PINS/map_guard_self $PINS/map_guard_policy 2>/dev/null; chown 0 $PINS/map_guard_policy 2>/dev/null
chmod 700 $PINS 2>/dev/null
check "a confined root cannot make a directory in the pin directory" EPERM \
        "$(confined "mkdir $PINS/link_zz $PINS/new_link_guard_tamper_bpf 2>/dev/null && echo ok || echo EPERM")"
check "... nor a file or a symlink there" EPERM \
        "$(confined "(touch $PINS/x || ln -s / $PINS/y) 2>/dev/null && echo ok || echo EPERM")"
# A bpffs of one's own mounted onto the pin directory, holding pins that look like the guard's:
# --status would read them (a review found it).
check "a confined root cannot mount onto the pin directory" EPERM \
        "$(confined "mount -t bpf cgg $PINS 2>/dev/null && echo ok || echo EPERM")"
umount $PINS 2> /dev/null
# A file bound over /proc/cmdline in PID 1's mount namespace, saying cgroup_guard.disable: a
# restarted daemon read it there and unloaded the guard (a review found it); over /proc/1/ns
# (PID 1's namespace, which tamper protection compares with), /proc/1/mountinfo, a usermode
# helper's sysctl or the kernel's BTF likewise (a second review). Refused to confined tasks where
# the mount reaches PID 1's namespace; directories outside /proc/PID stay mountable.
echo "cgroup_guard.disable" > /tmp/fake-cmdline
mkdir -p /tmp/fake-ns
check "a confined root cannot bind a file over /proc/cmdline" EPERM \
        "$(confined "mount --bind /tmp/fake-cmdline /proc/cmdline 2>/dev/null && echo ok || echo EPERM")"
check "... nor a directory over /proc/1/ns" EPERM "$(confined "mount --bind /tmp/fake-ns /proc/1/ns 2>/dev/null && echo ok || echo EPERM")"
check "... nor a file over /proc/1/mountinfo, kernel.modprobe or /sys/kernel/btf/vmlinux" EPERM \
        "$(confined "(mount --bind /tmp/fake-cmdline /proc/1/mountinfo || mount --bind /tmp/fake-cmdline /proc/sys/kernel/modprobe || mount --bind /tmp/fake-cmdline /sys/kernel/btf/vmlinux) 2>/dev/null && echo ok || echo EPERM")"
check "... nor a file system over /proc" EPERM "$(confined "mount -t proc -o subset=pid proc /proc 2>/dev/null && echo ok || echo EPERM")"
# The directories on the way to the kernel's BTF: a tmpfs with a doctored vmlinux there fed the
# guard's next start a kernel of the confined root's choosing (a review found it).
check "... nor a file system over /sys/kernel/btf" EPERM "$(confined "mount -t tmpfs cgg /sys/kernel/btf 2>/dev/null && echo ok || echo EPERM")"
check "... nor over /sys/kernel" EPERM "$(confined "mount -t tmpfs cgg /sys/kernel 2>/dev/null && echo ok || echo EPERM")"
# kexec boots a kernel with a command line of the caller's (cgroup_guard.disable): refused
# outside the admin cgroups, as /dev/snapshot's images are (a review found it).
out=$(confined "cg-tamper kexec-load")
if [ "$out" = ENOSYS ]; then
        check "no kexec in this kernel: a hooks kernel (tinyconfig)" hooks "${KERNEL%-6.12}"
else
        check "a confined root cannot load a kernel to boot into (kexec_load)" EPERM "$out"
        check "... nor by kexec_file_load" EPERM "$(confined "cg-tamper kexec-file /usr/local/bin/cg-tamper")"
        check_true "... a tamper event naming it" wait_log "Refused tamper attempt: loading a kernel to boot into"
        check "... while an admin still may (kexec_load unloading nothing)" ok "$(as_admin cg-tamper kexec-load)"
fi
# Hibernation: /dev/snapshot opened for reading freezes every task but the caller
# (SNAPSHOT_FREEZE), PID 1 and the daemon included; a swap device named in /sys/power/resume is
# resumed from at once, an image of the caller's (a later review found both).
[ -e /sys/class/misc/snapshot ] && [ ! -c /dev/snapshot ] && mknod /dev/snapshot c 10 231
if [ -c /dev/snapshot ]; then
        refusals=$(grep -c "Refused tamper attempt: loading a kernel to boot into" $LOG)
        check "a confined root cannot open /dev/snapshot, even for reading" EPERM "$(confined "cg-tamper openr /dev/snapshot")"
        check "... nor name a device to resume from (/sys/power/resume)" EPERM "$(confined "cg-tamper openw /sys/power/resume")"
        check_true "... a tamper event naming each" wait_log "Refused tamper attempt: loading a kernel to boot into" $((refusals + 2))
        check "... while an admin still may" ok "$(as_admin cg-tamper openr /dev/snapshot)"
else
        check "no hibernation in this kernel: a hooks kernel (tinyconfig)" hooks "${KERNEL%-6.12}"
fi
check "... a directory outside /proc/PID it may mount on (as systemd's binfmt_misc unit does)" ok \
        "$(confined "mount -t tmpfs cgg /proc/fs 2>/dev/null && umount /proc/fs && echo ok || echo EPERM")"
# What counts is whether the mount propagates into PID 1's namespace, not whether it is shared:
# systemd-nspawn makes its container's mounts slaves of PID 1's with a peer group of their own and
# binds a file over the container's /proc/sys/kernel/random/boot_id (refused before: no container
# started). PID 1's /proc made shared here as systemd's is (this guest's init leaves it private).
boot_id=/proc/sys/kernel/random/boot_id
mount --make-shared /proc
check "... nor in a copy of PID 1's namespace whose mounts are its peers" EPERM \
        "$(confined "unshare -m --propagation shared sh -c 'mount --bind /tmp/fake-cmdline $boot_id 2>/dev/null && echo ok || echo EPERM' || echo no namespace")"
check "... but in a namespace whose mounts are slaves of PID 1's, with a peer group of their own (systemd-nspawn's)" ok \
        "$(confined "unshare -m --propagation slave sh -c 'mount --make-rshared / && mount --bind /tmp/fake-cmdline $boot_id 2>/dev/null && echo ok || echo EPERM' || echo no namespace")"
mount --make-private /proc
# ... and not where a mount of PID 1's namespace became a slave of that peer group (the test
# shell makes it one between the copy and the bind).
mkdir -p /tmp/p
mount -t proc proc /tmp/p && mount --make-shared /tmp/p
rm -f /tmp/f1 /tmp/f2 /tmp/slave-probe.out
mkfifo /tmp/f1 /tmp/f2
confined "unshare -m --propagation shared sh -c 'echo > /tmp/f1; read x < /tmp/f2; mount --bind /tmp/fake-cmdline /tmp/p$boot_id 2>/dev/null && echo ok || echo EPERM' > /tmp/slave-probe.out 2>&1 &"
timeout 30 sh -c 'read x < /tmp/f1'
mount --make-slave /tmp/p
timeout 30 sh -c 'echo > /tmp/f2'
i=0
while [ ! -s /tmp/slave-probe.out ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "... nor where a mount of PID 1's namespace is a slave of its peer group" EPERM "$(cat /tmp/slave-probe.out)"
umount /tmp/p$boot_id 2> /dev/null
umount /tmp/p
for f in /proc/cmdline /proc/1/ns /proc/1/mountinfo /proc/sys/kernel/modprobe /sys/kernel/btf/vmlinux /proc; do
        grep -q " ${f} " /proc/self/mountinfo && umount $f 2> /dev/null
done
# An unconfined root's file there (the test shell's): the daemon does not read it either.
mount --bind /tmp/fake-cmdline /proc/cmdline
check "an unconfined root's /proc/cmdline is in place" cgroup_guard.disable "$(cat /proc/cmdline)"
guard_stop
guard_start
check_cmd "a restart over it still enforces" EPERM cg-move $T/prot $victim
# It reads a proc file system of its own, mounted nowhere: nothing is mounted over a file there.
check_fails "... having read the kernel's own command line (nothing said about an unreadable one)" \
        grep -q "Cannot read the kernel command line" $LOG
umount /proc/cmdline
# Likewise an unconfined root's file over kernel.modprobe: read without crossing it (the tree
# before), the setting was unreadable and a reload left the program the kernel still runs
# unguarded (a review found it).
echo /nonexistent > /tmp/fake-modprobe
mount --bind /tmp/fake-modprobe /proc/sys/kernel/modprobe
reloads=$(grep -c "in force:" $LOG)
cp $POLICY_DIR/10-off-switch.json $POLICY_DIR/.p.tmp && mv $POLICY_DIR/.p.tmp $POLICY_DIR/10-off-switch.json
check_true "a reload with an unconfined root's file over kernel.modprobe" wait_log "in force:" $((reloads + 1)) 300
umount /proc/sys/kernel/modprobe
check "... the program the kernel runs ($UMH) stays guarded: a confined root cannot write it" EPERM \
        "$(confined cg-tamper write $UMH "'#!/bin/sh'")"
check_fails "... nothing said about an unreadable setting" grep -q "Cannot read /proc/sys/kernel/modprobe" $LOG

# journald's socket, where the daemon sends its entries by path: replaced by a socket of a
# confined root's, the denials and tamper reports went there (a review found it). Its names are
# guarded like the files the guard runs.
JSOCK=/run/systemd/journal/socket
check "journald listens" yes "$([ -S $JSOCK ] && echo yes)"
check "a confined root cannot rename journald's socket away" EPERM \
        "$(confined "mv $JSOCK $JSOCK.x 2>/dev/null && echo ok || echo EPERM")"
[ -S $JSOCK.x ] && mv $JSOCK.x $JSOCK
check "... nor remove it" EPERM "$(confined "rm $JSOCK 2>/dev/null && echo ok || echo EPERM")"
check "... nor mount over its directory" EPERM \
        "$(confined "mount -t tmpfs cgg /run/systemd/journal 2>/dev/null && echo ok || echo EPERM")"
grep -q " /run/systemd/journal " /proc/self/mountinfo && umount /run/systemd/journal
# Bound anew (PID 1 restarting systemd-journald.socket; here the test shell restarts journald): a
# new inode, which no key named until the next registration, and a confined root could put its
# own socket there (a review found it). The socket's name is reserved in its directory.
old_ino=$(stat -c %i $JSOCK)
kill $journald_pid; wait $journald_pid 2>/dev/null
/lib/systemd/systemd-journald > /tmp/journald.log 2>&1 &
journald_pid=$!
i=0; while [ $i -lt 300 ] && { [ ! -S $JSOCK ] || [ "$(stat -c %i $JSOCK)" = "$old_ino" ]; }; do sleep 0.1; i=$((i + 1)); done
check "journald bound its socket anew (a new inode)" yes "$([ -S $JSOCK ] && [ "$(stat -c %i $JSOCK)" != "$old_ino" ] && echo yes)"
check "... once journald binds its socket anew, a confined root cannot remove it either" EPERM \
        "$(confined "rm $JSOCK 2>/dev/null && echo ok || echo EPERM")"
check "... nor make a socket at the daemon's NOTIFY_SOCKET (sd_notify(), by path)" EPERM \
        "$(confined "touch $NOTIFY_SOCKET 2>/dev/null && echo ok || echo EPERM")"
rm -f $NOTIFY_SOCKET

# A stopped dbus-daemon (SIGSTOP from a confined root; PID 1 restarts dbus for anyone): the
# daemon is single-threaded, and a call of its own that dbus-daemon did not answer (taking its
# name again after the bus was lost, a caller's credentials) held events, the journal and the
# watchdog's keep-alive for sd-bus's 25 s (a review found it).
lost=$(grep -c "Lost the system bus" $LOG)
kill $(cat /tmp/bus.pid)
check_true "the daemon notices it lost the bus" wait_log "Lost the system bus" $((lost + 1)) 100
dbus-daemon --config-file=/usr/share/dbus-1/session.conf --address=unix:path=/run/off-switch-bus --fork --nopidfile --print-pid > /tmp/bus.pid
kill -STOP $(cat /tmp/bus.pid)
sleep 8 # the daemon's retry (every 5 s) has connected to the stopped one by now
denials=$(grep -c "protected by rule" $LOG)
check_cmd "with dbus-daemon stopped, a move is denied" EPERM cg-move $T/prot $victim
check_true "... and journaled at once (within 5 s): the daemon waits for no answer" wait_log "protected by rule" $((denials + 1)) 50
kill -CONT $(cat /tmp/bus.pid)
i=0; while [ $i -lt 300 ] && ! busctl get-property $BUS Mode > /dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
check "... and it owns its name again once dbus-daemon runs" 's "policy"' "$(busctl get-property $BUS Mode 2>&1)"

# Where the kernel's walk ends (64 levels) the admin list's reach ends, for the guard's binary
# and the D-Bus verbs alike: 70 levels below the admin cgroup is no admin cgroup.
check "a shell 70 levels below the admin cgroup" "${deep#$CG}" "$(cgroup_of $DEEP_MEMBER)"
check "... its SetMode audit is refused, as the kernel judges its cgroup" refused \
        "$(in_member deep "busctl call $BUS SetMode s audit > /dev/null 2>&1 && echo done || echo refused" 2>&1)"
check "... the mode stays" 's "policy"' "$(busctl get-property $BUS Mode 2>&1)"
as_admin busctl call $BUS SetMode s policy > /dev/null 2>&1
check "... and its --unload is refused too" EPERM "$(in_member deep "$GUARDD --unload > /dev/null 2>&1; cg-move $T/prot $victim" 2>&1)"

# fanotify permission events, never answered, hold whoever opens the file: the guard's binary
# at a restart, the policy files at a reload, cgroup2, the pins (a review found it).
if [ -e /proc/sys/fs/fanotify ]; then
        check "a confined root cannot ask for permission events on the guard's binary" EPERM \
                "$(confined cg-tamper fanotify inode perm $GUARDD)"
        check_true "... a tamper event naming it" wait_log "Refused tamper attempt: a fanotify mark asking for permission events"
        check "... nor on the policy directory's mount" EPERM "$(confined cg-tamper fanotify mount perm $POLICY_DIR)"
        check "... nor on the root file system" EPERM "$(confined cg-tamper fanotify filesystem perm /)"
        check "... it may ask for notification events (they never wait)" ok "$(confined cg-tamper fanotify inode notify $GUARDD)"
        check "root in an unconfined cgroup may ask for permission events" ok \
                "$(in-cgroup $T/other cg-tamper fanotify filesystem perm / 2>&1)"
else
        check "no fanotify: a hooks kernel (tinyconfig)" hooks "${KERNEL%-6.12}"
fi

# File leases hold everyone else's opens of the file until the holder gives them up, 45 s and
# more, or fail them at once with O_NONBLOCK: one on a setting the daemon reads each second hung
# it, one on a policy file failed its restart (a review found it).
lease_other=$(in-cgroup $T/other cg-tamper lease write $policy_file 2>&1)
if [ "$lease_other" = ok ]; then
        check "a confined root cannot take a write lease on a policy file" EPERM \
                "$(confined cg-tamper lease write $policy_file)"
        check_true "... a tamper event naming it" wait_log "Refused tamper attempt: a file lease from a confined cgroup"
        check "... nor a read lease on the guard's binary" EPERM "$(confined cg-tamper lease read $GUARDD)"
        check "... nor a lease on a file of its own" EPERM "$(confined "touch /tmp/own-lease; cg-tamper lease write /tmp/own-lease")"
        check "root in an unconfined cgroup may take one" ok "$lease_other"
        # Any user may lease a file it owns, /proc/PID/status among them, which the daemon reads
        # (sd-bus asks it who called): leases on the kernel's file systems are the admin's only.
        check "... but not on a proc file (its own /proc/PID/status)" EPERM \
                "$(in-cgroup $T/other cg-tamper lease write /proc/self/status 2>&1)"
else
        check "no file leases: a hooks kernel (tinyconfig, no CONFIG_FILE_LOCKING)" "hooks EINVAL" \
                "${KERNEL%-6.12} $lease_other"
fi

# The daemon's own proc file system: detached, its mount could be named through the daemon's
# /proc/PID/fd/N, which read access opens, and moved (move_mount(), or mount(2)'s MS_MOVE, which
# no LSM hook sees outside PID 1's namespace) into a namespace where files in it can be mounted
# over; and a proc's options are its superblock's: remounted with subset=pid, /proc/sys (the
# helpers' settings) reads as missing (reviews found both). The daemon attaches it and unmounts
# it again at once: nobody can move it then, and nothing is left mounted.
own_proc=0 moved=
for f in /proc/$GUARD_PID/fd/*; do
        [ "$(readlink $f)" = / ] && [ -d $f/sys/kernel ] || continue
        own_proc=$((own_proc + 1))
        for how in "cg-tamper steal-mount $f /tmp/stolen" "mount --move $f /tmp/stolen 2>/dev/null && echo ok"; do
                moved="$moved$(confined "mkdir -p /tmp/stolen; unshare -m sh -c '$how'")"
                moved="$moved$(confined "mkdir -p /tmp/stolen; $how")"
        done
        remounted=$(confined "mount -o remount $f 2>/dev/null && echo ok || echo refused")
done
check "the daemon reads a proc file system of its own" 1 "$own_proc"
check "... which a confined root cannot move, by move_mount() or MS_MOVE, from its namespace or another" "" \
        "$(echo "$moved" | grep -o ok)"
check "... nor remount" refused "$remounted"
check "... and none is left mounted" "" "$(grep cgroup-guard-proc /proc/self/mountinfo)"
mkdir -p /tmp/own-proc
check "... but it may mount and remount a proc of its own (as a container does)" ok \
        "$(confined "mount -t proc cgproc /tmp/own-proc && mount -o remount /tmp/own-proc && umount /tmp/own-proc && echo ok || echo EPERM")"

# Mount limits: set low from a confined cgroup, the unit's private mount namespace and the
# daemon's own proc cannot be made at its next start (a review found it).
for s in user/max_mnt_namespaces fs/mount-max; do
        [ -e /proc/sys/$s ] || continue
        was=$(cat /proc/sys/$s)
        check "a confined root cannot change $s" EPERM "$(confined cg-tamper write /proc/sys/$s 1)"
        check "... which stays" "$was" "$(cat /proc/sys/$s)"
        echo "$was" > /proc/sys/$s
        check "... but may write the value in force again" ok \
                "$(confined "echo $was > /proc/sys/$s 2>/dev/null && echo ok || echo EPERM")"
done
check_true "... a tamper event naming it" wait_log "Refused tamper attempt: changing a mount limit"
if [ -e /proc/sys/user/max_mnt_namespaces ]; then
        was=$(cat /proc/sys/user/max_mnt_namespaces)
        check "... raising one stays allowed (systemd's sysctl.d raises limits)" ok \
                "$(confined "echo $((was + 1)) > /proc/sys/user/max_mnt_namespaces 2>/dev/null && echo ok || echo EPERM")"
        echo "$was" > /proc/sys/user/max_mnt_namespaces
fi

# The other limits the daemon's next start needs: its unit's network and UTS namespaces, its fds,
# its mappings, PID 1's fork, the policy directory's watch (a review found them). Lowering is
# refused to confined roots; keeping or raising stays allowed.
for s in user/max_net_namespaces user/max_uts_namespaces fs/nr_open fs/file-max vm/max_map_count \
        kernel/threads-max kernel/pid_max fs/inotify/max_user_instances fs/inotify/max_user_watches \
        fs/epoll/max_user_watches; do
        [ -e /proc/sys/$s ] || continue
        was=$(cat /proc/sys/$s)
        check "a confined root cannot lower $s" EPERM "$(confined cg-tamper write /proc/sys/$s $((was - 1)))"
        check "... which stays" "$was" "$(cat /proc/sys/$s)"
        echo "$was" > /proc/sys/$s
        # (fs.file-max may be LONG_MAX: nothing to raise, and sh's arithmetic would overflow)
        [ ${#was} -lt 18 ] && check "... but may raise it" ok \
                "$(confined "echo $((was + 1)) > /proc/sys/$s 2>/dev/null && echo ok || echo EPERM")"
        echo "$was" > /proc/sys/$s
done
check_true "... a tamper event naming it" wait_log "Refused tamper attempt: lowering a limit cgroup-guardd's next start needs"
# Real-time throttling off (-1) or more runtime: SCHED_FIFO loops on every CPU would starve the
# daemon and PID 1. Any change is refused to confined roots; the value in force may be written.
if [ -e /proc/sys/kernel/sched_rt_runtime_us ]; then
        was=$(cat /proc/sys/kernel/sched_rt_runtime_us)
        check "a confined root cannot switch real-time throttling off" EPERM \
                "$(confined cg-tamper write /proc/sys/kernel/sched_rt_runtime_us -1)"
        check "... nor give it more runtime" EPERM "$(confined cg-tamper write /proc/sys/kernel/sched_rt_runtime_us $((was + 1)))"
        check "... which stays" "$was" "$(cat /proc/sys/kernel/sched_rt_runtime_us)"
        echo "$was" > /proc/sys/kernel/sched_rt_runtime_us
        check "... but may write the value in force" ok \
                "$(confined "echo $was > /proc/sys/kernel/sched_rt_runtime_us 2>/dev/null && echo ok || echo EPERM")"
fi
# Strict overcommit at ratio 0 fails every new mapping and fork (root's too), and SysRq from an
# injected keyboard event kills everything as the kernel (a review found both); vm.mmap_min_addr
# past the stack fails every execve() after its point of no return (a later review): any change
# is refused to confined roots, as real-time throttling's.
for s in vm/overcommit_memory vm/overcommit_ratio kernel/sysrq vm/mmap_min_addr; do
        [ -e /proc/sys/$s ] || continue
        was=$(cat /proc/sys/$s)
        case $s in vm/overcommit_memory) new=2 ;; vm/mmap_min_addr) new=$((was + 4096)) ;; *) new=$((was == 0 ? 1 : 0)) ;; esac
        check "a confined root cannot change $s" EPERM "$(confined cg-tamper write /proc/sys/$s $new)"
        check "... which stays" "$was" "$(cat /proc/sys/$s)"
        echo "$was" > /proc/sys/$s
done
# The kernel reads numbers in base 0: "077777" is 32767, not the 77777 it looks like in base 10
# (a review found it: a first version compared in base 10 and let such a write through).
was=$(cat /proc/sys/vm/max_map_count)
if [ "$was" -gt 32767 ] && [ "$was" -le 77777 ]; then
        check "... nor lower vm.max_map_count with a number in octal" EPERM \
                "$(confined cg-tamper write /proc/sys/vm/max_map_count 077777)"
        check "... which stays" "$was" "$(cat /proc/sys/vm/max_map_count)"
        echo "$was" > /proc/sys/vm/max_map_count
fi
# A root in a user namespace of its own changes only that namespace's user.max_* limits.
check "a confined root may lower the limits of its own user namespace" 5 \
        "$(confined "unshare -U -r sh -c 'echo 5 > /proc/sys/user/max_mnt_namespaces && cat /proc/sys/user/max_mnt_namespaces' 2>&1")"
# ... but not the global ones from there: the kernel asks only for euid 0, which it keeps (a
# review found a first version that let these through).
was=$(cat /proc/sys/fs/nr_open)
check "... nor the global fs.nr_open from a user namespace of its own" EPERM \
        "$(confined "unshare -U sh -c 'cg-tamper write /proc/sys/fs/nr_open $((was - 1))' 2>&1")"
check "... which stays" "$was" "$(cat /proc/sys/fs/nr_open)"
echo "$was" > /proc/sys/fs/nr_open

# The lockdown level can be raised at run time, never lowered: at "confidentiality" the guard's
# next fresh load takes its lockdown variants, which read less of the kernel (a review found it).
# Last but the admin's unload: on a tree that lets it through, the level stays raised.
if [ -e /sys/kernel/security/lockdown ]; then
        check "a confined root cannot raise the lockdown level" EPERM \
                "$(confined cg-tamper write /sys/kernel/security/lockdown integrity)"
        check_true "... a tamper event naming it" wait_log "Refused tamper attempt: raising the kernel's lockdown level"
        check "... which stays" "[none] integrity confidentiality" "$(cat /sys/kernel/security/lockdown)"
else
        check "no lockdown LSM: a hooks kernel (tinyconfig)" hooks "${KERNEL%-6.12}"
fi

# The admin: the same command from the admin cgroup the policy names. Meanwhile a root elsewhere
# holds what it can of the guard's links: on native, where pins are not refused, it opened them
# all, and the programs enforced on after the unload as long as it kept them (a review found it).
# Enforcement ends with the unload whoever holds a link; the unload itself waits for them.
in-cgroup $T/other cg-tamper hold 60 $PINS > /tmp/hold.out 2>&1 & holder=$!
i=0; while ! grep -q held /tmp/hold.out && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
held=$(sed -n 's/^held //p' /tmp/hold.out)
case $KERNEL in
stock*) check "root in no admin cgroup opens none of the link pins (compat)" 0 "$held" ;;
*) check_true "root in no admin cgroup holds the link pins it opened (native: $held)" [ "${held:-0}" -gt 0 ] ;;
esac
(as_admin "$GUARDD" --unload > /tmp/admin.out 2>&1; echo $? > /tmp/admin.rc) &
i=0; while [ -e $PINS ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
check_cmd "nothing enforced any more, while another process holds $held of the guard's links" ok cg-move $T/prot $victim
kill $holder 2>/dev/null
i=0; while [ ! -s /tmp/admin.rc ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(cat /tmp/admin.rc 2>/dev/null)" = 0 ] && ok "--unload from the admin cgroup works" ||
        not_ok "--unload from /t/admin: $(cat /tmp/admin.out)"
check "no links left" "" "$(link_ids)"

kill $victim
finish
