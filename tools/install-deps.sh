#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the Debian packages the build and the tests need. Idempotent and quick when
# everything is already there (no "apt-get update" then).
set -euo pipefail

packages=(
        meson ninja-build pkg-config gcc clang llvm
        libbpf-dev bpftool libsystemd-dev libjson-c-dev libcmocka-dev
        dbus systemd systemd-journal-remote valgrind python3-jsonschema prometheus-node-exporter curl
)
if [ "${1:-}" = "--vm" ]; then
        shift
        packages+=(qemu-system-x86 qemu-utils e2fsprogs linux-image-amd64 busybox-static linux-source-6.1 dwarves
                   bc flex bison libelf-dev libssl-dev cpio xz-utils zstd debootstrap linux-source-6.12)
        # Debian's 6.12 kernel (bookworm-security, Debian 13's series) for the stock-6.12 VM kernel:
        # the newest linux-image-6.12.N+deb12-amd64-unsigned, once (tests/vm/run picks the newest in /boot).
        if ! ls /boot/vmlinuz-6.12.*-amd64 > /dev/null 2>&1; then
                [ "$(id -u)" -ne 0 ] || apt-get update -qq
                image612=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' |
                           cut -d' ' -f1 | sort -V | tail -n 1)
                packages+=("${image612:-linux-image-6.12.N+deb12-amd64-unsigned (none found: apt-get update)}")
        fi
fi

missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
        echo "Missing packages: ${missing[*]}; run as root to install them." >&2
        exit 1
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
