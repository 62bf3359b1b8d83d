"""The meta commands (mg ms md ma mn) of the soak mix, as methods of
Worker (worker.py); see text_ops.py for the pattern."""
import time

from model import PRESENT
from text_ops import MAX_APPENDED, OOM, op


class MetaOps:
    @op(8)
    def op_mg(self):
        """mg with a random set of returned flags, each checked."""
        key = self.rng.choice(self.blob_keys if self.rng.random() < 0.6 else self.ttl_keys)
        wanted = [f for f in "fctsk" if self.rng.random() < 0.6]
        with_value = self.rng.random() < 0.85
        opaque = self.rng.randrange(1 << 30)
        line = b"mg " + key + b" " + " ".join(wanted + ["v"] * with_value).encode() + \
            b" O%d" % opaque
        done, sent = self.flushes_done(), time.monotonic()
        conn = self.tconn()
        conn.send(line + b"\r\n")
        code, flags, data = conn.read_meta()
        received = time.monotonic()
        if code == b"EN":
            self.miss(key)
            return
        if code != (b"VA" if with_value else b"HD") or flags.get("O") != b"%d" % opaque:
            self.unexpected("mg", key, (code, flags))
            return
        if any(f not in flags for f in wanted):
            self.unexpected("mg", key, f"asked for flags {wanted}, got {sorted(flags)}")
            return
        e = self.entries[key]
        if not with_value:
            self.counts["hits"] += 1
            self.must_exist("mg (no v)", key, sent, done)
            return
        cas = int(flags["c"]) if "c" in flags else None
        if "k" in flags and flags["k"] != key:
            self.wrong("mg", key, f"k flag returned {flags['k']!r}")
        if "s" in flags and int(flags["s"]) != len(data):
            self.wrong("mg", key, f"s{flags['s'].decode()} with a {len(data)}-byte value")
        client_flags = int(flags["f"]) if "f" in flags else e.flags
        if self.hit("mg", key, data, client_flags, cas, sent, done) and "t" in flags:
            low, high = e.ttl_window(sent, received)
            ttl = int(flags["t"])
            if not low <= ttl <= high:
                self.wrong("mg", key, f"t{ttl}, expected between {low} and {high}")

    @op(3)
    def op_mg_multi(self):
        """Pipelined quiet mg, ended by mn: only hits answer."""
        keys = self.rng.sample(self.blob_keys, self.rng.randint(2, 16))
        conn = self.tconn()
        done, sent = self.flushes_done(), time.monotonic()
        conn.send(b"".join(b"mg %s v f c k q\r\n" % k for k in keys) + b"mn\r\n")
        found = {}
        while True:
            code, flags, data = conn.read_meta()
            if code == b"MN":
                break
            if code != b"VA" or flags.get("k") not in keys or flags["k"] in found:
                self.unexpected("mg q", keys[0], (code, flags))
                return
            found[flags["k"]] = (int(flags["f"]), data, int(flags["c"]))
        for key in keys:
            if key in found:
                flags, data, cas = found[key]
                self.hit("mg q", key, data, flags, cas, sent, done)
            else:
                self.miss(key)

    @op(7)
    def op_ms(self):
        """ms in a random mode, returning its CAS; sometimes compare-and-set."""
        mode = self.rng.choice("SSSERAP")
        use_ttl = mode in "SER" and self.rng.random() < 0.3
        key = self.rng.choice(self.ttl_keys if use_ttl else self.blob_keys)
        e = self.entries[key]
        if mode in "AP" and not (e.state == PRESENT and e.value is not None and
                                 e.length + 4096 <= MAX_APPENDED):
            mode = "S"
        value, version = self.new_value(key, high=4096 if mode in "AP" else 16384)
        ttl = self.rng.randint(1, 3) if use_ttl else 0
        flags = self.rng.randrange(1 << 32)
        compare = None
        if mode in "SR" and self.rng.random() < 0.2:
            compare = e.cas if e.cas is not None and self.rng.random() < 0.7 else \
                self.rng.randrange(1, 1 << 40)
        line = b"ms %s %d c M%s T%d F%d" % (key, len(value), mode.encode(), ttl, flags)
        if compare is not None:
            line += b" C%d" % compare
        self.pending = (key,)
        done, sent = self.flushes_done(), time.monotonic()
        conn = self.tconn()
        conn.send(line + b"\r\n" + value + b"\r\n")
        code, reply_flags, line = conn.read_meta()
        what = f"ms M{mode}" + (" C" if compare is not None else "")
        if code == b"HD" and "c" in reply_flags:
            cas = int(reply_flags["c"])
            if compare is not None and compare != e.cas:
                self.wrong(what, key, f"stored with C{compare}, the key's CAS is {e.cas}")
                self.forget(key)
            elif mode in "AP":
                if self.must_exist(what, key, sent, done) and e.state == PRESENT:
                    joined = e.value + value if mode == "A" else value + e.value
                    e.value, e.length = joined, len(joined)
                    e.cas = None
                    self.after_write(what, key, e, 0, sent, cas, keep_expiry=True)
                else:
                    self.forget(key)
            else:
                if mode == "R" or compare is not None:
                    self.must_exist(what, key, sent, done)
                self.stored(key, value, version, flags, ttl, sent, cas, what)
        elif code == b"SERVER_ERROR" and line.startswith(OOM):
            self.oom(what, key)
        elif code == b"NS" and mode == "E":
            self.must_exist(what, key, sent, done)
        elif code == b"NS" and mode in "AP":
            self.concat_refused(key)
        elif code == b"NS" and mode == "R" or code == b"NF" and compare is not None:
            self.miss(key)
        elif code == b"EX" and compare is not None:
            if compare == e.cas:
                self.wrong(what, key, f"EX with the key's own CAS {compare}")
            else:
                self.must_exist(what, key, sent, done)
        else:
            self.unexpected(what, key, (code, reply_flags))

    @op(2)
    def op_md(self):
        key = self.rng.choice(self.blob_keys + self.ttl_keys)
        quiet = self.rng.random() < 0.5
        self.pending = (key,)
        done, sent = self.flushes_done(), time.monotonic()
        conn = self.tconn()
        conn.send(b"md %s%s\r\nmn\r\n" % (key, b" q" if quiet else b""))
        code, _, _ = conn.read_meta()
        if code == b"MN" and quiet or code == b"HD" and not quiet:
            self.must_exist("md", key, sent, done)
        elif code != b"NF":
            self.unexpected("md", key, code)
            return
        if code != b"MN" and conn.read_meta()[0] != b"MN":
            self.unexpected("md", key, "no MN after the reply")
            return
        self.miss(key)

    @op(5)
    def op_ma(self):
        """ma in each mode; sometimes creating a missing counter (N, J)."""
        key = self.rng.choice(self.counter_keys)
        mode = self.rng.choice("I+D-")
        up = mode in "I+"
        delta = self.rng.choice((1, 5, 123456, self.rng.randrange(1 << 64)))
        create = self.rng.random() < 0.3
        initial = self.rng.randrange(1 << 20)
        line = b"ma %s v c M%s D%d" % (key, mode.encode(), delta)
        if create:
            line += b" N0 J%d" % initial
        self.pending = (key,)
        done, sent = self.flushes_done(), time.monotonic()
        conn = self.tconn()
        conn.send(line + b"\r\n")
        code, flags, data = conn.read_meta()
        e = self.entries[key]
        if code == b"VA" and "c" in flags and create and int(data) == initial and \
                not (e.state == PRESENT and e.counter is not None and
                     e.not_expected(sent, done, self.cfg["clock_slack"]) is None and
                     self.arith(e.counter, up, delta) == initial):
            # Created (or, when the old counter would also give this, either).
            e.set_counter(initial, 0)
            self.after_write("ma N", key, e, 0, sent, int(flags["c"]))
        elif code == b"VA" and "c" in flags:
            self.judge_arith(f"ma M{mode}", key, up, delta, data, sent, done, int(flags["c"]))
        elif code == b"NF" and not create:
            self.miss(key)
        elif code == b"SERVER_ERROR" and data.startswith(OOM) and create:
            self.oom(f"ma M{mode} N", key)
        else:
            self.unexpected(f"ma M{mode}", key, (code, flags, data))

    @staticmethod
    def arith(number, up, delta):
        return (number + delta) % (1 << 64) if up else max(0, number - delta)
