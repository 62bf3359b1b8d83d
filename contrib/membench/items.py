"""Measurement 1: bytes per item.

Loads N items (32-byte keys, fixed-size values) into each server started with
`-m 1024`, so nothing is evicted, and divides the RSS growth by N. The RSS
before loading is taken after the loader and control connections are open,
so their buffers are not counted as item memory.
"""
import random
import time

from servers import ServerError, ServerPair

KEY_FORMAT = b"item:%027d"  # 32 bytes
BATCH = 1000
SAMPLES = 64  # items read back per server to check the load really happened


def _value(blob, i, size):
    start = (i * 7919) % 4096
    return blob[start:start + size]


def _load(conn, n, size, blob):
    for first in range(0, n, BATCH):
        last = min(n, first + BATCH)
        conn.send(b"".join(
            b"set %s 0 0 %d\r\n%s\r\n" % (KEY_FORMAT % i, size, _value(blob, i, size))
            for i in range(first, last)))
        replies = conn.read_store_replies(last - first)
        if replies.get(b"STORED", 0) != last - first:
            raise ServerError(f"loading item {first}: replies {replies}")


def _settle_hash(server, seconds=30.0):
    """Waits until the hash table is as large as the item count calls for.

    memcached grows its table from a once-a-second timer, one doubling at a
    time, while items exceed 1.5 x buckets, so it can lag the load by seconds.
    A table that has not changed for 3 s counts as settled too, so a server
    with another rule does not stall the run. False if still growing.
    """
    deadline = time.monotonic() + seconds
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        stats = server.stats()
        power = int(stats.get("hash_power_level", "0"))
        expanding = stats.get("hash_is_expanding", "0") != "0"
        if not expanding and int(stats.get("curr_items", "0")) <= 1.5 * (1 << power):
            return True
        if (power, expanding) != last:
            last, since = (power, expanding), time.monotonic()
        elif not expanding and time.monotonic() - since > 3:
            return True
        time.sleep(0.2)
    return False


def _verify(conn, n, size, blob, rng):
    """Reads back a sample; returns how many came back wrong or missing."""
    bad = 0
    for i in [0, n - 1] + [rng.randrange(n) for _ in range(SAMPLES - 2)]:
        conn.send(b"get %s\r\n" % (KEY_FORMAT % i))
        if conn.read_get_reply() != _value(blob, i, size):
            bad += 1
    return bad


def run(memcd, memcached, log_dir, n, size, seconds_limit):
    """Returns one result dict per server, memcd first."""
    blob = random.Random(size).randbytes(4096 + size)
    results = []
    with ServerPair(memcd, memcached, ["-m", "1024"], log_dir) as servers:
        for server in servers:
            conn = server.connect(seconds_limit)
            before = server.rss_kib()
            start = time.monotonic()
            _load(conn, n, size, blob)
            load_seconds = time.monotonic() - start
            settled = _settle_hash(server)
            after = server.rss_kib()
            stats = server.stats()
            bad = _verify(conn, n, size, blob, random.Random(n))
            conn.close()
            items = int(stats.get("curr_items", "0"))
            results.append({
                "server": server.name,
                "items": n,
                "value_size": size,
                "rss_before_kib": before,
                "rss_after_kib": after,
                "rss_per_item": (after - before) * 1024.0 / n,
                "stats_bytes": int(stats.get("bytes", "0")),
                "curr_items": items,
                "evictions": int(stats.get("evictions", "0")),
                "hash_power": stats.get("hash_power_level", "?"),
                "hash_settled": settled,
                "load_seconds": load_seconds,
                "bad_samples": bad,
            })
    return results
