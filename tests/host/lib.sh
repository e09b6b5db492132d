# Shared by the host tests (bash). They run on this machine's own kernel with the observe backend:
# private bpffs instance, private policy directory, their own cgroups under the discovered cgroup2
# root, and they only ever act on processes they started. Everything is undone on exit.
set -u
BUILD=${CGROUP_GUARD_BUILD_DIR:?}
DAEMON=$BUILD/src/daemon/cgroup-guardd
CTL=$BUILD/src/ctl/cgroup-guardctl
PATH=$BUILD/tests/vm/helpers:$PATH
passed=0
failed=0
n=0

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (BPF programs, cgroups)"

CG=$(awk '$9 == "cgroup2" && $4 == "/" { print $5; exit }' /proc/self/mountinfo)
[ -n "$CG" ] || skip "no cgroup2 hierarchy mounted"
WORK=$(mktemp -d /tmp/cgg-host.XXXXXX)
TEST_CG_NAME=cgg-test-$$
T=$CG/$TEST_CG_NAME
P=/$TEST_CG_NAME            # the same, as policies spell it
BPFFS=$WORK/bpffs
PIN=$BPFFS/guard
POLICY_DIR=$WORK/policies.d
LOG=$WORK/guardd.log
GUARD_PID=
STARTED_PIDS=

mkdir -p "$BPFFS" "$POLICY_DIR"
mount -t bpf bpf "$BPFFS" || skip "cannot mount a private bpffs"
mkdir -p "$T"

cleanup() {
        [ -n "$GUARD_PID" ] && kill "$GUARD_PID" 2>/dev/null && wait "$GUARD_PID" 2>/dev/null
        "$DAEMON" --unload --bpffs-dir "$PIN" > /dev/null 2>&1
        for pid in $STARTED_PIDS; do kill -9 "$pid" 2>/dev/null; done
        # Thaw, then remove our cgroups deepest first.
        find "$T" -depth -type d 2>/dev/null | while read -r d; do
                echo 0 > "$d/cgroup.freeze" 2>/dev/null
                echo 1 > "$d/cgroup.kill" 2>/dev/null
        done
        sleep 0.2
        find "$T" -depth -type d -exec rmdir {} \; 2>/dev/null
        umount "$BPFFS" 2>/dev/null
        rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check_true() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }

# Starts a background process we own; its pid lands in $! and in STARTED_PIDS.
spawn() { "$@" & STARTED_PIDS="$STARTED_PIDS $!"; }

# GUARD_WRAPPER: a command the daemon runs under (valgrind), in the same process.
guard_start() {
        ${GUARD_WRAPPER:-} "$DAEMON" --backend observe --bpffs-dir "$PIN" --policy-dir "$POLICY_DIR" "$@" >> "$LOG" 2>&1 &
        GUARD_PID=$!
        for _ in $(seq "${GUARD_START_TENTHS:-100}"); do
                grep -q "Enforcing with" "$LOG" && return 0
                kill -0 "$GUARD_PID" 2>/dev/null || break
                sleep 0.1
        done
        echo "cgroup-guardd did not start:"; cat "$LOG"; exit 99
}

wait_log() {
        local pattern=$1 count=${2:-1}
        for _ in $(seq "${WAIT_TENTHS:-30}"); do
                [ "$(grep -c -- "$pattern" "$LOG")" -ge "$count" ] && return 0
                sleep 0.1
        done
        return 1
}

move() { echo "$2" > "$1/cgroup.procs"; }

finish() {
        echo "$passed passed, $failed failed"
        [ "$failed" -eq 0 ] || { echo "--- daemon log"; cat "$LOG"; }
        [ "$failed" -eq 0 ]
}
