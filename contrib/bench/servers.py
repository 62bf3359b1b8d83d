"""Server processes for the throughput benchmark: start on a free loopback
port (optionally pinned to CPUs with taskset), read CPU time and RSS from
/proc, stop for sure.

Both servers get identical flags; as root both also get `-u nobody` (memcached
refuses root without -u). Changing user clears the parent-death signal, so a
SIGKILLed driver can leave servers behind: bench.py stops them on every exit
it can see (normal, error, SIGINT, SIGTERM, its time limit).
"""
import os
import socket
import subprocess
import time

from benchcommon import free_port

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ServerError(Exception):
    """A server would not start, died, or answered nonsense."""


def cpu_seconds(pid):
    """utime + stime of every thread of PID, in seconds (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise ServerError(f"no VmRSS in /proc/{pid}/status")


class Server:
    """One server process. `name` labels it in the report (memcd, memcached,
    memcd-a, memcd-b); `cpus` is a taskset CPU list or None."""

    def __init__(self, name, binary, flags, cpus, log_dir):
        self.name = name
        self.binary = binary
        self.flags = list(flags)
        self.cpus = cpus
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self.proc = None
        self.port = None

    def argv(self):
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        pin = ["taskset", "-c", self.cpus] if self.cpus else []
        return pin + [self.binary, "-p", str(self.port), "-U", "0",
                      "-l", "127.0.0.1"] + user + self.flags

    def start(self, timeout=15.0):
        """Starts the server and waits until it answers `version`."""
        for _ in range(3):  # a free port may be taken between probe and bind
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                log.write(("+ " + " ".join(self.argv()) + "\n").encode())
                log.flush()
                self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                             stdout=log, stderr=subprocess.STDOUT)
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
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    s.sendall(b"version\r\n")
                    reply = b""
                    while not reply.endswith(b"\r\n") and len(reply) < 200:
                        chunk = s.recv(200)
                        if not chunk:
                            break
                        reply += chunk
                    return reply.startswith(b"VERSION ")
            except OSError:
                time.sleep(0.05)
        return False

    def check_alive(self):
        if self.proc is None or self.proc.poll() is not None:
            code = None if self.proc is None else self.proc.returncode
            raise ServerError(f"{self.name} exited (status {code}); log:\n{self.log_tail()}")

    def cpu_seconds(self):
        self.check_alive()
        return cpu_seconds(self.proc.pid)

    def rss_kib(self):
        self.check_alive()
        return rss_kib(self.proc.pid)

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self):
        """SIGTERM, then SIGKILL after 5 s. Safe to call twice."""
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
    """Two servers (A first); stops both on exit from the with-block."""

    def __init__(self, a, b):
        self.servers = [a, b]

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
