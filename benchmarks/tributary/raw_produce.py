#!/usr/bin/env python3
"""Produces to one partition's leader over one blocking socket, one request of one record at a
time, with no client library, and prints one raw result (benchmarks/lib/results.py's shape).

    raw_produce.py --leader HOST:PORT --topic T --acks all|1 --record-size 1024
                   --duration-s 5 --warmup-s 1

What it measures is the server's latency with as little client as there can be: the request is
encoded once (Produce v3, one record batch of one record, no producer id) and sent again and
again; the script then blocks in recv() until the answer is whole. `tributary perf` measures
through the Swift client, whose task and thread handoffs cost their own share; the two side by
side say how much of a one-record-at-a-time latency is the client's.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import socket
import struct
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "lib"))
import results  # noqa: E402  (benchmarks/lib/results.py)

PRODUCE_API_KEY, PRODUCE_VERSION = 0, 3


def crc32c(data: bytes) -> int:
    """CRC32C (Castagnoli), bit by bit: the batch is encoded once, so speed does not matter."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def varint(value: int) -> bytes:
    """A zigzag varint, as record fields are encoded."""
    value = (value << 1) ^ (value >> 63)
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def record_batch(value: bytes) -> bytes:
    """A v2 record batch of one record with no key, no headers and no producer id."""
    body = b"\x00" + varint(0) + varint(0) + varint(-1) + varint(len(value)) + value + varint(0)
    now_ms = int(time.time() * 1000)
    # attributes, last offset delta, first and max timestamp, producer id, epoch, base sequence, count
    checked = struct.pack(">hiqqqhii", 0, 0, now_ms, now_ms, -1, -1, -1, 1) + varint(len(body)) + body
    after_length = struct.pack(">ibI", 0, 2, crc32c(checked)) + checked  # leader epoch, magic, CRC
    return struct.pack(">qi", 0, len(after_length)) + after_length


def produce_request(correlation_id: int, topic: str, acks: int, batch: bytes) -> bytes:
    """A whole Produce v3 frame (size prefix included) for partition 0 of `topic`."""
    name = topic.encode()
    header = struct.pack(">hhih", PRODUCE_API_KEY, PRODUCE_VERSION, correlation_id, 3) + b"raw"
    body = (struct.pack(">hhii", -1, acks, 30_000, 1) + struct.pack(">h", len(name)) + name
            + struct.pack(">iii", 1, 0, len(batch)) + batch)
    return struct.pack(">i", len(header) + len(body)) + header + body


def read_exactly(connection: socket.socket, count: int) -> bytes:
    data = bytearray()
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            raise ConnectionError("the broker closed the connection")
        data += chunk
    return bytes(data)


def error_code(response: bytes, correlation_id: int) -> int:
    """The partition's error code in a Produce v3 response (one topic, one partition)."""
    (answered,) = struct.unpack_from(">i", response, 0)
    if answered != correlation_id:
        raise ConnectionError(f"answer to request {answered} where {correlation_id} was expected")
    (name_length,) = struct.unpack_from(">h", response, 8)  # after the correlation id and topic count
    (code,) = struct.unpack_from(">h", response, 10 + name_length + 8)  # after partition count and index
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leader", required=True, help="HOST:PORT of partition 0's leader")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--acks", choices=("all", "1"), default="all")
    parser.add_argument("--record-size", type=int, default=1024)
    parser.add_argument("--duration-s", type=float, default=5)
    parser.add_argument("--warmup-s", type=float, default=1)
    args = parser.parse_args()
    host, _, port = args.leader.rpartition(":")
    if not host or not port.isdigit() or args.record_size < 1 or args.duration_s <= 0 or args.warmup_s < 0:
        parser.error("--leader is HOST:PORT, --record-size must be positive, --duration-s > 0, --warmup-s >= 0")

    batch = record_batch(b"x" * args.record_size)
    acks = -1 if args.acks == "all" else 1
    connection = socket.create_connection((host, int(port)), timeout=30)
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    window_start = time.monotonic() + args.warmup_s
    window_end = window_start + args.duration_s
    latencies_us: list[int] = []
    errors, first_error, correlation_id = 0, None, 0
    while (sent_at := time.monotonic()) < window_end:
        correlation_id += 1
        connection.sendall(produce_request(correlation_id, args.topic, acks, batch))
        (size,) = struct.unpack(">i", read_exactly(connection, 4))
        code = error_code(read_exactly(connection, size), correlation_id)
        if sent_at < window_start:
            continue
        if code != 0:
            errors += 1
            hint = " (NOT_LEADER_OR_FOLLOWER: --leader does not lead partition 0)" if code == 6 else ""
            first_error = first_error or f"Produce error code {code}{hint}"
        else:
            latencies_us.append(int((time.monotonic() - sent_at) * 1e6))
    if not latencies_us:
        print(f"raw_produce.py: no record was acknowledged in the window (first error: {first_error})", file=sys.stderr)
        return 1
    print(json.dumps(results.from_latencies(latencies_us, errors, args.duration_s, args.record_size, 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
