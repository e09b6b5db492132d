# Issue 12, gaps an adversarial code review found in tamper protection, each probed from where the
# threat model puts the adversary:
# (1) the unit's cgroup is no identity: a process there may send the daemon SIGHUP (ExecReload=)
#     and nothing else, and nobody but PID 1 and the guard moves a process into it, whatever the
#     policy says (here no policy protects it);
# (2) a controller disabled and enabled again above the daemon gives its cgroup (and the cgroups
#     between) new limit files:
#     writes are refused by directory, not by the inodes registered at start;
# (3) the root cgroup's cgroup.max.depth and cgroup.max.descendants;
# (4) a cgroup made and removed at the guard's unit's path while the daemon is stopped, and one made
#     in the guard's cgroup; files renamed into a sealed directory over and over by a root outside
#     confined cgroups; (5) mounts over cgroup2 and its unmount.
. /scenarios/lib.sh

# A sealed directory (modprobe's), there when the daemon registers.
mkdir -p /etc/modprobe.d

GUARD_CGROUP=$T/svc/guardd      # its own cgroup under a "slice", like a systemd unit
GUARD_UNIT_MEMBER=1
mkdir -p $T/prot $T/svc $T/free
# pids down to the daemon's cgroup, as systemd enables it for system.slice (the hooks kernel
# has no memory controller).
for c in $CG $T $T/svc; do echo +pids > $c/cgroup.subtree_control; done
policy 10-guard-cgroup.json <<'JSON'
{ "version": 1, "migration": { "protect": ["/t/prot"], "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] } }
JSON
guard_start
sleep 1000 & victim=$!
check_cmd "enforcing" EPERM cg-move $T/prot $victim
# The attacker: root in a protected cgroup.
attack() { in-cgroup $T/prot cg-tamper "$@"; }

# --- 1: joining the guard's cgroup, and what its members may do ---
sleep 1000 & joiner=$!
check_cmd "moving a process into the guard's cgroup, even by the policy's allowed mover: EPERM" EPERM cg-move-allowed $GUARD_CGROUP $joiner
check_cmd "clone3(CLONE_INTO_CGROUP) into it: EPERM" EPERM in-cgroup $T/free cg-clone3 $GUARD_CGROUP
check_true "the process stayed out" [ "$(cgroup_of $joiner)" != "/t/svc/guardd" ]
check_true "the attempts are reported" wait_log "Refused tamper attempt: moving a process into cgroup-guardd's cgroup" 1
check_cmd "the unit's cgroup may send the daemon SIGHUP (ExecReload=)" ok in_unit cg-tamper signal $GUARD_PID 1
check_true "and the daemon reloads" wait_log "Policy generation 2 in force" 1 3000
# (Not cgroup.freeze: that would freeze the unit's member as well, before the fix.)
check_cmd "from the unit's cgroup, a control file of the daemon's cgroup (pids.max): EPERM" EPERM in_unit cg-tamper write $GUARD_CGROUP/pids.max max
check_cmd "from the unit's cgroup, ptrace attach: EPERM" EPERM in_unit cg-tamper attach $GUARD_PID
check_cmd "a cgroup made in the guard's cgroup: EPERM (one with +memory would keep PID 1 from joining it)" EPERM attack mkdirs $GUARD_CGROUP/x 1
check_cmd "from the unit's cgroup, umount of the pins' bpffs: EPERM" EPERM in_unit cg-tamper umount /sys/fs/bpf detach
grep -q " /sys/fs/bpf " /proc/mounts || mount -t bpf bpf /sys/fs/bpf
check_cmd "the guard (its binary outside confined cgroups) may freeze and thaw its cgroup" ok guard_write $GUARD_CGROUP/cgroup.freeze 0

# --- 2: controllers toggled above the daemon ---
check_cmd "pids.max of the daemon's cgroup: EPERM" EPERM attack write $GUARD_CGROUP/pids.max max
check_cmd "disabling pids in its parent is allowed (runc, containerd's shim)" ok attack write $T/svc/cgroup.subtree_control -pids
check_cmd "enabling it again too" ok attack write $T/svc/cgroup.subtree_control +pids
check_cmd "the daemon's new pids.max: EPERM" EPERM attack write $GUARD_CGROUP/pids.max max
check_cmd "pids off in the parent and the grandparent" ok in-cgroup $T/prot sh -c "echo -pids > $T/svc/cgroup.subtree_control && echo -pids > $T/cgroup.subtree_control && echo ok"
check_cmd "and on again" ok in-cgroup $T/prot sh -c "echo +pids > $T/cgroup.subtree_control && echo +pids > $T/svc/cgroup.subtree_control && echo ok"
check_cmd "the parent's new pids.max: EPERM" EPERM attack write $T/svc/pids.max max
check_cmd "the daemon's newer pids.max: EPERM" EPERM attack write $GUARD_CGROUP/pids.max max
check_cmd "its own cgroup.subtree_control: EPERM (a controller there, between a restart's mkdir and its join, kept PID 1 out)" EPERM attack write $GUARD_CGROUP/cgroup.subtree_control +pids
check_cmd "its cgroup.procs is for the migration policy (EPERM: joining)" EPERM in-cgroup $T/free cg-tamper write $GUARD_CGROUP/cgroup.procs 0
check_cmd "a cgroup the guard does not live in stays writable" ok attack write $T/prot/pids.max max
check_true "the new files' refusals are reported" wait_log "Refused tamper attempt: writing a cgroup file of cgroup-guardd's cgroup or above" 4

# --- 3: the root cgroup's limits on new cgroups ---
check_cmd "the root cgroup's cgroup.max.depth: EPERM" EPERM attack write $CG/cgroup.max.depth max
check_cmd "its cgroup.max.descendants: EPERM" EPERM attack write $CG/cgroup.max.descendants max
check_cmd "root outside confined cgroups too: EPERM" EPERM cg-tamper write $CG/cgroup.max.depth max
check_cmd "the guard may" ok guard_write $CG/cgroup.max.depth max
check_cmd "the root's cgroup.subtree_control stays writable (systemd, runc)" ok attack write $CG/cgroup.subtree_control +pids

# Last: a SIGTERM from the unit's cgroup (before the fix it stops the daemon).
check_cmd "from the unit's cgroup, SIGTERM: EPERM" EPERM in_unit cg-tamper signal $GUARD_PID 15
sleep 0.3
check "the daemon survived all of it" running "$(running $GUARD_PID)"
check_cmd "still enforcing" EPERM cg-move $T/prot $victim

# --- 4: the guard's unit's path, made and removed over and over while the daemon is stopped ---
# (PID 1 stopped it; the pins enforce on.) Each mkdir there registers the new cgroup as the
# guard's before its files show (guard_tamper_unit_mkdir); nothing dropped the earlier ones until
# a daemon ran: 16,384 filled guard_objects, and the next daemon found no room. Now each drops the
# last, and only PID 1 and admins remove the guard's cgroup (nor may anyone else make one in it:
# with a controller enabled there it kept PID 1 from starting the unit again).
guard_kill $GUARD_PID > /dev/null
wait $GUARD_PID 2>/dev/null
unit_member_stop
rmdir $GUARD_CGROUP
check_cmd "the daemon stopped, the pins enforce" EPERM cg-move $T/prot $victim
# 16,500 tries; the first mkdir makes it the guard's cgroup, which only PID 1 (or an admin) removes.
check_cmd "a confined root makes a cgroup at the guard's unit's path, but cannot remove it to make it again" EPERM attack mkdirs $GUARD_CGROUP 16500
registered=$(cgroup-guardd --status | grep "Protected:")
check_true "... which filled nothing (--status:$registered)" eval '[ -n "$registered" ] && ! echo "$registered" | grep -q FULL'
check_cmd "... nor make one in it (PID 1 could not start the unit there)" EPERM attack mkdirs $GUARD_CGROUP/x 1
check_cmd "the admin removes it (as PID 1 does)" ok sh -c "rmdir $GUARD_CGROUP && echo ok"
# Each file renamed into a sealed directory is registered by the kernel (a name no confined task
# may write) until the daemon's next round: 17,000 of them by a root outside confined cgroups,
# while the daemon is stopped, filled guard_objects (a review found it). The kernel's share is
# capped now: past it an arrival fails (ENOSPC), and the daemon's own keys find room.
flood=$(cg-tamper arrivals /etc/.cgg-arrival /etc/modprobe.d/cgg-junk 17000)
check_true "a root outside confined cgroups renames 17,000 files into a sealed directory: stopped at the kernel's share ($flood)" \
        eval 'case "$flood" in "ENOSPC "[34][0-9][0-9][0-9]) true ;; *) false ;; esac' 
rm -f /etc/modprobe.d/cgg-junk /etc/.cgg-arrival
# The daemon registers a sealed directory's entries by name: 17,000 made by a root outside
# confined cgroups in /run/modprobe.d (a name reserved to confined tasks only) filled the map at
# the next daemon's round, before /etc/modprobe.d's seal was written (a review found it).
mkdir /run/modprobe.d && (cd /run/modprobe.d && seq 1 17000 | xargs touch)
check_cmd "a root outside confined cgroups makes 17,000 files in /run/modprobe.d" 17000 sh -c "ls /run/modprobe.d | wc -l"
# Started again in this shell's cgroup: only PID 1 places a process in its unit's.
GUARD_CGROUP= GUARD_UNIT_MEMBER=0 guard_start
# What the restarted daemon registers anew: its pid (/proc/PID/oom_score_adj).
check_cmd "the restarted daemon's oom_score_adj: EPERM" EPERM attack write /proc/$GUARD_PID/oom_score_adj 1000
check "... /etc/modprobe.d still sealed: a confined root adds no file there" refused \
        "$(in-cgroup $T/prot sh -c "(echo x > /etc/modprobe.d/evil.conf) 2>/dev/null && echo created || echo refused")"
registered=$(cgroup-guardd --status | grep "Protected:")
check_true "... and the map is not full (--status:$registered)" eval '[ -n "$registered" ] && ! echo "$registered" | grep -q FULL'
rm -rf /run/modprobe.d /etc/modprobe.d/evil.conf
check_cmd "... a confined prober opens none of its objects" "maps 0 progs 0 links 0 pins 0 writes 0" attack grab 2 /sys/fs/bpf/cgroup-guard
check_cmd "still enforcing" EPERM cg-move $T/prot $victim

# --- 5: mounts over cgroup2 in PID 1's namespace (PID 1 works on cgroups by path: one over the
# unit's cgroup kept every restart out of it) ---
check "a confined root mounts nothing over a cgroup" refused "$(in-cgroup $T/prot sh -c "mount -t tmpfs x $T/free 2>/dev/null && echo mounted || echo refused")"
check_cmd "... nor unmounts cgroup2 (lazily)" EPERM attack umount $CG detach
check_true "... reported" wait_log "Refused tamper attempt: mounting over a cgroup2 directory, or unmounting cgroup2" 1 300
# A bind remount in PID 1's namespace sets one mount's flags: /sys/fs/cgroup read-only (PID 1's
# mkdir and join fail), "/" noexec (its exec of the guard fails).
check "... nor bind-remounts /sys/fs/cgroup read-only in PID 1's namespace" refused \
        "$(in-cgroup $T/prot sh -c "mount -o remount,bind,ro $CG 2>/dev/null && echo remounted || echo refused")"
mount -o remount,bind,rw $CG 2>/dev/null # where that got through: writable again for what follows
# cgroup2 has one superblock, every namespace's mounts share it.
check "... nor remounts cgroup2's superblock read-only from a mount namespace of its own" refused \
        "$(in-cgroup $T/prot unshare -m sh -c "mount -o remount,ro $CG 2>/dev/null && echo remounted || echo refused")"
mount -o remount,rw $CG 2>/dev/null
# A plain remount (no MS_BIND) sets the mount's flags too: "/" made noexec in PID 1's namespace
# kept PID 1 from executing the guard at its next start (a review found it). Shown on a mount of
# the test's own; one that adds no restriction stays allowed (systemd-remount-fs makes "/"
# read-write at boot from /system.slice).
mkdir -p /run/rmt && mount -t tmpfs rmt /run/rmt
check "... nor remounts a mount noexec in PID 1's namespace (no bind)" refused \
        "$(in-cgroup $T/prot sh -c "mount -o remount,noexec /run/rmt 2>/dev/null && echo remounted || echo refused")"
check "... nor read-only" refused \
        "$(in-cgroup $T/prot sh -c "mount -o remount,ro /run/rmt 2>/dev/null && echo remounted || echo refused")"
# nosymfollow on "/": every symlink fails there, /lib64 among them, and with it every
# dynamically linked exec (a review found it).
check_cmd "... nor nosymfollow" EPERM attack remount-nosymfollow /run/rmt
# Unbindable: the recursive bind of "/" systemd makes for a sandboxed unit's namespace leaves such
# a mount out, and the guard restarted there found no cgroup2 or no bpffs (a review found it).
check "... nor makes a mount unbindable in PID 1's namespace" refused \
        "$(in-cgroup $T/prot sh -c "mount --make-unbindable /run/rmt 2>/dev/null && echo unbindable || echo refused")"
check "... while in a mount namespace of its own it may" unbindable \
        "$(in-cgroup $T/prot unshare -m sh -c "mount --make-unbindable /run/rmt 2>/dev/null && echo unbindable || echo refused")"
check_cmd "... the mount kept its flags" rw sh -c "grep ' /run/rmt ' /proc/mounts | grep -c noexec >/dev/null && echo noexec || grep ' /run/rmt ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1"
check "a remount that adds no restriction stays allowed" remounted \
        "$(in-cgroup $T/prot sh -c "mount -o remount,exec /run/rmt 2>/dev/null && echo remounted || echo refused")"
# mount_setattr(2) sets a mount's flags in place and passes no LSM hook but may_mount()'s
# capability check, made before it reads its arguments: "/" made noexec so, PID 1 ran nothing more
# (a review found the gap). Refused there to confined tasks in PID 1's namespace, whatever it
# names (a detached tree's empty path can be changed by another thread after the check); their
# own namespaces stay theirs.
refusals=$(grep -c "Refused tamper attempt: mounting over a cgroup2 directory" $LOG)
check_cmd "... nor sets a mount noexec in PID 1's namespace by mount_setattr(2)" EPERM attack setattr /run/rmt
check_cmd "... the mount kept its flags" rw sh -c "grep ' /run/rmt ' /proc/mounts | grep -c noexec >/dev/null && echo noexec || grep ' /run/rmt ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1"
check_true "... reported" wait_log "Refused tamper attempt: mounting over a cgroup2 directory.*mount_setattr" $((refusals + 1)) 300
check_cmd "... nor on a detached tree there" EPERM attack setattr-detached /run/rmt
check "... and in a mount namespace of its own" ok "$(in-cgroup $T/prot unshare -m cg-tamper setattr /run/rmt 2>&1)"
umount /run/rmt
# The pins' bpffs is one superblock in every namespace that has a copy: read-only, no restarted
# guard pins anything.
check "... nor remounts the pins' bpffs read-only from a mount namespace of its own" refused \
        "$(in-cgroup $T/prot unshare -m sh -c "mount -o remount,ro /sys/fs/bpf 2>/dev/null && echo remounted || echo refused")"
mount -o remount,rw /sys/fs/bpf 2>/dev/null
check_cmd "... still writable" ok sh -c "grep ' /sys/fs/bpf ' /proc/mounts | grep -q ' rw,' && echo ok"
# An unmount travels through the parent's peers: with PID 1's mounts shared (as systemd makes
# them), a peer namespace's copy of cgroup2 made private and unmounted lazily took PID 1's.
check_cmd "PID 1's mounts made shared" ok cg-tamper propagation / rshared
check "... nor unmounts it through a peer namespace (its own copy made private)" EPERM \
        "$(in-cgroup $T/prot cg-unshare mnt -- cg-tamper propagation $CG private umount)"
check_cmd "cgroup2 still there" /sys/fs/cgroup sh -c "grep -o ' /sys/fs/cgroup cgroup2' /proc/mounts | cut -d' ' -f2"
check_cmd "... writable" ok sh -c "mkdir $T/after && rmdir $T/after && echo ok"
kill $victim $joiner
finish
