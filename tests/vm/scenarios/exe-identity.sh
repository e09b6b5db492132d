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
check_grep "the daemon is frozen" $T/guard/cgroup.events "frozen 1"
cg-move $T/prot $victim -- sleep 1000 > /tmp/plain.out & plain=$!
cg-move-allowed $T/prot $victim -- sleep 1000 > /tmp/allowed.out & allowed=$!
sleep 1
check "both moves are denied" "EPERM, EPERM" "$(cat /tmp/plain.out), $(cat /tmp/allowed.out)"
sleep_exe=$(readlink /proc/$plain/exe)
case "$sleep_exe" in
*/cg-move*|"") not_ok "actors: $(readlink /proc/$plain/exe) $(readlink /proc/$allowed/exe)" ;;
*) check "both actors run $sleep_exe (sleep) by now" "$sleep_exe" "$(readlink /proc/$allowed/exe)" ;;
esac
echo 0 > $T/guard/cgroup.freeze

check_true "both denials are reported" wait_log "to /t/prot by pid" 2
line() { grep "to /t/prot by pid $1 " $LOG; }
set -- $(stat -L -c '%d %i' /usr/local/bin/cg-move)   # st_dev: major and minor as glibc's dev_t encodes them
identity="dev $(( ($1 >> 8) & 0xfff )):$(( ($1 & 0xff) | (($1 >> 12) & 0xfff00) )) inode $2"
line $plain > /tmp/line.plain
line $allowed > /tmp/line.allowed
check_no_grep "an actor that exec'd since is not named by its later executable" /tmp/line.plain -F "$sleep_exe"
check_grep "... but by the device and inode it acted with ($identity)" /tmp/line.plain -F "(exe changed since: $identity, cg-move)"
check_grep "an actor whose executable the policy names is named by the policy's path" /tmp/line.allowed -F \
        "by pid $allowed (/usr/local/bin/cg-move-allowed, cg-move-allowed)"

kill $victim $plain $allowed 2>/dev/null
finish
