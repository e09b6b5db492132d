# Reports name the executable that acted (issue 21 item 7): the kernel records its device and
# inode with the decision. With the daemon frozen, actors that exec /bin/sleep right after a
# denied move are named, once the daemon reads their records, by the executable they acted with:
# the policy's path for one an exe rule names, its device and inode for another, never sleep.
. /scenarios/lib.sh

mkdir -p $T/prot $T/elsewhere
# Tamper protection off: this test freezes the daemon on purpose.
policy 10-exe.json <<'JSON'
{ "version": 1, "protect_self": false, "migration": { "protect": ["/t/prot"],
  "allow": [ { "exe": "/usr/local/bin/cg-move-allowed", "to": ["/t/elsewhere"] } ] } }
JSON
GUARD_CGROUP=$T/guard guard_start
sleep 1000 & victim=$!

echo 1 > $T/guard/cgroup.freeze
i=0; while [ $i -lt 30 ] && ! grep -q "frozen 1" $T/guard/cgroup.events; do sleep 0.1; i=$((i + 1)); done
grep -q "frozen 1" $T/guard/cgroup.events && ok "the daemon is frozen" || not_ok "the daemon is not frozen"
cg-move $T/prot $victim -- sleep 1000 > /tmp/plain.out & plain=$!
cg-move-allowed $T/prot $victim -- sleep 1000 > /tmp/allowed.out & allowed=$!
sleep 1
[ "$(cat /tmp/plain.out)" = EPERM ] && [ "$(cat /tmp/allowed.out)" = EPERM ] && ok "both moves are denied" ||
        not_ok "moves: $(cat /tmp/plain.out) $(cat /tmp/allowed.out)"
sleep_exe=$(readlink /proc/$plain/exe)
case "$sleep_exe" in
*/cg-move*|"") not_ok "actors: $(readlink /proc/$plain/exe) $(readlink /proc/$allowed/exe)" ;;
*) [ "$(readlink /proc/$allowed/exe)" = "$sleep_exe" ] && ok "both actors run $sleep_exe (sleep) by now" ||
        not_ok "actors: $sleep_exe $(readlink /proc/$allowed/exe)" ;;
esac
echo 0 > $T/guard/cgroup.freeze

check_true "both denials are reported" wait_log "to /t/prot by pid" 2
line() { grep "to /t/prot by pid $1 " $LOG; }
set -- $(stat -L -c '%d %i' /usr/local/bin/cg-move)   # st_dev: major and minor as glibc's dev_t encodes them
identity="dev $(( ($1 >> 8) & 0xfff )):$(( ($1 & 0xff) | (($1 >> 12) & 0xfff00) )) inode $2"
line $plain | grep -qF "$sleep_exe" && not_ok "the later executable is named: $(line $plain)" ||
        ok "an actor that exec'd since is not named by its later executable"
line $plain | grep -qF "(exe changed since: $identity, cg-move)" &&
        ok "... but by the device and inode it acted with ($identity)" || not_ok "cg-move: $(line $plain)"
line $allowed | grep -qF "by pid $allowed (/usr/local/bin/cg-move-allowed, cg-move-allowed)" &&
        ok "an actor whose executable the policy names is named by the policy's path" || not_ok "cg-move-allowed: $(line $allowed)"

kill $victim $plain $allowed 2>/dev/null
finish
