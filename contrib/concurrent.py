#!/usr/bin/env python3
"""Concurrent set/get stress test for a memcached-compatible server.

Each of THREADS threads opens its own connection and does REQUESTS
iterations of: set a key to a random value (1 byte to ~10 KB, printable or
binary, random flags), get it back, and compare flags and bytes exactly.
Prints totals; exits 1 on any mismatch or error (including running out of
time), 0 otherwise. Python 3 standard library only.

Usage: concurrent.py [--host 127.0.0.1] [--port 11211] [--timeout 60]
                     [--keys K] [--seed S] [--prefix P] THREADS REQUESTS
"""
import argparse
import random
import socket
import sys
import threading
import time

MAX_VALUE = 10 * 1024


class ProtocolError(Exception):
    """The server's reply was not what the protocol allows here."""


class Connection:
    """A socket with a read buffer and a hard deadline on every read."""

    def __init__(self, host, port, deadline):
        self.deadline = deadline
        self.sock = socket.create_connection((host, port), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def _fill(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        self.sock.settimeout(min(left, 5))
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ProtocolError("connection closed by server")
        self.buf += chunk

    def send(self, data):
        self.sock.settimeout(max(0.1, min(self.deadline - time.monotonic(), 5)))
        self.sock.sendall(data)

    def read_line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def close(self):
        self.sock.close()


def random_value(rng):
    size = rng.randint(1, MAX_VALUE)
    if rng.random() < 0.5:
        return bytes(rng.randrange(32, 127) for _ in range(size))
    return rng.randbytes(size)


def worker(tid, args, deadline, results):
    rng = random.Random(args.seed * 1000003 + tid)
    ops = errors = mismatches = 0
    conn = None
    try:
        conn = Connection(args.host, args.port, deadline)
        for i in range(args.requests):
            slot = i % args.keys if args.keys > 0 else i
            key = f"{args.prefix}:{tid}:{slot}".encode()
            value = random_value(rng)
            flags = rng.randrange(0, 2**32)
            conn.send(b"set %s %d 0 %d\r\n%s\r\n" % (key, flags, len(value), value))
            reply = conn.read_line()
            ops += 1
            if reply != b"STORED":
                raise ProtocolError(f"set {key!r}: {reply[:80]!r}")
            conn.send(b"get %s\r\n" % key)
            header = conn.read_line()
            ops += 1
            parts = header.split(b" ")
            if len(parts) != 4 or parts[0] != b"VALUE" or parts[1] != key:
                mismatches += 1
                raise ProtocolError(f"get {key!r}: {header[:80]!r}")
            data = conn.read_exact(int(parts[3]) + 2)
            end = conn.read_line()
            if data[-2:] != b"\r\n" or end != b"END":
                raise ProtocolError(f"get {key!r}: bad framing")
            if int(parts[2]) != flags or data[:-2] != value:
                mismatches += 1
    except (OSError, ProtocolError, ValueError) as e:
        errors += 1
        print(f"thread {tid}: {type(e).__name__}: {e}", file=sys.stderr)
    finally:
        if conn:
            conn.close()
    results[tid] = (ops, errors, mismatches)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=11211)
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds for the whole run (default 60)")
    parser.add_argument("--keys", type=int, default=0,
                        help="keys per thread (0: a new key every iteration)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--prefix", default="stress",
                        help="key prefix; keys are PREFIX:THREAD:N")
    parser.add_argument("threads", type=int)
    parser.add_argument("requests", type=int)
    args = parser.parse_args()
    if args.threads < 1 or args.requests < 1:
        parser.error("THREADS and REQUESTS must be positive")

    start = time.monotonic()
    deadline = start + args.timeout
    results = [(0, 1, 0)] * args.threads  # a thread that never reports failed
    threads = [threading.Thread(target=worker, args=(t, args, deadline, results),
                                daemon=True) for t in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 1)
    elapsed = time.monotonic() - start
    ops = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    mismatches = sum(r[2] for r in results)
    print(f"threads: {args.threads}  requests: {args.requests}")
    print(f"ops: {ops}  elapsed: {elapsed:.2f} s  ops/s: {ops / max(elapsed, 1e-9):.0f}")
    print(f"errors: {errors}  mismatches: {mismatches}")
    return 1 if errors or mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
