#!/usr/bin/python3
"""soak: a long, checked, mixed load against memcd (doc/soak.md).

Starts src/memcd on a free 127.0.0.1 port with -m 64 (by default), runs
--clients processes for --seconds, each owning a slice of the keys and
checking every reply against its model of what the cache may hold
(model.py): text, meta and binary commands, values up to --max-value bytes,
short TTLs, flush_all every --flush-every seconds, connections churning.
Samples the server's RSS every second. Exits 1 on any wrong answer,
protocol or I/O error, client crash, server exit, or peak RSS above
-m + --rss-allowance MiB; 0 otherwise.

--inject-fault KIND corrupts the model on purpose (the run must fail);
--self-check runs every KIND briefly and exits 0 only if each was caught.
"""
import argparse
import multiprocessing
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(1, os.path.join(HERE, ".."))
import client as c  # noqa: E402
from benchcommon import commit_of, cpu_model, die_with_parent, free_port, rss_kib  # noqa: E402
from worker import run_worker  # noqa: E402

FAULTS = ("value", "absent", "flush", "ttl", "counter", "cas")
MIB = 1024 * 1024


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--memcd", required=True, help="the server binary")
    p.add_argument("--seconds", type=float, default=120, help="load duration (default 120)")
    p.add_argument("--memory", type=int, default=64, help="server -m in MiB (default 64)")
    p.add_argument("--max-value", type=int, default=3 * MIB,
                   help="largest value written, bytes (default 3 MiB; -I is set above it)")
    p.add_argument("--clients", type=int, default=4, help="client processes (default 4)")
    p.add_argument("--threads", type=int, default=4, help="server -t (default 4)")
    p.add_argument("--flush-every", type=float, default=20,
                   help="seconds between flush_all calls, 0 = never (default 20)")
    p.add_argument("--rss-allowance", type=int, default=24,
                   help="MiB of RSS allowed above -m (default 24; doc/soak.md)")
    p.add_argument("--clock-slack", type=float, default=0.5,
                   help="seconds beyond TTL + 1 s clock tick before an expired "
                        "item counts as wrongly returned (default 0.5)")
    p.add_argument("--churn", type=int, default=150,
                   help="a client drops a connection every N operations on average")
    p.add_argument("--io-timeout", type=float, default=30, help="seconds a reply may take")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    p.add_argument("--server-flags", default="", help="extra server flags")
    p.add_argument("--inject-fault", choices=FAULTS, default=None,
                   help="corrupt the model on purpose: the run must fail")
    p.add_argument("--self-check", action="store_true",
                   help="run each --inject-fault kind for a moment; 0 if all are caught")
    p.add_argument("--source-dir", default=None, help="memcd's tree, for the git commit")
    args = p.parse_args(argv)
    if args.seed is None:
        args.seed = int(time.time()) % 100000
    if args.clients < 1 or args.seconds <= 0 or args.max_value < 256 * 1024:
        p.error("--clients and --seconds must be positive, --max-value at least 256 KiB")
    return args


class Server:
    """The server under test on a free loopback port. As root it runs as
    -u root so that it keeps dying with us (benchcommon.die_with_parent)."""

    def __init__(self, args, log_dir):
        item_mib = max(1, -(-(args.max_value + 4096) // MIB))
        self.flags = ["-m", str(args.memory), "-t", str(args.threads),
                      "-I", f"{item_mib}m", "-c", "4096"] + shlex.split(args.server_flags)
        self.binary = args.memcd
        self.log_path = os.path.join(log_dir, "server.log")
        self.proc = self.port = None

    def start(self):
        for _ in range(3):  # a free port may be taken between probe and bind
            self.port = free_port()
            user = ["-u", "root"] if os.geteuid() == 0 else []
            argv = [self.binary, "-p", str(self.port), "-U", "0", "-l", "127.0.0.1"] + \
                user + self.flags
            with open(self.log_path, "ab") as log:
                log.write(("+ " + " ".join(argv) + "\n").encode())
                log.flush()
                self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT,
                                             preexec_fn=die_with_parent)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    conn = c.Connection(self.port, 5)
                    if conn.command(b"version").startswith(b"VERSION "):
                        return conn
                except (OSError, c.ProtocolError):
                    time.sleep(0.05)
            self.stop()
        raise RuntimeError(f"server did not start; log:\n{self.log_tail()}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, "rb") as f:
                return "\n".join(f.read().decode(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self):
        """SIGTERM; the exit status (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                self.proc = None
                return None
        status, self.proc = self.proc.returncode, None
        return status


def stats_of(conn):
    conn.send(b"stats\r\n")
    found = {}
    while True:
        line = conn.read_line()
        if line == b"END":
            return found
        parts = line.decode(errors="replace").split(" ", 2)
        if len(parts) == 3:
            found[parts[1]] = parts[2]


def flush(port, number, timeout):
    """flush_all on a connection of its own, in turn as a text and as a
    binary request; an error string if the reply was not success."""
    try:
        conn = c.Connection(port, timeout)
        try:
            return _flush(conn, number)
        finally:
            conn.close()
    except (OSError, c.ProtocolError) as e:
        return f"flush_all failed: {type(e).__name__}: {e}"


def _flush(conn, number):
    if number % 2:
        conn.send(c.binary_request(c.OP_FLUSH, opaque=number))
        reply = conn.read_binary()
        ok = reply.status == c.ST_OK and reply.opaque == number
        return None if ok else f"binary FLUSH answered status {reply.status}"
    reply = conn.command(b"flush_all")
    return None if reply == b"OK" else f"flush_all answered {reply!r}"


def compact_series(samples, points=60):
    """RSS samples (KiB, one a second) as at most POINTS MiB figures, each
    the peak of its stretch."""
    if not samples:
        return "(none)", 1
    step = -(-len(samples) // points)
    peaks = [max(samples[i:i + step]) for i in range(0, len(samples), step)]
    return " ".join(f"{kib / 1024:.0f}" for kib in peaks), step


def run(args, log_dir, quiet=False):
    """One soak run; returns (failed, summary dict)."""
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    server = Server(args, log_dir)
    control = server.start()
    ctx = multiprocessing.get_context("fork")
    shared = {"started": ctx.Value("q", 0, lock=False), "done": ctx.Value("q", 0, lock=False),
              "stop": ctx.Event(), "progress": ctx.Array("q", args.clients, lock=False)}
    config = {"port": server.port, "seconds": args.seconds, "clients": args.clients,
              "seed": args.seed, "io_timeout": args.io_timeout, "churn": args.churn,
              "clock_slack": args.clock_slack, "max_value": args.max_value,
              "inject": args.inject_fault}
    results = ctx.Queue()
    procs = [ctx.Process(target=run_worker, args=(i, config, shared, results), daemon=True)
             for i in range(args.clients)]
    problems, rss = [], []
    start = time.monotonic()
    for p in procs:
        p.start()
    next_flush = start + args.flush_every if args.flush_every > 0 else float("inf")
    flushes = 0
    try:
        while any(p.is_alive() for p in procs):
            if not server.alive():
                problems.append(f"server exited with status {server.proc.returncode} after "
                                f"{time.monotonic() - start:.1f} s; log:\n{server.log_tail()}")
                break
            kib = rss_kib(server.proc.pid)
            if kib is not None:
                rss.append(kib)
            now = time.monotonic()
            if now >= next_flush and now < start + args.seconds - 1:
                shared["started"].value += 1
                error = flush(server.port, flushes, args.io_timeout)
                shared["done"].value += 1
                flushes += 1
                next_flush = now + args.flush_every
                if error:
                    problems.append(error)
            if len(rss) % 10 == 0:
                say(f"  {now - start:5.0f} s  ops {sum(shared['progress']):>9}  "
                    f"rss {rss[-1] / 1024 if rss else 0:.1f} MiB")
            if now > start + args.seconds + args.io_timeout + 30:
                problems.append("clients did not finish in time (a hung server?)")
                break
            time.sleep(max(0.0, 1.0 - (time.monotonic() - now)))
    finally:
        shared["stop"].set()
    elapsed = time.monotonic() - start
    by_client = {}
    for _ in procs:
        try:
            index, result = results.get(timeout=args.io_timeout + 10)
            by_client[index] = result
        except Exception:  # noqa: BLE001 - queue.Empty; a lost client is reported
            break
    for p in procs:
        p.join(5)
        if p.is_alive():
            p.kill()
    if len(by_client) < len(procs):
        problems.append(f"only {len(by_client)} of {len(procs)} clients reported")
    stats = {}
    if server.alive():
        try:
            stats = stats_of(control)
        except (OSError, c.ProtocolError) as e:
            problems.append(f"stats after the run failed: {e}")
    control.close()
    if server.alive():
        status = server.stop()
        if status != 0:
            problems.append(f"server did not stop cleanly on SIGTERM (status {status})")
    else:
        server.stop()
    summary = summarize(by_client, stats, rss, elapsed, flushes)
    peak_mib = max(rss) / 1024 if rss else 0
    bound = args.memory + args.rss_allowance
    if peak_mib > bound:
        problems.append(f"peak RSS {peak_mib:.1f} MiB above the bound {bound} MiB")
    if stats and int(stats.get("bytes", 0)) > int(stats.get("limit_maxbytes", 0)):
        problems.append(f"stats bytes {stats['bytes']} above limit_maxbytes")
    counts = summary["counts"]
    for name in ("wrong", "protocol", "io", "crashed"):
        if counts.get(name):
            problems.append(f"{counts[name]} {name} " +
                            ("answers" if name == "wrong" else "errors"))
    if summary["ops_total"] == 0:
        problems.append("no operation completed")
    summary.update(problems=problems, rss=rss, peak_mib=peak_mib, bound=bound)
    return bool(problems), summary


def summarize(by_client, stats, rss, elapsed, flushes):
    ops, counts, messages, oom = {}, {}, [], {}
    for index in sorted(by_client):
        r = by_client[index]
        for k, v in r.get("oom", {}).items():
            oom[k] = oom.get(k, 0) + v
        for k, v in r["ops"].items():
            ops[k] = ops.get(k, 0) + v
        for k, v in r["counts"].items():
            counts[k] = counts.get(k, 0) + v
        messages += r["messages"]
    total = sum(v for k, v in ops.items() if not k.startswith("churn"))
    return {"ops": ops, "counts": counts, "messages": messages, "ops_total": total, "oom": oom,
            "elapsed": elapsed, "stats": stats, "flushes": flushes}


def report(args, summary):
    s = summary
    print(f"soak: {s['ops_total']} operations in {s['elapsed']:.1f} s "
          f"({s['ops_total'] / max(s['elapsed'], 1e-9):.0f}/s), {args.clients} clients, "
          f"{s['flushes']} flush_all")
    names = sorted(s["ops"])
    for i in range(0, len(names), 6):
        print("  " + "  ".join(f"{n} {s['ops'][n]}" for n in names[i:i + 6]))
    cnt = s["counts"]
    print(f"  hits {cnt.get('hits', 0)}  misses {cnt.get('misses', 0)}  "
          f"injected faults {cnt.get('injected', 0)}")
    print(f"  allowed refusals: out of memory {cnt.get('oom', 0)} ("
          + ", ".join(f"{k} {v}" for k, v in sorted(s["oom"].items())) +
          f"), append/prepend NOT_STORED (missing, or no room to join) "
          f"{cnt.get('concat_not_stored', 0)}")
    print(f"  wrong answers {cnt.get('wrong', 0)}  protocol errors {cnt.get('protocol', 0)}  "
          f"I/O errors {cnt.get('io', 0)}  client crashes {cnt.get('crashed', 0)}")
    st = s["stats"]
    if st:
        print("  server: " + "  ".join(f"{k} {st.get(k, '?')}" for k in (
            "curr_items", "total_items", "evictions", "expired_unfetched", "bytes",
            "limit_maxbytes", "total_connections", "curr_connections", "hash_bytes")))
    series, step = compact_series(s["rss"])
    print(f"  rss MiB (peak of every {step} s): {series}")
    print(f"  peak rss {s['peak_mib']:.1f} MiB; bound -m {args.memory} + "
          f"{args.rss_allowance} = {s['bound']} MiB")
    for m in s["messages"][:40]:
        print("  " + m)
    for p in s["problems"]:
        print(f"soak: FAILED: {p}")
    print("soak: " + ("FAILED" if s["problems"] else "passed"))


def self_check(args, log_dir):
    """Each fault kind must make a short run fail with wrong answers only."""
    caught = 0
    for kind in FAULTS:
        sub = parse_args(["--memcd", args.memcd, "--seconds", "1.5", "--clients", "1",
                          "--flush-every", "0", "--seed", str(args.seed),
                          "--memory", str(args.memory), "--inject-fault", kind])
        failed, s = run(sub, log_dir, quiet=True)
        cnt = s["counts"]
        ok = failed and cnt.get("wrong", 0) > 0 and cnt.get("injected", 0) > 0 and \
            not any(cnt.get(k) for k in ("protocol", "io", "crashed"))
        caught += ok
        first = next((m for m in s["messages"] if "WRONG" in m), "(none)")
        print(f"soak self-check: fault {kind}: injected {cnt.get('injected', 0)}, "
              f"wrong answers {cnt.get('wrong', 0)} in {s['ops_total']} ops: "
              f"{'caught' if ok else 'NOT CAUGHT'}; first: {first}", flush=True)
    print(f"soak self-check: {caught}/{len(FAULTS)} faults caught: "
          f"{'passed' if caught == len(FAULTS) else 'FAILED'}")
    return 0 if caught == len(FAULTS) else 1


def main():
    args = parse_args()
    if not os.access(args.memcd, os.X_OK):
        print(f"soak: {args.memcd} is not an executable (run `make` first)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # finally blocks stop the server
    log_dir = tempfile.mkdtemp(prefix="soak.")
    if args.self_check:
        return self_check(args, log_dir)
    print(f"soak: {args.memcd} ({commit_of(args.source_dir or HERE)}), -m {args.memory}, "
          f"{args.seconds:.0f} s, {args.clients} clients, seed {args.seed}, "
          f"cpu {cpu_model()} x{os.cpu_count()}, load {os.getloadavg()[0]:.2f}", flush=True)
    failed, summary = run(args, log_dir)
    report(args, summary)
    print(f"soak: server log in {log_dir}; load avg at end {os.getloadavg()[0]:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
