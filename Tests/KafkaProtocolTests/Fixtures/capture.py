#!/usr/bin/env python3
"""Captures the request frames real Kafka clients send, as byte-exact test fixtures.

    python3 Tests/KafkaProtocolTests/Fixtures/capture.py      # from the repository root

Needs kcat (apt: kcat 1.7.1, librdkafka 2.0.2) and, from PyPI, confluent-kafka==2.16.1 and
kafka-python==3.0.12. Runs a fake broker on 127.0.0.1 that answers ApiVersions (advertising
Tributary's version table, so clients pick the versions they will use against Tributary) and
Metadata (one broker, itself; one topic with one partition it leads). Every other request is
recorded and left unanswered; each scenario stops its client after a few seconds.

Each first frame per (client, API, version) is written next to this script as
<client>_<Api>_v<version>.hex: the frame body (header + request body, without the int32 size
prefix) in lower-case hex on one line. KafkaProtocolTests decodes every one of them.
The fixtures are committed; rerun this only to refresh them (e.g. for new client versions).
"""

import os
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOPIC = "capture-topic"
TOPIC_ID = bytes.fromhex("5a1e5c0ffee0400080001234567890ab")
NODE_ID = 1
CLIENT_SECONDS = 6

# Must match ApiKey.supportedVersions (Sources/KafkaCodegen/VersionCaps.swift).
SUPPORTED = {
    0: ("Produce", 0, 11), 1: ("Fetch", 0, 17), 2: ("ListOffsets", 0, 10), 3: ("Metadata", 0, 12),
    8: ("OffsetCommit", 0, 9), 9: ("OffsetFetch", 0, 9), 10: ("FindCoordinator", 0, 6),
    11: ("JoinGroup", 0, 9), 12: ("Heartbeat", 0, 4), 13: ("LeaveGroup", 0, 5), 14: ("SyncGroup", 0, 5),
    15: ("DescribeGroups", 0, 5), 16: ("ListGroups", 0, 5), 18: ("ApiVersions", 0, 4),
    19: ("CreateTopics", 0, 7), 20: ("DeleteTopics", 0, 6), 21: ("DeleteRecords", 0, 2),
    22: ("InitProducerId", 0, 5), 32: ("DescribeConfigs", 0, 4), 37: ("CreatePartitions", 0, 3),
    44: ("IncrementalAlterConfigs", 0, 1),
}
FLEXIBLE_FROM = {0: 9, 1: 12, 2: 6, 3: 9, 8: 8, 9: 6, 10: 3, 11: 6, 12: 4, 13: 4, 14: 4, 15: 5, 16: 3,
                 18: 3, 19: 5, 20: 4, 21: 2, 22: 2, 32: 4, 37: 2, 44: 1}


# --- encoding helpers: classic (int16/int32 lengths) or compact (unsigned varint + 1) ---

def uvarint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def string(s, flexible):
    if s is None:
        return uvarint(0) if flexible else struct.pack(">h", -1)
    data = s.encode()
    return (uvarint(len(data) + 1) if flexible else struct.pack(">h", len(data))) + data


def array(items, flexible):
    head = uvarint(len(items) + 1) if flexible else struct.pack(">i", len(items))
    return head + b"".join(items)


def tags(flexible):
    return uvarint(0) if flexible else b""


def api_versions_response(version):
    flexible = version >= 3
    keys = [struct.pack(">hhh", key, low, high) + tags(flexible) for key, (_, low, high) in sorted(SUPPORTED.items())]
    body = struct.pack(">h", 0) + array(keys, flexible)
    if version >= 1:
        body += struct.pack(">i", 0)
    return body + tags(flexible)  # ApiVersions responses always use response header v0


def metadata_response(version, port):
    flexible = version >= 9
    broker = struct.pack(">i", NODE_ID) + string("127.0.0.1", flexible) + struct.pack(">i", port)
    if version >= 1:
        broker += string(None, flexible)
    broker += tags(flexible)
    partition = struct.pack(">hii", 0, 0, NODE_ID)
    if version >= 7:
        partition += struct.pack(">i", 0)
    partition += array([struct.pack(">i", NODE_ID)], flexible) + array([struct.pack(">i", NODE_ID)], flexible)
    if version >= 5:
        partition += array([], flexible)
    partition += tags(flexible)
    topic = struct.pack(">h", 0) + string(TOPIC, flexible)
    if version >= 10:
        topic += TOPIC_ID
    if version >= 1:
        topic += b"\x00"
    topic += array([partition], flexible)
    if version >= 8:
        topic += struct.pack(">i", -2147483648)
    topic += tags(flexible)
    body = struct.pack(">i", 0) if version >= 3 else b""
    body += array([broker], flexible)
    if version >= 2:
        body += string("capture-cluster", flexible)
    if version >= 1:
        body += struct.pack(">i", NODE_ID)
    body += array([topic], flexible)
    if 8 <= version <= 10:
        body += struct.pack(">i", -2147483648)
    header = struct.pack(">i", 0)  # correlation id patched by the caller
    return header, body + tags(flexible)


def find_coordinator_response(version, port):
    """This server coordinates every group, so clients go on to JoinGroup."""
    flexible = version >= 3
    node = struct.pack(">i", NODE_ID) + string("127.0.0.1", flexible) + struct.pack(">i", port)
    if version == 0:
        return struct.pack(">h", 0) + node
    if version <= 3:
        return struct.pack(">ih", 0, 0) + string(None, flexible) + node + tags(flexible)
    coordinator = string("capture-group", True) + node + struct.pack(">h", 0) + string(None, True) + tags(True)
    return struct.pack(">i", 0) + array([coordinator], True) + tags(True)


class CaptureServer:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.client = None
        self.frames = {}
        self.lock = threading.Lock()
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            conn, _ = self.sock.accept()
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        try:
            while True:
                size = struct.unpack(">i", self.read_exactly(conn, 4))[0]
                frame = self.read_exactly(conn, size)
                self.handle(conn, frame)
        except (ConnectionError, OSError, struct.error):
            conn.close()

    @staticmethod
    def read_exactly(conn, count):
        data = b""
        while len(data) < count:
            chunk = conn.recv(count - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def handle(self, conn, frame):
        api_key, version, correlation_id = struct.unpack(">hhi", frame[:8])
        name = SUPPORTED.get(api_key, ("Api%d" % api_key, 0, 0))[0]
        with self.lock:
            self.frames.setdefault((self.client, name, version), frame)
        if api_key == 18:
            if version > SUPPORTED[18][2]:
                body = struct.pack(">h", 35) + array(
                    [struct.pack(">hhh", k, lo, hi) for k, (_, lo, hi) in sorted(SUPPORTED.items())], False)
            else:
                body = api_versions_response(version)
            self.send(conn, struct.pack(">i", correlation_id) + body)
        elif api_key == 3:
            _, body = metadata_response(version, self.port)
            header = struct.pack(">i", correlation_id) + tags(version >= FLEXIBLE_FROM[3])
            self.send(conn, header + body)
        elif api_key == 10:
            header = struct.pack(">i", correlation_id) + tags(version >= FLEXIBLE_FROM[10])
            self.send(conn, header + find_coordinator_response(version, self.port))
        # Everything else: recorded, not answered.

    @staticmethod
    def send(conn, payload):
        conn.sendall(struct.pack(">i", len(payload)) + payload)


def run_client(server, client, command, stdin=None):
    server.client = client
    print("capture: %s %s" % (client, command[-1] if command[0] != "kcat" else " ".join(command[5:])), flush=True)
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        process.communicate(input=stdin, timeout=CLIENT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    time.sleep(0.5)


PYTHON_CONFLUENT = """
import sys, confluent_kafka
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, role = sys.argv[1], sys.argv[2]
base = {"bootstrap.servers": bootstrap, "client.id": "capture-confluent"}
if role == "producer":
    p = confluent_kafka.Producer({**base, "acks": "all", "linger.ms": 0})
    p.produce("capture-topic", key=b"key-1", value=b"value-1", partition=0)
    p.flush(5)
elif role == "idempotent":
    p = confluent_kafka.Producer({**base, "enable.idempotence": True})
    p.produce("capture-topic", key=b"key-1", value=b"value-1", partition=0)
    p.flush(5)
elif role == "consumer":
    c = confluent_kafka.Consumer({**base, "group.id": "capture-group", "auto.offset.reset": "earliest"})
    c.subscribe(["capture-topic"])
    c.poll(5)
elif role == "fetch":
    c = confluent_kafka.Consumer({**base, "group.id": "capture-group", "enable.auto.commit": False})
    c.assign([confluent_kafka.TopicPartition("capture-topic", 0, 5)])
    c.poll(5)
elif role == "admin":
    a = AdminClient(base)
    for future in a.create_topics([NewTopic("capture-new-topic", num_partitions=3, replication_factor=1)]).values():
        future.result(5)
elif role == "groups":
    a = AdminClient(base)
    a.list_consumer_groups().result(5)
elif role == "configs":
    from confluent_kafka.admin import ConfigResource
    a = AdminClient(base)
    for future in a.describe_configs([ConfigResource("topic", "capture-topic")]).values():
        future.result(5)
elif role == "delete":
    a = AdminClient(base)
    for future in a.delete_topics(["capture-topic"]).values():
        future.result(5)
"""

PYTHON_KAFKA = """
import sys, kafka
from kafka.admin import KafkaAdminClient, NewTopic
bootstrap, role = sys.argv[1], sys.argv[2]
if role == "producer":
    p = kafka.KafkaProducer(bootstrap_servers=bootstrap, client_id="capture-kafka-python", acks=1)
    p.send("capture-topic", key=b"key-1", value=b"value-1", partition=0)
    p.flush(5)
elif role == "consumer":
    c = kafka.KafkaConsumer("capture-topic", bootstrap_servers=bootstrap, client_id="capture-kafka-python",
                            group_id="capture-group")
    c.poll(5000)
elif role == "fetch":
    c = kafka.KafkaConsumer(bootstrap_servers=bootstrap, client_id="capture-kafka-python")
    tp = kafka.TopicPartition("capture-topic", 0)
    c.assign([tp])
    c.seek(tp, 5)
    c.poll(5000)
elif role == "admin":
    a = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="capture-kafka-python")
    a.create_topics([NewTopic("capture-new-topic", num_partitions=3, replication_factor=1)], timeout_ms=5000)
else:
    from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, OffsetSpec
    a = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="capture-kafka-python")
    tp = kafka.TopicPartition("capture-topic", 0)
    if role == "groups":
        a.list_groups()
    elif role == "configs":
        a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "capture-topic")])
    elif role == "partitions":
        a.create_partitions({"capture-topic": NewPartitions(4)}, timeout_ms=5000)
    elif role == "records":
        a.delete_records({tp: 3}, timeout_ms=5000)
    elif role == "offsets":
        a.list_partition_offsets({tp: OffsetSpec.EARLIEST}, timeout_ms=5000)
    elif role == "delete":
        a.delete_topics(["capture-topic"], timeout_ms=5000)
"""


def main():
    server = CaptureServer()
    bootstrap = "127.0.0.1:%d" % server.port
    kcat = ["kcat", "-b", bootstrap, "-X", "client.id=capture-kcat"]
    run_client(server, "kcat", kcat + ["-L"])
    run_client(server, "kcat", kcat + ["-P", "-t", TOPIC, "-p", "0", "-K", ":"], stdin=b"key-1:value-1\n")
    run_client(server, "kcat", kcat + ["-C", "-t", TOPIC, "-p", "0", "-o", "beginning", "-e"])
    run_client(server, "kcat", kcat + ["-C", "-t", TOPIC, "-p", "0", "-o", "5", "-e"])
    for role in ["producer", "idempotent", "consumer", "fetch", "admin", "groups", "configs", "delete"]:
        run_client(server, "confluent", [sys.executable, "-c", PYTHON_CONFLUENT, bootstrap, role])
    for role in ["producer", "consumer", "fetch", "admin", "groups", "configs", "partitions", "records", "offsets",
                 "delete"]:
        run_client(server, "kafkapython", [sys.executable, "-c", PYTHON_KAFKA, bootstrap, role])
    for name in os.listdir(HERE):
        if name.endswith(".hex"):
            os.remove(os.path.join(HERE, name))
    with server.lock:
        for (client, api, version), frame in sorted(server.frames.items()):
            path = os.path.join(HERE, "%s_%s_v%d.hex" % (client, api, version))
            with open(path, "w") as out:
                out.write(frame.hex() + "\n")
            print("capture: wrote %s (%d bytes)" % (os.path.basename(path), len(frame)))


if __name__ == "__main__":
    main()
