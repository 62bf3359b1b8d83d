"""What the memory benchmark (contrib/membench), the throughput benchmark
(contrib/bench) and the soak run (contrib/soak) share: free loopback ports,
RSS from /proc, children that die with their parent, the binaries'
versions, the git commit measured, the CPU model, and their right-aligned
tables."""
import ctypes
import platform
import signal
import socket
import subprocess


def free_port():
    """A TCP port on 127.0.0.1 that nobody listened on a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    """VmRSS of PID in KiB, or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def die_with_parent():
    """preexec_fn: the child gets SIGKILL when its parent ends, even by
    SIGKILL (PR_SET_PDEATHSIG). A later change of user (-u nobody) clears
    it, so such servers must run as -u root to keep it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # best effort: callers still stop their servers in finally blocks


def version_of(binary):
    """First line of `BINARY -V`, or a note that it failed."""
    try:
        out = subprocess.run([binary, "-V"], capture_output=True, text=True, timeout=10)
        text = (out.stdout or out.stderr).strip().splitlines()
        return text[0] if text else f"(no output, status {out.returncode})"
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"(failed: {e})"


def _git(source_dir, *argv):
    try:
        out = subprocess.run(["git", "-C", source_dir] + list(argv),
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def commit_of(source_dir):
    """Short HEAD commit, with "+changes" when tracked files differ from it.

    Uses read-only plumbing (diff-index does not refresh the index)."""
    head = _git(source_dir, "rev-parse", "--short", "HEAD")
    if head is None:
        return "unknown (not a git checkout)"
    try:
        dirty = subprocess.run(["git", "-C", source_dir, "diff-index", "--quiet", "HEAD", "--"],
                               capture_output=True, timeout=10).returncode == 1
    except (OSError, subprocess.TimeoutExpired):
        dirty = False
    return head + ("+changes" if dirty else "")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_table(header, rows):
    """Rows under a header, each column right-aligned to its widest cell."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    for r in [header] + rows:
        print("  " + "  ".join(str(c).rjust(w) for c, w in zip(r, widths)))
