#!/usr/bin/env python3
"""Drives a server with the unmodified pymemcache client (Debian's
python3-pymemcache) and prints one "NAME: PASS" or "NAME: FAIL detail" line
per check; clients.t turns each line into a test. Exit status 1 on any FAIL.

Usage: pymemcache_client.py PORT
"""
import sys

from pymemcache.client.base import Client


def main():
    port = int(sys.argv[1])
    client = Client(("127.0.0.1", port), connect_timeout=5, timeout=5)
    failed = False

    def check(name, got, want):
        nonlocal failed
        if got == want:
            print(f"{name}: PASS")
        else:
            failed = True
            print(f"{name}: FAIL got {got!r}, want {want!r}")

    check("set", client.set("py_a", b"alpha", noreply=False), True)
    check("get", client.get("py_a"), b"alpha")
    check("get_miss", client.get("py_nothing"), None)
    client.set("py_b", b"\x00\r\nbeta\xff", noreply=False)
    check("get_many", client.get_many(["py_a", "py_b", "py_nothing"]),
          {"py_a": b"alpha", "py_b": b"\x00\r\nbeta\xff"})
    check("set_noreply", client.set("py_c", b"1"), True)
    check("incr", client.incr("py_c", 41), 42)
    check("decr", client.decr("py_c", 50), 0)
    check("incr_miss", client.incr("py_nothing", 1), None)
    value, cas = client.gets("py_a")
    check("gets", value, b"alpha")
    check("cas_ok", client.cas("py_a", b"alpha2", cas), True)
    check("cas_stale", client.cas("py_a", b"alpha3", cas), False)
    check("cas_value", client.get("py_a"), b"alpha2")
    check("add_existing", client.add("py_a", b"x", noreply=False), False)
    check("append", client.append("py_a", b"!", noreply=False), True)
    check("get_appended", client.get("py_a"), b"alpha2!")
    check("touch", client.touch("py_a", 100, noreply=False), True)
    check("delete", client.delete("py_a", noreply=False), True)
    check("delete_miss", client.delete("py_a", noreply=False), False)
    check("get_deleted", client.get("py_a"), None)
    big = bytes(range(256)) * 4000
    client.set("py_big", big, noreply=False)
    check("big_value", client.get("py_big"), big)
    version = client.version()
    check("version", bool(version), True)
    stats = client.stats()
    check("stats_cmd_get", stats.get(b"cmd_get", 0) >= 8, True)
    client.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
