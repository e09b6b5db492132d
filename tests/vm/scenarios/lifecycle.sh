# Scenarios 8-10: audit mode, live reload, surviving the daemon (SIGKILL, adoption, --unload).
# The daemon must be killable here to show enforcement survives a crash: "protect_self": false
# (with it on, only PID 1 may signal the daemon; see tamper.sh).
. /scenarios/lib.sh

mkdir -p $T/aud $T/audlock $T/live $T/other $T/out
policy 10-audit.json <<'JSON'
{
  "version": 1,
  "mode": "audit",
  "protect_self": false,
  "migration": { "protect": ["/t/aud"], "allow": [ { "exe": "/usr/local/bin/cg-move-allowed" } ] },
  "namespaces": { "lock": [ { "cgroup": "/t/audlock", "types": ["uts"] } ] }
}
JSON
policy 20-live.json <<'JSON'
{ "version": 1, "migration": { "protect": ["/t/live"] } }
JSON
guard_start
links_before=$(link_ids)

# 8. audit: allowed, and reported exactly once each
sleep 1000 & victim=$!
unshare -u sleep 1000 & other=$!
sleep 0.3
check_cmd "audit: a forbidden move succeeds" ok cg-move $T/aud $victim
check_cmd "audit: a forbidden setns succeeds" ok in-cgroup $T/audlock cg-setns /proc/$other/ns/uts
check_true "audit: the move is reported" wait_log "Audit: would deny migration" 1
check_true "audit: the setns is reported" wait_log "Audit: would deny joining another uts namespace" 1
sleep 0.5
check "audit: exactly one event for the move" 1 "$(grep -c 'Audit: would deny migration' $LOG)"
check "audit: exactly one event for the setns" 1 "$(grep -c 'Audit: would deny joining' $LOG)"
check_output "audit: counted" "2 audited" cgroup-guardd --status

# 9. live reload: the decision flips within 2 s of an edit, links stay, invalid edits change nothing
check_cmd "reload: before the edit /t/live is protected" EPERM cg-move $T/live $victim
cat > $POLICY_DIR/.20-live.json.tmp <<'JSON'
{ "version": 1, "migration": { "protect": ["/t/other"] } }
JSON
mv $POLICY_DIR/.20-live.json.tmp $POLICY_DIR/20-live.json   # how editors save
i=0
while [ $i -lt 20 ] && [ "$(cg-move $T/live $victim)" != ok ]; do sleep 0.1; i=$((i + 1)); done
check_int "reload: the edit took effect within 2 s ($((i * 100)) ms)" "$i" -lt 20
check_cmd "reload: the new rule is enforced" EPERM cg-move $T/other $victim
check "reload: link ids unchanged" "$links_before" "$(link_ids)"
echo '{ "version": 1, "migration": { "protect": ["/t/live"], }' > $POLICY_DIR/20-live.json
check_true "reload: an invalid edit is reported with its position" wait_log "20-live.json:1:56: error: trailing comma"
check_cmd "reload: after an invalid edit the old rule still holds" EPERM cg-move $T/other $victim
rmdir $T/other && mkdir $T/other
check_cmd "a protected cgroup removed and created again is covered at once" EPERM cg-move $T/other $victim
check_cmd "reload: ... and the rule the invalid file asked for is not in force" ok cg-move $T/live $victim
kill -HUP $GUARD_PID
sleep 0.5
check_cmd "reload: SIGHUP with the invalid file keeps the old rule too" EPERM cg-move $T/other $victim

# The pin directory removed under the running daemon (possible with protect_self off): the
# programs detach with their pins; the daemon notices, loads again, and enforcement is back.
rm -rf /sys/fs/bpf/cgroup-guard
# Loading everything again takes as long as a cold start (up to 60 s under TCG, see guard_start).
check_true "removed pins: noticed, reported and loaded again" wait_log "Enforcing again with the $BACKEND backend" 1 3000
check_grep "removed pins: reported" $LOG "The pins under .* are gone"
check_cmd "removed pins: enforcement is back" EPERM cg-move $T/other $victim
links_before=$(link_ids)

# 10. the daemon dies: enforcement stays; a restart adopts the pins; --unload removes everything
echo '{ "version": 1, "migration": { "protect": ["/t/other"] } }' > $POLICY_DIR/20-live.json
sleep 0.5
kill -9 $GUARD_PID
wait $GUARD_PID 2>/dev/null
check_cmd "SIGKILL: denials continue without the daemon" EPERM cg-move $T/other $victim
check "SIGKILL: links still attached" "$links_before" "$(link_ids)"
: > $LOG
guard_start
check_grep "restart: the pins are adopted" $LOG "adopted from pins"
check "restart: same link ids" "$links_before" "$(link_ids)"
check_cmd "restart: still enforcing" EPERM cg-move $T/other $victim
guard_stop
check_cmd "SIGTERM: enforcement stays after a clean stop" EPERM cg-move $T/other $victim
cgroup-guardd --unload > /dev/null
check "--unload: no links left" "" "$(link_ids)"
check_fails "--unload: pins removed" test -e /sys/fs/bpf/cgroup-guard
check_cmd "--unload: nothing is enforced any more" ok cg-move $T/other $victim

kill $victim $other
finish
