#!/usr/bin/env python3
"""Creates the benchmark's JetStream stream and prints the name of its leader.

Speaks the NATS text protocol over a plain socket (the JetStream API is request/reply
on $JS.API.* subjects), so no client library is needed. Retries until the cluster has
elected a meta leader and the stream has a leader, or the deadline passes.
"""
from __future__ import annotations

import argparse
import json
import socket
import sys
import time

INBOX = "_INBOX.setup"


class Nats:
    """Just enough of a NATS connection for request/reply."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buffer = b""
        if not self._line().startswith(b"INFO"):
            raise RuntimeError("the server did not start with INFO")
        self.sock.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":false}\r\n'
                          + f"SUB {INBOX} 1\r\n".encode())

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("the server closed the connection")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def _read(self, count: int) -> bytes:
        while len(self.buffer) < count + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("the server closed the connection")
            self.buffer += chunk
        payload, self.buffer = self.buffer[:count], self.buffer[count + 2:]
        return payload

    def request(self, subject: str, payload: dict, timeout_s: float) -> dict | None:
        """Sends a request; returns the decoded reply, or None if none came in time."""
        body = json.dumps(payload).encode()
        self.sock.sendall(f"PUB {subject} {INBOX} {len(body)}\r\n".encode() + body + b"\r\n")
        self.sock.settimeout(timeout_s)
        try:
            while True:
                line = self._line()
                if line.startswith(b"PING"):
                    self.sock.sendall(b"PONG\r\n")
                elif line.startswith(b"-ERR"):
                    raise RuntimeError(line.decode(errors="replace"))
                elif line.startswith(b"MSG "):
                    return json.loads(self._read(int(line.split()[-1])))
        except socket.timeout:
            return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="client port of any server")
    parser.add_argument("--stream", default="BENCH")
    parser.add_argument("--subjects", default="bench.>")
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--max-bytes", type=int, default=1 << 30, help="stream size bound (old data discarded)")
    parser.add_argument("--deadline-s", type=float, default=60)
    args = parser.parse_args()
    config = {"name": args.stream, "subjects": [args.subjects], "storage": "file", "num_replicas": args.replicas,
              "retention": "limits", "discard": "old", "max_bytes": args.max_bytes}
    deadline = time.monotonic() + args.deadline_s
    nats = Nats(args.port)
    created = False
    while time.monotonic() < deadline:
        if not created:
            reply = nats.request(f"$JS.API.STREAM.CREATE.{args.stream}", config, 2)
            created = reply is not None and "error" not in reply
        if created:
            info = nats.request(f"$JS.API.STREAM.INFO.{args.stream}", {}, 2) or {}
            cluster = info.get("cluster", {})
            replicas = cluster.get("replicas", [])
            if cluster.get("leader") and len(replicas) == args.replicas - 1 and all(r.get("current") for r in replicas):
                print(cluster["leader"])
                return 0
        time.sleep(0.2)
    print(f"error: stream {args.stream} has no leader with current replicas after {args.deadline_s} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
