#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Maps planted at the guard's pin names while nothing is armed (a cold start, or after the
# admin's unload), their keys and values larger than this build's: the daemon reads none of them
# into its buffers (each lookup wrote past one: --status and --unload died of it, and a start
# would have run on a stack the planter wrote; a review found it). They are refused as what they
# are, and the daemon starts afresh over them.
. "$(dirname "$0")/lib.sh"
command -v bpftool > /dev/null || skip "no bpftool"

# plant NAME TYPE KEY_SIZE VALUE_SIZE ENTRIES: filled with 0xff where it is an array.
plant() {
        bpftool map create "$PIN/map_$1" type "$2" key "$3" value "$4" entries "$5" name "$1" || return 1
        case $2 in
        array) bpftool map update pinned "$PIN/map_$1" key 0 0 0 0 value $(printf '0xff %.0s' $(seq "$4")) ;;
        esac
}
planted() {
        mkdir -p "$PIN"
        plant guard_meta array 4 4096 8 && plant guard_self array 4 4096 1 && plant guard_hints array 4 4096 1 &&
                plant guard_counters percpu_array 4 4096 16 && plant guard_objects hash 64 1 16
}

# status: what exit status says (a signal is 128 + its number).
check_succeeds "maps planted at the guard's names, larger than its own" planted
out=$("$DAEMON" --status --bpffs-dir "$PIN" 2>&1); rc=$?
check "--status over them: not loaded (exit 3), not a crash" 3 "$rc"
contains "... and says what is pinned is no guard's" "is no guard's" "$out"
out=$("$DAEMON" --unload --bpffs-dir "$PIN" 2>&1); rc=$?
check "--unload over them: done (exit 0), not a crash" 0 "$rc"
contains "... the planted maps' pins removed" "Removed 5 pins" "$out"
check "... none left" "" "$(ls "$PIN" 2>/dev/null)"

# A build record of the right layout and magic whose kind no build has (its kind was used as an
# index into the daemon's names), beside a name that counts as a link.
le64() { printf '%016x' "$1" | sed 's/\(..\)/\1 /g' | awk '{ for (i = NF; i > 0; i--) printf "0x%s ", $i }'; }
mkdir -p "$PIN/link_x"
check_succeeds "a build record planted with the magic and kind 0xffffffff80000000" sh -c "
        bpftool map create '$PIN/map_guard_meta' type array key 4 value 8 entries 8 name guard_meta &&
        bpftool map update pinned '$PIN/map_guard_meta' key 0 0 0 0 value $(le64 0x63677264756172) &&
        bpftool map update pinned '$PIN/map_guard_meta' key 2 0 0 0 value $(le64 0xffffffff80000000)"
out=$("$DAEMON" --status --bpffs-dir "$PIN" 2>&1); rc=$?
check "--status over it: not loaded (exit 3), not a crash" 3 "$rc"
out=$(timeout 60 "$DAEMON" --backend native --bpffs-dir "$PIN" --policy-dir "$POLICY_DIR" 2>&1); rc=$?
check_int "a start over it fails as a start (this host refuses native), not a crash (exit status $rc)" "$rc" -lt 128
"$DAEMON" --unload --bpffs-dir "$PIN" > /dev/null 2>&1
rmdir "$PIN/link_x" 2>/dev/null

check_succeeds "planted again" planted
echo "{ \"version\": 1, \"migration\": { \"protect\": [\"$P/prot\"] } }" > "$POLICY_DIR/10-a.json"
mkdir -p "$T/prot"
guard_start
check "the daemon starts over them and runs" running "$(running "$GUARD_PID")"
out=$("$DAEMON" --status --bpffs-dir "$PIN" 2>&1); rc=$?
check "... --status then: loaded (exit 0)" 0 "$rc"
contains "... with the guard's own build record" "cgroup-guard: loaded" "$out"
finish
