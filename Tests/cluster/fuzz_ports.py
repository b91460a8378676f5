"""Sends seeded garbage to a running node's peer and admin ports (and its Kafka port when
given): random bytes, peer frames with a valid magic but absurd, truncated or corrupt contents,
oversized lengths, malformed HTTP, and Kafka requests with unknown APIs or versions, bad
lengths and mutated bodies. Used by Tests/cluster/faults and Tests/cluster/kafka, which then
check that the node still serves.

    python3 fuzz_ports.py HOST PEER_PORT ADMIN_PORT SEED CONNECTIONS [KAFKA_PORT]
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


def kafka_request(api_key, version, body, correlation=7):
    header = struct.pack(">hhi", api_key, version, correlation) + struct.pack(">h", 4) + b"fuzz"
    frame = header + body
    return struct.pack(">i", len(frame)) + frame


def kafka_payloads(rng):
    noise = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300)))
    yield noise
    yield struct.pack(">i", 0x7FFFFFF0) + noise
    yield struct.pack(">i", -5) + noise
    yield kafka_request(999, 0, noise)
    yield kafka_request(18, 99, b"")
    yield kafka_request(0, 9, noise)  # Produce v9 (flexible) with a random body
    yield kafka_request(1, 11, noise[:7])  # Fetch v11 cut short
    yield kafka_request(3, 1, struct.pack(">i", 0x7FFFFFFF))  # Metadata: an absurd topic count
    valid = kafka_request(3, 1, struct.pack(">i", 1) + struct.pack(">h", 3) + b"abc")
    mutated = bytearray(valid)
    for _ in range(3):
        mutated[rng.randrange(4, len(mutated))] = rng.getrandbits(8)
    yield bytes(mutated)


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
    kafka_port = int(sys.argv[6]) if len(sys.argv) > 6 else None
    rng = random.Random(seed)
    sent = 0
    for _ in range(count):
        for payload in peer_payloads(rng):
            send(host, peer_port, payload)
            sent += 1
        for payload in admin_payloads(rng):
            send(host, admin_port, payload)
            sent += 1
        for payload in kafka_payloads(rng) if kafka_port else []:
            send(host, kafka_port, payload)
            sent += 1
    print(f"sent {sent} malformed inputs (seed {seed})")


if __name__ == "__main__":
    main()
