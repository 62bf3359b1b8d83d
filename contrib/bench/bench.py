#!/usr/bin/python3
"""bench: memcd's throughput and CPU per request against memcached's.

Both servers run side by side with identical flags on free 127.0.0.1 ports,
hold the same preloaded keys, and get the same load from mcload (our libevent
load generator) in alternating rounds: A B B A A B ... Two configurations:
`-t 1` with the server pinned to one CPU and mcload to another (taskset), and
`-t 2` unpinned. Then contrib/concurrent.py as a verified stress run.
Prints the machine, a table per configuration, then per workload
`ratio NAME memcd/memcached=x.xx` (ops/s) and `cpu_per_op NAME ...=x.xx`.
With --memcd-b-flags it compares memcd against itself (memcd-b/memcd-a).
`--quick` is a smoke run of about a minute. See doc/performance.md.
"""
import argparse
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import report
import workloads
from servers import Server, ServerError, ServerPair
from workloads import LoadError

DEFAULT_MEMCACHED = "/usr/bin/memcached"
COMMON_FLAGS = ["-m", "1024"]


class Interrupted(Exception):
    """SIGINT, SIGTERM or the overall time limit: stop the servers and leave."""


def _raise_interrupted(signum, _frame):
    raise Interrupted(f"signal {signal.Signals(signum).name}")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--memcd", required=True, help="the memcd binary to measure")
    p.add_argument("--memcached", default=DEFAULT_MEMCACHED,
                   help=f"the reference memcached (default {DEFAULT_MEMCACHED})")
    p.add_argument("--mcload", required=True, help="the load generator binary")
    p.add_argument("--source-dir", default=None, help="memcd's tree, for the git commit")
    p.add_argument("--commit", default=None, help="the commit to report instead")
    p.add_argument("--quick", action="store_true", help="smoke run of about a minute")
    p.add_argument("--rounds", type=int, default=None, help="rounds per server (default 5)")
    p.add_argument("--seconds", type=float, default=None,
                   help="measured seconds per round (default 3)")
    p.add_argument("--warmup", type=float, default=None,
                   help="unmeasured seconds before each round (default 0.5)")
    p.add_argument("--only", action="append", metavar="WORKLOAD",
                   choices=[w.name for w in workloads.WORKLOADS],
                   help="run only this workload (repeatable)")
    p.add_argument("--configs", default="t1,t2", help="t1, t2 or both (default t1,t2)")
    p.add_argument("--server-flags", default="", help="extra flags for both servers")
    p.add_argument("--memcd-flags", default="", help="extra flags for memcd only")
    p.add_argument("--memcd-b-flags", default=None,
                   help="A/B mode: memcd against memcd with these flags added")
    p.add_argument("--stress", default=None, metavar="THREADSxREQUESTS",
                   help="concurrent.py run per server (default 8x2500, quick 4x200; 0 skips)")
    p.add_argument("--time-limit", type=float, default=None,
                   help="give up after this many seconds (default 870, quick 150)")
    args = p.parse_args()
    q = args.quick
    args.rounds = args.rounds or (1 if q else 5)
    args.seconds = args.seconds or (1.0 if q else 3.0)
    args.warmup = args.warmup or (0.3 if q else 0.5)
    args.time_limit = args.time_limit or (150.0 if q else 870.0)
    args.stress = args.stress or ("4x200" if q else "8x2500")
    args.configs = [c for c in args.configs.split(",") if c]
    if any(c not in ("t1", "t2") for c in args.configs) or not args.configs:
        p.error("--configs takes t1, t2 or t1,t2")
    if args.rounds < 1 or args.seconds <= 0 or args.warmup <= 0:
        p.error("--rounds, --seconds and --warmup must be positive")
    if args.stress != "0":
        try:
            args.stress_threads, args.stress_requests = map(int, args.stress.split("x"))
        except ValueError:
            p.error("--stress takes THREADSxREQUESTS, e.g. 8x2500, or 0")
    args.workloads = [w for w in workloads.WORKLOADS if not args.only or w.name in args.only]
    args.common_flags = COMMON_FLAGS + shlex.split(args.server_flags)
    memcd_flags = shlex.split(args.memcd_flags)
    if args.memcd_b_flags is None:
        args.labels_flags = [("memcached", []), ("memcd", memcd_flags)]
    else:
        args.labels_flags = [("memcd-a", memcd_flags),
                             ("memcd-b", memcd_flags + shlex.split(args.memcd_b_flags))]
    return args


def ensure_memcached(path):
    """Installs Debian's memcached package if the reference binary is missing."""
    if os.access(path, os.X_OK):
        return True
    if path != DEFAULT_MEMCACHED:
        print(f"bench: {path} is not an executable", file=sys.stderr)
        return False
    print(f"bench: {path} not found: installing Debian's memcached package with apt-get",
          flush=True)
    if os.geteuid() != 0:
        print("bench: installing needs root; run `apt-get install memcached`", file=sys.stderr)
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "memcached"]
    try:
        if subprocess.run(install, env=env, stdin=subprocess.DEVNULL, timeout=300).returncode:
            subprocess.run(["apt-get", "update", "-qq"], env=env, timeout=300)
            subprocess.run(install, env=env, stdin=subprocess.DEVNULL, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"bench: apt-get failed: {e}", file=sys.stderr)
    return os.access(path, os.X_OK)


def configurations():
    """t1: one worker thread, server and load generator on CPUs of their own;
    t2: two worker threads, the scheduler places everything."""
    cpus = sorted(os.sched_getaffinity(0))
    t1 = {"name": "t1", "threads": "1", "server_cpus": None, "load_pin": []}
    if len(cpus) >= 2 and shutil.which("taskset"):
        t1.update(server_cpus=str(cpus[0]), load_pin=["taskset", "-c", str(cpus[1])])
        t1["describe"] = (f"-t 1, server pinned to CPU {cpus[0]}, mcload to CPU {cpus[1]} "
                          "(taskset)")
    else:
        t1["describe"] = "-t 1, NOT pinned (needs 2 CPUs and taskset)"
    t2 = {"name": "t2", "threads": "2", "server_cpus": None, "load_pin": [],
          "describe": "-t 2, unpinned"}
    return {"t1": t1, "t2": t2}


def make_pair(args, config, log_dir):
    servers = []
    for label, extra in args.labels_flags:
        binary = args.memcached if label == "memcached" else args.memcd
        flags = args.common_flags + ["-t", config["threads"]] + extra
        servers.append(Server(f"{config['name']}-{label}", binary, flags,
                              config["server_cpus"], log_dir))
    return ServerPair(*servers)


def run_config(args, config, log_dir, ratio_lines, stress_results):
    labels = [label for label, _ in args.labels_flags]
    results = []
    with make_pair(args, config, log_dir) as servers:
        key_sets = sorted({w.key_set for w in args.workloads})
        for server in servers:
            for key_set in key_sets:
                workloads.preload(args.mcload, server.port, key_set, args.quick,
                                  config["load_pin"])
        for w in args.workloads:
            print(f"[{config['name']}] {w.name}: {w.note}", flush=True)
            by_label = {label: [] for label in labels}
            for r in range(args.rounds):
                order = [0, 1] if r % 2 == 0 else [1, 0]
                for i in order:
                    by_label[labels[i]].append(workloads.run_round(
                        args.mcload, servers[i], w, args.seconds, args.warmup, args.quick,
                        config["load_pin"], seed=r + 1))
            results.append((w, by_label))
        if config["name"] == args.configs[-1] and args.stress != "0":
            for label, server in zip(labels, servers):
                stress_results.append(run_stress(args, label, server))
    report.print_config(config, results, labels, ratio_lines)


def run_stress(args, label, server):
    """contrib/concurrent.py against SERVER; its totals as a dict."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "concurrent.py")
    print(f"[stress] {label}: {args.stress_threads} threads x {args.stress_requests} "
          "set+get round trips", flush=True)
    argv = [sys.executable, script, "--port", str(server.port), "--timeout", "120",
            "--prefix", "stress", str(args.stress_threads), str(args.stress_requests)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=150)
    found = {"server": label, "threads": args.stress_threads,
             "requests": args.stress_requests, "status": proc.returncode,
             "ops": "?", "ops_per_sec": "?", "errors": "?", "mismatches": "?"}
    for key, name in (("ops", "ops"), ("ops/s", "ops_per_sec"), ("errors", "errors"),
                      ("mismatches", "mismatches")):
        match = re.search(r"(?:^|\s)" + re.escape(key) + r": (\d+)", proc.stdout)
        if match:
            found[name] = match.group(1)
    if proc.returncode != 0:
        print(proc.stderr.strip()[-1000:], file=sys.stderr)
    server.check_alive()
    return found


def main():
    args = parse_args()
    start = time.monotonic()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
        signal.signal(signum, _raise_interrupted)
    signal.alarm(int(args.time_limit))
    for path in (args.memcd, args.mcload):
        if not os.access(path, os.X_OK):
            print(f"bench: {path} is not an executable (run `make` first)", file=sys.stderr)
            return 2
    if args.memcd_b_flags is None and not ensure_memcached(args.memcached):
        return 2
    report.print_machine(args, args.source_dir or os.path.dirname(os.path.abspath(__file__)))
    report.print_workloads(args.workloads)
    configs = configurations()
    log_dir = tempfile.mkdtemp(prefix="bench.")
    ratio_lines, stress_results = [], []
    status = 0
    try:
        for name in args.configs:
            run_config(args, configs[name], log_dir, ratio_lines, stress_results)
    except (ServerError, LoadError, OSError, ValueError, KeyError,
            subprocess.TimeoutExpired, Interrupted) as e:
        print(f"bench: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        print(f"bench: server logs kept in {log_dir}", file=sys.stderr)
        status = 1
    finally:
        signal.alarm(0)
    report.print_stress(stress_results)
    if any(r["status"] != 0 for r in stress_results):
        status = 1
    for line in ratio_lines:
        print(line)
    print(f"load avg {report.load_average()} (at end); elapsed {time.monotonic() - start:.1f} s")
    if status == 0:
        shutil.rmtree(log_dir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
