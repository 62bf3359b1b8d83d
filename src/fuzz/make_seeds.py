#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into src/fuzz/corpus/.

The seeds are small, valid (or precisely invalid) client streams: every
command of each protocol, pipelined sequences, split and edge lengths.
Run it again after changing the seeds; it rewrites only seed-*.
Regression inputs (crash-*, named after the bug) are kept by hand.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

TEXT = [
    b"set a 0 0 1\r\nx\r\n",
    b"set a 0 0 1\r\nx\r\nget a\r\n",
    b"add k 5 100 3\r\nabc\r\nreplace k 6 0 2\r\nhi\r\n",
    b"append k 0 0 2\r\nyz\r\nprepend k 0 0 1\r\nw\r\ngets k\r\n",
    b"cas k 0 0 1 12345\r\ny\r\ncas k 0 0 1 1 noreply\r\nz\r\n",
    b"set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\nincr n 18446744073709551615\r\n",
    b"get a b c d e f g\r\n",
    b"gets a\r\ngat 100 a b\r\ngats 0 a\r\ngat 10\r\n",
    b"delete a\r\ndelete a 0\r\ndelete a noreply\r\ndelete a 0 noreply\r\ndelete a 1\r\n",
    b"touch a 10\r\ntouch a -1 noreply\r\n",
    b"flush_all\r\nflush_all 10\r\nflush_all noreply\r\nflush_all 0 noreply\r\n",
    b"version\r\nverbosity 1\r\nverbosity 0 noreply\r\nquit\r\n",
    b"stats\r\nstats items\r\nstats slabs\r\nstats settings\r\nstats sizes\r\nstats conns\r\n",
    b"stats detail on\r\nset p:k 0 0 1\r\nx\r\nget p:k\r\nstats detail dump\r\nstats detail off\r\n",
    b"stats cachedump 1 0\r\nstats reset\r\n",
    b"set k 0 0 1 noreply\r\nx\r\nset k 0 0 noreply\r\n",
    b"set k 0 0 1\r\nxy\r\n",
    b"set k 0 0 -1\r\nset k abc 0 1\r\nset " + b"k" * 251 + b" 0 0 1\r\nx\r\n",
    b"set " + b"k" * 250 + b" 4294967295 2147483647 3\r\nabc\r\n",
    b"set k 0 0 2147483645\r\n",
    b"get " + b" ".join(b"key%d" % i for i in range(60)) + b"\r\n",
    b"get k\nset k 0 0 1\nx\nget k\n",
    b"   get   a   b  \r\n",
    b"bogus\r\n\r\n \r\nGET a\r\n",
    b"incr k abc\r\nincr k -1\r\ndecr\r\ntouch k abc\r\n",
    b"debugtime 100\r\ndebugtime -5\r\ndebugtime x\r\n",
    b"lru mode flat\r\nlru mode segmented\r\nlru tune 10 30 0.1 2.0\r\nlru temp_ttl 60\r\n",
    b"lru_crawler crawl all\r\nlru_crawler metadump all\r\nlru_crawler tocrawl 10\r\nlru_crawler sleep 10\r\n",
    b"lru_crawler metadump 1\r\nlru_crawler crawl 1,2,3\r\nlru_crawler enable\r\nlru_crawler disable\r\n",
    b"slabs reassign 1 2\r\nslabs automove 1\r\nslabs automove 2 noreply\r\n",
    b"cache_memlimit 100\r\ncache_memlimit 1 noreply\r\ncache_memlimit x\r\n",
    b"shutdown invalid\r\nwatch\r\nwatch fetchers mutations\r\nrefresh_certs\r\n",
    b"get " + b"a " * 1200 + b"\r\n",
    b"x" * 2100,
    b"set big 0 0 5000\r\n" + b"v" * 5000 + b"\r\nget big\r\n",
    b"set k 0 0 1\r",
    b"set k\x000 0 1\r\nx\r\nget a\x00b\r\n",
]

META = [
    b"mn\r\n",
    b"ms foo 2\r\nhi\r\nmg foo v\r\n",
    b"ms foo 2 T90 F5 I\r\nhi\r\nmg foo s v t f c k O123 q\r\nmn\r\n",
    b"mg foo v h l t\r\nmg foo u\r\n",
    b"mg missing v q\r\nmg missing k O1 q\r\nmn\r\n",
    b"mg foo N30 v c\r\nmg foo R30 v c\r\nmg foo v c\r\n",
    b"ms foo 3 MA\r\nabc\r\nms foo 3 MP\r\nabc\r\nms foo 3 MR\r\nabc\r\nms foo 3 ME\r\nabc\r\nms foo 3 MS\r\nabc\r\n",
    b"ms foo 1 C12345\r\nx\r\nms foo 1 E999\r\nx\r\nmg foo c\r\n",
    b"ms foo 1 MZ\r\nx\r\nms foo 1 T1 T2\r\nx\r\n",
    b"md foo\r\nmd foo q\r\nmd foo I T30\r\nmd foo C1\r\nmd foo x F3\r\n",
    b"ma cnt\r\nma cnt N0 J10 v\r\nma cnt MD D3 v\r\nma cnt M+ D18446744073709551615 v\r\nma cnt MZ\r\n",
    b"ms Zm9v 2 b\r\nhi\r\nmg Zm9v b v k\r\nmd Zm9v b\r\n",
    b"mg !!!! b\r\nmg ==== b\r\nmg Zg== b v\r\n",
    b"me foo\r\nme Zm9v b\r\n",
    b"mg foo O" + b"9" * 40 + b"\r\n",
    b"mg foo " + b" ".join(bytes([c]) for c in b"abcdefghijklmnopqrst") + b"\r\n",
    b"ms foo 2 a b c d e f g h i j k l m n o p q r s\r\nhi\r\n",
    b"ms foo\r\nms foo x\r\nms foo -1\r\nms foo 2147483646\r\n",
    b"ms " + b"k" * 251 + b" 1\r\nx\r\nmg " + b"k" * 250 + b" v\r\n",
    b"mg\r\nmd\r\nma\r\n",
    b"mg foo v\nms foo 1\nx\nmn\n",
    b"mg foo k v q\r\nmg bar k v q\r\nmg baz k v q\r\nmn\r\n",
    b"ms big 5000 T0\r\n" + b"v" * 5000 + b"\r\nmg big v s\r\n",
    b"mg foo v",
    b"ms foo 2 q\r\nhi\r\nmd foo q\r\nma foo q\r\nmn\r\n",
    b"mgfoo\r\nmz foo\r\nmg\tfoo\r\n",
]


def binary(opcode, key=b"", extras=b"", value=b"", opaque=0, cas=0, body=None,
           magic=0x80, vbucket=0):
    """One binary request; `body` overrides the body length."""
    length = len(extras) + len(key) + len(value) if body is None else body
    header = struct.pack(">BBHBBHIIQ", magic, opcode, len(key), len(extras), 0,
                         vbucket, length, opaque, cas)
    return header + extras + key + value


def store_extras(flags=0, exptime=0):
    return struct.pack(">II", flags, exptime)


def arith_extras(delta=1, initial=0, exptime=0):
    return struct.pack(">QQI", delta, initial, exptime)


BINARY = [
    binary(0x0a),
    binary(0x01, b"foo", store_extras(5, 0), b"bar") + binary(0x00, b"foo"),
    binary(0x01, b"foo", store_extras(), b"bar") + binary(0x0c, b"foo") + binary(0x0d, b"nope") + binary(0x0a),
    binary(0x02, b"foo", store_extras(), b"x") + binary(0x03, b"foo", store_extras(), b"y"),
    binary(0x0e, b"foo", value=b"tail") + binary(0x0f, b"foo", value=b"head") + binary(0x00, b"foo"),
    binary(0x11, b"q", store_extras(), b"v") + binary(0x12, b"q", store_extras(), b"v") + binary(0x0a),
    binary(0x04, b"foo") + binary(0x14, b"foo") + binary(0x0a),
    binary(0x05, b"n", arith_extras(5, 10)) + binary(0x06, b"n", arith_extras(100, 0)),
    binary(0x15, b"n", arith_extras(1, 0, 0xffffffff)) + binary(0x16, b"n", arith_extras()) + binary(0x0a),
    binary(0x08) + binary(0x08, extras=struct.pack(">I", 10)) + binary(0x18),
    binary(0x0b) + binary(0x10) + binary(0x10, b"settings") + binary(0x10, b"items"),
    binary(0x1c, b"foo", struct.pack(">I", 10)) + binary(0x1d, b"foo", struct.pack(">I", 10)),
    binary(0x1e, b"foo", struct.pack(">I", 0)) + binary(0x23, b"foo", struct.pack(">I", 0)) + binary(0x24, b"foo", struct.pack(">I", 0)),
    binary(0x01, b"cas", store_extras(), b"1", cas=12345) + binary(0x01, b"cas", store_extras(), b"2", cas=1),
    binary(0x1b, extras=struct.pack(">I", 1)),
    binary(0x20) + binary(0x21, b"PLAIN", value=b"\x00user\x00pass") + binary(0x22, b"PLAIN"),
    binary(0x50, b"k", value=b"junk") + binary(0x0a),
    binary(0x00, b"foo", body=2),
    binary(0x00, b"k" * 251),
    binary(0x0a, body=5) + b"abcde",
    binary(0x01, b"foo", store_extras(), b"bar", magic=0x81),
    binary(0x00, b"foo", opaque=0xdeadbeef) + binary(0x07),
    binary(0x17) + binary(0x0a),
    binary(0x01, b"big", store_extras(), b"v" * 5000) + binary(0x00, b"big"),
    binary(0x01, b"foo", store_extras(), b"bar")[:30],
    binary(0x01, b"huge", store_extras(), body=0x7fffffff),
    binary(0x10, b"k", struct.pack(">I", 0)),
]

# Session seeds: a mode byte, then the stream (see fuzz_session.cc).
SESSION = []
for i, stream in enumerate(TEXT[:24] + META[:14]):
    SESSION.append(bytes([(0, 1, 7, 0x80, 0x40, 3 | 0x80, 0x0f)[i % 7]]) + stream)
for i, stream in enumerate(BINARY[:16]):
    SESSION.append(bytes([(0, 5, 0x80 | 10)[i % 3]]) + stream)
SESSION += [
    bytes([0x40]) + b"set big 0 0 20000\r\n" + b"v" * 20000 + b"\r\n" + b"get big big big big\r\n",
    bytes([0]) + b"set a 0 0 1\r\nx\r\nlru_crawler metadump all\r\nget a\r\n",
    bytes([0x40]) + b"".join(b"set k%d 0 0 100\r\n%s\r\n" % (i, b"x" * 100) for i in range(40))
    + b"lru_crawler metadump all\r\nstats cachedump 1 0\r\n",
    bytes([0]) + b"set a 0 0 1\r\nx\r\ndebugtime 10\r\nmg a v t\r\nms a 1 T1\r\ny\r\ndebugtime 5\r\nget a\r\n",
    bytes([0]) + b"set a 0 0 5000\r\n" + b"a" * 5000 + b"\r\nappend a 0 0 3000\r\n" + b"b" * 3000
    + b"\r\nprepend a 0 0 10\r\n" + b"c" * 10 + b"\r\nget a\r\n",
    bytes([2]) + b"set k 0 0 3\r\nabc\r\nget k\r\n",
    bytes([0]) + b"get a\r\nquit\r\nget b\r\n",
    bytes([0]) + b"shutdown\r\n",
    bytes([0]) + b"cache_memlimit 1\r\nset k 0 0 3\r\nabc\r\n",
    bytes([0]) + b"set k 0 0 2000000\r\n" + b"x" * 100,
    # -Y: authenticate first (a wrong token, then the right one).
    bytes([0x10]) + b"set auth 0 0 9\r\nfuzz nope\r\nset auth 0 0 9\r\nfuzz fuzz\r\nset a 0 0 1\r\nx\r\nget a\r\n",
    bytes([0x10]) + b"get a\r\n",
    bytes([0x10 | 4]) + binary(0x01, b"a", store_extras(), b"x"),
    # The crawler runs: metadump streams, back-pressured.
    bytes([0x20]) + b"set a 0 0 1\r\nx\r\nms b 2 T100\r\nhi\r\nlru_crawler metadump all\r\nget a\r\n",
    bytes([0x20 | 0x40]) + b"".join(b"set key%d 0 0 10\r\n0123456789\r\n" % i for i in range(300))
    + b"lru_crawler metadump all\r\nlru_crawler metadump 1\r\nlru_crawler crawl all\r\nversion\r\n",
    bytes([0x20]) + b"lru_crawler metadump hash\r\nlru_crawler mgdump all\r\nlru_crawler metadump 1,2\r\n",
]


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        if name.startswith("seed-"):
            os.remove(os.path.join(d, name))
    for i, data in enumerate(seeds):
        with open(os.path.join(d, "seed-%03d" % i), "wb") as f:
            f.write(data)


def main():
    write("text", TEXT)
    write("meta", META + TEXT[:4])
    write("binary", BINARY)
    write("session", SESSION)
    return 0


if __name__ == "__main__":
    sys.exit(main())
