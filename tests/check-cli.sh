#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The command lines of both programs, without a daemon: --version (the meson project version),
# one --help layout, usage errors and an absent bus as exit codes, and man pages that cover every
# verb, option and exit status. Prints TAP. Usage: check-cli.sh CGROUP-GUARDD CGROUP-GUARDCTL VERSION MANDIR
set -u
daemon=$1 ctl=$2 version=$3 mandir=$4
. "$(dirname "$0")/tap.sh"
unset SYSTEMD_COLORS NO_COLOR

# A man page as text, roff's escaped hyphens as plain ones.
man_text() { sed 's/\\-/-/g; s/\\f[BIRP]//g' "$mandir/$1"; }

echo "1..36"
check "cgroup-guardctl --version" "cgroup-guardctl $version" "$("$ctl" --version)"
check "cgroup-guardd --version" "cgroup-guardd $version" "$("$daemon" --version)"
check "cgroup-guardctl --version after a verb" "cgroup-guardctl $version" "$("$ctl" status --version)"

ctl_help=$("$ctl" --help); rc=$?
check "cgroup-guardctl --help exits 0" 0 "$rc"
check "cgroup-guardctl -h is --help" "$ctl_help" "$("$ctl" -h)"
check "cgroup-guardctl VERB --help is --help" "$ctl_help" "$("$ctl" explain --help)"
daemon_help=$("$daemon" --help); rc=$?
check "cgroup-guardd --help exits 0" 0 "$rc"
# One layout for both: usage line, sections, exit status, the man page.
for program in cgroup-guardctl cgroup-guardd; do
        [ "$program" = cgroup-guardctl ] && help=$ctl_help || help=$daemon_help
        check "$program --help: usage line" "Usage: $program [OPTIONS...]" "$(echo "$help" | head -n 1 | cut -c1-$((${#program} + 20)))"
        contains "$program --help: Options section" "
Options:
  -h --help                   Show this help
     --version                Show the version" "$help"
        contains "$program --help: exit status" "Exit status: 0 success" "$help"
        contains "$program --help: the man page" "See the $program(" "$help"
done
missing=
for word in status rules "explain migration" "explain setns" denials reload mode thaw unload check learn replay record --since= \
            --until= --journal-dir= --protect= --no-pager \
            --no-legend --json=pretty\|short\|off --pid= --actor= --to= --type= --target-pid= --lines= --follow; do
        case "$ctl_help" in *"$word"*) ;; *) missing="$missing $word" ;; esac
done
check "cgroup-guardctl --help names every verb and option" "" "$missing"
case "$("$ctl" --help | cat)" in *$'\033['*) not_ok "--help into a pipe has colour" ;; *) ok "--help into a pipe: no colour" ;; esac

# Usage errors: 3 for cgroup-guardctl (explain's answers are 0, 1, 2), 2 for cgroup-guardd.
"$ctl" > /dev/null 2>&1; check "cgroup-guardctl without a command: exit 3" 3 "$?"
out=$("$ctl" frobnicate 2>&1); check "unknown command: exit 3" 3 "$?"
check "unknown command: one line" 'cgroup-guardctl: Unknown command "frobnicate"; see cgroup-guardctl --help.' "$out"
"$ctl" status --frobnicate > /dev/null 2>&1; check "unknown option: exit 3" 3 "$?"
"$ctl" --json=yaml status > /dev/null 2>&1; check "unknown JSON mode: exit 3" 3 "$?"
"$ctl" explain migration --pid x --to /a > /dev/null 2>&1; check "explain: bad pid: exit 3" 3 "$?"
"$ctl" explain migration --pid 1 > /dev/null 2>&1; check "explain: --to missing: exit 3" 3 "$?"
"$ctl" explain sideways --pid 1 > /dev/null 2>&1; check "explain: unknown question: exit 3" 3 "$?"
"$ctl" mode permissive > /dev/null 2>&1; check "mode: unknown mode: exit 3" 3 "$?"
"$ctl" status --pid 1 > /dev/null 2>&1; check "an explain option on another verb: exit 3" 3 "$?"
out=$("$ctl" explain migration --pid 1 --to /sys/fs/cgroup/system.slice 2>&1); rc=$?
check "explain --to /sys/fs/cgroup/...: exit 3 (before asking anyone)" 3 "$rc"
contains "explain --to /sys/fs/cgroup/...: the hint" "give the cgroup path relative to the cgroup2 mount" "$out"
"$daemon" --frobnicate > /dev/null 2>&1; check "cgroup-guardd: unknown option: exit 2" 2 "$?"

# No bus at all: 5, for explain too.
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/cgg-no-bus
"$ctl" status > /dev/null 2>&1; check "no system bus: status exits 5" 5 "$?"
"$ctl" explain migration --pid $$ --to / > /dev/null 2>&1; check "no system bus: explain exits 5" 5 "$?"

# The man pages cover what the programs accept.
man=$(man_text cgroup-guardctl.1)
missing=
for word in status rules "explain migration" "explain setns" denials reload mode thaw unload check learn replay record --since --until \
            --journal-dir --protect --no-pager --no-legend \
            --json --version --help --pid --actor --to --type --target-pid --lines --follow pretty short off \
            SYSTEMD_PAGER PAGER SYSTEMD_LESS NO_COLOR SYSTEMD_COLORS "needs root (Access denied)"; do
        case "$man" in *"$word"*) ;; *) missing="$missing $word" ;; esac
done
check "cgroup-guardctl(1) names every verb, option and variable" "" "$missing"
exits=$(echo "$man" | sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' | grep -A1 '^\.TP' | grep -o '^\.B [0-9]*$' | tr -d '.B \n')
check "cgroup-guardctl(1): EXIT STATUS lists 0 to 8" "012345678" "$exits"
man=$(man_text cgroup-guardd.8)
exits=$(echo "$man" | sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' | grep -A1 '^\.TP' | grep -o '^\.B [0-9]*$' | tr -d '.B \n')
check "cgroup-guardd(8): EXIT STATUS lists 0 to 3 and 78" "012378" "$exits"
missing=
for option in $("$daemon" --help | grep -o -- '--[a-z-]*' | sort -u); do
        case "$man" in *"$option"*) ;; *) missing="$missing $option" ;; esac
done
check "cgroup-guardd(8) names every option of --help" "" "$missing"
[ "$failed" -eq 0 ]
