"""Measurement 2: RSS honesty under a write storm.

Each server, started with `-m 64`, gets CONNS connections that each keep one
`set` in flight for SECONDS, with value sizes log-uniform from 10 bytes to
500 KiB (so every size decade gets the same number of writes, and far more
bytes than the limit are written). A thread samples VmRSS every 0.1 s. The
replies are counted per size range, and separately for the last quarter of
the run: a range that was still being written then but stored nothing has
stopped accepting writes.
"""
import collections
import random
import selectors
import socket
import threading
import time

from servers import ServerError, rss_kib

RANGES = [(10, 99), (100, 999), (1000, 9999), (10000, 99999), (100000, 512000)]
MAX_VALUE = 512000
KEYS = 100000
SMALL = 65536  # values below this are copied into one buffer, larger ones sent as views


def range_name(r):
    def h(n):
        return f"{n // 1000}K" if n >= 1000 else str(n)
    return f"{h(r[0])}-{h(r[1])}"


def _range_index(size):
    for i, (lo, hi) in enumerate(RANGES):
        if lo <= size <= hi:
            return i
    raise ValueError(size)


class RssSampler(threading.Thread):
    """Samples a pid's VmRSS every PERIOD seconds until stop()."""

    def __init__(self, pid, period=0.1):
        super().__init__(daemon=True)
        self.pid = pid
        self.period = period
        self.samples = []
        self._done = threading.Event()

    def run(self):
        while not self._done.is_set():
            value = rss_kib(self.pid)
            if value is not None:
                self.samples.append(value)
            self._done.wait(self.period)

    def stop(self):
        self._done.set()
        self.join(5)
        return max(self.samples) if self.samples else 0


class _Client:
    """One non-blocking connection with at most one set in flight."""

    def __init__(self, sock, rng):
        self.sock = sock
        self.rng = rng
        self.out = collections.deque()  # byte chunks still to send
        self.pending = collections.deque()  # (range index, send time) per set
        self.inbuf = bytearray()
        self.mask = 0

    def queue_set(self, blob, now):
        size = int(10 * (MAX_VALUE / 10) ** self.rng.random())
        size = max(10, min(MAX_VALUE, size))
        offset = self.rng.randrange(len(blob) - MAX_VALUE)
        header = b"set storm:%d 0 0 %d\r\n" % (self.rng.randrange(KEYS), size)
        if size < SMALL:
            self.out.append(header + blob[offset:offset + size] + b"\r\n")
        else:
            self.out.extend([header, memoryview(blob)[offset:offset + size], b"\r\n"])
        self.pending.append((_range_index(size), now))

    def flush(self):
        while self.out:
            try:
                sent = self.sock.send(self.out[0])
            except BlockingIOError:
                return
            if sent < len(self.out[0]):
                self.out[0] = memoryview(self.out[0])[sent:]
                return
            self.out.popleft()

    def read_replies(self):
        """Returns [(reply line, range index, send time)] for complete replies."""
        try:
            chunk = self.sock.recv(65536)
        except BlockingIOError:
            return []
        if not chunk:
            raise ServerError("server closed a storm connection")
        self.inbuf += chunk
        done = []
        while True:
            i = self.inbuf.find(b"\r\n")
            if i < 0:
                return done
            line = bytes(self.inbuf[:i])
            del self.inbuf[:i + 2]
            if not self.pending:
                raise ServerError(f"unexpected reply {line[:80]!r}")
            done.append((line,) + self.pending.popleft())


class StormCounts:
    """Reply counts per size range, overall and in the late window."""

    def __init__(self, late_start):
        self.late_start = late_start
        self.stored = [0] * len(RANGES)
        self.errors = [0] * len(RANGES)
        self.other = [0] * len(RANGES)
        self.late_sets = [0] * len(RANGES)
        self.late_stored = [0] * len(RANGES)
        self.error_lines = collections.Counter()

    def add(self, line, index, sent):
        late = sent >= self.late_start
        if late:
            self.late_sets[index] += 1
        if line == b"STORED":
            self.stored[index] += 1
            if late:
                self.late_stored[index] += 1
        elif line.startswith(b"SERVER_ERROR"):
            self.errors[index] += 1
            self.error_lines[line.decode(errors="replace")] += 1
        else:
            self.other[index] += 1
            self.error_lines[line.decode(errors="replace")] += 1

    def stopped_ranges(self):
        return [range_name(r) for i, r in enumerate(RANGES)
                if self.late_sets[i] > 0 and self.late_stored[i] == 0]


def _mask(client, writing):
    """Write interest only while there is something to send or to start."""
    if client.out or (writing and not client.pending):
        return selectors.EVENT_READ | selectors.EVENT_WRITE
    return selectors.EVENT_READ


def _set_mask(sel, client, mask):
    if client.mask != mask:
        sel.modify(client.sock, mask, client)
        client.mask = mask


def _storm(server, seconds, conns, seed, blob):
    sel = selectors.DefaultSelector()
    clients = []
    try:
        for c in range(conns):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setblocking(False)
            client = _Client(sock, random.Random(seed * 100003 + c))
            client.mask = selectors.EVENT_READ | selectors.EVENT_WRITE
            sel.register(sock, client.mask, client)
            clients.append(client)
        start = time.monotonic()
        end = start + seconds
        counts = StormCounts(start + 0.75 * seconds)
        sets = 0
        now = start
        writing = True
        # Writing phase, then up to 10 s to collect the replies in flight.
        while now < end + 10:
            if writing and now >= end:
                writing = False
                for client in clients:
                    _set_mask(sel, client, _mask(client, writing))
            if not writing and not any(c.pending for c in clients):
                break
            for key, mask in sel.select(0.1):
                client = key.data
                if mask & selectors.EVENT_READ:
                    for line, index, sent in client.read_replies():
                        counts.add(line, index, sent)
                if mask & selectors.EVENT_WRITE:
                    if writing and not client.pending:
                        client.queue_set(blob, now)
                        sets += 1
                    client.flush()
                _set_mask(sel, client, _mask(client, writing))
            now = time.monotonic()
            server.check_alive()
        elapsed = min(now, end) - start
        unanswered = sum(len(c.pending) for c in clients)
        return counts, sets, unanswered, elapsed
    finally:
        for client in clients:
            sel.unregister(client.sock)
            client.sock.close()
        sel.close()


def _class_table(server):
    """Per slab class: chunk size, pages, items, evictions, out-of-memory count."""
    classes = {}
    for group in (b"slabs", b"items"):
        for name, value in server.stats(group).items():
            parts = name.split(":")
            if group == b"items" and len(parts) == 3:
                cls, field = int(parts[1]), parts[2]
            elif group == b"slabs" and len(parts) == 2 and parts[0].isdigit():
                cls, field = int(parts[0]), parts[1]
            else:
                continue
            classes.setdefault(cls, {})[field] = value
    return classes


def run(server, seconds, conns, seed):
    """Runs the storm against one (already started, -m 64) server."""
    blob = random.Random(seed).randbytes(MAX_VALUE + 4096)
    rss_before = server.rss_kib()
    sampler = RssSampler(server.proc.pid)
    sampler.start()
    try:
        counts, sets, unanswered, elapsed = _storm(server, seconds, conns, seed, blob)
    finally:
        rss_max = sampler.stop()
    stats = server.stats()
    return {
        "server": server.name,
        "rss_before_kib": rss_before,
        "rss_max_kib": rss_max,
        "rss_end_kib": server.rss_kib(),
        "samples": len(sampler.samples),
        "counts": counts,
        "sets": sets,
        "unanswered": unanswered,
        "seconds": elapsed,
        "bytes_written": int(stats.get("bytes_read", "0")),
        "evictions": int(stats.get("evictions", "0")),
        "curr_items": int(stats.get("curr_items", "0")),
        "limit_maxbytes": int(stats.get("limit_maxbytes", "0")),
        "classes": _class_table(server),
    }
