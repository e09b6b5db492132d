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
has() { line_of "$1" | grep -q -- "$2"; }

# Real denials: two moves into the protected subtree by an actor in /t/out, one unshare(net) in
# the locked cgroup.
sleep 1000 & victim=$!
check_cmd "a move into /t/prot is EPERM" EPERM in-cgroup $T/out cg-move $T/prot/a $victim
check_cmd "again" EPERM in-cgroup $T/out cg-move $T/prot/a $victim
check_cmd "unshare(CLONE_NEWNET) in /t/lock is EPERM" 1 in-cgroup $T/lock sh -c 'unshare -n true 2>/dev/null; echo $?'

listing() {
        head -1 $ITER | grep -q "^# cgroup-guard: generation $1$" && ok "$2: the listing names the generation" ||
                not_ok "$2: header: $(head -1 $ITER 2>&1)"
        has /t/prot "entry=own protect=10-state.json:protect/0 mode=enforce" && ok "$2: /t/prot, the protect rule by name" ||
                not_ok "$2: /t/prot: $(line_of /t/prot)"
        has /t/lock "lock=uts:10-state.json:lock/0,net:10-state.json:lock/0" && ok "$2: /t/lock, the lock rule per type" ||
                not_ok "$2: /t/lock: $(line_of /t/lock)"
        has /t/lock "denied=1 " && ok "$2: /t/lock, its 1 denial" || not_ok "$2: /t/lock: $(line_of /t/lock)"
}

# The listing with tamper protection on and the daemon running, read by root from this shell. On
# compat the pin directory refuses path lookups to every process but the daemon
# (inode_permission): cat needs "protect_self": false there, show works everywhere.
if [ $BACKEND = native ]; then
        listing 1 "protect_self on"
        has /t/out "denied=2 audited=0" && ok "/t/out: its actors' 2 denials" || not_ok "/t/out: $(line_of /t/out)"
        rm -f $ITER 2>/dev/null; head -1 $ITER > /dev/null 2>&1 && ok "the listing's pin cannot be removed (tamper protection)" ||
                not_ok "the listing's pin was removed"
else
        cat $ITER > /dev/null 2>&1 && not_ok "compat: the pin directory let a path lookup through" ||
                ok "compat: path lookups in the pin directory are refused (protect_self on)"
        rm -f $ITER 2>/dev/null
fi
cgroup-guardctl show /t/lock/child > /tmp/show 2>&1
grep -q "Lock: uts:10-state.json:lock/0,net:10-state.json:lock/0" /tmp/show &&
        ok "cgroup-guardctl show /t/lock/child: the effective lock of its ancestor" || not_ok "show /t/lock/child: $(cat /tmp/show)"
cgroup-guardctl show /t/free | grep -q "Protect: -" && ok "/t/free: nothing" || not_ok "/t/free: $(cgroup-guardctl show /t/free 2>&1)"
cgroup-guardctl show /t/out > /tmp/show 2>&1
grep -q "Counters: 2 denied, 0 audited" /tmp/show && ok "cgroup-guardctl show /t/out (and the pin is still there)" || not_ok "show: $(cat /tmp/show)"
cgroup-guardctl show /t/prot/a | grep -q "Protect: 10-state.json:protect/0 (enforce)" && ok "cgroup-guardctl show /t/prot/a: the rule (inherited)" ||
        not_ok "show /t/prot/a: $(cgroup-guardctl show /t/prot/a 2>&1)"

# Metrics from the kernel's per-rule counts (real denials).
DEN='cgroup_guard_denials_total{kind="migration",policy="10-state.json",rule="10-state.json:protect/0"} 2'
NS='cgroup_guard_denials_total{kind="namespace",policy="10-state.json",rule="10-state.json:lock/0"} 1'
cgroup-guardd --metrics > /tmp/metrics
grep -qxF "$DEN" /tmp/metrics && ok "metrics: 2 migration denials of protect/0" || not_ok "metrics: $(grep denials_total /tmp/metrics)"
grep -qxF "$NS" /tmp/metrics && ok "metrics: 1 namespace denial of lock/0" || not_ok "metrics: $(grep denials_total /tmp/metrics)"
grep -q '^cgroup_guard_tamper_refusals_total{what="pin"} [1-9]' /tmp/metrics && ok "metrics: the refused pin removal is a tamper refusal" ||
        not_ok "metrics: $(grep tamper_refusals_total /tmp/metrics)"

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
        grep -qxF "$DEN" /tmp/scrape && grep -qxF "$NS" /tmp/scrape && ok "node_exporter /metrics: the denials with their values" ||
                not_ok "node_exporter: $(grep cgroup_guard_denials /tmp/scrape) $(tail -3 /tmp/ne.log)"
        grep -qx 'node_textfile_scrape_error 0' /tmp/scrape && ok "node_exporter: the file parses" || not_ok "node_exporter: scrape error"
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
kill -0 $GUARD_PID 2>/dev/null && not_ok "the daemon did not stop" || ok "the daemon stopped"
has /t/out "denied=2 " && ok "daemon stopped: the iterator still counts" || not_ok "stopped: $(line_of /t/out)"
has /t/lock "lock=uts:10-state.json:lock/0,net:10-state.json:lock/0" && ok "daemon stopped: rule names" ||
        not_ok "stopped: $(line_of /t/lock)"
listing 2 "daemon stopped"

# The cgroup's counts go with it (the kernel drops them at rmdir, no daemon needed).
mkdir $T/gone
in-cgroup $T/gone cg-move $T/prot/a $victim > /dev/null 2>&1
gone_id=$(id_of /t/gone)
grep -q "^$gone_id .*denied=1 " $ITER && ok "a new cgroup's denial is counted" || not_ok "/t/gone: $(grep "^$gone_id " $ITER)"
rmdir $T/gone
grep -q "^$gone_id " $ITER && not_ok "a removed cgroup is still listed" || ok "a removed cgroup is gone"
check_cmd "daemon stopped: still enforced" EPERM in-cgroup $T/out cg-move $T/prot/a $victim
has /t/out "denied=3 " && ok "daemon stopped: the new denial counted" || not_ok "stopped: $(line_of /t/out)"
cgroup-guardctl show /t/out | grep -q "Counters: 3 denied" && ok "daemon stopped: cgroup-guardctl show" ||
        not_ok "stopped show: $(cgroup-guardctl show /t/out 2>&1)"
cgroup-guardctl status > /tmp/status 2>&1
grep -q "cgroup-guard: loaded, pins at $PIN" /tmp/status && ok "daemon stopped: cgroup-guardctl status from the pins" ||
        not_ok "stopped status: $(cat /tmp/status)"
cgroup-guardctl metrics | grep -qxF 'cgroup_guard_denials_total{kind="migration",policy="10-state.json",rule="10-state.json:protect/0"} 4' &&
        ok "daemon stopped: cgroup-guardctl metrics from the pins" || not_ok "stopped metrics: $(cgroup-guardctl metrics 2>&1 | grep denials_total)"
GUARD_PID=
kill $victim
finish
