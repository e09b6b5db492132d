# Shared by the system tests (tests/vm/run --system: systemd as PID 1; POSIX sh), shipped into the
# guest as /system-lib.sh by tests/vm/meson-vm-test: the backend the kernel gets, the TAP helper,
# the test's cgroup and the guard's bus names.
KERNEL=${1:-unknown}
case "$KERNEL" in hooks | hooks-*) BACKEND=native ;; stock | stock-*) BACKEND=compat ;; *) BACKEND=auto ;; esac
. /tap.sh
CG=/sys/fs/cgroup
T=$CG/t
BUS="org.cgroupguard.Guard1 /org/cgroupguard/Guard1 org.cgroupguard.Guard1.Manager"

# The installed unit runs cgroup-guardd on $BACKEND (a drop-in; systemctl daemon-reload follows).
guard_unit_backend() {
        mkdir -p /etc/systemd/system/cgroup-guardd.service.d
        printf '[Service]\nExecStart=\nExecStart=/usr/sbin/cgroup-guardd --backend %s\n' "$BACKEND" \
                > /etc/systemd/system/cgroup-guardd.service.d/backend.conf
}

# This test runs in /system.slice/cgvm-run.service, which the default admin list (PID 1's cgroup
# and the guard's own unit) leaves out: a test that uses the off-switches from here (--status,
# --unload, cgroup-guardctl mode|reload|record) names it an admin cgroup, beside PID 1's.
admin_here() {
        mkdir -p /etc/cgroup-guard/policies.d
        echo '{ "version": 2, "admin": ["/init.scope", "/system.slice/cgvm-run.service"] }' \
                > /etc/cgroup-guard/policies.d/05-admin.json
}

# The shipped policies installed as an admin would, the guard enabled on them on $BACKEND (a
# TAP check), and the test's own cgroup checked: /system.slice/cgvm-run.service, which they protect.
enable_shipped_policies() {
        guard_unit_backend
        mkdir -p /etc/cgroup-guard/policies.d
        cp /usr/share/cgroup-guard/policies/*.json /etc/cgroup-guard/policies.d/
        systemctl daemon-reload
        check_all "cgroup-guardd runs the shipped policies ($BACKEND)" \
                'systemctl enable --now cgroup-guardd > /tmp/enable.log 2>&1' \
                '[ "$(systemctl is-active cgroup-guardd)" = active ]' ||
                diag "enable: $(cat /tmp/enable.log; journalctl -u cgroup-guardd --no-pager | tail -5)"
        own=$(sed -n 's/^0:://p' /proc/$$/cgroup)
        check "the test runs as root in a protected service ($own)" /system.slice/cgvm-run.service "$own"
}

# Seconds since boot (whole).
uptime_s() { read -r up _ < /proc/uptime; echo "${up%%.*}"; }

# wait_for SECONDS COMMAND...: true once COMMAND succeeds, within SECONDS of the clock (not of
# tries: under TCG a systemctl call takes a good part of a second).
wait_for() {
        deadline=$(($(uptime_s) + $1)); shift
        while :; do
                "$@" > /dev/null 2>&1 && return 0
                [ "$(uptime_s)" -lt $deadline ] || return 1
                sleep 0.1
        done
}
