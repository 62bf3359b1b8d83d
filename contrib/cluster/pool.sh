#!/usr/bin/env bash
# pool.sh: a local memcd pool behind twemproxy, for trying sharding out.
#
#   contrib/cluster/pool.sh [-n NODES] [-p PROXY_PORT] [-b BASE_PORT]
#                           [-s STATS_PORT] [-- extra memcd flags]
#
# Starts NODES memcd processes (default 3) on 127.0.0.1 ports BASE_PORT,
# BASE_PORT+1, ... (default 11212), named node1..nodeN in the ring, and
# nutcracker on 127.0.0.1:PROXY_PORT (default 22121) with its stats on
# STATS_PORT (default PROXY_PORT+1; nutcracker's own default, 22222, is often
# taken). The config comes from nutcracker.yml.in beside this script. Runs
# in the foreground; SIGINT or SIGTERM stops every child and removes the
# temporary directory. Exits non-zero if anything fails to start.
#
# Environment: MEMCD_BIN (else ./build/src/memcd, else ./src/memcd),
# NUTCRACKER_BIN (else nutcracker on PATH, else /usr/sbin/nutcracker),
# MEMCD_USER (the -u user when run as root, default nobody).
set -euo pipefail

readonly kStartTimeoutTicks=100  # x 0.1 s to wait for a process to listen

usage() {
  echo "usage: $0 [-n NODES] [-p PROXY_PORT] [-b BASE_PORT] [-s STATS_PORT]" \
    "[-- memcd flags]" >&2
  exit 2
}

die() {
  echo "pool.sh: $*" >&2
  exit 1
}

nodes=3
proxy_port=22121
base_port=11212
stats_port=
while getopts ':n:p:b:s:h' opt; do
  case "$opt" in
    n) nodes=$OPTARG ;;
    p) proxy_port=$OPTARG ;;
    b) base_port=$OPTARG ;;
    s) stats_port=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
extra_flags=("$@")
stats_port=${stats_port:-$((proxy_port + 1))}

for value in "$nodes" "$proxy_port" "$base_port" "$stats_port"; do
  [[ "$value" =~ ^[0-9]+$ ]] || usage
done
((nodes >= 1 && nodes <= 64)) || die "-n must be between 1 and 64"
((base_port >= 1 && base_port + nodes - 1 <= 65535)) || die "bad -b"
((proxy_port >= 1 && proxy_port <= 65535)) || die "bad -p"
((stats_port >= 1 && stats_port <= 65535)) || die "bad -s"

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
template="$script_dir/nutcracker.yml.in"
[[ -r "$template" ]] || die "missing template $template"

memcd=${MEMCD_BIN:-}
if [[ -z "$memcd" ]]; then
  for candidate in ./build/src/memcd ./src/memcd; do
    if [[ -x "$candidate" ]]; then
      memcd=$candidate
      break
    fi
  done
fi
[[ -n "$memcd" && -x "$memcd" ]] ||
  die "no memcd binary: set MEMCD_BIN, or run from a tree with build/src/memcd or src/memcd"

nutcracker=${NUTCRACKER_BIN:-$(command -v nutcracker || echo /usr/sbin/nutcracker)}
[[ -x "$nutcracker" ]] ||
  die "no nutcracker: apt-get install nutcracker, or set NUTCRACKER_BIN"

# True if something accepts connections on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

ports=()
for ((i = 0; i < nodes; i++)); do
  ports+=("$((base_port + i))")
done
declare -A seen=()
for port in "${ports[@]}" "$proxy_port" "$stats_port"; do
  [[ -z "${seen[$port]:-}" ]] || die "port $port is given twice (see -b, -p, -s)"
  seen[$port]=1
  ! port_in_use "$port" || die "port $port is already in use"
done

# memcd, like memcached, refuses to run as root without -u.
user_flags=()
if ((EUID == 0)); then
  have_user=0
  for flag in "${extra_flags[@]+"${extra_flags[@]}"}"; do
    case "$flag" in -u* | --user*) have_user=1 ;; *) ;; esac
  done
  ((have_user)) || user_flags=(-u "${MEMCD_USER:-nobody}")
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/memcd-pool.XXXXXX")
children=()
sleeper=

cleanup() {
  trap - EXIT INT TERM
  local pid
  [[ -z "$sleeper" ]] || kill "$sleeper" 2>/dev/null || true
  for pid in "${children[@]+"${children[@]}"}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${children[@]+"${children[@]}"}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

# Waits until $2 listens on port $3; fails with the log tail of $4 if the
# process $1 exits first or the wait runs out.
wait_listening() {
  local pid=$1 what=$2 port=$3 log=$4 tick
  for ((tick = 0; tick < kStartTimeoutTicks; tick++)); do
    port_in_use "$port" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "pool.sh: $what did not start listening on port $port; log:" >&2
  tail -n 20 "$log" >&2 || true
  exit 1
}

servers=
for ((i = 0; i < nodes; i++)); do
  name="node$((i + 1))"
  port=${ports[$i]}
  "$memcd" -p "$port" -l 127.0.0.1 -U 0 "${user_flags[@]+"${user_flags[@]}"}" \
    "${extra_flags[@]+"${extra_flags[@]}"}" >"$workdir/$name.log" 2>&1 &
  children+=("$!")
  wait_listening "$!" "$name (memcd)" "$port" "$workdir/$name.log"
  servers+="   - 127.0.0.1:$port:1 $name"$'\n'
done

conf="$workdir/nutcracker.yml"
text=$(<"$template")
text=${text//@LISTEN@/127.0.0.1:$proxy_port}
text=${text//@SERVERS@/${servers%$'\n'}}
printf '%s\n' "$text" >"$conf"
"$nutcracker" --test-conf -c "$conf" >"$workdir/test-conf.log" 2>&1 || {
  cat "$workdir/test-conf.log" >&2
  die "nutcracker rejected $conf"
}

# nutcracker 0.5.0 writes the pid file only with -d; $! tracks it here.
"$nutcracker" -c "$conf" -s "$stats_port" -a 127.0.0.1 \
  -o "$workdir/nutcracker.log" -p "$workdir/nutcracker.pid" &
proxy_pid=$!
children+=("$proxy_pid")
wait_listening "$proxy_pid" nutcracker "$proxy_port" "$workdir/nutcracker.log"

echo "proxy: 127.0.0.1:$proxy_port (stats 127.0.0.1:$stats_port, pid $proxy_pid)"
for ((i = 0; i < nodes; i++)); do
  echo "node$((i + 1)): 127.0.0.1:${ports[$i]} (pid ${children[$i]})"
done
echo "logs and config: $workdir; Ctrl-C stops the pool"

# Stay up until a signal, or until any child dies on its own.
while true; do
  for pid in "${children[@]}"; do
    kill -0 "$pid" 2>/dev/null || die "process $pid exited; stopping the pool"
  done
  # A background sleep, so that a signal interrupts the wait at once.
  sleep 0.5 &
  sleeper=$!
  wait "$sleeper" || true
done
