"""The benchmark's workloads, and running mcload for one round of one.

Every workload reads and writes one of three preloaded key sets (each key
always holds a value of its set's size, so every get can be checked byte for
byte). Counts are per request: a multi-get of 16 keys is one request.
"""
import json
import subprocess
import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class KeySet:
    prefix: str
    value_size: int
    keys: int
    quick_keys: int


KEY_SETS = {
    "100B": KeySet("s:", 100, 100000, 10000),
    "1KiB": KeySet("k:", 1024, 50000, 5000),
    "100KiB": KeySet("b:", 100 * 1024, 1000, 200),
}


@dataclass(frozen=True)
class Workload:
    name: str
    key_set: str
    conns: int
    sets: int
    gets: int
    depth: int = 1
    multiget: int = 1
    protocol: str = "text"
    note: str = field(default="", compare=False)


WORKLOADS = [
    Workload("get", "100B", 50, 1, 10, note="1:10 set:get, 100 B, 50 conns"),
    Workload("get_pipe16", "100B", 50, 0, 1, depth=16,
             note="gets only, 16 in flight per conn, 100 B, 50 conns"),
    Workload("set_1k", "1KiB", 50, 1, 1, note="1:1 set:get, 1 KiB, 50 conns"),
    Workload("value_100k", "100KiB", 50, 1, 10, note="1:10 set:get, 100 KiB, 50 conns"),
    Workload("conns_500", "100B", 500, 1, 10, note="1:10 set:get, 100 B, 500 conns"),
    Workload("multiget_16", "100B", 50, 0, 1, multiget=16,
             note="get of 16 keys per request, 100 B, 50 conns"),
    Workload("meta_get", "100B", 50, 1, 10, protocol="meta",
             note="as get, with ms/mg"),
    Workload("meta_pipe16", "100B", 50, 0, 1, depth=16, protocol="meta",
             note="as get_pipe16, with mg"),
]


class LoadError(Exception):
    """mcload failed, timed out, or reported malformed replies."""


def _mcload_argv(mcload, port, key_set, quick, seed):
    ks = KEY_SETS[key_set]
    return [mcload, f"--port={port}", f"--key_prefix={ks.prefix}",
            f"--value_size={ks.value_size}",
            f"--keys={ks.quick_keys if quick else ks.keys}", f"--seed={seed}"]


def _run(argv, timeout, on_line=None):
    """Runs mcload, calling on_line for each marker line; returns its JSON."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    result = None
    try:
        for line in proc.stdout:
            line = line.strip()
            if line.startswith("{"):
                result = json.loads(line)
            elif on_line is not None:
                on_line(line)
        stderr = proc.stderr.read()
        proc.wait()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0 or result is None:
        raise LoadError(f"{' '.join(argv)}: status {proc.returncode}\n{stderr.strip()[-2000:]}")
    return result


def preload(mcload, port, key_set, quick, pin):
    """Sets every key of KEY_SET once, 64 deep over 4 connections."""
    argv = pin + _mcload_argv(mcload, port, key_set, quick, 1) + [
        "--preload", "--conns=4", "--depth=64", "--duration=120"]
    result = _run(argv, timeout=150)
    if result["error_replies"]:
        raise LoadError(f"preload of {key_set}: {result['error_replies']} sets refused")
    return result


def run_round(mcload, server, workload, seconds, warmup, quick, pin, seed):
    """One measured run of WORKLOAD against SERVER: mcload's JSON plus the
    server's CPU seconds over the measured interval (cpu_s) and its RSS."""
    argv = pin + _mcload_argv(mcload, server.port, workload.key_set, quick, seed) + [
        f"--conns={workload.conns}", f"--depth={workload.depth}",
        f"--sets={workload.sets}", f"--gets={workload.gets}",
        f"--multiget={workload.multiget}", f"--protocol={workload.protocol}",
        f"--duration={seconds}", f"--warmup={warmup}"]
    marks = {}

    def on_line(line):
        if line in ("measure-start", "measure-stop"):
            marks[line] = server.cpu_seconds()

    result = _run(argv, timeout=seconds + warmup + 60, on_line=on_line)
    if len(marks) != 2:
        raise LoadError(f"mcload did not mark its measured interval: {marks}")
    result["cpu_s"] = marks["measure-stop"] - marks["measure-start"]
    result["cpu_us_per_op"] = 1e6 * result["cpu_s"] / max(1, result["requests"])
    result["rss_kib"] = server.rss_kib()
    return result
