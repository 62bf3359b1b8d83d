"""The soak run's model of what the cache may hold, one key at a time.

Every key has a single writer (its worker process), so after each
acknowledged reply the writer knows the key's only legal readings:
  ABSENT   the key was never written, was deleted, or the server said it is
           gone (a miss, NOT_FOUND, NOT_STORED on replace...): until our
           next write every read must miss. Items do not come back.
  PRESENT  the last acknowledged value, or a miss (the cache may evict), and
           a miss turns the key ABSENT;
  UNKNOWN  after a failed exchange (I/O error): not checked until the next
           acknowledged write.
A PRESENT value must also not be returned once flush_all has run since it
was written, nor after its TTL has passed by more than the server's clock
granularity. CAS tokens are memcached's global counter: every write must
give the key a larger one, and reads between writes must show the same one.

Values describe themselves: `<key|version|length>` followed by a digest,
repeated to the length, so a wrong value can be traced to the key and write
it came from.
"""
import hashlib
import re

ABSENT, PRESENT, UNKNOWN = 0, 1, 2
STATE_NAMES = {ABSENT: "absent", PRESENT: "present", UNKNOWN: "unknown"}
# The server's clock ticks once a second: an item may live up to one tick
# past its TTL (memcached rounds "now" down to the last tick).
CLOCK_GRANULARITY = 1.0
_HEAD = re.compile(rb"<([^|<>]{1,250})\|(\d+)\|(\d+)>")
_U64 = 1 << 64


def make_value(key, version, length):
    """LENGTH self-describing bytes for write VERSION of KEY."""
    head = b"<%s|%d|%d>" % (key, version, length)
    unit = head + hashlib.blake2b(head, digest_size=16).hexdigest().encode()
    return (unit * (length // len(unit) + 1))[:length]


def describe(value):
    """Where VALUE came from, judged by its first self-description."""
    m = _HEAD.search(value[:600])
    if not m:
        return f"{len(value)} bytes, no self-description (starts {value[:40]!r})"
    key, version, length = m.group(1), int(m.group(2)), int(m.group(3))
    intact = make_value(key, version, length)
    where = value.find(m.group(0))
    note = "" if value[where:where + length] == intact[:len(value) - where] else ", corrupted"
    return f"{len(value)} bytes starting with write {version} of {key.decode(errors='replace')}" \
           f" ({length} bytes){note}"


def digest(value):
    return hashlib.blake2b(value, digest_size=16).digest()


class Entry:
    """What one key may hold. Blob keys keep their value (or, for large
    values, its digest and length); counter keys keep their number."""
    __slots__ = ("state", "value", "digest", "length", "version", "flags", "counter",
                 "cas", "last_cas", "exp_lo", "exp_hi", "gen")

    def __init__(self):
        self.state = ABSENT
        self.value = self.digest = self.counter = self.cas = None
        self.length = self.version = self.flags = self.last_cas = 0
        self.exp_lo = self.exp_hi = None  # local monotonic bounds of expiry
        self.gen = 0  # flush_all calls started before the write was acknowledged

    def set_blob(self, value, version, flags, keep_bytes=True):
        self.state = PRESENT
        self.value = value if keep_bytes else None
        self.digest = None if keep_bytes else digest(value)
        self.length, self.version, self.flags = len(value), version, flags
        self.counter = None
        self.cas = None

    def set_counter(self, number, flags):
        self.state = PRESENT
        self.value = self.digest = None
        self.counter, self.flags = number, flags
        self.cas = None

    def set_expiry(self, ttl, sent, acked):
        """TTL seconds counted from a request sent at SENT, answered at ACKED."""
        if ttl:
            self.exp_lo, self.exp_hi = sent + ttl, acked + ttl
        else:
            self.exp_lo = self.exp_hi = None

    def new_cas(self, cas):
        """CAS of a write just acknowledged; an error string if it did not grow."""
        error = None
        if cas == 0:
            error = "write returned CAS 0"
        elif cas <= self.last_cas:
            error = f"write returned CAS {cas}, not above the key's earlier {self.last_cas}"
        self.cas = cas
        self.last_cas = max(self.last_cas, cas)
        return error

    def seen_cas(self, cas):
        """CAS on a read; an error string if it differs from the last one known."""
        if self.cas is not None and cas != self.cas:
            return f"CAS {cas} on a read, expected {self.cas} (no write since)"
        if self.cas is None:
            if cas <= 0 or cas < self.last_cas:
                return f"CAS {cas} on a read, below the key's earlier {self.last_cas}"
            self.cas = cas
            self.last_cas = max(self.last_cas, cas)
        return None

    def not_expected(self, sent, flushes_done, slack):
        """Why the key cannot be present for a request sent at SENT (local
        monotonic) after FLUSHES_DONE completed flush_all calls; None if it
        may be."""
        if self.state == ABSENT:
            return "key is known absent (deleted, missed or never stored since)"
        if self.state == UNKNOWN:
            return None
        if flushes_done > self.gen:
            return "value written before a completed flush_all"
        if self.exp_hi is not None and sent > self.exp_hi + CLOCK_GRANULARITY + slack:
            return f"value returned {sent - self.exp_hi:.2f} s after its TTL"
        return None

    def wrong_value(self, value, flags):
        """None if VALUE and FLAGS are the ones last written, else why not."""
        if flags != self.flags:
            return f"flags {flags}, expected {self.flags}"
        if self.counter is not None:
            text = value.rstrip(b" ")  # memcached pads a shrunk counter with spaces
            if text != b"%d" % self.counter:
                return f"counter {value[:30]!r}, expected {self.counter}"
            return None
        if self.value is not None:
            ok = value == self.value
        else:
            ok = len(value) == self.length and digest(value) == self.digest
        if ok:
            return None
        return f"value is {describe(value)}; expected write {self.version} ({self.length} bytes)"

    def ttl_window(self, sent, received):
        """Bounds of the TTL the server may report (mg t) for a read over
        [SENT, RECEIVED]; (-1, -1) without TTL. One tick of slack each side
        for the server's clock and one for its rounding."""
        if self.exp_hi is None:
            return -1, -1
        return int(self.exp_lo - received - 2 * CLOCK_GRANULARITY) - 1, \
            int(self.exp_hi - sent + 2 * CLOCK_GRANULARITY) + 1


def incr(number, delta):
    return (number + delta) % _U64


def decr(number, delta):
    return max(0, number - delta)


def well_formed(key, value):
    """None if VALUE is a concatenation of intact writes of KEY (what another
    worker's key may hold), else why not. Values are at least MIN_VALUE long,
    so each piece starts with its self-description."""
    pos = 0
    while pos < len(value):
        m = _HEAD.match(value, pos)
        if not m or m.group(1) != key:
            return f"no self-description of {key!r} at byte {pos}: {describe(value[pos:])}"
        length = int(m.group(3))
        if value[pos:pos + length] != make_value(key, int(m.group(2)), length):
            return f"piece at byte {pos} is {describe(value[pos:pos + length])}"
        pos += length
    return None


# Blob values are never shorter than this, so that each piece of an
# appended value keeps its whole self-description (about 30 bytes).
MIN_VALUE = 64
