#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# "--check" on whole directories: the shipped examples, editor leftovers, and hostile files that
# cannot sit in the corpus (huge, symlinks, FIFOs, directories named *.json). Prints TAP.
set -u
daemon=$1
ctl=$2
examples=$3
swap_shim=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/tap.sh"
TAP_DETAILS=$work/err

# check_policy NAME DIR EXPECTED_RC [STDERR_PATTERN]
check_policy() {
        local name=$1 dir=$2 want=$3 pattern=${4:-}
        "$daemon" --check --policy-dir "$dir" > "$work/out" 2> "$work/err"
        local rc=$?
        if [ "$rc" -ne "$want" ]; then
                not_ok "$name: exit status $rc, expected $want"
        elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$work/err"; then
                not_ok "$name: stderr does not match '$pattern'"
        else
                ok "$name"
        fi
}

fresh() { rm -rf "$work/d"; mkdir "$work/d"; echo "$work/d"; }
valid='{ "version": 1, "migration": { "protect": ["/a"] } }'

echo "1..21"
check_policy "shipped example policies are valid" "$examples" 0

d=$(fresh)
echo "$valid" > "$d/10-a.json"
echo 'garbage' > "$d/.#10-a.json"
echo 'garbage' > "$d/10-a.json~"
echo 'garbage' > "$d/.10-a.json.swp"
echo 'garbage' > "$d/README"
check_policy "editor leftovers and other files are ignored" "$d" 0

d=$(fresh)
check_policy "an empty directory is a valid (empty) policy" "$d" 0

check_policy "a missing directory is exit status 2" "$work/does-not-exist" 2 "cannot read policy directory"

d=$(fresh)
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' > "$d/big.json"
check_policy "a file over 1 MiB is refused" "$d" 1 "big.json:1:1: error: file is larger than 1048576 bytes"

d=$(fresh)
{ printf '{"version": 1, "migration": {"protect": ['; for i in $(seq 1 80000); do printf '"/a%d",' "$i"; done; printf '"/z"]}}'; } > "$d/wide.json"
check_policy "an 80k-element array under the size limit is fine (240k map entries)" "$d" 0

# 100k literal protect entries parse, but need three map entries each (rule, literal, state):
# more than the kernel map holds, which the daemon refuses; so does --check, at the entry.
d=$(fresh)
{ printf '{"version": 1, "migration": {"protect": ['; for i in $(seq 1 100000); do printf '"/a%d",' "$i"; done; printf '"/z"]}}'; } > "$d/wide.json"
check_policy "a 100k-element array: the compiler's map limit at the entry that does not fit" "$d" 1 \
        "wide.json:1:[0-9]+: error: too many kernel policy map entries: with this rule the compiled policy needs more than 262144"

d=$(fresh)
echo "$valid" > "$work/outside.json"
ln -s "$work/outside.json" "$d/10-link.json"
check_policy "a symlink out of the directory is refused" "$d" 1 "10-link.json:1:1: error: symlink points outside"

d=$(fresh)
echo "$valid" > "$d/shared.policy"
ln -s shared.policy "$d/10-link.json"
check_policy "a symlink to a file inside the directory is followed" "$d" 0

# TOCTOU: x.json is a regular file when checked and a symlink to a root-only file outside the
# directory when opened (the shim renames the link over it right after the loader's stat). The
# outside file must never be read, and nothing of it may reach an error message.
d=$(fresh)
echo '{ "version": 1, "SECRET-TOKEN-4242": "hunter2" }' > "$work/secret.json"
chmod 600 "$work/secret.json"
echo "$valid" > "$d/10-x.json"
ln -s "$work/secret.json" "$d/.swap"
CGG_SWAP_NAME=10-x.json CGG_SWAP_WITH=.swap LD_PRELOAD=$swap_shim "$daemon" --check --policy-dir "$d" > "$work/out" 2> "$work/err"
check_no_grep "a file swapped for a symlink between check and open is not followed" <(cat "$work/out" "$work/err") \
        "SECRET\|hunter2"

d=$(fresh)
printf 'SECRET-TOKEN-4242\n' > "$d/10-x.json"
check_policy "a syntax error does not quote the file's content" "$d" 1 "10-x.json:1:1: error: "
check_no_grep "... no byte of it in the message" "$work/err" "SECRET\|'S'"

d=$(fresh)
ln -s ../d "$d/loop.json"
check_policy "a symlink to the directory itself is refused" "$d" 1 "loop.json:1:1: error"

d=$(fresh)
ln -s nowhere "$d/dangling.json"
check_policy "a dangling symlink is refused" "$d" 1 "dangling.json:1:1: error: cannot resolve symlink"

d=$(fresh)
mkdir "$d/x.json"
check_policy "a directory named x.json is refused" "$d" 1 "x.json:1:1: error: is a directory"

d=$(fresh)
mkfifo "$d/fifo.json"
check_policy "a FIFO named x.json is refused without hanging" "$d" 1 "fifo.json:1:1: error: not a regular file"

d=$(fresh)
echo "$valid" > "$d/10-a.json"
chmod 666 "$d/10-a.json"
check_policy "a world-writable file is refused" "$d" 1 "10-a.json:1:1: error: file is writable by everyone"

d=$(fresh)
echo "$valid" > "$d/10-a.json"
echo '{"version": 1, "mode": "bogus"}' > "$d/20-b.json"
echo '{"version": 1, "action": "bogus"}' > "$d/30-c.json"
check_policy "errors in several files are all reported" "$d" 1 "30-c.json:1:26: error: unknown action"
check_grep "first file's error is reported too" "$work/err" '20-b.json:1:24: error: unknown mode'

d=$(fresh)
echo '{"version": 1, "mode": "bogus"}' > "$d/20-b.json"
"$ctl" check "$d" > "$work/out" 2> "$work/err"
check "cgroup-guardctl check: exit 1" 1 "$?"
check_grep "cgroup-guardctl check reports the same" "$work/err" '20-b.json:1:24: error: unknown mode'

[ "$failed" -eq 0 ]
