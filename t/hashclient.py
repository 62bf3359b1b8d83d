#!/usr/bin/env python3
"""Shards keys over memcd nodes with pymemcache's HashClient (Debian's
python3-pymemcache; rendezvous hashing) for t/cluster.t.

Usage: hashclient.py COUNT PREFIX HOST:PORT...

Stores COUNT keys PREFIX0..PREFIX{COUNT-1}, each with the value "v-KEY",
reads them all back through the client, and prints one "KEY HOST:PORT" line
per key: the node the client's hasher picks. cluster.t then checks each key
is on exactly that node. Exit status 1 (with the reason on stderr) if a
store or read fails, 2 if pymemcache is missing.
"""
import sys

try:
    from pymemcache.client.hash import HashClient
except ImportError as e:
    sys.stderr.write(f"pymemcache is missing (apt-get install python3-pymemcache): {e}\n")
    sys.exit(2)


def main():
    count, prefix = int(sys.argv[1]), sys.argv[2]
    servers = []
    for spec in sys.argv[3:]:
        host, port = spec.rsplit(":", 1)
        servers.append((host, int(port)))
    # No retries or ignore_exc: a node that fails must fail the test.
    client = HashClient(servers, connect_timeout=5, timeout=5,
                        retry_attempts=0, ignore_exc=False)
    keys = [f"{prefix}{i}" for i in range(count)]
    values = {key: f"v-{key}".encode() for key in keys}
    failed = client.set_many(values, noreply=False)
    if failed:
        sys.stderr.write(f"set_many failed for {len(failed)} keys, e.g. {failed[:3]}\n")
        return 1
    got = client.get_many(keys)
    if got != values:
        bad = [key for key in keys if got.get(key) != values[key]]
        sys.stderr.write(f"get_many differs for {len(bad)} keys, e.g. {bad[:3]}\n")
        return 1
    for key in keys:
        print(f"{key} {client.hasher.get_node(key)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
