#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Privileged verbs over D-Bus (mode, reload, thaw, unload) leave one journal entry each, with their
# own MESSAGE_ID and who called (CGROUP_GUARD_CALLER_UID/PID/EXE), and so do refused attempts by
# non-root callers. Real journald and dbus-daemon (see lib.sh), read back with journalctl.
. "$(dirname "$0")/private-ns.sh" dbus-daemon /lib/systemd/systemd-journald -- "$@"
. "$(dirname "$0")/lib.sh"

MODE_ID=bebbc1d48cc24f9db89064ac8977f002
RELOAD_ID=8ae67af6587e496f8fa5f174fbb625f9
UNLOAD_ID=8db1cc5ed9e94319bee8240bfaf601ad
THAW_ID=c05abfd796094dfbbd88ab137e642448
REFUSED_ID=df33eb0f996c4d548922acf40d2e6d9b

start_journald_and_bus
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

mkdir -p "$T/prot" "$T/frozen" "$T/free"
echo "{ \"version\": 1, \"migration\": { \"protect\": [\"$P/prot\"] } }" > "$POLICY_DIR/10-a.json"
guard_start
for _ in $(seq 50); do busctl --system status org.cgroupguard.Guard1 > /dev/null 2>&1 && break; sleep 0.1; done

# entry ID PATTERN...: the newest entry with MESSAGE_ID=ID carries every pattern. The daemon's
# entry reaches journald a moment after the caller has its answer, so wait (5 s) for one that does
# before reporting the newest (read at once, it was once the previous refusal's).
entry() {
        local id=$1 e p missing
        shift
        for _ in $(seq 50); do
                e=$(journalctl -o json MESSAGE_ID=$id | tail -n 1)
                missing=
                for p in "$@"; do
                        case "$e" in *"$p"*) ;; *) missing=$p; break ;; esac
                done
                [ -z "$missing" ] && return 0
                sleep 0.1
        done
        echo "missing $missing in: ${e:-no entry}"
        return 1
}
check_entry() { local name=$1 out; shift; if out=$(entry "$@"); then ok "$name"; else not_ok "$name: $out"; fi; }

# Refused first, so the granted entries are the newest of their kind afterwards.
out=$(nobody "$CTL" mode audit 2>&1)
check "refused mode: one line for the caller" "cgroup-guardctl: mode needs root (Access denied)" "$out"
check_entry "refused mode: journaled with the caller" $REFUSED_ID '"CGROUP_GUARD_VERB":"SetMode"' '"CGROUP_GUARD_CALLER_UID":"65534"' \
        '"CGROUP_GUARD_CALLER_PID":"' '"CGROUP_GUARD_CALLER_EXE":"'"$CTL"'"' '"PRIORITY":"4"' 'Refused SetMode'
check "refused mode: mode unchanged" 's "policy"' "$(busctl --system get-property $BUS Mode)"
for verb in Reload Unload; do
        nobody busctl --system call $BUS $verb > /dev/null 2>&1
        check_entry "refused $verb: journaled" $REFUSED_ID "\"CGROUP_GUARD_VERB\":\"$verb\"" '"CGROUP_GUARD_CALLER_UID":"65534"'
done
nobody busctl --system call $BUS Thaw s "$P/frozen" > /dev/null 2>&1
check_entry "refused Thaw: journaled with the cgroup" $REFUSED_ID '"CGROUP_GUARD_VERB":"Thaw"' "\"CGROUP_GUARD_CGROUP\":\"$P/frozen\""
check "refused unload: the daemon still runs" running "$(running "$GUARD_PID")"

# Root in a protected cgroup is refused too, even after mounting a file that names the root
# cgroup over its own /proc/PID/cgroup (this suite shares the daemon's mount namespace, as a
# daemon run by hand shares PID 1's): the daemon reads /proc beneath the proc root it verified at
# start, without crossing a mount.
printf '0::/\n' > "$WORK/fake-cgroup"
out=$(sh -c 'echo $$ > "$1/cgroup.procs" && mount --bind "$2" /proc/$$/cgroup && grep -q "^0::/$" /proc/$$/cgroup &&
        exec busctl --system call '"$BUS"' SetMode s audit' sh "$T/prot" "$WORK/fake-cgroup" 2>&1)
check "root in a protected cgroup with /proc/PID/cgroup mounted over: SetMode refused ($out)" 's "policy"' \
        "$(busctl --system get-property $BUS Mode)" || "$CTL" mode policy > /dev/null
check_entry "... journaled with the caller's cgroup" $REFUSED_ID '"CGROUP_GUARD_VERB":"SetMode"' '"CGROUP_GUARD_CALLER_UID":"0"' \
        "which is no admin cgroup"

# Root in a cgroup the policy does not confine is refused as well unless it is an admin cgroup
# (issue 12 item 9; here, with PID 1 in the root cgroup, the default admin cgroups are the root
# and the daemon's own): unconfined is not enough.
for verb in "SetMode s audit" Reload "Thaw s $P/frozen" Unload; do
        out=$(sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec busctl --system call "$@"' sh "$T/free" $BUS $verb 2>&1)
        case "$out" in
        *"Access denied"*) ok "root in an unconfined cgroup that is no admin cgroup: $verb refused" ;;
        *) not_ok "$verb from $P/free: $out" ;;
        esac
done
check_entry "... journaled with the caller's cgroup" $REFUSED_ID '"CGROUP_GUARD_VERB":"Unload"' '"CGROUP_GUARD_CALLER_UID":"0"' \
        "\"CGROUP_GUARD_CALLER_CGROUP\":\"$P/free\"" "which is no admin cgroup"
check "... the mode unchanged, the daemon running" "s \"policy\" running" "$(busctl --system get-property $BUS Mode) $(running "$GUARD_PID")"

"$CTL" mode audit > /dev/null
check_entry "mode change: own MESSAGE_ID, the new mode and the caller" $MODE_ID '"CGROUP_GUARD_MODE":"audit"' \
        '"CGROUP_GUARD_CALLER_UID":"0"' '"CGROUP_GUARD_CALLER_PID":"' "\"CGROUP_GUARD_CALLER_EXE\":\"$CTL\""
"$CTL" mode policy > /dev/null
check_entry "... and back" $MODE_ID '"CGROUP_GUARD_MODE":"policy"'

"$CTL" reload > /dev/null
check_entry "reload: own MESSAGE_ID and the caller" $RELOAD_ID '"CGROUP_GUARD_CALLER_UID":"0"' "\"CGROUP_GUARD_CALLER_EXE\":\"$CTL\"" \
        '"CGROUP_GUARD_GENERATION":"4"'

echo 1 > "$T/frozen/cgroup.freeze"
out=$("$CTL" thaw "$P/frozen" 2>&1)
check "thaw over D-Bus: thawed ($out)" 0 "$(cat "$T/frozen/cgroup.freeze")"
check_entry "thaw: own MESSAGE_ID, the cgroup and the caller" $THAW_ID "\"CGROUP_GUARD_CGROUP\":\"$P/frozen\"" \
        '"CGROUP_GUARD_CALLER_UID":"0"' "\"CGROUP_GUARD_CALLER_EXE\":\"$CTL\""

out=$("$CTL" unload 2>&1)
case "$out" in *"Removed "*" pins under $PIN"*) ok "unload says what it removed ($out)" ;; *) not_ok "unload: $out" ;; esac
check_entry "unload: own MESSAGE_ID, what was removed and the caller" $UNLOAD_ID '"CGROUP_GUARD_PINS_REMOVED":"' \
        "\"CGROUP_GUARD_BPFFS\":\"$PIN\"" '"CGROUP_GUARD_CALLER_UID":"0"'
for _ in $(seq 30); do kill -0 "$GUARD_PID" 2>/dev/null || break; sleep 0.1; done
check "the daemon exited after unload" gone "$(running "$GUARD_PID")"
GUARD_PID=

# The catalog and the man page know every MESSAGE_ID.
for id in $MODE_ID $RELOAD_ID $UNLOAD_ID $THAW_ID $REFUSED_ID; do
        check_grep "$id in the catalog" "$(dirname "$0")/../../units/cgroup-guard.catalog" "^-- $id"
        check_grep "$id in cgroup-guardd(8)" "$(dirname "$0")/../../man/cgroup-guardd.8" "$id"
done
finish
