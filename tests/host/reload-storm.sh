#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# An inotify rename storm in the policy directory (issue 21, item 10): the reload debounce waits
# for a burst to end, but never longer than 2 s, so a storm cannot postpone reloads for as long as
# it lasts. Observe backend; the generation is read from the pins (cgroup-guardd --status).
. "$(dirname "$0")/lib.sh"

cat > "$POLICY_DIR/10-storm.json" <<JSON
{ "version": 1, "migration": { "protect": ["$P/prot"] } }
JSON
echo '{ "version": 1 }' > "$POLICY_DIR/20-a.json"
mkdir -p "$T/prot"
guard_start
generation() { "$DAEMON" --status --bpffs-dir "$PIN" | sed -n 's/.*Policy: generation \([0-9]*\).*/\1/p'; }

before=$(generation)
# Hundreds of renames a second, for 9 s: every one is a change the debounce would wait out.
bash -c "end=\$((SECONDS + 9)); while [ \$SECONDS -lt \$end ]; do mv '$POLICY_DIR/20-a.json' '$POLICY_DIR/20-b.json'; mv '$POLICY_DIR/20-b.json' '$POLICY_DIR/20-a.json'; done" &
STORM=$!
STARTED_PIDS="$STARTED_PIDS $STORM"
sleep 7
during=$(generation)
wait "$STORM"
echo "# generation $before before the storm, $during after 7 s of it"
check_int "a rename storm still gets a reload at least every 2 s (generation $before -> $during after 7 s)" "$during" -ge $((before + 2))
for _ in $(seq 30); do [ "$(generation)" -gt "$during" ] && break; sleep 0.1; done
check_int "the storm's end is followed by a reload" "$(generation)" -gt "$during"
check_no_grep "no errors during the storm" "$LOG" "error"
kill "$GUARD_PID"; wait "$GUARD_PID" 2>/dev/null; GUARD_PID=
finish
