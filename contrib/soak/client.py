"""A blocking memcached client connection for the soak run: text, meta and
binary framing over one socket with a read buffer and a timeout on every
read (a server that stops answering is a failure, not a hang).

Nothing here knows the cache model; replies come back raw and the caller
(worker.py) judges them. Malformed framing raises ProtocolError.
"""
import socket
import struct

# Binary protocol opcodes and statuses (doc/protocol.md, memcached's
# protocol_binary.h).
OP_GET, OP_SET, OP_ADD, OP_REPLACE, OP_DELETE = 0x00, 0x01, 0x02, 0x03, 0x04
OP_INCR, OP_DECR, OP_QUIT, OP_FLUSH, OP_NOOP = 0x05, 0x06, 0x07, 0x08, 0x0A
OP_GETK, OP_GETKQ, OP_APPEND, OP_PREPEND = 0x0C, 0x0D, 0x0E, 0x0F
OP_TOUCH, OP_GAT = 0x1C, 0x1D
ST_OK, ST_ENOENT, ST_EEXISTS, ST_E2BIG = 0x00, 0x01, 0x02, 0x03
ST_NOT_STORED, ST_ENOMEM = 0x05, 0x82

_HEADER = struct.Struct(">BBHBBHIIQ")


class ProtocolError(Exception):
    """The reply's framing was not what the protocol allows here."""


class BinaryReply:
    __slots__ = ("opcode", "status", "extras", "key", "value", "cas", "opaque")

    def __init__(self, opcode, status, extras, key, value, cas, opaque):
        self.opcode, self.status, self.extras = opcode, status, extras
        self.key, self.value, self.cas, self.opaque = key, value, cas, opaque


def binary_request(opcode, key=b"", extras=b"", value=b"", cas=0, opaque=0):
    """One binary request packet."""
    body = len(extras) + len(key) + len(value)
    return _HEADER.pack(0x80, opcode, len(key), len(extras), 0, 0, body, opaque,
                        cas) + extras + key + value


class Connection:
    """One TCP connection to 127.0.0.1:PORT; reads time out after TIMEOUT s."""

    def __init__(self, port, timeout):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ProtocolError("connection closed by the server")
        self.buf += chunk

    def read_line(self, limit=8192):
        """One line without its \\r\\n."""
        start = 0
        while True:
            i = self.buf.find(b"\r\n", start)
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            if len(self.buf) > limit:
                raise ProtocolError(f"line longer than {limit} bytes: {bytes(self.buf[:80])!r}")
            start = max(0, len(self.buf) - 1)
            self._fill()

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def read_data(self, size):
        """A data block of SIZE bytes and its \\r\\n."""
        data = self.read_exact(size + 2)
        if data[-2:] != b"\r\n":
            raise ProtocolError(f"data block of {size} bytes not followed by \\r\\n")
        return data[:-2]

    def storage(self, line, value):
        """A storage command LINE (without \\r\\n) with its data block;
        returns the one-line reply."""
        self.send(b"%s\r\n%s\r\n" % (line, value))
        return self.read_line()

    def command(self, line):
        """Sends LINE (without \\r\\n) and returns the one-line reply."""
        self.send(line + b"\r\n")
        return self.read_line()

    def read_values(self, with_cas):
        """The VALUE blocks of a get/gets/gat reply up to END:
        {key: (flags, value, cas or None)}; a repeated key is a ProtocolError."""
        found = {}
        while True:
            line = self.read_line()
            if line == b"END":
                return found
            parts = line.split(b" ")
            if parts[0] != b"VALUE" or len(parts) != (5 if with_cas else 4):
                raise ProtocolError(f"expected VALUE or END, got {line[:100]!r}")
            try:
                flags, size = int(parts[2]), int(parts[3])
                cas = int(parts[4]) if with_cas else None
            except ValueError:
                raise ProtocolError(f"bad VALUE line {line[:100]!r}") from None
            if parts[1] in found:
                raise ProtocolError(f"key {parts[1]!r} returned twice")
            found[parts[1]] = (flags, self.read_data(size), cas)

    def read_meta(self):
        """A meta reply: (code, {flag letter: token}, data or None). `VA`
        carries its data block; a SERVER_ERROR comes back as its code with
        the whole line as data."""
        line = self.read_line()
        if line.startswith(b"SERVER_ERROR "):
            return b"SERVER_ERROR", {}, line
        parts = line.split(b" ")
        code = parts[0]
        if code not in (b"VA", b"HD", b"EN", b"NS", b"EX", b"NF", b"MN"):
            raise ProtocolError(f"not a meta reply: {line[:100]!r}")
        rest = parts[1:]
        data = None
        if code == b"VA":
            if not rest or not rest[0].isdigit():
                raise ProtocolError(f"VA without a size: {line[:100]!r}")
            data = self.read_data(int(rest[0]))
            rest = rest[1:]
        flags = {}
        for token in rest:
            if not token:
                raise ProtocolError(f"empty meta flag in {line[:100]!r}")
            flags[chr(token[0])] = token[1:]
        return code, flags, data

    def read_binary(self):
        head = self.read_exact(_HEADER.size)
        (magic, opcode, keylen, extlen, _dtype, status, body, opaque,
         cas) = _HEADER.unpack(head)
        if magic != 0x81:
            raise ProtocolError(f"binary reply with magic {magic:#x}")
        if keylen + extlen > body:
            raise ProtocolError("binary reply: key and extras longer than the body")
        payload = self.read_exact(body)
        return BinaryReply(opcode, status, payload[:extlen], payload[extlen:extlen + keylen],
                           payload[extlen + keylen:], cas, opaque)
