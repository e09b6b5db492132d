# Deep and long cgroups stay governed across reloads (issue 21 item 1): a cgroup 70 levels below a
# protected one, and one whose path is over 4,096 bytes long, are protected before any reload and
# after SIGHUP and after an edit of a policy file (each reload compiles a new generation). Before
# the kernel found a cgroup's entry by walking to its nearest ancestor's, a reload rebuilt the map
# from a scan that stopped at depth 64 and skipped paths of 4,096 bytes or more.
. /scenarios/lib.sh

mkdir -p $T/prot $T/other
policy 10-deep.json <<'JSON'
{ "version": 1, "protect_self": false, "migration": { "protect": ["/t/prot"] } }
JSON
guard_start

# 70 levels: /t/prot/d/d/.../d
deep=$T/prot
i=0
while [ $i -lt 70 ]; do deep=$deep/d; mkdir $deep; i=$((i + 1)); done
# Over 4,096 bytes: 17 components of 250 characters, created one at a time (relative: the whole
# path is too long for a system call; cd -P: busybox would chdir to the whole logical path).
# (long_name: a name of its own, not one lib.sh uses)
long_name=$(printf '%0250d' 0)
make_long_path() (
        cd $T/prot || exit 1
        i=0
        while [ $i -lt 17 ]; do mkdir $long_name && cd -P $long_name || exit 1; i=$((i + 1)); done
        # The full path (/sys/fs/cgroup/t/prot/...) is over 4,096 bytes.
)
not_ok_unless "could not create the long path" make_long_path
long=$T/prot
i=0
while [ $i -lt 17 ]; do long=$long/$long_name; i=$((i + 1)); done
length=$(( ${#long} - ${#CG} ))
check_int "a cgroup path of $length bytes exists" "$length" -ge 4096
# cg-move writes a relative cgroup.procs: run it from inside the long directory.
in_long() { (cd $T/prot && i=0 && while [ $i -lt 17 ]; do cd -P $long_name || exit 1; i=$((i + 1)); done && "$@"); }

sleep 1000 & victim=$!
moves() {
        check_cmd "$1: a move into depth 70 under a protected cgroup is EPERM" EPERM cg-move $deep $victim
        check_cmd "$1: a move into a cgroup whose path is over 4,096 bytes is EPERM" EPERM in_long cg-move . $victim
        check_cmd "$1: a cgroup elsewhere is free" ok cg-move $T/other $victim
}
moves "before any reload"

kill -HUP $GUARD_PID
check_true "SIGHUP: a new generation is in force" wait_log "Policy generation 2 in force"
moves "after SIGHUP"

# An edit of a policy file: the directory watch reloads.
policy 20-other.json <<'JSON'
{ "version": 1, "protect_self": false, "migration": { "protect": ["/t/unrelated"] } }
JSON
check_true "edit: a new generation is in force" wait_log "Policy generation 3 in force"
moves "after an edit"

kill $victim
guard_stop
cgroup-guardd --unload > /dev/null 2>&1
# Deepest first.
(cd $T/prot && i=0 && while [ $i -lt 17 ]; do cd -P $long_name || exit 1; i=$((i + 1)); done &&
        i=0 && while [ $i -lt 17 ]; do cd -P .. && rmdir $long_name; i=$((i + 1)); done)
while [ "$deep" != "$T/prot" ]; do rmdir $deep; deep=${deep%/d}; done
finish
