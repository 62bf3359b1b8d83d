"""The binary protocol and the large items of the soak mix, as methods of
Worker (worker.py); see text_ops.py for the pattern. Binary requests go
over a connection of their own (`-B auto` picks the protocol from the
first byte)."""
import math
import struct
import time

import client as c
import model
from model import PRESENT
from text_ops import MAX_APPENDED, OOM, op

NO_CREATE = 0xFFFFFFFF  # INCR/DECR exptime: fail on a missing key


class BinaryOps:
    def bin_exchange(self, opcode, key, extras=b"", value=b"", cas=0):
        """One binary request and its reply; opaque must come back."""
        opaque = self.rng.randrange(1 << 32)
        conn = self.bconn()
        conn.send(c.binary_request(opcode, key, extras, value, cas, opaque))
        reply = conn.read_binary()
        if reply.opaque != opaque or reply.opcode != opcode:
            raise c.ProtocolError(f"binary reply opcode {reply.opcode:#x} opaque "
                                  f"{reply.opaque}, sent {opcode:#x} {opaque}")
        return reply

    def bin_value(self, what, key, reply, sent, done):
        """Judges a GET/GETK/GAT reply."""
        if reply.status == c.ST_ENOENT:
            self.miss(key)
        elif reply.status == c.ST_OK and len(reply.extras) == 4:
            if reply.key and reply.key != key:
                self.wrong(what, key, f"reply for key {reply.key!r}")
            flags = struct.unpack(">I", reply.extras)[0]
            self.hit(what, key, reply.value, flags, reply.cas, sent, done)
        else:
            self.unexpected(what, key, (reply.status, reply.value[:80]))

    @op(6)
    def op_bget(self):
        key = self.rng.choice(self.blob_keys)
        opcode = self.rng.choice((c.OP_GET, c.OP_GETK))
        done, sent = self.flushes_done(), time.monotonic()
        self.bin_value("binary get", key, self.bin_exchange(opcode, key), sent, done)

    @op(2)
    def op_bmulti(self):
        """GETKQ for several keys, then NOOP: only hits answer."""
        keys = self.rng.sample(self.blob_keys, self.rng.randint(2, 16))
        conn = self.bconn()
        done, sent = self.flushes_done(), time.monotonic()
        conn.send(b"".join(c.binary_request(c.OP_GETKQ, k, opaque=i)
                           for i, k in enumerate(keys)) + c.binary_request(c.OP_NOOP))
        seen = set()
        while True:
            reply = conn.read_binary()
            if reply.opcode == c.OP_NOOP:
                break
            if reply.opcode != c.OP_GETKQ or reply.opaque >= len(keys) or \
                    reply.key != keys[reply.opaque] or reply.key in seen:
                self.unexpected("binary getkq", keys[0], (reply.opcode, reply.key))
                return
            seen.add(reply.key)
            self.bin_value("binary getkq", reply.key, reply, sent, done)
        for key in keys:
            if key not in seen:
                self.miss(key)

    @op(7)
    def op_bset(self):
        """SET (sometimes compare-and-set), ADD or REPLACE; each returns its CAS."""
        opcode = self.rng.choice((c.OP_SET, c.OP_SET, c.OP_ADD, c.OP_REPLACE))
        key = self.rng.choice(self.blob_keys)
        e = self.entries[key]
        value, version = self.new_value(key)
        flags = self.rng.randrange(1 << 32)
        compare = 0
        if opcode == c.OP_SET and self.rng.random() < 0.2:
            compare = e.cas if e.cas is not None and self.rng.random() < 0.7 else \
                self.rng.randrange(1, 1 << 40)
        what = {c.OP_SET: "binary set", c.OP_ADD: "binary add",
                c.OP_REPLACE: "binary replace"}[opcode] + (" cas" if compare else "")
        self.pending = (key,)
        done, sent = self.flushes_done(), time.monotonic()
        reply = self.bin_exchange(opcode, key, struct.pack(">II", flags, 0), value, compare)
        if reply.status == c.ST_OK:
            if compare and compare != e.cas:
                self.wrong(what, key, f"stored with CAS {compare}, the key's is {e.cas}")
                self.forget(key)
                return
            if opcode == c.OP_REPLACE or compare:
                self.must_exist(what, key, sent, done)
            self.stored(key, value, version, flags, 0, sent, reply.cas, what)
        elif reply.status == c.ST_EEXISTS and (opcode == c.OP_ADD or compare):
            if compare and compare == e.cas:
                self.wrong(what, key, f"EEXISTS with the key's own CAS {compare}")
            else:
                self.must_exist(what, key, sent, done)
        elif reply.status == c.ST_ENOENT and (opcode == c.OP_REPLACE or compare):
            self.miss(key)
        elif reply.status == c.ST_ENOMEM:
            self.oom(what, key)
        else:
            self.unexpected(what, key, (reply.status, reply.value[:80]))

    @op(2)
    def op_bsetq(self):
        """SETQ then NOOP: success is silent."""
        key = self.rng.choice(self.blob_keys)
        value, version = self.new_value(key, high=4096)
        self.pending = (key,)
        conn = self.bconn()
        sent = time.monotonic()
        conn.send(c.binary_request(0x11, key, struct.pack(">II", 4, 0), value) +
                  c.binary_request(c.OP_NOOP))
        reply = conn.read_binary()
        if reply.opcode == c.OP_NOOP:
            self.stored(key, value, version, 4, 0, sent)
        elif reply.status == c.ST_ENOMEM:
            self.oom("binary setq", key)
            conn.read_binary()  # its NOOP
        else:
            self.unexpected("binary setq", key, (reply.opcode, reply.status))

    @op(3)
    def op_bappend(self):
        key = self.rng.choice(self.blob_keys)
        e = self.entries[key]
        if not (e.state == PRESENT and e.value is not None and
                e.length + 4096 <= MAX_APPENDED):
            return self.op_bget()
        opcode = self.rng.choice((c.OP_APPEND, c.OP_PREPEND))
        piece, _ = self.new_value(key, high=4096)
        what = "binary append" if opcode == c.OP_APPEND else "binary prepend"
        self.pending = (key,)
        done, sent = self.flushes_done(), time.monotonic()
        reply = self.bin_exchange(opcode, key, value=piece)
        if reply.status == c.ST_OK:
            if self.must_exist(what, key, sent, done) and e.state == PRESENT:
                joined = e.value + piece if opcode == c.OP_APPEND else piece + e.value
                e.value, e.length, e.cas = joined, len(joined), None
                self.after_write(what, key, e, 0, sent, reply.cas, keep_expiry=True)
            else:
                self.forget(key)
        elif reply.status == c.ST_NOT_STORED:
            self.concat_refused(key)
        elif reply.status == c.ST_ENOMEM:
            self.oom(what, key)
        else:
            self.unexpected(what, key, (reply.status, reply.value[:80]))

    @op(2)
    def op_bdelete(self):
        key = self.rng.choice(self.blob_keys)
        self.pending = (key,)
        done, sent = self.flushes_done(), time.monotonic()
        reply = self.bin_exchange(c.OP_DELETE, key)
        if reply.status == c.ST_OK:
            self.must_exist("binary delete", key, sent, done)
        elif reply.status != c.ST_ENOENT:
            self.unexpected("binary delete", key, (reply.status, reply.value[:80]))
            return
        self.miss(key)

    @op(4)
    def op_bincr(self):
        key = self.rng.choice(self.counter_keys)
        opcode = self.rng.choice((c.OP_INCR, c.OP_DECR))
        delta = self.rng.choice((1, 3, 99999, self.rng.randrange(1 << 64)))
        create = self.rng.random() < 0.3
        initial = self.rng.randrange(1 << 30)
        extras = struct.pack(">QQI", delta, initial, 0 if create else NO_CREATE)
        what = "binary incr" if opcode == c.OP_INCR else "binary decr"
        self.pending = (key,)
        done, sent = self.flushes_done(), time.monotonic()
        reply = self.bin_exchange(opcode, key, extras)
        e = self.entries[key]
        if reply.status == c.ST_OK and len(reply.value) == 8:
            number = struct.unpack(">Q", reply.value)[0]
            up = opcode == c.OP_INCR
            if create and number == initial and not (
                    e.state == PRESENT and e.counter is not None and
                    e.not_expected(sent, done, self.cfg["clock_slack"]) is None and
                    self.arith(e.counter, up, delta) == initial):
                e.set_counter(initial, 0)
                self.after_write(what + " (created)", key, e, 0, sent, reply.cas)
            else:
                self.judge_arith(what, key, up, delta, b"%d" % number, sent, done, reply.cas)
        elif reply.status == c.ST_ENOENT and not create:
            self.miss(key)
        elif reply.status == c.ST_ENOMEM:
            self.oom(what, key)
        else:
            self.unexpected(what, key, (reply.status, reply.value[:80]))

    @op(2)
    def op_btouch(self):
        key = self.rng.choice(self.ttl_keys + self.blob_keys[:300])
        opcode = self.rng.choice((c.OP_TOUCH, c.OP_GAT))
        ttl = self.rng.choice((0, 1, 2, 30))
        self.pending = (key,)
        done, sent = self.flushes_done(), time.monotonic()
        reply = self.bin_exchange(opcode, key, struct.pack(">I", ttl))
        if opcode == c.OP_GAT:
            self.bin_value("binary gat", key, reply, sent, done)
            e = self.entries[key]
            if reply.status == c.ST_OK and e.state == PRESENT:
                e.set_expiry(ttl, sent, time.monotonic())
        else:
            self.judge_touch("binary touch", key, ttl, reply.status == c.ST_OK,
                             reply.status == c.ST_ENOENT, reply.status, sent, done)

    # --- large items --------------------------------------------------------

    def big_length(self):
        low, high = 200 * 1024, self.cfg["max_value"]
        return int(math.exp(self.rng.uniform(math.log(low), math.log(high))))

    @op(0.6)
    def op_big_set(self):
        """A value of up to --max-value bytes (chained chunks), text or binary;
        the model keeps its digest only."""
        key = self.rng.choice(self.big_keys)
        self.version += 1
        value = model.make_value(key, self.version, self.big_length())
        self.pending = (key,)
        done, sent = self.flushes_done(), time.monotonic()
        if self.rng.random() < 0.5:
            reply = self.tconn().storage(b"set %s 1 0 %d" % (key, len(value)), value)
            ok, oom = reply == b"STORED", reply.startswith(OOM)
            cas = None
        else:
            reply = self.bin_exchange(c.OP_SET, key, struct.pack(">II", 1, 0), value)
            ok, oom = reply.status == c.ST_OK, reply.status == c.ST_ENOMEM
            cas = reply.cas
        if ok:
            self.stored(key, value, self.version, 1, 0, sent, cas, "big set", keep_bytes=False)
        elif oom:
            self.oom("big set", key)
        else:
            self.unexpected("big set", key, reply)

    @op(1.2)
    def op_big_get(self):
        key = self.rng.choice(self.big_keys)
        how = self.rng.randrange(3)
        if how == 0:
            self.text_read("big get", [key])
        elif how == 1:
            done, sent = self.flushes_done(), time.monotonic()
            self.bin_value("big binary get", key, self.bin_exchange(c.OP_GET, key), sent, done)
        else:
            done, sent = self.flushes_done(), time.monotonic()
            conn = self.tconn()
            conn.send(b"mg %s v f c\r\n" % key)
            code, flags, data = conn.read_meta()
            if code == b"EN":
                self.miss(key)
            elif code == b"VA" and "f" in flags and "c" in flags:
                self.hit("big mg", key, data, int(flags["f"]), int(flags["c"]), sent, done)
            else:
                self.unexpected("big mg", key, (code, flags))
