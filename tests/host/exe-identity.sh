#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The executable a report names is the one that acted (issue 21 item 7): the kernel records its
# device and inode with the decision, and a daemon that handles the record late (stopped here)
# names what acted, never what the actor exec'd since. Only processes and cgroups this test made.
. "$(dirname "$0")/lib.sh"

BASH_EXE=$(readlink -f /bin/bash)
PERL_EXE=$(readlink -f /usr/bin/perl)
SLEEP_EXE=$(readlink -f /usr/bin/sleep)
mkdir -p "$T/prot" "$T/elsewhere" "$T/a" "$T/b" "$T/c"
# perl has an allow rule (for another destination): the policy knows its device and inode.
cat > "$POLICY_DIR/10-prot.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/prot"],
  "allow": [ { "exe": "$PERL_EXE", "to": ["$P/elsewhere"] } ] } }
JSON
chmod 755 "$WORK"
for i in 1 2 3; do spawn sleep 1000; eval "victim$i=\$!"; done
guard_start

# Three victims: a task already in the protected cgroup does not move again.
# The daemon lags: nothing is read from the ring buffer until it runs again.
kill -STOP "$GUARD_PID"
# bash moves the victim and exec's sleep.
spawn bash -c "echo \$\$ > $T/a/cgroup.procs; echo $victim1 > $T/prot/cgroup.procs; exec $SLEEP_EXE 1000"; by_bash=$!
# perl does, then exec's sleep.
spawn perl -e 'open(my $f, ">", "'"$T/b"'/cgroup.procs"); print $f $$; close $f;
               open($f, ">", "'"$T/prot"'/cgroup.procs"); print $f "'"$victim2"'"; close $f;
               exec "'"$SLEEP_EXE"'", "1000"'; by_perl=$!
# bash moves the victim and stays bash (a command after sleep: bash does not exec it).
spawn bash -c "echo \$\$ > $T/c/cgroup.procs; echo $victim3 > $T/prot/cgroup.procs; sleep 1000; :"; stays=$!
for pid in $by_bash $by_perl; do
        for _ in $(seq 50); do [ "$(readlink "/proc/$pid/exe")" = "$SLEEP_EXE" ] && break; sleep 0.1; done
done
check "both actors exec'd $SLEEP_EXE before the daemon saw their records" "$SLEEP_EXE $SLEEP_EXE" \
      "$(readlink /proc/$by_bash/exe) $(readlink /proc/$by_perl/exe)"
kill -CONT "$GUARD_PID"

check_true "the three violations are reported" wait_log "to $P/prot by pid" 3
line() { grep "to $P/prot by pid $1 " "$LOG"; }
dev=$(stat -c '%Hd:%Ld' "$BASH_EXE") ino=$(stat -c %i "$BASH_EXE")
check_no_grep "an actor that exec'd since is not named by its later executable" <(line "$by_bash") -F "$SLEEP_EXE"
check_grep "... it is named by the device and inode it acted with" <(line "$by_bash") -F "(exe changed since: dev $dev inode $ino, bash)"
check_grep "an actor whose executable the policy names is named by the policy's path" <(line "$by_perl") -F "by pid $by_perl ($PERL_EXE, perl)"
check_grep "an actor that still runs its executable is named by /proc's path" <(line "$stays") -F "by pid $stays ($BASH_EXE, bash)"
finish
