"""Printing for the throughput benchmark: the machine, one table per CPU
configuration, the stress run, then the ratio lines:
`ratio WORKLOAD B/A=x.xx` (ops/s) and `cpu_per_op WORKLOAD B/A=x.xx`,
where A is the reference (memcached, or memcd-a in an A/B run)."""
import datetime
import os
import platform
import statistics

from benchcommon import commit_of, cpu_model, print_table, version_of


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def print_machine(args, source_dir):
    now = datetime.datetime.now(datetime.timezone.utc)
    print("bench: throughput and CPU per request, side by side")
    print(f"  date        {now.strftime('%Y-%m-%d %H:%M:%S UTC')}")
    print(f"  nproc       {len(os.sched_getaffinity(0))} (of {os.cpu_count()}), {cpu_model()}")
    print(f"  kernel      {platform.system()} {platform.release()}")
    print(f"  load avg    {load_average()} (at start)")
    print(f"  memcd       {args.memcd}: {version_of(args.memcd)}, "
          f"commit {args.commit or commit_of(source_dir)}")
    if not args.memcd_b_flags:
        print(f"  memcached   {args.memcached}: {version_of(args.memcached)}")
    print(f"  flags       both: {' '.join(args.common_flags)}")
    for label, flags in args.labels_flags:
        print(f"              {label}: {' '.join(flags) or '(nothing more)'}")
    mode = "quick (a smoke run: its figures are not results)" if args.quick else "full"
    print(f"  run         {mode}: {args.rounds} rounds x {args.seconds:g} s measured "
          f"(+{args.warmup:g} s warm-up), order A B B A ...")
    print(flush=True)


def summarize(rounds):
    """Median/min/max ops/s and medians of the other figures over rounds."""
    ops = [r["ops_per_sec"] for r in rounds]
    return {
        "ops_median": statistics.median(ops), "ops_min": min(ops), "ops_max": max(ops),
        "p50_us": statistics.median(r["p50_us"] for r in rounds),
        "p99_us": statistics.median(r["p99_us"] for r in rounds),
        "cpu_us_per_op": statistics.median(r["cpu_us_per_op"] for r in rounds),
        "rss_kib": rounds[-1]["rss_kib"],
        "hit_ratio": sum(r["hits"] for r in rounds) / max(1, sum(r["keys"] for r in rounds)),
        "error_replies": sum(r["error_replies"] for r in rounds),
    }


def _ratio(lines, kind, name, b, a, labels):
    value = f"{b / a:.2f}" if a > 0 else "n/a"
    lines.append(f"{kind} {name} {labels[1]}/{labels[0]}={value}")


def print_config(config, results, labels, ratio_lines):
    """RESULTS: [(workload, {label: [round results]})] for one configuration."""
    print(f"{config['name']}: {config['describe']}")
    rows = []
    for workload, by_label in results:
        for label in labels:
            s = summarize(by_label[label])
            rows.append([workload.name, label, f"{s['ops_median']:.0f}", f"{s['ops_min']:.0f}",
                         f"{s['ops_max']:.0f}", f"{s['p50_us']:.0f}", f"{s['p99_us']:.0f}",
                         f"{s['cpu_us_per_op']:.2f}", f"{s['rss_kib'] / 1024:.1f}",
                         f"{s['hit_ratio']:.3f}", s["error_replies"]])
    print_table(["workload", "server", "ops/s med", "min", "max", "p50 us", "p99 us",
            "cpu us/op", "RSS MiB", "hits", "refused"], rows)
    for workload, by_label in results:
        a, b = (summarize(by_label[label]) for label in labels)
        name = f"{config['name']}_{workload.name}"
        _ratio(ratio_lines, "ratio", name, b["ops_median"], a["ops_median"], labels)
        _ratio(ratio_lines, "cpu_per_op", name, b["cpu_us_per_op"], a["cpu_us_per_op"], labels)
    print(flush=True)


def print_workloads(workloads):
    print("workloads (ops = requests; a multi-get of 16 keys is one request)")
    for w in workloads:
        print(f"  {w.name:12} {w.note}")
    print()


def print_stress(results):
    if not results:
        return
    print("stress: contrib/concurrent.py, set then get with random values "
          "(1 B-10 KiB), every value verified")
    print_table(["server", "threads", "requests", "ops", "ops/s", "errors", "mismatches", "status"],
           [[r["server"], r["threads"], r["requests"], r["ops"], r["ops_per_sec"], r["errors"],
             r["mismatches"], "ok" if r["status"] == 0 else f"FAILED ({r['status']})"]
            for r in results])
    print()
