# Shared by the VM scenarios (busybox sh). Each scenario creates its own cgroups under
# /sys/fs/cgroup/t, starts cgroup-guardd on its own policy and prints TAP-like lines plus the
# "N passed, N failed" summary; the exit status is the number of failures (capped).
PATH=/scenarios:$PATH
CG=/sys/fs/cgroup
T=$CG/t
POLICY_DIR=/etc/cgroup-guard/policies.d
LOG=/tmp/guardd.log
KERNEL=${1:-unknown}
case "$KERNEL" in
hooks | hooks-*) BACKEND=native ;;
stock | stock-*) BACKEND=compat ;;
*) BACKEND=auto ;;
esac
# ok, not_ok, check NAME EXPECTED ACTUAL and the other checks (tests/tap.sh, shipped as /tap.sh).
. /tap.sh

# check_cmd NAME EXPECTED COMMAND...: the command's first output line must equal EXPECTED
check_cmd() {
        _name=$1 _want=$2
        shift 2
        check "$_name" "$_want" "$("$@" 2>/dev/null | head -n 1)"
}

cgroup_of() { sed -n 's/^0:://p' /proc/$1/cgroup; }
# wait_ns PID TYPE...: until PID is in namespaces of its own of each TYPE (a background
# `unshare ... &` has made them; 10 s), so a check never sees the namespaces it started in.
wait_ns() {
        local pid=$1 t i=0
        shift
        for t in "$@"; do
                while [ $i -lt 100 ] && [ "$(readlink /proc/$pid/ns/$t 2>/dev/null)" = "$(readlink /proc/1/ns/$t)" ]; do
                        sleep 0.1; i=$((i + 1))
                done
        done
        [ $i -lt 100 ] || echo "# $pid did not reach namespaces of its own ($*)"
}

policy() { mkdir -p $POLICY_DIR; cat > $POLICY_DIR/$1; }

# The guard's binary acts as the guard (--status, --unload) only from an admin cgroup. By default
# that includes the root cgroup here, where PID 1 runs (no systemd), so the test shell's own.
# ADMIN_CGROUP=/sys/fs/cgroup/...: a scenario whose policy names its own "admin" list runs it from
# there (as_admin COMMAND...), through a shell placed there before the guard starts: once it
# enforces, only PID 1, the guard and tasks in admin cgroups move a process into one.
as_admin() {
        if [ -n "${ADMIN_CGROUP:-}" ]; then
                kill -0 "${ADMIN_MEMBER:-0}" 2>/dev/null || member_start admin "$ADMIN_CGROUP" || return 99
                in_member admin "$*"
        else
                "$@"
        fi
}

# Starts the daemon and waits until it enforces (the pinned status says so).
# GUARD_CGROUP=/sys/fs/cgroup/...: run the daemon in its own cgroup, as under systemd; a new one
# at each start, as PID 1 makes it: nobody but PID 1 and the guard joins the guard's cgroup, so a
# restart cannot reuse the last one. GUARD_UNIT_MEMBER=1: first place a shell there (in_unit
# runs commands in it), standing in for the children PID 1 places there for ExecReload=.
# GUARD_WRAP="unshare -m ...": a command the daemon is run under (it must exec the daemon, so
# that GUARD_PID stays its pid), as a unit's private namespaces.
guard_start() {
        # This start's own line: the log keeps the earlier ones.
        _started=$(grep -c "Enforcing with" $LOG 2>/dev/null)
        if [ -n "${GUARD_CGROUP:-}" ]; then
                unit_member_stop
                rmdir "$GUARD_CGROUP" 2>/dev/null
                mkdir -p "$GUARD_CGROUP"
                [ "${GUARD_UNIT_MEMBER:-0}" = 1 ] && unit_member_start
                in-cgroup "$GUARD_CGROUP" ${GUARD_WRAP:-} cgroup-guardd --backend $BACKEND "$@" >> $LOG 2>&1 &
        else
                ${GUARD_WRAP:-} cgroup-guardd --backend $BACKEND "$@" >> $LOG 2>&1 &
        fi
        GUARD_PID=$!
        # Up to 300 s, only a bound on a hang: loading (verification) takes 15-30 s under TCG, and
        # CI's machine runs two guests and the host suites beside this one. Every half second:
        # each try forks under TCG, and ten a second took a fifth of the guest's CPU from the
        # start it waited for (2026-12-07: 5-7 of a start's 26-29 CPU seconds).
        i=0
        while [ $i -lt 600 ]; do
                [ "$(grep -c "Enforcing with" $LOG 2>/dev/null)" -gt "${_started:-0}" ] 2>/dev/null && as_admin cgroup-guardd --status > /dev/null 2>&1 && return 0
                kill -0 $GUARD_PID 2>/dev/null || break
                sleep 0.5
                i=$((i + 1))
        done
        echo "cgroup-guardd did not start:"
        cat $LOG
        exit 99
}

# member_start NAME CGROUP: a shell in CGROUP that runs the lines in_member NAME sends it, one
# at a time (its pid in UNIT_MEMBER for "unit", ADMIN_MEMBER for "admin", CONFINED_MEMBER for
# "confined": placed in a protected cgroup before the guard enforces, DEEP_MEMBER for "deep").
member_start() {
        rm -f /tmp/member-$1.cmd /tmp/member-$1.out
        mkfifo /tmp/member-$1.cmd /tmp/member-$1.out
        in-cgroup "$2" sh -c 'while read -r line < /tmp/member-'$1'.cmd; do { sh -c "$line" 2>&1; echo "@rc=$?"; } > /tmp/member-'$1'.out; done' &
        case $1 in
        unit) UNIT_MEMBER=$! ;;
        admin) ADMIN_MEMBER=$! ;;
        confined) CONFINED_MEMBER=$! ;;
        deep) DEEP_MEMBER=$! ;;
        esac
        sleep 0.2
        [ "$(cgroup_of $! 2>/dev/null)" = "${2#$CG}" ] || { echo "# the $1 shell did not reach $2"; return 1; }
}

# in_member NAME COMMAND: runs COMMAND in that shell (its output, its exit status); 99 if the
# shell is gone (a write to its fifo would wait for ever).
in_member() {
        case $1 in
        unit) _member=${UNIT_MEMBER:-0} ;;
        confined) _member=${CONFINED_MEMBER:-0} ;;
        deep) _member=${DEEP_MEMBER:-0} ;;
        *) _member=${ADMIN_MEMBER:-0} ;;
        esac
        kill -0 "$_member" 2>/dev/null || { echo "no $1 shell"; return 99; }
        echo "$2" > /tmp/member-$1.cmd
        cat /tmp/member-$1.out > /tmp/member-$1.last
        grep -v "^@rc=" /tmp/member-$1.last
        return "$(sed -n 's/^@rc=//p' /tmp/member-$1.last)"
}

unit_member_start() { member_start unit "$GUARD_CGROUP"; }

unit_member_stop() {
        [ -n "${UNIT_MEMBER:-}" ] || return 0
        kill $UNIT_MEMBER 2>/dev/null
        wait $UNIT_MEMBER 2>/dev/null
        UNIT_MEMBER=
}

# in_unit COMMAND...: runs COMMAND in the unit member (its output, its exit status).
in_unit() {
        kill -0 "${UNIT_MEMBER:-0}" 2>/dev/null || { echo "no unit member"; return 99; }
        in_member unit "$*"
}

# The guard acting: its binary run in an admin cgroup is the guard; cg-evil.so makes it
# write FILE VALUE (guard_write), unmount (guard_umount), send SIGTERM (guard_kill) or remove a
# pin (guard_unlink).
guard_write() { CG_EVIL_WRITE=$1 CG_EVIL_VALUE=$2 LD_PRELOAD=/usr/local/bin/cg-evil.so cgroup-guardd; }
guard_umount() { CG_EVIL_UMOUNT=$1 LD_PRELOAD=/usr/local/bin/cg-evil.so cgroup-guardd; }
guard_kill() { CG_EVIL_KILL=$1 LD_PRELOAD=/usr/local/bin/cg-evil.so cgroup-guardd; }
guard_unlink() { CG_EVIL_UNLINK=$1 LD_PRELOAD=/usr/local/bin/cg-evil.so cgroup-guardd; }

# Stops the daemon. With tamper protection only PID 1 may signal it; our shell is not PID 1, so
# if it is still there after a moment, use the off-switch (its own binary, from an admin cgroup)
# first.
guard_stop() {
        # A refused signal (EPERM: tamper protection) needs no waiting for.
        if kill $GUARD_PID 2>/dev/null; then
                i=0
                while [ $i -lt 20 ] && kill -0 $GUARD_PID 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
        fi
        if kill -0 $GUARD_PID 2>/dev/null; then
                as_admin cgroup-guardd --unload > /dev/null 2>&1
                kill $GUARD_PID 2>/dev/null
        fi
        wait $GUARD_PID 2>/dev/null
}

# A polling loop's pause, counted in tenths of a second in i: a tenth for the first second, half
# a second after (each try forks under TCG: a long wait at ten tries a second kept a core busy).
poll_pause() {
        if [ $i -lt 10 ]; then
                sleep 0.1
                i=$((i + 1))
        else
                sleep 0.5
                i=$((i + 5))
        fi
}

# Waits up to 6 s for a line matching PATTERN to appear COUNT times in the daemon log.
# wait_log PATTERN [COUNT] [TENTHS]: up to 6 s by default; a full load takes longer under TCG.
wait_log() {
        pattern=$1 count=${2:-1} tenths=${3:-60} i=0
        while [ $i -lt $tenths ]; do
                [ "$(grep -c "$pattern" $LOG)" -ge "$count" ] && return 0
                poll_pause
        done
        return 1
}

# wait_status PATTERN [TENTHS]: --status (read from the pins) shows PATTERN within 6 s; on a slow
# guest the pins may lag the log line by a moment. Prints the last output when it never does.
wait_status() {
        pattern=$1 tenths=${2:-60} i=0
        while [ $i -lt $tenths ]; do
                as_admin cgroup-guardd --status > /tmp/status.out 2>&1
                grep -q "$pattern" /tmp/status.out && return 0
                poll_pause
        done
        sed 's/^/#   /' /tmp/status.out
        return 1
}

link_ids() { bpftool link show | sed -n 's/^\([0-9]*\): .*/\1/p' | sort -n | tr '\n' ' '; }

# The guest powers off after the scenario: the guard is left loaded (an unload waits about 5 s
# under TCG for the kernel to release every link, for nothing here).
finish() {
        echo "$passed passed, $failed failed"
        [ $failed -eq 0 ] || { echo "--- daemon log"; cat $LOG; }
        exit $failed
}

mkdir -p $T
# The scenarios' allowed mover: the same program under a name policies can allow.
cp /usr/local/bin/cg-move /usr/local/bin/cg-move-allowed
