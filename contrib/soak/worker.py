"""One soak client process: owns a slice of the key space, runs a random mix
of operations against the server until the deadline, and judges every reply
against its model (model.py). The operations themselves are in text_ops.py,
meta_ops.py and binary_ops.py; this file holds the loop, the connections,
the keys and the bookkeeping they share.

A worker never stops on a wrong answer: it counts it, keeps the first few
descriptions, and carries on, so one run shows how often things go wrong.
"""
import collections
import math
import random
import socket
import time

import model
from binary_ops import BinaryOps
from client import Connection, ProtocolError
from meta_ops import MetaOps
from model import ABSENT, PRESENT, UNKNOWN, Entry
from text_ops import TextOps

BLOB_KEYS, COUNTER_KEYS, TTL_KEYS, BIG_KEYS = 3000, 300, 300, 6
MAX_BLOB = 16384  # set values; appends may grow them (text_ops.MAX_APPENDED)
KEPT_MESSAGES = 40
HISTORY = 8  # events kept per key for the report of a wrong answer
INJECT_EVERY = 40  # operations between two injected faults


class Worker(TextOps, MetaOps, BinaryOps):
    """Client number INDEX of the run; CONFIG is a dict of the run's options,
    SHARED holds the flush counters and the stop event."""

    def __init__(self, index, config, shared):
        self.index = index
        self.cfg = config
        self.shared = shared
        self.rng = random.Random(config["seed"] * 1000 + index)
        self.port = config["port"]
        self.deadline = time.monotonic() + config["seconds"]
        prefix = b"soak%d:" % index
        self.blob_keys = [prefix + b"b%d" % i for i in range(BLOB_KEYS)]
        self.counter_keys = [prefix + b"n%d" % i for i in range(COUNTER_KEYS)]
        self.ttl_keys = [prefix + b"t%d" % i for i in range(TTL_KEYS)]
        self.big_keys = [prefix + b"L%d" % i for i in range(BIG_KEYS)]
        self.foreign = [b"soak%d:b%d" % (w, i) for w in range(config["clients"])
                        if w != index for i in range(0, BLOB_KEYS, 7)]
        self.entries = collections.defaultdict(Entry)
        self.history = {}
        self.oom_by_op = collections.Counter()
        self.version = 0
        self.text = self.binconn = None
        self.ops = collections.Counter()
        self.counts = collections.Counter()  # hits, misses, oom, wrong, protocol, io
        self.messages = []
        self.inject = config.get("inject")
        self.next_inject = 20
        names = [n for n in dir(self) if n.startswith("op_")]
        weights = [getattr(self, n).weight for n in names]
        self.op_names = names
        self.cum_weights = [sum(weights[:i + 1]) for i in range(len(weights))]

    # --- bookkeeping -----------------------------------------------------

    def wrong(self, what, key, why, value=None):
        """A reply the model does not allow: counted, described with the
        key's recent history; the key is then not judged until our next
        write, so one fault counts once."""
        self.counts["wrong"] += 1
        got = "" if value is None else f"; got {model.describe(value)}"
        self.note(f"WRONG {what} {key.decode(errors='replace')}: {why}{got}")
        history = self.history.get(key)
        if history and len(self.messages) < KEPT_MESSAGES:
            self.messages.append("    history (s, request, outcome): " +
                                 "; ".join(f"{t:.3f} {w} {o}" for t, w, o in history))
        self.entries[key].state = UNKNOWN

    def event(self, key, what, outcome):
        """Remembers the last few things that happened to KEY, for reports."""
        h = self.history.get(key)
        if h is None:
            h = self.history[key] = collections.deque(maxlen=HISTORY)
        h.append((self.elapsed(), what, outcome))

    def note(self, text):
        if len(self.messages) < KEPT_MESSAGES:
            self.messages.append(f"client {self.index} at {self.elapsed():.1f}s: {text}")

    def elapsed(self):
        return time.monotonic() - (self.deadline - self.cfg["seconds"])

    def unexpected(self, what, key, reply):
        """A reply that is no answer to the request: the stream cannot be
        trusted any more, so both connections are dropped."""
        self.counts["protocol"] += 1
        self.note(f"PROTOCOL {what} {key.decode(errors='replace')}: {reply!r:.200}")
        if key in self.entries:
            self.entries[key].state = UNKNOWN
        self.drop_connections()

    def oom(self, what, key):
        """SERVER_ERROR out of memory: allowed (a full cache may refuse a
        store); the old value or a miss stays legal, so the model is kept."""
        self.counts["oom"] += 1
        self.oom_by_op[what.split(" (")[0]] += 1
        if self.counts["oom"] <= 3:
            self.note(f"(allowed) out of memory on {what} {key.decode(errors='replace')}")

    def flushes_done(self):
        return self.shared["done"].value

    def flushes_started(self):
        return self.shared["started"].value

    def new_value(self, key, low=model.MIN_VALUE, high=MAX_BLOB):
        """A fresh value for KEY, its length log-uniform in [LOW, HIGH]."""
        self.version += 1
        length = int(math.exp(self.rng.uniform(math.log(low), math.log(high))))
        return model.make_value(key, self.version, length), self.version

    def entry(self, key):
        return self.entries[key]

    # --- judging replies -------------------------------------------------

    def hit(self, what, key, value, flags, cas, sent, done):
        """KEY was found with VALUE, FLAGS (and CAS, if not None) by a
        request sent at SENT after DONE completed flush_all calls."""
        self.counts["hits"] += 1
        e = self.entries[key]
        if e.state == UNKNOWN:
            self.event(key, what, "hit (not judged)")
            return False
        why = e.not_expected(sent, done, self.cfg["clock_slack"]) or e.wrong_value(value, flags)
        if not why and cas is not None:
            why = e.seen_cas(cas)
        if why:
            self.wrong(what, key, why, value)
            return False
        self.event(key, what, "hit")
        return True

    def miss(self, key, what="", outcome="miss"):
        """The server says KEY is not there: until our next write it must
        stay so."""
        self.counts["misses"] += 1
        self.event(key, what or self.current, outcome)
        e = self.entries[key]
        e.state = ABSENT
        e.cas = None

    def must_exist(self, what, key, sent, done):
        """The server acted on KEY as present (DELETED, TOUCHED, a replace
        or incr that worked): wrong if the model says it cannot be."""
        e = self.entries[key]
        why = e.not_expected(sent, done, self.cfg["clock_slack"])
        if why:
            self.wrong(what, key, f"server acted on the item, but {why}")
            return False
        self.event(key, what, "found")
        return True

    def stored(self, key, value, version, flags, ttl, sent, cas=None, what="set",
               keep_bytes=True):
        e = self.entries[key]
        e.set_blob(value, version, flags, keep_bytes)
        self.after_write(what, key, e, ttl, sent, cas)

    def stored_counter(self, key, number, flags, ttl, sent, cas=None, what="set"):
        e = self.entries[key]
        e.set_counter(number, flags)
        self.after_write(what, key, e, ttl, sent, cas)

    def after_write(self, what, key, e, ttl, sent, cas, keep_expiry=False):
        acked = time.monotonic()
        self.event(key, what, f"stored v{e.version} {e.length}B" if e.counter is None
                   else f"stored {e.counter}")
        e.gen = self.flushes_started()
        if not keep_expiry:
            e.set_expiry(ttl, sent, acked)
        if cas is not None:
            why = e.new_cas(cas)
            if why:
                self.wrong(what, key, why)

    def forget(self, key):
        """The outcome of a write is unknown (I/O error): stop judging KEY."""
        self.entries[key].state = UNKNOWN

    # --- fault injection (--inject-fault), to prove the checker can fail --

    def inject_due(self, kind):
        if self.inject != kind or self.index != 0:
            return False
        if self.counts["ops"] < self.next_inject:
            return False
        self.next_inject = self.counts["ops"] + INJECT_EVERY
        self.counts["injected"] += 1
        return True

    # --- connections ------------------------------------------------------

    def connect(self):
        return Connection(self.port, self.cfg["io_timeout"])

    def tconn(self):
        if self.text is None:
            self.text = self.connect()
        return self.text

    def bconn(self):
        if self.binconn is None:
            self.binconn = self.connect()
        return self.binconn

    def drop_connections(self):
        for c in (self.text, self.binconn):
            if c is not None:
                c.close()
        self.text = self.binconn = None

    def churn(self):
        """Clients come and go: now and then drop a connection, politely
        (quit) or not (close, sometimes with a reply still unread)."""
        r = self.rng.random()
        if r < 0.3 and self.text is not None:
            self.text.send(b"quit\r\n")
            self.text.close()
            self.text = None
            self.ops["churn_quit"] += 1
        elif r < 0.6:
            self.drop_connections()
            self.ops["churn_close"] += 1
        else:
            # A read left unanswered: the server writes into a closed socket.
            c = self.connect()
            key = self.rng.choice(self.big_keys + self.blob_keys[:50])
            c.send(b"get " + key + b"\r\n")
            c.close()
            self.ops["churn_abandon"] += 1

    # --- the loop ---------------------------------------------------------

    def run(self):
        stop, progress = self.shared["stop"], self.shared["progress"]
        churn_every = self.cfg["churn"]
        failures = 0
        while time.monotonic() < self.deadline and not stop.is_set():
            name = self.rng.choices(self.op_names, cum_weights=self.cum_weights)[0]
            self.current = name[3:]
            try:
                getattr(self, name)()
                self.ops[name[3:]] += 1
                self.counts["ops"] += 1
                progress[self.index] = self.counts["ops"]
                if self.rng.random() * churn_every < 1:
                    self.churn()
                failures = 0
            except (OSError, ProtocolError) as e:
                if stop.is_set():
                    break  # the server is being stopped, or died: soak.py tells
                self.counts["protocol" if isinstance(e, ProtocolError) else "io"] += 1
                self.note(f"IO {name[3:]}: {type(e).__name__}: {e}")
                self.drop_connections()
                for key in self.pending:
                    self.forget(key)
                failures += 1
                if failures >= 5:
                    self.note("giving up after 5 failed exchanges in a row")
                    break
                time.sleep(0.1)
            finally:
                self.pending = ()
        self.drop_connections()
        return {"ops": dict(self.ops), "counts": dict(self.counts),
                "oom": dict(self.oom_by_op),
                "messages": self.messages}

    pending = ()  # keys a failed exchange leaves in doubt; set by each op
    current = ""  # the operation running, for the key histories


def run_worker(index, config, shared, results):
    """multiprocessing entry point: runs one worker, puts its result."""
    try:
        socket.setdefaulttimeout(config["io_timeout"])
        result = Worker(index, config, shared).run()
    except Exception as e:  # noqa: BLE001 - a crashed client must be reported
        result = {"ops": {}, "counts": {"crashed": 1},
                  "messages": [f"client {index} crashed: {type(e).__name__}: {e}"]}
        import traceback
        result["messages"].append(traceback.format_exc()[-2000:])
    results.put((index, result))
