# Shared by the host tests (bash). They run on this machine's own kernel with the observe backend:
# private bpffs instance, private policy directory, their own cgroups under the discovered cgroup2
# root, and they only ever act on processes they started. Everything is undone on exit.
set -u
BUILD=${CGROUP_GUARD_BUILD_DIR:?}
DAEMON=$BUILD/src/daemon/cgroup-guardd
CTL=$BUILD/src/ctl/cgroup-guardctl
PATH=$BUILD/tests/vm/helpers:$PATH
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

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


# Starts a background process we own; its pid lands in $! and in STARTED_PIDS.
# spawn COMMAND...: in the background, returning once a program runs (not a shell function):
# denials name the task's command, which is the forked shell's until the exec.
spawn() {
        "$@" &
        STARTED_PIDS="$STARTED_PIDS $!"
        [ "$(type -t "$1")" = file ] || return 0
        _comm=$(basename "$1" | cut -c1-15)
        for _ in $(seq 100); do [ "$(cat /proc/$!/comm 2>/dev/null)" = "$_comm" ] && return 0; sleep 0.05; done
}

# GUARD_WRAPPER: a command the daemon runs under (valgrind), in the same process.
guard_start() {
        ${GUARD_WRAPPER:-} "$DAEMON" --backend observe --bpffs-dir "$PIN" --policy-dir "$POLICY_DIR" "$@" >> "$LOG" 2>&1 &
        GUARD_PID=$!
        for _ in $(seq "${GUARD_START_TENTHS:-100}"); do
                grep -qE "Enforcing with|Reporting and reacting \(not preventing\) with" "$LOG" && return 0
                kill -0 "$GUARD_PID" 2>/dev/null || break
                sleep 0.1
        done
        echo "cgroup-guardd did not start:"; cat "$LOG"; exit 99
}

# Waits WAIT_TENTHS tenths of a second of the clock (10 s by default), not tries: beside CI's
# TCG guests on 2 cores a try takes longer than its sleep (host-observe missed a reload's event
# at 3 s so, in a full run).
wait_log() {
        local pattern=$1 count=${2:-1} deadline
        deadline=$(( $(date +%s%N) / 100000000 + ${WAIT_TENTHS:-100} ))
        while :; do
                [ "$(grep -c -- "$pattern" "$LOG")" -ge "$count" ] && return 0
                [ $(( $(date +%s%N) / 100000000 )) -lt "$deadline" ] || return 1
                sleep 0.1
        done
}

move() { echo "$2" > "$1/cgroup.procs"; }

# For the journal and D-Bus suites, which re-exec themselves under "unshare -m" first: a real
# systemd-journald (tmpfs /run, so sd_journal_send() reaches it) and a real dbus-daemon (own config
# and socket, the shipped bus policy for our name on top of a default policy like Debian's
# system.conf). Sets DBUS_SYSTEM_BUS_ADDRESS and BUS (busctl's service, path and interface).
start_journald_and_bus() {
        # journald, privately: libsystemd hard-codes /run/systemd/journal/socket.
        mount -t tmpfs tmpfs /run
        mkdir -p /run/systemd/journal
        /lib/systemd/systemd-journald > "$WORK/journald.log" 2>&1 &
        JOURNALD_PID=$!
        STARTED_PIDS="$STARTED_PIDS $JOURNALD_PID"
        for _ in $(seq 50); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
        [ -S /run/systemd/journal/socket ] || { echo "journald did not start"; cat "$WORK/journald.log"; exit 99; }

        # dbus-daemon with the shipped bus policy for our name, on top of a default policy like
        # Debian's system.conf.
        mkdir -p "$WORK/bus.d"
        cp "$(dirname "${BASH_SOURCE[0]}")/../../units/org.cgroupguard.Guard1.conf" "$WORK/bus.d/"
        cat > "$WORK/bus.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$WORK/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_destination="org.freedesktop.DBus"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <includedir>$WORK/bus.d</includedir>
</busconfig>
XML
        dbus-daemon --config-file="$WORK/bus.conf" --nofork --nopidfile --nosyslog > "$WORK/dbus.log" 2>&1 &
        STARTED_PIDS="$STARTED_PIDS $!"
        for _ in $(seq 50); do [ -S "$WORK/system_bus_socket" ] && break; sleep 0.1; done
        export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/system_bus_socket
        chmod 755 "$WORK"
        BUS="org.cgroupguard.Guard1 /org/cgroupguard/Guard1 org.cgroupguard.Guard1.Manager"
}

finish() {
        echo "$passed passed, $failed failed"
        [ "$failed" -eq 0 ] || { echo "--- daemon log"; cat "$LOG"; }
        [ "$failed" -eq 0 ]
}
