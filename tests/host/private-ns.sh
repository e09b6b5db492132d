# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced first by the host tests that run their own journald and dbus-daemon:
#   . "$(dirname "$0")/private-ns.sh" NEED... -- "$@"
# Skips (exit 77) unless run as root with every NEED (a command on PATH, or an executable's
# absolute path), then runs the test again in a private mount namespace, where the tmpfs it
# mounts on /run (journal and bus sockets) is its own.
if [ -z "${CGG_IN_PRIVATE_NS:-}" ]; then
        [ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
        while [ $# -gt 0 ] && [ "$1" != -- ]; do
                case $1 in
                /*) [ -x "$1" ] || { echo "SKIP: $1 not installed"; exit 77; } ;;
                *) command -v "$1" > /dev/null || { echo "SKIP: $1 not installed"; exit 77; } ;;
                esac
                shift
        done
        [ $# -gt 0 ] && shift
        export CGG_IN_PRIVATE_NS=1
        exec unshare -m --propagation private "$0" "$@"
fi
