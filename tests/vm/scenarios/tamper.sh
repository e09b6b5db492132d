# Tamper protection (issue: root can undo any policy by detaching the guard's programs): nobody
# but cgroup-guardd may get at its maps, programs or links, remove or rename its pins, or signal
# it; every attempt is refused with EPERM and reported; the daemon and --unload still work.
. /scenarios/lib.sh

PINS=/sys/fs/bpf/cgroup-guard
GUARD_CGROUP=$T/guardd          # its own cgroup, like a systemd unit
GUARD_UNIT_MEMBER=1             # and a process there besides the daemon (in_unit)
mkdir -p $T/prot $T/service
# cg-move-allowed (in-cgroup) may move in: the attacker, root in /t/prot, a confined cgroup.
# cg-move-service may from /t/service, a trusted service (logind in the shipped policy); the
# other entry names an executable that is not installed.
cp /usr/local/bin/cg-move /usr/local/bin/cg-move-service
policy 10-tamper.json <<'JSON'
{ "version": 1, "migration": { "protect": ["/t/prot"], "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" },
  { "exe": "/usr/local/bin/cg-move-service", "cgroup": "/t/service" },
  { "exe": "/usr/local/bin/cg-move-absent", "cgroup": "/t/service" } ] } }
JSON
guard_start
sleep 1000 & victim=$!
check_cmd "enforcing" EPERM cg-move $T/prot $victim
# A cgroup program on the unix sendmsg hook (6.7 and later) attached above the daemon rewrites
# where its sends go: its journal entries and sd_notify() (READY=1, WATCHDOG=1) to nowhere.
case $KERNEL in
*-6.12)
        check_cmd "a confined root cannot load a cgroup program on the unix sendmsg hook" EPERM in-cgroup $T/prot cg-fmodret unixsend
        check_true "... a tamper event" wait_log "Refused tamper attempt: loading a BPF program .*(program type) 18 by pid"
        check_cmd "the admin may" ok cg-fmodret unixsend ;;
*) check_cmd "6.1 has no unix sendmsg hook (EINVAL)" EINVAL in-cgroup $T/prot cg-fmodret unixsend ;;
esac
if grep -q "lockdown=confidentiality" /proc/cmdline; then
        check_grep "kernel lockdown is confidentiality" /sys/kernel/security/lockdown "\[confidentiality\]"
        check_grep "the daemon chose the lockdown variants" $LOG "Kernel lockdown=confidentiality: links are guarded"
        tamper_bpf=$(cgroup-guardd --stats | awk '$1 == "prog" && ($2 == "guard_tamper_bpf" || $2 == "guard_tamper_bpf_lockdown") { print $2 }' | sort -u)
        check "guard_tamper_bpf_lockdown is attached instead of guard_tamper_bpf" guard_tamper_bpf_lockdown "$tamper_bpf"
fi

map_id=$(bpftool map show pinned $PINS/map_guard_policy 2>/dev/null | sed -n 's/^\([0-9]*\):.*/\1/p')
check "bpftool cannot open a pinned map (no map id)" "" "$map_id"
bpftool map dump pinned $PINS/map_guard_counters > /tmp/out 2>&1
check_grep "bpftool map dump pinned: EPERM" /tmp/out "Operation not permitted"
bpftool map update pinned $PINS/map_guard_policy key 0 0 0 0 value 0 0 0 0 > /tmp/out 2>&1
check_grep "bpftool map update: EPERM" /tmp/out "Operation not permitted"
ids=$(bpftool map show 2>/dev/null | sed -n 's/^\([0-9]*\): .*name guard_counters.*/\1/p')
if [ -z "$ids" ]; then
        ok "our maps are not even listed (no handle by id)"
else
        bpftool map dump id $ids > /tmp/out 2>&1
        check_grep "bpftool map dump id: EPERM" /tmp/out "Operation not permitted"
fi
# A pin every backend that protects itself has (listing the directory may itself be refused).
link=link_guard_tamper_task_kill
links_before=$(cgroup-guardd --stats | grep -c "^prog ")
# What --stats says after an attempt on the pin: how many programs, and whether the pin's is one.
programs() {
        echo "$(cgroup-guardd --stats | grep -c "^prog ") programs," \
                "guard_tamper_task_kill $(cgroup-guardd --stats | grep -q "^prog guard_tamper_task_kill " && echo attached || echo gone)"
}
bpftool link detach pinned $PINS/$link > /tmp/out 2>&1
check_grep "bpftool link detach pinned: EPERM" /tmp/out "Operation not permitted"
lid=$(bpftool link show 2>/dev/null | sed -n 's/^\([0-9]*\): .*/\1/p' | head -n 1)
if [ -n "$lid" ]; then
        bpftool link detach id $lid > /tmp/out 2>&1
        check_grep "bpftool link detach id $lid: EPERM" /tmp/out "Operation not permitted"
else
        ok "no link listed at all"
fi
kept="refused, $links_before programs, guard_tamper_task_kill attached"
check "rm of a pin: refused" "$kept" "$(rm $PINS/$link 2>/tmp/out && echo removed || echo refused), $(programs)"
check "mv of a pin: refused" "$kept" "$(mv $PINS/$link $PINS/moved 2>/tmp/out && echo renamed || echo refused), $(programs)"
kill -9 $GUARD_PID 2>/tmp/out; sleep 0.2
check "kill -9 of the daemon by another root process: refused" running "$(running $GUARD_PID)"
kill -TERM $GUARD_PID 2>/dev/null; sleep 0.2
check "kill -TERM too" running "$(running $GUARD_PID)"
check_true "a process in the daemon's own cgroup may send SIGHUP (ExecReload=)" in_unit kill -HUP $GUARD_PID
check_cmd "and no other signal: EPERM" EPERM in_unit cg-tamper signal $GUARD_PID 15
check_cmd "still enforcing after all that" EPERM cg-move $T/prot $victim
check_true "attempts are reported as tamper events" wait_log "Refused tamper attempt" 5
check_grep "the signal attempt is reported" $LOG "Refused tamper attempt: signalling cgroup-guardd"

# The files the guard runs (its binary, libraries, the names on their paths): a root in a confined
# cgroup rewrites, truncates, removes, renames or mounts over none of them; the admin (outside
# confined cgroups) still upgrades them. Harmless if it worked: the same bytes, originals restored
# from hard links (the guest's files live in its initramfs).
exe=$(readlink /proc/$GUARD_PID/exe)
lib=$(awk '$2 ~ /x/ && $6 ~ /\.so/ { print $6; exit }' /proc/$GUARD_PID/maps)
ino() { stat -c %i "$1" 2>/dev/null; }
confined() { in-cgroup $T/prot "$@"; }
# restore NAME: puts NAME.keep (a hard link made before the attempt) back as NAME.
restore() { [ "$(ino "$1")" = "$(ino "$1.keep")" ] || /bin/mv -f "$1.keep" "$1"; rm -f "$1.keep"; }
echo "# binary $exe, library $lib"
check_cmd "the attacker runs in /t/prot" "0::/t/prot" confined cat /proc/self/cgroup
check_cmd "a confined root opens one of the guard's libraries for writing: EPERM" EPERM confined cg-tamper openw "$lib"
check_cmd "nor truncates it (truncate(2), to its own size): EPERM" EPERM confined cg-tamper truncate "$lib"
cp "$lib" "$lib.evil"; ln "$lib" "$lib.keep"; lib_ino=$(ino "$lib")
confined mv -f "$lib.evil" "$lib" 2>/dev/null
check "nor renames another file over it ($lib, its inode)" "$lib_ino" "$(ino "$lib")"
restore "$lib"; rm -f "$lib.evil"
cp "$lib" /tmp/lib.copy
if confined mount --bind /tmp/lib.copy "$lib" 2>/dev/null; then
        umount "$lib"
        not_ok "bind-mounted over $lib"
else
        ok "nor mounts over it"
fi
ln "$exe" "$exe.keep"; exe_ino=$(ino "$exe")
confined rm -f "$exe" 2>/dev/null
check "nor removes the guard's binary ($exe, its inode)" "$exe_ino" "$(ino "$exe")"
restore "$exe"
cp "$exe" /usr/local/evil; ln "$exe" "$exe.keep"
confined mv -f /usr/local/evil "$exe" 2>/dev/null
check "nor renames another file over the binary ($exe, its inode)" "$exe_ino" "$(ino "$exe")"
restore "$exe"; rm -f /usr/local/evil
dir=${exe%/*}
confined mv "$dir" "$dir.moved" 2>/dev/null
[ -d "$dir" ] && ok "nor renames the binary's directory" || { /bin/mv "$dir.moved" "$dir"; not_ok "renamed $dir"; }
check_true "attempts on the guard's files are reported" \
        wait_log "Refused tamper attempt: writing, truncating, removing, renaming or mounting over a file cgroup-guardd runs"
check_cmd "the admin (outside confined cgroups) may open the library for writing" ok cg-tamper openw "$lib"
cp "$lib" "$lib.new" && mv -f "$lib.new" "$lib" && ok "and upgrade it as dpkg does (a new file renamed over it)" ||
        not_ok "the admin's upgrade of $lib was refused"

# The executables allow rules trust (a review): the service's next start (PID 1 restarts logind
# for any root that asks) runs whatever a confined root put at the rule's path, with the rule's
# power (logind's: anything, anywhere), and the daemon followed the path to the new file. Guarded
# as the guard's own files are, a missing one's name reserved; the admin still upgrades them.
svc=/usr/local/bin/cg-move-service
svc_moves() { sleep 1000 & v=$!; r=$(in-cgroup $T/service $svc $T/prot $v); kill $v; echo "$r"; }
check "the trusted service's executable moves into /t/prot" ok "$(svc_moves)"
check_cmd "a confined root opens an allow rule's executable for writing: EPERM" EPERM confined cg-tamper openw $svc
check_cmd "nor truncates it: EPERM" EPERM confined cg-tamper truncate $svc
svc_ino=$(ino $svc)
cp $svc /usr/local/bin/evil-service; ln $svc $svc.keep
confined mv -f /usr/local/bin/evil-service $svc 2>/dev/null
check "nor renames another file over it ($svc, its inode)" "$svc_ino" "$(ino $svc)"
restore $svc; rm -f /usr/local/bin/evil-service
ln $svc $svc.keep
confined rm -f $svc 2>/dev/null
check "nor removes it" "$svc_ino" "$(ino $svc)"
restore $svc
confined cp /usr/local/bin/cg-move /usr/local/bin/cg-move-absent 2>/dev/null
check "nor makes one an allow rule names that is not installed (cg-move-absent)" missing \
        "$([ -e /usr/local/bin/cg-move-absent ] && echo made || echo missing)"
rm -f /usr/local/bin/cg-move-absent
cp $svc $svc.new && mv -f $svc.new $svc && ok "the admin upgrades it as dpkg does" ||
        not_ok "the admin's upgrade of $svc was refused"
svc_upgraded() { i=0; while [ $i -lt 300 ]; do [ "$(svc_moves)" = ok ] && return 0; poll_pause; done; return 1; }
check_true "... the upgraded executable moves (the daemon follows the path)" svc_upgraded
check_cmd "... and is guarded: EPERM" EPERM confined cg-tamper openw $svc
# ... also when the upgrade comes during a reload: the reload resolved the executables before the
# rename and made its watches anew after it, the old ones' queued events dropped with them, and
# the rule kept the old file until some other change (the checks above lost one so on the tree
# before, by chance). 600 cgroups to scan and four busy loops stretch the reload to seconds; the
# rename comes half a second in, a round counting only if the reload had not ended by then
# (with none, the check is skipped).
c=0; while [ $c -lt 600 ]; do mkdir $T/prot/c$c; c=$((c + 1)); done
upgrade_during_reload() {
        hups=$(grep -c "SIGHUP received" $LOG) reloads=$(grep -c " in force: " $LOG) hogs=""
        for h in 1 2 3 4; do (while :; do :; done) & hogs="$hogs $!"; done
        cp $svc $svc.new
        in_unit kill -HUP $GUARD_PID
        wait_log "SIGHUP received" $((hups + 1)) 300
        sleep 0.5
        mv -f $svc.new $svc
        during=$([ "$(grep -c " in force: " $LOG)" = "$reloads" ] && echo yes || echo no)
        kill $hogs
        [ $during = yes ] || return 2
        svc_upgraded
}
rounds=0 followed=0
for try in 1 2 3 4; do
        upgrade_during_reload
        case $? in
        0) rounds=$((rounds + 1)) followed=$((followed + 1)) ;;
        1) rounds=$((rounds + 1)) ;;
        esac
done
c=0; while [ $c -lt 600 ]; do rmdir $T/prot/c$c; c=$((c + 1)); done
if [ $rounds -gt 0 ]; then
        check "upgrades during a reload: the upgraded executable moves after each ($rounds renames before the reload's end)" \
                "$rounds of $rounds" "$followed of $rounds"
else
        ok "upgrades during a reload # SKIP no rename came before its reload's end"
fi

# The daemon itself still works: reload, status; and the off-switch works.
echo '{ "version": 1, "migration": { "protect": ["/t/prot", "/t/other"], "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] } }' > $POLICY_DIR/10-tamper.json
# The SIGHUP above made generation 2 already, and renames in /usr/local/bin may make the daemon
# resolve the allowed exe again: wait for the edited policy (3 rules), not a number.
check_true "the daemon still reloads" wait_log "in force: [0-9]* files, 3 rules"
check_true "--status (the daemon's own binary) still reads the pins" wait_status "generation [0-9]*, 3 rules"
check_cmd "after the reload, the upgraded library is guarded too" EPERM confined cg-tamper openw "$lib"

# protect_self: false switches it off (on request of an active policy file)
echo '{ "version": 1, "protect_self": false, "migration": { "protect": ["/t/prot"] } }' > $POLICY_DIR/10-tamper.json
check_true "reload with protect_self false" wait_log "Tamper protection is off"
check_succeeds "protect_self false: bpftool may read the maps" bpftool map dump pinned $PINS/map_guard_counters
echo '{ "version": 1, "migration": { "protect": ["/t/prot"] } }' > $POLICY_DIR/10-tamper.json
i=0; while [ $i -lt 30 ] && bpftool map dump pinned $PINS/map_guard_counters > /dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
check_fails "protection back on after the edit" bpftool map dump pinned $PINS/map_guard_counters

# The deliberate off-switch: --unload by the daemon's binary, while the daemon runs.
check_succeeds "cgroup-guardd --unload works" cgroup-guardd --unload
guard_stop
check "no links left" "" "$(link_ids)"
check_cmd "nothing enforced any more" ok cg-move $T/prot $victim

# Recovery: /etc/cgroup-guard/disable makes the daemon unload and not load
guard_start
touch /etc/cgroup-guard/disable
guard_stop
cgroup-guardd > /tmp/out 2>&1
check "the disable file unloads everything at start (said, no links)" "said, " \
        "$(grep -q "Disabled by /etc/cgroup-guard/disable" /tmp/out && echo said || echo silent), $(link_ids)"
rm /etc/cgroup-guard/disable

# --- the pins' bpffs, carried away from beneath (move_mount(2) MOVE_MOUNT_BENEATH, Linux 6.5) ---
# A confined root that had the daemon stopped (through PID 1 under systemd; here the guard's own
# SIGTERM) mounts a tmpfs beneath /sys/fs/bpf, moves the tmpfs with the bpffs on it elsewhere and
# unmounts it lazily: the bpffs, the pins and, with no daemon holding them, every link would go.
# The daemon runs in a mount namespace of its own, as under systemd: in one it shares, a mount
# over the names on its pin path is refused already, and the hook cannot tell over from beneath.
policy 10-tamper.json <<'JSON'
{ "version": 1, "migration": { "protect": ["/t/prot"], "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] } }
JSON
sleep 1000 & outsider=$!
GUARD_WRAP="unshare --mount --propagation slave" guard_start
case $KERNEL in
*-6.12) refused=EPERM ;;
*) refused=EINVAL ;; # 6.1 has no MOVE_MOUNT_BENEATH
esac
# A peer group of PID 1's joined from a namespace of one's own (MOVE_MOUNT_SET_GROUP, PID 1's
# mount named through /proc/1/root), and a mount beneath (Linux 6.5), which lands on the parent
# of the mount named, where no check of that mount looked: with both, a bind of cgroup2 made
# private, a tmpfs on a cgroup directory there, the bind made a peer of PID 1's cgroup2, then a
# mount beneath the tmpfs showed in PID 1's /sys/fs/cgroup (a review found it). Refused to
# confined tasks where they reach PID 1's namespace.
mount --make-shared $CG
mkdir -p /tmp/P $T/victim
check "a confined root cannot make its own mount a peer of PID 1's cgroup2 (MOVE_MOUNT_SET_GROUP)" EPERM \
        "$(confined unshare -m --propagation private sh -c "mount --bind $CG /tmp/P && cg-tamper set-group /proc/1/root$CG /tmp/P" 2>&1 | tail -n 1)"
# ... nor another namespace's private mount (the daemon's, named through /proc/PID/root) a peer of
# its own, whose later mounts then show there (a second review).
unshare -m --propagation private sleep 1000 & other_ns=$!
sleep 0.5
check "... nor another namespace's mount a peer of its own" EPERM \
        "$(confined unshare -m --propagation private sh -c "mount --make-shared /tmp && cg-tamper set-group /tmp /proc/$other_ns/root/tmp" 2>&1 | tail -n 1)"
kill $other_ns
# The peer made by an unconfined root (the test shell) between the tmpfs and the mount beneath.
rm -f /tmp/f1 /tmp/f2 /tmp/beneath.out
mkfifo /tmp/f1 /tmp/f2
confined unshare -m --propagation private sh -c "mount --bind $CG /tmp/P && mount -t tmpfs cgg /tmp/P/t/victim &&
        echo \$\$ > /tmp/f1 && read x < /tmp/f2 && cg-tamper beneath /tmp/P/t/victim" > /tmp/beneath.out 2>&1 &
holder=$(timeout 60 cat /tmp/f1)
cg-setns /proc/$holder/ns/mnt -- cg-tamper set-group /proc/1/root$CG /tmp/P > /tmp/set-group.out 2>&1
timeout 30 sh -c 'echo > /tmp/f2'
wait $!
check "... an unconfined root may (the test shell, in that namespace)" ok "$(cat /tmp/set-group.out)"
check "... and a mount beneath a mount whose parent then propagates to PID 1's namespace is refused to it" $refused \
        "$(tail -n 1 /tmp/beneath.out)"
check "... PID 1's cgroup directory is uncovered" 0 "$(grep -c " $T/victim " /proc/1/mountinfo)"
grep -q " $T/victim " /proc/1/mountinfo && umount $T/victim
mount --make-private $CG
guard_kill $GUARD_PID > /dev/null
wait $GUARD_PID 2> /dev/null
mkdir -p /tmp/carried /tmp/carried-sys
check_cmd "daemon stopped, pins kept: still enforcing" EPERM cg-move $T/prot $outsider
check_cmd "a confined root cannot mount beneath the pins' bpffs and carry it away" $refused \
        confined cg-tamper beneath-detach /sys/fs/bpf /tmp/carried
check "... the pins stay where PID 1 has them" kept "$([ -d $PINS ] && echo kept || echo gone)"
check_cmd "... nor beneath /sys, above it" $refused confined cg-tamper beneath-detach /sys /tmp/carried-sys
check_cmd "still enforcing" EPERM cg-move $T/prot $outsider
cgroup-guardd --unload > /dev/null 2>&1
kill $victim $outsider
finish
