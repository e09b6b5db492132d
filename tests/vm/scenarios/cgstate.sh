# Per-cgroup state in the kernel and metrics after real denials (issue 19): the pinned cgroup
# iterator (cat /sys/fs/bpf/cgroup-guard/cgroups) lists every cgroup with its effective protect
# and lock rules by name and the denials of the actors in it, while tamper protection is on (the
# admin reads it; nobody removes it) and with the daemon stopped; cgroup-guardctl show reads it;
# the per-rule counts reach the metrics (cgroup-guardd --metrics from the pins, and the
# --metrics-file scraped by the real prometheus-node-exporter on loopback).
. /scenarios/lib.sh

PIN=/sys/fs/bpf/cgroup-guard
export CGROUP_GUARDD=$(command -v cgroup-guardd)   # what cgroup-guardctl runs to read the pins
ITER=$PIN/cgroups
PROM_DIR=/tmp/textfile
mkdir -p $T/prot/a $T/out $T/lock $T/lock/child $T/free $PROM_DIR
policy 10-state.json <<'JSON'
{
  "version": 1,
  "migration": { "protect": ["/t/prot"] },
  "namespaces": { "lock": [ { "cgroup": "/t/lock", "types": ["net", "uts"] } ] }
}
JSON
guard_start --metrics-file $PROM_DIR/cgroup-guard.prom --metrics-interval 1

id_of() { stat -c %i "$CG$1"; }
line_of() { grep "^$(id_of "$1") " $ITER; }

# Real denials: two moves into the protected subtree by an actor in /t/out, one unshare(net) in
# the locked cgroup.
sleep 1000 & victim=$!
check_cmd "a move into /t/prot is EPERM" EPERM in-cgroup $T/out cg-move $T/prot/a $victim
check_cmd "again" EPERM in-cgroup $T/out cg-move $T/prot/a $victim
check_cmd "unshare(CLONE_NEWNET) in /t/lock is EPERM" 1 in-cgroup $T/lock sh -c 'unshare -n true 2>/dev/null; echo $?'

listing() {
        check_output "$2: the listing names the generation" "^# cgroup-guard: generation $1$" head -1 $ITER
        check_output "$2: /t/prot, the protect rule by name" "entry=own protect=10-state.json:protect/0 mode=enforce" line_of /t/prot
        check_output "$2: /t/lock, the lock rule per type" "lock=uts:10-state.json:lock/0,net:10-state.json:lock/0" line_of /t/lock
        check_output "$2: /t/lock, its 1 denial" "denied=1 " line_of /t/lock
}

# The listing with tamper protection on and the daemon running, read by root from this shell. On
# compat the pin directory refuses path lookups to every process but the daemon
# (inode_permission): cat needs "protect_self": false there, show works everywhere.
if [ $BACKEND = native ]; then
        listing 1 "protect_self on"
        check_output "/t/out: its actors' 2 denials" "denied=2 audited=0" line_of /t/out
        rm -f $ITER 2>/dev/null
        check_succeeds "the listing's pin cannot be removed (tamper protection)" head -1 $ITER
else
        check_fails "compat: path lookups in the pin directory are refused (protect_self on)" cat $ITER
        rm -f $ITER 2>/dev/null
fi
cgroup-guardctl show /t/lock/child > /tmp/show 2>&1
check_grep "cgroup-guardctl show /t/lock/child: the effective lock of its ancestor" /tmp/show "Lock: uts:10-state.json:lock/0,net:10-state.json:lock/0"
check_output "/t/free: nothing" "Protect: -" cgroup-guardctl show /t/free
cgroup-guardctl show /t/out > /tmp/show 2>&1
check_grep "cgroup-guardctl show /t/out (and the pin is still there)" /tmp/show "Counters: 2 denied, 0 audited"
check_output "cgroup-guardctl show /t/prot/a: the rule (inherited)" "Protect: 10-state.json:protect/0 (enforce)" cgroup-guardctl show /t/prot/a

# Metrics from the kernel's per-rule counts (real denials).
DEN='cgroup_guard_denials_total{kind="migration",policy="10-state.json",rule="10-state.json:protect/0"} 2'
NS='cgroup_guard_denials_total{kind="namespace",policy="10-state.json",rule="10-state.json:lock/0"} 1'
cgroup-guardd --metrics > /tmp/metrics
check_grep "metrics: 2 migration denials of protect/0" /tmp/metrics -xF "$DEN"
check_grep "metrics: 1 namespace denial of lock/0" /tmp/metrics -xF "$NS"
check_grep "metrics: the refused pin removal is a tamper refusal" /tmp/metrics '^cgroup_guard_tamper_refusals_total{what="pin"} [1-9]'

# The real node_exporter scrapes the metrics file (textfile collector) on loopback.
if [ -x /usr/local/bin/prometheus-node-exporter ]; then
        ip link set lo up
        prometheus-node-exporter --web.listen-address=127.0.0.1:9100 --collector.disable-defaults --collector.textfile \
                --collector.textfile.directory=$PROM_DIR > /tmp/ne.log 2>&1 & ne=$!
        i=0
        while [ $i -lt 100 ]; do
                wget -qO /tmp/scrape http://127.0.0.1:9100/metrics 2>/dev/null && grep -qxF "$DEN" /tmp/scrape && grep -qxF "$NS" /tmp/scrape && break
                sleep 0.2; i=$((i + 1))
        done
                check "node_exporter /metrics: the denials with their values" "$DEN|$NS|" \
                "$(grep -xF -e "$DEN" -e "$NS" /tmp/scrape | sort -u | tr '\n' '|')"
        check_grep "node_exporter: the file parses" /tmp/scrape -x 'node_textfile_scrape_error 0'
        kill $ne
else
        not_ok "prometheus-node-exporter is not in the VM (tests/vm/meson.build adds it)"
fi

# The daemon stopped (tamper protection off first, so this shell may stop it): the pins still
# answer, with the rule names.
policy 10-state.json <<'JSON'
{
  "version": 1,
  "protect_self": false,
  "migration": { "protect": ["/t/prot"] },
  "namespaces": { "lock": [ { "cgroup": "/t/lock", "types": ["net", "uts"] } ] }
}
JSON
wait_log "Policy generation 2 in force"
kill $GUARD_PID; wait $GUARD_PID 2>/dev/null
check "the daemon stopped" gone "$(running $GUARD_PID)"
check_output "daemon stopped: the iterator still counts" "denied=2 " line_of /t/out
check_output "daemon stopped: rule names" "lock=uts:10-state.json:lock/0,net:10-state.json:lock/0" line_of /t/lock
listing 2 "daemon stopped"

# The cgroup's counts go with it (the kernel drops them at rmdir, no daemon needed).
mkdir $T/gone
in-cgroup $T/gone cg-move $T/prot/a $victim > /dev/null 2>&1
gone_id=$(id_of /t/gone)
check_grep "a new cgroup's denial is counted" $ITER "^$gone_id .*denied=1 "
rmdir $T/gone
check_no_grep "a removed cgroup is gone" $ITER "^$gone_id "
check_cmd "daemon stopped: still enforced" EPERM in-cgroup $T/out cg-move $T/prot/a $victim
check_output "daemon stopped: the new denial counted" "denied=3 " line_of /t/out
check_output "daemon stopped: cgroup-guardctl show" "Counters: 3 denied" cgroup-guardctl show /t/out
cgroup-guardctl status > /tmp/status 2>&1
check_grep "daemon stopped: cgroup-guardctl status from the pins" /tmp/status "cgroup-guard: loaded, pins at $PIN"
cgroup-guardctl metrics > /tmp/metrics
check_grep "daemon stopped: cgroup-guardctl metrics from the pins" /tmp/metrics -xF \
        'cgroup_guard_denials_total{kind="migration",policy="10-state.json",rule="10-state.json:protect/0"} 4'
GUARD_PID=
kill $victim
finish
