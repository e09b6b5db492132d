#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# What the kernel's verifier does at a daemon start, per program (BPF_LOG_STATS): seconds and
# instructions processed, most first, and the start's time to "Enforcing". A guest script:
#   tests/vm/meson-vm-test stock|hooks|stock-6.12|hooks-6.12 bench/verifier.sh
# (build dir from CGROUP_GUARD_BUILD_DIR). Run one guest at a time for times worth comparing.
# Instructions processed are what a change to bpf/ should be judged by: under TCG each costs
# 20-60 us on 6.1 and several times that on 6.12 (bench/README.md, "Verifier").
. /scenarios/lib.sh
export CGROUP_GUARD_VERIFIER_STATS=1
up() { cut -d' ' -f1 /proc/uptime; }
s=$(up)
guard_start --debug
e=$(up)
echo "# start to Enforcing: $(awk -v e="$e" -v s="$s" 'BEGIN { print e - s }') s"
awk "/BEGIN PROG LOAD LOG/ { match(\$0, /prog '[^']*'/); p = substr(\$0, RSTART + 6, RLENGTH - 7) }
     /verification time/ { for (i = 1; i <= NF; i++) if (\$i == \"time\") t = \$(i + 1) }
     /processed [0-9]+ insns/ { n = \$0; sub(/.*processed /, \"\", n); sub(/ insns.*/, \"\", n)
                                printf \"%8.3f s %8d insns %s\\n\", t / 1e6, n, p }" $LOG | sort -rn > /tmp/verifier.txt
awk '{ t += $1; n += $3 } END { printf "# verification: %.2f s, %d instructions, %d programs\n", t, n, NR }' /tmp/verifier.txt
sed 's/^/# /' /tmp/verifier.txt
guard_stop
as_admin cgroup-guardd --unload > /dev/null 2>&1
check "the daemon loaded every program" 0 "$(grep -c "BPF program load failed" $LOG)"
