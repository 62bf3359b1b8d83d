"""Measurement 3: hit ratio under a Zipf key popularity.

A key space whose values add up to FACTOR times `-m` is requested with
popularity rank^-s (ranks shuffled over the keys, all seeded). Each request
is `get`; on a miss the client `set`s the key. Both servers get the same
request sequence over one connection each.

To keep this quick in Python the sequence is pipelined: a batch is a run of
distinct keys (cut at the first repeat), its gets are sent together, and the
sets for its misses go out ahead of the next batch's gets on the same
connection. No get can miss a key an earlier request set; only the order of
gets and sets inside a batch differs from one request at a time.
"""
import itertools
import random
import time

from servers import ServerError

KEY_FORMAT = b"zipf:%027d"  # 32 bytes
MAX_BATCH = 256


class Workload:
    """A key space with per-key value sizes, and a seeded request sequence."""

    def __init__(self, name, memory_bytes, factor, sizes, s, requests, seed):
        """SIZES is (low, high): each key's value size is log-uniform in it."""
        rng = random.Random(seed)
        low, high = sizes
        self.name = name
        self.value_sizes = []
        total = 0
        while total < factor * memory_bytes:
            size = low if low == high else int(low * (high / low) ** rng.random())
            self.value_sizes.append(size)
            total += size
        self.total_value_bytes = total
        n = len(self.value_sizes)
        cum = list(itertools.accumulate(1.0 / (rank ** s) for rank in range(1, n + 1)))
        order = list(range(n))
        rng.shuffle(order)  # rank -> key id, so popularity and size are unrelated
        ranks = rng.choices(range(n), cum_weights=cum, k=requests)
        self.sequence = [order[r] for r in ranks]
        self.s = s
        self.sizes = sizes
        self.blob = rng.randbytes(high + 4096)

    def set_command(self, key_id):
        size = self.value_sizes[key_id]
        start = (key_id * 7919) % 4096
        return b"set %s 0 0 %d\r\n%s\r\n" % (
            KEY_FORMAT % key_id, size, self.blob[start:start + size])


def run(server, workload, seconds_limit):
    """Plays the workload against SERVER; returns hits per half and stats."""
    conn = server.connect(seconds_limit)
    seq = workload.sequence
    half = len(seq) // 2
    hits = [0, 0]  # first half (warm-up), second half
    stored_errors = 0
    pending_sets = []
    start = time.monotonic()
    i = 0
    try:
        while i < len(seq) or pending_sets:
            batch, seen = [], set()
            while i < len(seq) and len(batch) < MAX_BATCH and seq[i] not in seen:
                seen.add(seq[i])
                batch.append((i, seq[i]))
                i += 1
            conn.send(b"".join(pending_sets) + b"".join(
                b"get %s\r\n" % (KEY_FORMAT % key) for _, key in batch))
            if pending_sets:
                replies = conn.read_store_replies(len(pending_sets))
                stored_errors += len(pending_sets) - replies.get(b"STORED", 0)
            pending_sets = []
            for index, key in batch:
                value = conn.read_get_reply()
                if value is None:
                    pending_sets.append(workload.set_command(key))
                elif len(value) != workload.value_sizes[key]:
                    raise ServerError(f"{server.name}: wrong value for key {key}")
                else:
                    hits[1 if index >= half else 0] += 1
    finally:
        conn.close()
    elapsed = time.monotonic() - start
    stats = server.stats()
    return {
        "server": server.name,
        "requests": len(seq),
        "hit_ratio": (hits[0] + hits[1]) / max(1, len(seq)),
        "hit_ratio_warm": hits[1] / max(1, len(seq) - half),
        "set_failures": stored_errors,
        "seconds": elapsed,
        "curr_items": int(stats.get("curr_items", "0")),
        "evictions": int(stats.get("evictions", "0")),
        "stats_bytes": int(stats.get("bytes", "0")),
    }


def ideal_hit_ratio(workload, memory_bytes):
    """Hit ratio of a static cache holding the keys with the most requests per
    value byte that fit in MEMORY_BYTES with no per-item overhead: roughly what
    an oracle with this memory would get, for scale (each key's first request
    still misses)."""
    counts = {}
    for key in workload.sequence:
        counts[key] = counts.get(key, 0) + 1
    used = hits = 0
    sizes = workload.value_sizes
    for key, count in sorted(counts.items(), key=lambda kv: -kv[1] / sizes[kv[0]]):
        if used + sizes[key] > memory_bytes:
            continue
        used += sizes[key]
        hits += count - 1  # the first request is always a miss
    return hits / max(1, len(workload.sequence))


def describe(workload):
    low, high = workload.sizes
    size = f"{low} B" if low == high else f"{low} B-{high // 1024} KiB log-uniform"
    mean = workload.total_value_bytes / len(workload.value_sizes)
    return (f"{workload.name}: {len(workload.value_sizes)} keys, values {size} "
            f"(mean {mean:.0f} B), {workload.total_value_bytes / (1 << 20):.0f} "
            f"MiB in all, Zipf s={workload.s}, {len(workload.sequence)} requests")
