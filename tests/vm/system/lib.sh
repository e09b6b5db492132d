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

# A root shell outside every cgroup the policies confine (/cgvm-unconfined), placed there before the
# guard enforces: once the shipped policies confine this test's service, only such a root (or an
# admin) may write the guard's policy directory (issue 12 item 9). unconfined COMMAND runs
# COMMAND there (sh -c) and returns its status.
unconfined_start() {
        mkdir -p $CG/cgvm-unconfined
        rm -f /tmp/free.cmd /tmp/free.out
        mkfifo /tmp/free.cmd /tmp/free.out
        sh -c 'echo $$ > '$CG'/cgvm-unconfined/cgroup.procs && while read -r line < /tmp/free.cmd; do { sh -c "$line" 2>&1; echo "@rc=$?"; } > /tmp/free.out; done' &
        FREE_SHELL=$!
        sleep 0.2
        [ "$(sed -n 's/^0:://p' /proc/$FREE_SHELL/cgroup 2> /dev/null)" = /cgvm-unconfined ] || diag "the unconfined shell did not reach /cgvm-unconfined"
}

unconfined() {
        kill -0 "${FREE_SHELL:-0}" 2> /dev/null || { echo "no unconfined shell"; return 99; }
        echo "$*" > /tmp/free.cmd
        cat /tmp/free.out > /tmp/free.last
        grep -v '^@rc=' /tmp/free.last
        return "$(sed -n 's/^@rc=//p' /tmp/free.last)"
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
# tries: under TCG a systemctl call takes a good part of a second). Every 0.1 s for 2 s, then
# every second: each try forks and execs under TCG, and a long wait polling ten times a second
# kept a core busy (system-seal's 2 minutes for pam_systemd: 124 CPU seconds in 185).
wait_for() {
        deadline=$(($(uptime_s) + $1)); shift
        _tries=0
        while :; do
                "$@" > /dev/null 2>&1 && return 0
                [ "$(uptime_s)" -lt $deadline ] || return 1
                _tries=$((_tries + 1))
                if [ $_tries -le 20 ]; then sleep 0.1; else sleep 1; fi
        done
}

# A login service as an admin would install one, and the local policy entry that lets PID 1 move
# its PAM sessions' first task into a session scope (what a console or ssh login is: pam_systemd
# asks logind, logind asks PID 1). A template with a unit file, so that no transient unit can
# take its name (the shipped base names getty@.service's and ssh's units this way; those need a
# terminal or a network login). Then "cgvm-login USER COMMAND" runs COMMAND in USER's login
# session, opened by "su -" in an instance of it (CGVM_LOGIN_HOW=runuser: runuser -l;
# CGVM_LOGIN_SHELL: su's -s), prints its output and exits with its status. COMMAND reaches the
# login shell as given (PID 1 expands no "$$" in it, as it does in systemd-run's command line).
# "nopolicy": the unit and the helpers only.
install_login_service() {
        mkdir -p /etc/cgroup-guard/policies.d /usr/local/bin
        printf '[Unit]\nDescription=cgroup-guard test login %%i\n[Service]\nType=oneshot\nExecStart=/usr/local/bin/cgvm-login-exec %%i\n' \
                > /etc/systemd/system/cgvmlogin@.service
        cat > /usr/local/bin/cgvm-login-exec <<'SH'
#!/bin/sh
d=/run/cgvm-login/$1
shell=$(cat $d/shell)
"$(cat $d/how)" -l ${shell:+-s "$shell"} "$(cat $d/user)" -c "$(cat $d/cmd)" > $d/out 2>&1
echo $? > $d/rc
SH
        cat > /usr/local/bin/cgvm-login <<'SH'
#!/bin/sh
d=/run/cgvm-login/$$
rm -rf $d
mkdir -p $d
printf '%s' "$1" > $d/user
printf '%s' "$2" > $d/cmd
printf '%s' "${CGVM_LOGIN_HOW:-su}" > $d/how
printf '%s' "${CGVM_LOGIN_SHELL:-}" > $d/shell
systemctl start cgvmlogin@$$.service
cat $d/out 2> /dev/null
rc=$(cat $d/rc 2> /dev/null || echo 1)
rm -rf $d
exit $rc
SH
        chmod 755 /usr/local/bin/cgvm-login-exec /usr/local/bin/cgvm-login
        [ "${1:-}" = nopolicy ] || cat > /etc/cgroup-guard/policies.d/15-cgvm-login.json <<'JSON'
{ "version": 2, "migration": { "allow": [
  { "name": "cgvm-login-sessions", "cgroup": "/init.scope",
    "from": ["/system.slice/system-cgvmlogin.slice/cgvmlogin@*.service"],
    "to": ["/user.slice/user-*.slice/session-*.scope"] } ] } }
JSON
        systemctl daemon-reload
}
