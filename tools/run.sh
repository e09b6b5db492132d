#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what is missing, builds, and runs cgroup-guardd in the foreground on the shipped
# example policies (policies/), with the backend this kernel supports. Ctrl-C stops it; this demo
# script then unloads the programs (an installed service keeps them in force, see README).
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
[ -d build ] || meson setup build > /dev/null
ninja -C build > /dev/null

# Pins need bpffs; systemd hosts mount it, minimal ones may not (then this demo unmounts it again).
mounted=
if ! awk '$2 == "/sys/fs/bpf" && $3 == "bpf" { found = 1 } END { exit !found }' /proc/mounts; then
        mount -t bpf bpf /sys/fs/bpf
        mounted=1
fi

pins=/sys/fs/bpf/cgroup-guard-demo
trap 'build/src/daemon/cgroup-guardd --unload --bpffs-dir "$pins"; [ -z "$mounted" ] || umount /sys/fs/bpf' EXIT
build/src/daemon/cgroup-guardd --check --policy-dir policies
echo "Running cgroup-guardd on policies/ (Ctrl-C to stop; \"build/src/daemon/cgroup-guardd --status --bpffs-dir $pins\" in another shell)."
build/src/daemon/cgroup-guardd --policy-dir policies --bpffs-dir "$pins" "$@" || true
