"""Printing for membench: the machine facts, one table per measurement, and
the `ratio NAME memcd/memcached=x.xx` lines that close the report."""
import datetime
import os
import platform

import storm
from benchcommon import commit_of, cpu_model, print_table, version_of

MIB = 1 << 20
TARGET_PER_ITEM = 0.8  # issue 3: memcd's bytes per item at most 0.8x memcached's


def _meminfo_total():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / (1 << 20):.1f} GiB"
    except OSError:
        pass
    return "unknown"


def print_machine(args, source_dir):
    now = datetime.datetime.now(datetime.timezone.utc)
    print("membench: memcd against memcached")
    print(f"  date        {now.strftime('%Y-%m-%d %H:%M:%S UTC')}")
    print(f"  nproc       {len(os.sched_getaffinity(0))} (of {os.cpu_count()}), "
          f"{cpu_model()}")
    print(f"  memory      {_meminfo_total()}")
    print(f"  kernel      {platform.system()} {platform.release()}")
    print(f"  python      {platform.python_version()}")
    print(f"  memcd       {args.memcd}: {version_of(args.memcd)}, "
          f"commit {args.commit or commit_of(source_dir)}")
    print(f"  memcached   {args.memcached}: {version_of(args.memcached)}")
    mode = "quick (a smoke run: its figures are not results)" if args.quick else "full"
    print(f"  run         {mode}: items {args.items}, storm {args.seconds:g} s x "
          f"{args.conns} conns, {args.requests} Zipf requests, seed {args.seed}")
    print(flush=True)


def _ratio(ratios, name, memcd, memcached, note=""):
    """Records one ratio line; "n/a" when memcached's figure is not positive."""
    if memcached <= 0:
        ratios.append(f"ratio {name} memcd/memcached=n/a{note}")
    else:
        ratios.append(f"ratio {name} memcd/memcached={memcd / memcached:.2f}{note}")


def _mib(kib):
    return f"{kib / 1024:.1f}"


def _print_items(groups, ratios):
    print("1. Bytes per item (-m 1024, 32-byte keys; "
          "RSS/item = (after - before) / items)")
    rows = []
    for group in groups:
        for r in group:
            rows.append([f"{r['value_size']} B", r["items"], r["server"],
                         _mib(r["rss_before_kib"]), _mib(r["rss_after_kib"]),
                         f"{r['rss_per_item']:.1f}",
                         f"{r['stats_bytes'] / max(1, r['curr_items']):.1f}",
                         r["curr_items"], r["evictions"], r["hash_power"],
                         f"{r['load_seconds']:.1f}", r["bad_samples"]])
    print_table(["value", "items", "server", "RSS0 MiB", "RSS1 MiB", "RSS/item",
            "bytes/item", "curr_items", "evictions", "hashpower", "load s",
            "bad reads"], rows)
    for group in groups:
        by = {r["server"]: r for r in group}
        if len(by) != 2:
            continue
        x = by["memcd"]["rss_per_item"] / max(1e-9, by["memcached"]["rss_per_item"])
        met = "met" if x <= TARGET_PER_ITEM else "NOT met"
        size = group[0]["value_size"]
        _ratio(ratios, f"rss_per_item_{size}B", by["memcd"]["rss_per_item"],
               by["memcached"]["rss_per_item"],
               f"  ({x:.3f}; target <= {TARGET_PER_ITEM:.2f}: {met})")
        _ratio(ratios, f"stats_bytes_per_item_{size}B",
               by["memcd"]["stats_bytes"] / max(1, by["memcd"]["curr_items"]),
               by["memcached"]["stats_bytes"] / max(1, by["memcached"]["curr_items"]))
        for r in group:
            if r["curr_items"] != r["items"] or r["evictions"] or r["bad_samples"]:
                print(f"  WARNING: {r['server']} holds {r['curr_items']} of "
                      f"{r['items']} items ({r['evictions']} evictions, "
                      f"{r['bad_samples']} bad reads): the figure is not per item")
            if not r["hash_settled"]:
                print(f"  WARNING: {r['server']}'s hash table was still growing")
    print()


def _print_classes(results):
    print("  slab classes (stats slabs / stats items)")
    rows = []
    for r in results:
        for cls, f in sorted(r["classes"].items()):
            rows.append([r["server"], cls, f.get("chunk_size", "?"),
                         f.get("total_pages", "0"), f.get("number", "0"),
                         f.get("evicted", "0"), f.get("outofmemory", "0")])
    print_table(["server", "class", "chunk", "pages", "items", "evicted",
            "outofmemory"], rows)


def _print_storm(results, ratios, verbose):
    print("2. RSS honesty (-m 64, write storm, values 10 B-500 KiB log-uniform)")
    rows = []
    for r in results:
        limit_kib = r["limit_maxbytes"] // 1024
        rows.append([r["server"], _mib(r["rss_before_kib"]), _mib(r["rss_max_kib"]),
                     _mib(r["rss_max_kib"] - limit_kib), _mib(r["rss_end_kib"]),
                     r["sets"], f"{r['sets'] / max(r['seconds'], 1e-9):.0f}",
                     f"{r['bytes_written'] / MIB:.0f}", r["evictions"],
                     r["curr_items"], r["unanswered"]])
    print_table(["server", "RSS0 MiB", "max RSS", "max-64MiB", "end RSS", "sets",
            "sets/s", "MiB in", "evictions", "items", "unanswered"], rows)
    print("  replies per value size (late = sets sent in the last quarter of the run)")
    rows = []
    for r in results:
        c = r["counts"]
        stopped = set(c.stopped_ranges())
        for i, rng in enumerate(storm.RANGES):
            name = storm.range_name(rng)
            rows.append([r["server"], name, c.stored[i], c.errors[i], c.other[i],
                         c.late_sets[i], c.late_stored[i],
                         "STOPPED" if name in stopped else "ok"])
    print_table(["server", "size", "STORED", "SERVER_ERROR", "other", "late sets",
            "late STORED", "accepting"], rows)
    for r in results:
        for line, count in r["counts"].error_lines.most_common(4):
            print(f"  {r['server']}: {count} x {line}")
    for r in results:
        used = [(cls, f) for cls, f in sorted(r["classes"].items())
                if int(f.get("total_pages", "0"))]
        pages = sum(int(f["total_pages"]) for _, f in used)
        refusing = [f"{cls} (chunk {f.get('chunk_size', '?')}): {f['outofmemory']}"
                    for cls, f in sorted(r["classes"].items())
                    if int(f.get("outofmemory", "0"))]
        print(f"  {r['server']}: {len(used)} slab classes hold {pages} pages; "
              "outofmemory by class: " + ("; ".join(refusing) or "none"))
    if verbose:
        _print_classes(results)
    by = {r["server"]: r for r in results}
    if len(by) == 2:
        over = {k: v["rss_max_kib"] - v["limit_maxbytes"] // 1024 for k, v in by.items()}
        print(f"  max RSS above 64 MiB: memcd {_mib(over['memcd'])} MiB, "
              f"memcached {_mib(over['memcached'])} MiB")
        # Below the limit counts as zero overhead: a negative ratio would mislead.
        note = "  (memcd never exceeded -m)" if over["memcd"] <= 0 else ""
        _ratio(ratios, "rss_over_limit_m64", max(0, over["memcd"]),
               max(0, over["memcached"]), note)
        _ratio(ratios, "rss_max_m64", by["memcd"]["rss_max_kib"],
               by["memcached"]["rss_max_kib"])
        for name, r in by.items():
            stopped = r["counts"].stopped_ranges()
            verdict = (f"stopped accepting {', '.join(stopped)}" if stopped
                       else "every size range still accepted writes")
            print(f"  {name}: {verdict}")
    print()


def _print_hits(results, ratios):
    print("3. Hit ratio (-m 64, Zipf popularity, get then set on a miss; "
          "warm = second half of the sequence)")
    rows = []
    for row in results:
        for r in row["servers"]:
            rows.append([row["workload"].name, r["server"], f"{r['hit_ratio']:.4f}",
                         f"{r['hit_ratio_warm']:.4f}", f"{row['ideal']:.4f}",
                         r["curr_items"], r["evictions"], r["set_failures"],
                         f"{r['seconds']:.1f}"])
    print_table(["workload", "server", "hit ratio", "warm", "oracle", "items",
            "evictions", "set fails", "secs"], rows)
    for row in results:
        by = {r["server"]: r for r in row["servers"]}
        if len(by) == 2:
            name = row["workload"].name.replace("-", "_")
            _ratio(ratios, f"hit_ratio_{name}", by["memcd"]["hit_ratio"],
                   by["memcached"]["hit_ratio"])
            _ratio(ratios, f"hit_ratio_warm_{name}", by["memcd"]["hit_ratio_warm"],
                   by["memcached"]["hit_ratio_warm"])
    print()


def print_results(results, verbose=False):
    ratios = []
    if results["items"]:
        _print_items(results["items"], ratios)
    if results["storm"]:
        _print_storm(results["storm"], ratios, verbose)
    if results["hits"]:
        _print_hits(results["hits"], ratios)
    for line in ratios:
        print(line)
