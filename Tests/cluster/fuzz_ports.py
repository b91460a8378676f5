"""Sends seeded garbage to a running node's peer and admin ports: random bytes, peer frames
with a valid magic but absurd, truncated or corrupt contents, oversized lengths, and malformed
HTTP. Used by Tests/cluster/faults, which then checks that the node still serves.

    python3 fuzz_ports.py HOST PEER_PORT ADMIN_PORT SEED CONNECTIONS
"""
import random
import socket
import struct
import sys


def peer_payloads(rng):
    magic = b"TRBP"
    yield bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300)))
    yield magic + bytes([1, 0, 0, 0]) + struct.pack(">I", 0xFFFFFFF0) + b"\x00" * 4
    yield magic + bytes([1, 1, 0, 0]) + struct.pack(">I", 64) + b"\x00" * 4 + b"short"
    body = bytes(rng.getrandbits(8) for _ in range(32))
    yield magic + bytes([1, 1, 0, 0]) + struct.pack(">I", len(body)) + b"\xde\xad\xbe\xef" + body
    yield magic + bytes([rng.randint(2, 255), 0, 0, 0]) + struct.pack(">I", 8) + b"\x00" * 12


def admin_payloads(rng):
    yield bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300)))
    yield b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\n\r\n"
    yield b"POST /health HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
    yield b"GET /health HTTP/1.1\r\n" + b"X: " + b"y" * 70_000 + b"\r\n\r\n"
    yield b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
    yield b"\r\n\r\n\r\n"


def send(host, port, payload):
    try:
        with socket.create_connection((host, port), timeout=2) as connection:
            connection.sendall(payload)
            connection.shutdown(socket.SHUT_WR)
            connection.settimeout(2)
            while connection.recv(65536):
                pass
    except OSError:
        pass  # the node closing on us is the expected answer


def main():
    host, peer_port, admin_port, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    rng = random.Random(seed)
    sent = 0
    for _ in range(count):
        for payload in peer_payloads(rng):
            send(host, peer_port, payload)
            sent += 1
        for payload in admin_payloads(rng):
            send(host, admin_port, payload)
            sent += 1
    print(f"sent {sent} malformed inputs (seed {seed})")


if __name__ == "__main__":
    main()
