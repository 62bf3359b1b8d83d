#!/usr/bin/python3
"""membench: memcd's memory use against memcached's, side by side.

Three measurements, each with both servers started with identical flags on
free 127.0.0.1 ports (`-U 0`, and `-u root` when run as root):
  1. bytes per item: RSS growth per item after loading N items (-m 1024),
     for 100-byte, 10-byte and 1 KiB values;
  2. RSS honesty: the most RSS above the 64 MiB limit under a write storm of
     200 connections with values of 10 bytes to 500 KiB (-m 64), and which
     size ranges stopped being stored;
  3. hit ratio: the same Zipf-distributed get-or-set sequence (-m 64).
Prints the machine, a table per measurement, then one line per figure:
`ratio NAME memcd/memcached=x.xx`. Debian's python3, standard library only.
`--quick` is a smoke run of under a minute. See doc/memory.md.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hits
import items
import report
import storm
from client import ProtocolError
from servers import ServerError, ServerPair

DEFAULT_MEMCACHED = "/usr/bin/memcached"


class Interrupted(Exception):
    """SIGINT, SIGTERM or the overall time limit: stop the servers and leave."""


def _raise_interrupted(signum, _frame):
    raise Interrupted(f"signal {signal.Signals(signum).name}")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--memcd", required=True, help="the memcd binary to measure")
    p.add_argument("--memcached", default=DEFAULT_MEMCACHED,
                   help=f"the reference memcached (default {DEFAULT_MEMCACHED})")
    p.add_argument("--source-dir", default=None,
                   help="memcd's source tree, for the git commit (default: "
                        "this script's repository)")
    p.add_argument("--commit", default=None,
                   help="memcd's commit to report, for a binary built from "
                        "another tree (default: from --source-dir)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: small N, short durations (under a minute)")
    p.add_argument("--items", type=int, default=None,
                   help="items for 100-byte values (default 1000000; 10-byte "
                        "values use N/2, 1 KiB values N/5)")
    p.add_argument("--seconds", type=float, default=None,
                   help="write-storm duration per server (default 60)")
    p.add_argument("--requests", type=int, default=None,
                   help="requests per Zipf workload (default 2000000)")
    p.add_argument("--conns", type=int, default=200,
                   help="write-storm connections (default 200)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--verbose", action="store_true",
                   help="also print every slab class after the write storm")
    p.add_argument("--only", action="append", choices=["items", "storm", "hits"],
                   help="run only this measurement (repeatable)")
    p.add_argument("--time-limit", type=float, default=None,
                   help="give up after this many seconds (default 900, quick 120)")
    args = p.parse_args()
    quick = args.quick
    if args.items is None:
        args.items = 20000 if quick else 1000000
    if args.seconds is None:
        args.seconds = 5.0 if quick else 60.0
    if args.requests is None:
        args.requests = 100000 if quick else 2000000
    if args.time_limit is None:
        args.time_limit = 120.0 if quick else 900.0
    if args.items < 10 or args.seconds <= 0 or args.requests < 2 or args.conns < 1:
        p.error("--items must be at least 10, --seconds, --requests and --conns positive")
    args.only = set(args.only or ["items", "storm", "hits"])
    return args


def ensure_memcached(path):
    """Installs Debian's memcached package if the reference binary is missing."""
    if os.access(path, os.X_OK):
        return True
    if path != DEFAULT_MEMCACHED:
        print(f"membench: {path} is not an executable", file=sys.stderr)
        return False
    print(f"membench: {path} not found: installing Debian's memcached package "
          "with apt-get", flush=True)
    if os.geteuid() != 0:
        print("membench: installing needs root; run `apt-get install memcached`",
              file=sys.stderr)
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "memcached"]
    try:
        if subprocess.run(install, env=env, stdin=subprocess.DEVNULL,
                          timeout=300).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env, timeout=300)
            subprocess.run(install, env=env, stdin=subprocess.DEVNULL, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"membench: apt-get failed: {e}", file=sys.stderr)
    return os.access(path, os.X_OK)


def measure_items(args, log_dir, results):
    sizes = [(100, args.items), (10, max(10, args.items // 2)),
             (1024, max(10, args.items // 5))]
    for size, n in sizes:
        print(f"[items] loading {n} items of {size}-byte values into each server...",
              flush=True)
        results["items"].append(items.run(args.memcd, args.memcached, log_dir,
                                          n, size, args.time_limit))


def measure_storm(args, log_dir, results):
    with ServerPair(args.memcd, args.memcached, ["-m", "64"], log_dir) as servers:
        for server in servers:
            print(f"[storm] {server.name}: {args.conns} connections writing for "
                  f"{args.seconds:g} s...", flush=True)
            results["storm"].append(storm.run(server, args.seconds, args.conns,
                                              args.seed))


def measure_hits(args, log_dir, results):
    memory = 64 << 20
    workloads = [
        hits.Workload("zipf-1k", memory, 2, (1000, 1000), 0.99,
                      args.requests, args.seed),
        hits.Workload("zipf-mixed", memory, 2, (100, 16384), 0.99,
                      args.requests, args.seed + 1),
    ]
    for workload in workloads:
        print(f"[hits] {hits.describe(workload)}", flush=True)
        row = {"workload": workload, "ideal": hits.ideal_hit_ratio(workload, memory),
               "servers": []}
        with ServerPair(args.memcd, args.memcached, ["-m", "64"], log_dir) as servers:
            for server in servers:
                row["servers"].append(hits.run(server, workload, args.time_limit))
        results["hits"].append(row)


def main():
    args = parse_args()
    start = time.monotonic()
    signal.signal(signal.SIGINT, _raise_interrupted)
    signal.signal(signal.SIGTERM, _raise_interrupted)
    signal.signal(signal.SIGALRM, _raise_interrupted)
    signal.alarm(int(args.time_limit))
    if not os.access(args.memcd, os.X_OK):
        print(f"membench: {args.memcd} is not an executable", file=sys.stderr)
        return 2
    if not ensure_memcached(args.memcached):
        return 2
    source_dir = args.source_dir or os.path.dirname(os.path.abspath(__file__))
    report.print_machine(args, source_dir)
    results = {"items": [], "storm": [], "hits": []}
    log_dir = tempfile.mkdtemp(prefix="membench.")
    status = 0
    try:
        if "items" in args.only:
            measure_items(args, log_dir, results)
        if "storm" in args.only:
            measure_storm(args, log_dir, results)
        if "hits" in args.only:
            measure_hits(args, log_dir, results)
    except (ServerError, ProtocolError, OSError, ValueError, Interrupted) as e:
        print(f"membench: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        print(f"membench: server logs kept in {log_dir}", file=sys.stderr)
        status = 1
    finally:
        signal.alarm(0)
    report.print_results(results, args.verbose)
    print(f"elapsed {time.monotonic() - start:.1f} s")
    if status == 0:
        shutil.rmtree(log_dir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
