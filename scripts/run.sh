#!/bin/bash
# Quick start, first command: install what is missing, build, and run memcd in
# the foreground on 127.0.0.1:11211 (extra arguments go to memcd).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"
args=(-l 127.0.0.1 -p 11211)
# Like memcached, memcd will not run as root without a user to switch to.
[ "$(id -u)" -eq 0 ] && args+=(-u nobody)
exec "$top/build/src/memcd" "${args[@]}" "$@"
