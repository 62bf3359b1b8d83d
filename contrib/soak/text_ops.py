"""The classic text commands of the soak mix, as methods of Worker
(worker.py). Each op_NAME picks its keys, sends one exchange, and hands the
reply to the Worker's judges (hit, miss, must_exist, stored...). `op(w)`
gives an operation its weight in the mix.
"""
import time

import model
from model import ABSENT, PRESENT

OOM = b"SERVER_ERROR out of memory"
MAX_APPENDED = 65536  # an append that would grow a value beyond this sets it


def op(weight):
    def mark(method):
        method.weight = weight
        return method
    return mark


class TextOps:
    # --- reads ------------------------------------------------------------

    def text_read(self, what, keys, cmd=b"get", with_cas=False):
        """One get/gets/gat line for KEYS, every reply judged."""
        done, sent = self.flushes_done(), time.monotonic()
        conn = self.tconn()
        conn.send(cmd + b" " + b" ".join(keys) + b"\r\n")
        found = conn.read_values(with_cas)
        for key in keys:
            if key in found:
                flags, value, cas = found.pop(key)
                self.hit(what, key, value, flags, cas, sent, done)
            else:
                self.miss(key)
        if found:
            self.unexpected(what, keys[0], f"keys not asked for: {list(found)[:3]}")
        return sent, done

    @op(16)
    def op_get(self):
        keys = self.blob_keys if self.rng.random() < 0.8 else self.ttl_keys
        self.text_read("get", [self.rng.choice(keys)])

    @op(5)
    def op_gets(self):
        key = self.rng.choice(self.blob_keys)
        self.text_read("gets", [key], b"gets", True)
        if self.entries[key].cas is not None and self.inject_due("cas"):
            self.entries[key].cas += 1
            self.text_read("gets", [key], b"gets", True)

    @op(5)
    def op_multiget(self):
        """Own keys are judged exactly; a few of the other clients' keys
        only for being some intact write of that key."""
        keys = self.rng.sample(self.blob_keys, self.rng.randint(2, 24))
        others = self.rng.sample(self.foreign, min(len(self.foreign), self.rng.randint(0, 4)))
        cmd = self.rng.choice((b"get", b"gets"))
        conn = self.tconn()
        done, sent = self.flushes_done(), time.monotonic()
        conn.send(cmd + b" " + b" ".join(keys + others) + b"\r\n")
        found = conn.read_values(cmd == b"gets")
        for key in keys:
            if key in found:
                flags, value, cas = found.pop(key)
                self.hit("multiget", key, value, flags, cas, sent, done)
            else:
                self.miss(key)
        for key in others:
            if key in found:
                why = model.well_formed(key, found.pop(key)[1])
                if why:
                    self.wrong("multiget(other client's key)", key, why)
        if found:
            self.unexpected("multiget", keys[0], f"keys not asked for: {list(found)[:3]}")

    # --- stores -----------------------------------------------------------

    def text_store(self, what, cmd, key, value, flags, ttl):
        """Sends a storage command; returns (reply, sent, done)."""
        self.pending = (key,)
        done, sent = self.flushes_done(), time.monotonic()
        reply = self.tconn().storage(b"%s %s %d %d %d" % (cmd, key, flags, ttl, len(value)),
                                     value)
        if reply.startswith(OOM):
            self.oom(what, key)
            return None, sent, done
        return reply, sent, done

    @op(12)
    def op_set(self):
        key = self.rng.choice(self.blob_keys)
        value, version = self.new_value(key)
        flags = self.rng.randrange(1 << 32)
        reply, sent, _ = self.text_store("set", b"set", key, value, flags, 0)
        if reply == b"STORED":
            self.stored(key, value, version, flags, 0, sent)
            for kind in ("value", "absent", "flush", "ttl"):
                if self.inject_due(kind):
                    self.corrupt(kind, key)
        elif reply is not None:
            self.unexpected("set", key, reply)

    def corrupt(self, kind, key):
        """--inject-fault: make the model wrong on purpose, then read."""
        e = self.entries[key]
        if kind == "value":
            e.value = b"#" + e.value[1:]
        elif kind == "absent":
            e.state = ABSENT
        elif kind == "flush":
            e.gen = -1
        elif kind == "ttl":
            e.exp_lo = e.exp_hi = time.monotonic() - 10
        self.text_read("get", [key])

    @op(3)
    def op_set_noreply(self):
        """A noreply set, then `mn`: once MN is back the set was processed."""
        key = self.rng.choice(self.blob_keys)
        value, version = self.new_value(key, high=2048)
        flags = self.rng.randrange(1 << 16)
        self.pending = (key,)
        sent = time.monotonic()
        conn = self.tconn()
        conn.send(b"set %s %d 0 %d noreply\r\n%s\r\nmn\r\n" % (key, flags, len(value), value))
        reply = conn.read_line()
        if reply == b"MN":
            self.stored(key, value, version, flags, 0, sent)
        else:
            self.unexpected("set noreply", key, reply)

    @op(3)
    def op_add(self):
        key = self.rng.choice(self.blob_keys)
        value, version = self.new_value(key)
        reply, sent, done = self.text_store("add", b"add", key, value, 7, 0)
        if reply == b"STORED":
            self.stored(key, value, version, 7, 0, sent)
        elif reply == b"NOT_STORED":
            self.must_exist("add (NOT_STORED)", key, sent, done)
        elif reply is not None:
            self.unexpected("add", key, reply)

    @op(3)
    def op_replace(self):
        key = self.rng.choice(self.blob_keys)
        value, version = self.new_value(key)
        reply, sent, done = self.text_store("replace", b"replace", key, value, 9, 0)
        if reply == b"STORED":
            self.must_exist("replace", key, sent, done)
            self.stored(key, value, version, 9, 0, sent)
        elif reply == b"NOT_STORED":
            self.miss(key)
        elif reply is not None:
            self.unexpected("replace", key, reply)

    @op(4)
    def op_append(self):
        self.text_concat(self.rng.choice((b"append", b"prepend")))

    def text_concat(self, cmd):
        """append/prepend a fresh piece; only on keys whose bytes we know."""
        key = self.rng.choice(self.blob_keys)
        e = self.entries[key]
        piece, _ = self.new_value(key, high=4096)
        if e.state == PRESENT and e.value is not None and \
                e.length + len(piece) > MAX_APPENDED:
            cmd = b"set"
        reply, sent, done = self.text_store(cmd.decode(), cmd, key, piece, 3, 0)
        if reply is None:
            return
        if reply == b"STORED" and cmd == b"set":
            self.stored(key, piece, self.version, 3, 0, sent)
        elif reply == b"STORED":
            if self.must_exist(cmd.decode(), key, sent, done) and e.state == PRESENT:
                joined = e.value + piece if cmd == b"append" else piece + e.value
                self.concat_stored(key, e, joined, sent)
            else:
                self.forget(key)
        elif reply == b"NOT_STORED" and cmd != b"set":
            self.concat_refused(key)
        else:
            self.unexpected(cmd.decode(), key, reply)

    def concat_refused(self, key):
        """append/prepend NOT_STORED: the key is missing, or (as in
        memcached) the joined item could not be allocated and the old one
        stays, so the model is kept."""
        self.counts["concat_not_stored"] += 1
        self.event(key, self.current, "NOT_STORED")

    def concat_stored(self, key, e, joined, sent):
        """append/prepend worked: flags and TTL stay, bytes and CAS change."""
        e.value, e.length, e.cas = joined, len(joined), None
        self.after_write("append", key, e, 0, sent, None, keep_expiry=True)

    @op(4)
    def op_cas(self):
        key = self.rng.choice(self.blob_keys)
        self.text_read("cas (gets)", [key], b"gets", True)
        e = self.entries[key]
        token = e.cas if e.state == PRESENT and e.cas is not None else None
        stale = token is None or self.rng.random() < 0.25
        use = self.rng.randrange(1, 1 << 40) if token is None else token - 1 if stale else token
        value, version = self.new_value(key, high=4096)
        self.pending = (key,)
        done, sent = self.flushes_done(), time.monotonic()
        reply = self.tconn().storage(b"cas %s 5 0 %d %d" % (key, len(value), use), value)
        if reply.startswith(OOM):
            self.oom("cas", key)
        elif reply == b"STORED":
            if stale:
                self.wrong("cas", key, f"stored with token {use}, key's is {token}")
                self.forget(key)
            elif self.must_exist("cas", key, sent, done):
                self.stored(key, value, version, 5, 0, sent)
        elif reply == b"EXISTS":
            if not stale:
                self.wrong("cas", key, f"EXISTS with the key's own token {token}")
            elif token is None:
                self.must_exist("cas (EXISTS)", key, sent, done)
        elif reply == b"NOT_FOUND":
            self.miss(key)
        else:
            self.unexpected("cas", key, reply)

    @op(4)
    def op_delete(self):
        key = self.rng.choice(self.blob_keys + self.ttl_keys)
        self.pending = (key,)
        done, sent = self.flushes_done(), time.monotonic()
        reply = self.tconn().command(b"delete " + key)
        if reply == b"DELETED":
            self.must_exist("delete", key, sent, done)
        elif reply != b"NOT_FOUND":
            self.unexpected("delete", key, reply)
            return
        self.miss(key)

    # --- counters ---------------------------------------------------------

    @op(2)
    def op_counter_set(self):
        key = self.rng.choice(self.counter_keys)
        number = self.rng.choice((0, 1, 99, 100000, (1 << 64) - 3, self.rng.randrange(1 << 40)))
        value = b"%d" % number
        reply, sent, _ = self.text_store("counter set", b"set", key, value, 2, 0)
        if reply == b"STORED":
            self.stored_counter(key, number, 2, 0, sent)
        elif reply is not None:
            self.unexpected("counter set", key, reply)

    @op(8)
    def op_incr(self):
        key = self.rng.choice(self.counter_keys)
        cmd = self.rng.choice((b"incr", b"decr"))
        delta = self.rng.choice((1, 7, 1000, self.rng.randrange(1 << 64)))
        self.pending = (key,)
        done, sent = self.flushes_done(), time.monotonic()
        reply = self.tconn().command(b"%s %s %d" % (cmd, key, delta))
        self.judge_arith(cmd.decode(), key, cmd == b"incr", delta, reply, sent, done)
        if reply.isdigit() and self.inject_due("counter"):
            self.entries[key].counter += 1
            self.text_read("get", [key])

    def judge_arith(self, what, key, up, delta, reply, sent, done, cas=None):
        """The reply to incr/decr: the new number (bytes), NOT_FOUND or NF."""
        e = self.entries[key]
        if reply in (b"NOT_FOUND", b"NF"):
            self.miss(key)
        elif reply.startswith(OOM):
            self.oom(what, key)
        elif not reply.isdigit():
            self.unexpected(what, key, reply)
        elif self.must_exist(what, key, sent, done) and e.state == PRESENT:
            want = model.incr(e.counter, delta) if up else model.decr(e.counter, delta)
            if int(reply) != want:
                self.wrong(what, key, f"{what} {delta} on {e.counter} gave {reply.decode()}, "
                           f"expected {want}")
            e.counter, e.cas = int(reply), None
            self.after_write(what, key, e, 0, sent, cas, keep_expiry=True)
        else:
            self.forget(key)

    # --- expiry -----------------------------------------------------------

    @op(5)
    def op_ttl_set(self):
        key = self.rng.choice(self.ttl_keys)
        value, version = self.new_value(key, high=2048)
        ttl = self.rng.randint(1, 3)
        reply, sent, _ = self.text_store("set (ttl)", b"set", key, value, 11, ttl)
        if reply == b"STORED":
            self.stored(key, value, version, 11, ttl, sent)
        elif reply is not None:
            self.unexpected("set (ttl)", key, reply)

    @op(3)
    def op_touch(self):
        key = self.rng.choice(self.ttl_keys + self.blob_keys[:300])
        ttl = self.rng.choice((0, 1, 2, 3, 30))
        self.pending = (key,)
        done, sent = self.flushes_done(), time.monotonic()
        reply = self.tconn().command(b"touch %s %d" % (key, ttl))
        self.judge_touch("touch", key, ttl, reply in (b"TOUCHED",), reply == b"NOT_FOUND",
                         reply, sent, done)

    def judge_touch(self, what, key, ttl, touched, missed, reply, sent, done):
        e = self.entries[key]
        if touched:
            if self.must_exist(what, key, sent, done) and e.state == PRESENT:
                e.set_expiry(ttl, sent, time.monotonic())
            else:
                self.forget(key)
        elif missed:
            self.miss(key)
        else:
            self.unexpected(what, key, reply)

    @op(3)
    def op_gat(self):
        key = self.rng.choice(self.ttl_keys + self.blob_keys[:300])
        ttl = self.rng.choice((0, 1, 2, 30))
        cmd = self.rng.choice((b"gat", b"gats"))
        self.pending = (key,)
        sent, _ = self.text_read(cmd.decode(), [key], b"%s %d" % (cmd, ttl), cmd == b"gats")
        e = self.entries[key]
        if e.state == PRESENT:
            e.set_expiry(ttl, sent, time.monotonic())
