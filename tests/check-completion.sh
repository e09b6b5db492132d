#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bash completions offer what the programs accept: verbs, sub-verbs, option values, and cgroup
# paths as policies spell them. Prints TAP.
set -u
dir=$1
. "$(dirname "$0")/tap.sh"
compopt() { :; }        # only valid inside a real completion; harmless to skip here
. "$dir/cgroup-guardctl"
. "$dir/cgroup-guardd"

# complete FUNCTION LINE: the candidates for the last word of LINE (a trailing space starts a new word)
complete_line() {
        local fn=$1 line=$2
        read -r -a COMP_WORDS <<< "$line"
        [ "${line: -1}" = " " ] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMPREPLY=()
        "$fn"
        printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
expect() {
        local name=$1 want=$2 got
        shift 2
        got=$(complete_line "$@")
        check "$name" "$want" "$got"
}

echo "1..18"
expect "verbs" "check denials explain learn metrics mode record reload replay rules show status thaw unload" _cgroup_guardctl "cgroup-guardctl "
expect "global options" "--help --json= --no-legend --no-pager --version" _cgroup_guardctl "cgroup-guardctl --"
expect "json modes" "off pretty short" _cgroup_guardctl "cgroup-guardctl --json = "
expect "verbs after --json=MODE" "rules" _cgroup_guardctl "cgroup-guardctl --json = pretty ru"
expect "verbs after plain --json" "rules" _cgroup_guardctl "cgroup-guardctl --json ru"
expect "a verb prefix" "mode" _cgroup_guardctl "cgroup-guardctl mo"
expect "mode values" "audit enforce policy" _cgroup_guardctl "cgroup-guardctl mode "
expect "explain kinds" "migration setns" _cgroup_guardctl "cgroup-guardctl explain "
expect "explain migration options" "--actor --pid --to" _cgroup_guardctl "cgroup-guardctl explain migration "
expect "explain migration after a pid" "--actor --pid --to" _cgroup_guardctl "cgroup-guardctl explain migration --pid 1 "
expect "options after the verb" "--bpffs-dir= --help --json= --no-legend --no-pager --version" _cgroup_guardctl "cgroup-guardctl status --"
expect "explain setns options" "--pid --target-pid --type" _cgroup_guardctl "cgroup-guardctl explain setns "
expect "namespace types" "cgroup ipc mnt net pid time user uts" _cgroup_guardctl "cgroup-guardctl explain setns --pid 1 --type "
root=$(awk '$9 == "cgroup2" && $4 == "/" { print $5; exit }' /proc/self/mountinfo)
own=
if [ -n "$root" ] && mkdir "$root/cgg-completion-$$" 2>/dev/null; then
        own=$root/cgg-completion-$$
        trap 'rmdir "$own"' EXIT
fi
if [ -z "$own" ]; then
        ok "cgroup paths # SKIP no cgroup2 hierarchy we may create a cgroup in"
else
        got=$(complete_line _cgroup_guardctl "cgroup-guardctl thaw /cgg-completion-")
        check "cgroup paths as policies spell them" "/cgg-completion-$$/" "$got"
fi
case " $(complete_line _cgroup_guardctl "cgroup-guardctl explain migration --pid ") " in
*" 1 "*) ok "pids" ;; *) not_ok "pids: no 1" ;; esac
expect "daemon backends" "auto compat native observe" _cgroup_guardd "cgroup-guardd --backend "
expect "daemon backends after =" "compat" _cgroup_guardd "cgroup-guardd --backend = co"
expect "daemon option prefix" "--policy-dir= --policy-entries-max=" _cgroup_guardd "cgroup-guardd --pol"
[ "$failed" -eq 0 ]
