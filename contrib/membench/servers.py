"""Server processes for membench: start on a free loopback port, read RSS and
stats, stop for sure.

A Server is started with the same flags for memcd and memcached; each owns a
control connection, opened before any measurement so that its buffers are in
the baseline. Children get SIGKILL if this script dies (PR_SET_PDEATHSIG),
which is why they run with `-u root` when we are root: a credential change
(as `-u nobody` makes) clears that setting.
"""
import os
import subprocess
import time

from benchcommon import die_with_parent, free_port, rss_kib
from client import Connection, ProtocolError


class ServerError(Exception):
    """A server would not start, died, or answered nonsense."""


class Server:
    """One server process. `name` is "memcd" or "memcached"."""

    def __init__(self, name, binary, flags, log_dir):
        self.name = name
        self.binary = binary
        self.flags = list(flags)
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self.proc = None
        self.port = None
        self.control = None

    def argv(self):
        user = ["-u", "root"] if os.geteuid() == 0 else []
        return ([self.binary, "-p", str(self.port), "-U", "0",
                 "-l", "127.0.0.1"] + user + self.flags)

    def start(self, timeout=15.0):
        """Starts the server and waits until it answers `version`."""
        for _ in range(3):  # a free port may be taken between probe and bind
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                log.write(("+ " + " ".join(self.argv()) + "\n").encode())
                log.flush()
                self.proc = subprocess.Popen(
                    self.argv(), stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
            if self._wait_ready(timeout):
                return
            self.stop()
        raise ServerError(f"{self.name} did not start; log:\n{self.log_tail()}")

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                conn = Connection(self.port, deadline)
            except OSError:
                time.sleep(0.05)
                continue
            try:
                conn.send(b"version\r\n")
                if not conn.read_line().startswith(b"VERSION "):
                    raise ServerError(f"{self.name}: bad reply to version")
            except (OSError, ProtocolError):
                conn.close()
                return False
            self.control = conn
            return True
        return False

    def check_alive(self):
        if self.proc is None or self.proc.poll() is not None:
            code = None if self.proc is None else self.proc.returncode
            raise ServerError(f"{self.name} exited (status {code}); log:\n"
                              f"{self.log_tail()}")

    def connect(self, seconds=60.0):
        """A new client connection whose reads give up after SECONDS."""
        self.check_alive()
        return Connection(self.port, time.monotonic() + seconds)

    def rss_kib(self):
        self.check_alive()
        value = rss_kib(self.proc.pid)
        if value is None:
            raise ServerError(f"{self.name}: cannot read /proc/{self.proc.pid}")
        return value

    def stats(self, group=b"", seconds=30.0):
        """`stats GROUP` as {name: value-string}, over the control connection."""
        self.check_alive()
        self.control.deadline = time.monotonic() + seconds
        self.control.send(b"stats " + group + b"\r\n" if group else b"stats\r\n")
        result = {}
        while True:
            line = self.control.read_line()
            if line == b"END":
                return result
            parts = line.split(b" ", 2)
            if len(parts) != 3 or parts[0] != b"STAT":
                raise ServerError(f"{self.name}: bad stats line {line[:80]!r}")
            result[parts[1].decode()] = parts[2].decode()

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self):
        """SIGTERM, then SIGKILL after 5 s. Safe to call twice."""
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


class ServerPair:
    """memcd and memcached with identical flags; stops both on exit."""

    def __init__(self, memcd, memcached, flags, log_dir):
        self.servers = [Server("memcd", memcd, flags, log_dir),
                        Server("memcached", memcached, flags, log_dir)]

    def __enter__(self):
        try:
            for s in self.servers:
                s.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self.servers

    def __exit__(self, *exc):
        for s in self.servers:
            s.stop()
        return False
