#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Metrics on this machine (observe backend): --metrics-file written atomically for the
# node_exporter textfile collector, scraped by the real prometheus-node-exporter on loopback
# (its /metrics shows the guard's series with the values of the violations the kernel saw);
# cgroup-guardctl metrics over D-Bus and, with the daemon stopped, from the pins; per-rule counts
# survive reloads that renumber rules; a failed reload is said; no pids or cgroup paths in
# labels; cgroup-guardd --status as non-root does not claim "not loaded".
. "$(dirname "$0")/private-ns.sh" dbus-daemon /lib/systemd/systemd-journald -- "$@"
. "$(dirname "$0")/lib.sh"
NODE_EXPORTER=/usr/bin/prometheus-node-exporter
[ -x "$NODE_EXPORTER" ] || skip "prometheus-node-exporter not installed (tools/install-deps.sh)"

start_journald_and_bus
TEXTFILE=$WORK/textfile
PROM=$TEXTFILE/cgroup-guard.prom
mkdir -p "$TEXTFILE" "$T/prot" "$T/aud" "$T/out" "$T/other"
cat > "$POLICY_DIR/10-obs.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/prot"] } }
JSON
cat > "$POLICY_DIR/20-aud.json" <<JSON
{ "version": 1, "mode": "audit", "migration": { "protect": ["$P/aud"] } }
JSON
guard_start --metrics-file "$PROM" --metrics-interval 1
for _ in $(seq 50); do busctl --system status org.cgroupguard.Guard1 > /dev/null 2>&1 && break; sleep 0.1; done

# Waits (bounded) until FILE has exactly this line.
wait_line() {
        for _ in $(seq 100); do
                grep -qxF -- "$2" "$1" 2>/dev/null && return 0
                sleep 0.1
        done
        echo "# $1 lacks: $2"; grep -F -- "${2%%\{*}" "$1" | sed 's/^/#   /'
        return 1
}
VIOL='cgroup_guard_violations_total{kind="migration",policy="10-obs.json",rule="10-obs.json:protect/0"}'
AUD='cgroup_guard_audits_total{kind="migration",policy="20-aud.json",rule="20-aud.json:protect/0"}'

# Two violations of the protect rule (into it, out of it), one audit of the audit-mode rule.
spawn sleep 1000; v1=$!
move "$T/prot" "$v1"
move "$T/out" "$v1"
spawn sleep 1000; v2=$!
move "$T/aud" "$v2"
check_true "metrics file: violations by policy, rule and kind" wait_line "$PROM" "$VIOL 2"
check_true "metrics file: audits by policy, rule and kind" wait_line "$PROM" "$AUD 1"
check_true "metrics file: generation" wait_line "$PROM" "cgroup_guard_policy_generation 1"
check_true "metrics file: backend info" wait_line "$PROM" 'cgroup_guard_info{backend="observe",daemon="running",version="0.1"} 1'
check_true "metrics file: a missing guarantee is 0" wait_line "$PROM" 'cgroup_guard_guarantee{backend="observe",guarantee="prevention"} 0'
check_true "metrics file: last reload succeeded" wait_line "$PROM" "cgroup_guard_last_reload_success 1"
check_grep_all "metrics file: HELP and TYPE lines" "$PROM" '^# TYPE cgroup_guard_violations_total counter$' '^# HELP cgroup_guard_violations_total '
check "metrics file: mode 0644 (the collector runs as its own user)" 644 "$(stat -c %a "$PROM")"
check "metrics file: no temporary file left behind" cgroup-guard.prom "$(ls -A "$TEXTFILE")"
check_no_grep "no pids or cgroup paths in the labels" "$PROM" -E "\"($v1|$v2|$$)\"|pid=|$TEST_CG_NAME"

# The kernel's per-cgroup view (the pinned cgroup iterator) and cgroup-guardctl show.
check_grep "cgroup iterator: $P/prot with its rule by name" "$PIN/cgroups" "^$(stat -c %i "$T/prot") 2 prot entry=own protect=10-obs.json:protect/0 mode=enforce lock=- "
export CGROUP_GUARDD=$DAEMON
check_grep "cgroup-guardctl show" <("$CTL" show "$P/aud" --bpffs-dir "$PIN") "Protect: 20-aud.json:protect/0 (audit)"
mkdir "$T/prot/inner"
"$CTL" show "$P/prot/inner" --bpffs-dir "$PIN" > "$WORK/show" 2>&1
check_grep_all "cgroup-guardctl show: a cgroup the listing leaves out (inherited)" "$WORK/show" \
        "Entry: its nearest ancestor's" "Protect: 10-obs.json:protect/0 (enforce)"
check_no_grep "the listing leaves out what its ancestor says" "$PIN/cgroups" "^$(stat -c %i "$T/prot/inner") "
# A cgroup's name is anyone's to choose (a delegated subtree's owner): one that spells the
# iterator's fields did not pass for protected (a review made it).
forged='svc entry=own protect=pid1-starts-units mode=enforce lock=net:x'
mkdir "$T/$forged"
"$CTL" show "$P/$forged" --bpffs-dir "$PIN" > "$WORK/show-forged" 2>&1
check_grep_all "cgroup-guardctl show: a name that spells protect= is not read as protected" "$WORK/show-forged" \
        "Protect: -$" "Lock: -$"
rmdir "$T/$forged"
setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$CTL" show "$P/aud" --bpffs-dir "$PIN" > /dev/null 2>&1
check "show as non-root: needs root (exit 4)" 4 "$?"

# The real node_exporter scrapes the file (textfile collector) and serves it on loopback.
PORT=$((20000 + $$ % 20000))
spawn "$NODE_EXPORTER" --web.listen-address="127.0.0.1:$PORT" --collector.disable-defaults --collector.textfile \
        --collector.textfile.directory="$TEXTFILE"
scrape() { curl -fsS "http://127.0.0.1:$PORT/metrics" > "$WORK/scrape" 2>/dev/null; }
for _ in $(seq 100); do scrape && break; sleep 0.1; done
check_true "node_exporter: the violations series, with its value" wait_line "$WORK/scrape" "$VIOL 2"
check_true "node_exporter: the audits series" wait_line "$WORK/scrape" "$AUD 1"
check_grep "node_exporter: the file parses (node_textfile_scrape_error 0)" "$WORK/scrape" -x 'node_textfile_scrape_error 0'

# One more violation: the file changes, the next scrape says 3.
move "$T/prot" "$v1"
check_true "metrics file: rewritten on change" wait_line "$PROM" "$VIOL 3"
for _ in $(seq 50); do scrape; grep -qxF "$VIOL 3" "$WORK/scrape" && break; sleep 0.1; done
check_grep "node_exporter: the new value is scraped" "$WORK/scrape" -xF "$VIOL 3"

# A reload that renumbers the rules (a file sorting first): the counts stay with the rule's name.
cat > "$POLICY_DIR/05-first.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/other"] } }
JSON
check_true "reload: generation 2" wait_log "Policy generation 2 in force"
move "$T/out" "$v1"
check_true "reload: the count goes on under the same labels" wait_line "$PROM" "$VIOL 4"
check_true "metrics: two successful loads" wait_line "$PROM" 'cgroup_guard_reloads_total{result="success"} 2'

# D-Bus: cgroup-guardctl metrics says the same.
"$CTL" metrics > "$WORK/ctl"
check "cgroup-guardctl metrics (D-Bus): exit 0" 0 "$?"
check_grep "cgroup-guardctl metrics (D-Bus): the violations" "$WORK/ctl" -xF "$VIOL 4"
check_grep "cgroup-guardctl metrics (D-Bus): the audits" "$WORK/ctl" -xF "$AUD 1"

# A failed reload: the old generation stays, the metrics say the load failed.
echo '{ "version": 1, "migration": { "protect": [' > "$POLICY_DIR/30-bad.json"
check_true "failed reload: last_reload_success 0" wait_line "$PROM" "cgroup_guard_last_reload_success 0"
check_true "failed reload: counted" wait_line "$PROM" 'cgroup_guard_reloads_total{result="failure"} 1'
check_true "failed reload: the generation in force stays" wait_line "$PROM" "cgroup_guard_policy_generation 2"
rm -f "$POLICY_DIR/30-bad.json"

# The daemon stopped: the pins still say it (cgroup-guardd --metrics, run by cgroup-guardctl).
kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=
CGROUP_GUARDD=$DAEMON "$CTL" metrics --bpffs-dir "$PIN" > "$WORK/ctl2"
check_grep "cgroup-guardctl metrics with the daemon stopped: from the pins" "$WORK/ctl2" -xF "$VIOL 4"
check_grep "cgroup-guardctl metrics with the daemon stopped: says so" "$WORK/ctl2" -F 'daemon="stopped"'
CGROUP_GUARDD=$DAEMON "$CTL" status --bpffs-dir "$PIN" > "$WORK/status" 2>&1
check_grep "cgroup-guardctl status with the daemon stopped: from the pins" "$WORK/status" "cgroup-guard: loaded, pins at $PIN"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$DAEMON" --status --bpffs-dir "$PIN" 2>&1); rc=$?
check "--status as non-root: exit 4" 4 "$rc"
contains "--status as non-root: needs root" "needs root" "$out"
check_no_grep "--status as non-root: not 'not loaded'" <(printf '%s\n' "$out") -F "not loaded"

finish
