"""A minimal blocking text-protocol client for membench.

Every read honours the connection's deadline, so no measurement can hang.
Requests are pipelined by the callers: they send a batch, then read exactly
as many replies as they sent.
"""
import socket
import time


class ProtocolError(Exception):
    """The server's reply is not what the protocol allows here."""


class Connection:
    """A socket with a read buffer; reads fail once `deadline` has passed."""

    def __init__(self, port, deadline, host="127.0.0.1"):
        self.deadline = deadline
        self.sock = socket.create_connection((host, port), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0  # start of the unread part of buf

    def _timeout(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        return min(left, 10.0)

    def _fill(self):
        if self.pos:
            del self.buf[:self.pos]
            self.pos = 0
        self.sock.settimeout(self._timeout())
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ProtocolError("connection closed by server")
        self.buf += chunk

    def send(self, data):
        self.sock.settimeout(self._timeout())
        self.sock.sendall(data)

    def read_line(self):
        """The next line, without its \\r\\n."""
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return line
            self._fill()

    def read_exact(self, n):
        while len(self.buf) - self.pos < n:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        return data

    def read_store_replies(self, n):
        """Reads N one-line replies to storage commands; returns {line: count}.

        The common case (all STORED) is checked in one comparison, which is
        what makes loading a million items from Python quick enough.
        """
        want = b"STORED\r\n" * n
        while len(self.buf) - self.pos < len(want):
            if not self.buf.startswith(want[:len(self.buf) - self.pos], self.pos):
                break  # something other than STORED: count line by line
            self._fill()
        if self.buf.startswith(want, self.pos):
            self.pos += len(want)
            return {b"STORED": n}
        counts = {}
        for _ in range(n):
            line = self.read_line()
            counts[line] = counts.get(line, 0) + 1
        return counts

    def read_get_reply(self):
        """Reads one `get` reply for one key: the value bytes, or None on a miss."""
        line = self.read_line()
        if line == b"END":
            return None
        parts = line.split(b" ")
        if len(parts) != 4 or parts[0] != b"VALUE":
            raise ProtocolError(f"bad get reply {line[:80]!r}")
        data = self.read_exact(int(parts[3]) + 2)
        if data[-2:] != b"\r\n" or self.read_line() != b"END":
            raise ProtocolError("bad framing after a value")
        return data[:-2]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
