#!/usr/bin/env python3
"""Drives a running Tributary cluster with real Kafka clients (nobody here wrote them).

For each client (kafka-python, confluent-kafka/librdkafka), plain and idempotent, and for
librdkafka each compression codec: creates a topic, produces keyed records with acks=all and remembers each
acknowledged (partition, offset), then reads every partition back from the start (assigned,
no consumer group) and checks that every acknowledged record is at its offset with its key and
value, that offsets only grow, that a key always maps to one partition, and that each key's
records are in the order they were sent.

    kafka_clients.py BOOTSTRAP [--records N]

Prints one "ok"/"FAIL" line per check and exits 1 when any fails.
"""
import argparse
import sys
import threading
import time
import uuid

PARTITIONS = 3
TIMEOUT_S = 30

failures = 0


def check(name, condition, detail=""):
    global failures
    if condition:
        print(f"ok   {name}")
    else:
        failures += 1
        print(f"FAIL {name}{': ' + detail if detail else ''}")


def verify(client, acked, read):
    """acked: [(key, value, partition, offset)] in send order; read: {partition: [(offset, key, value)]}."""
    stored = {(p, o): (k, v) for p, records in read.items() for o, k, v in records}
    missing = [a for a in acked if stored.get((a[2], a[3])) != (a[0], a[1])]
    check(f"{client}: every acknowledged record is at its offset with its key and value",
          not missing, f"{len(missing)} of {len(acked)} missing, e.g. {missing[:3]}")
    increasing = all(all(a[0] < b[0] for a, b in zip(r, r[1:])) for r in read.values())
    check(f"{client}: offsets grow within each partition", increasing)
    partition_of = {}
    consistent = all(partition_of.setdefault(k, p) == p for k, _, p, _ in acked)
    check(f"{client}: each key always goes to the same partition", consistent)
    last = {}
    ordered = True
    for key, _, partition, offset in acked:
        if last.get(key, -1) >= offset:
            ordered = False
        last[key] = offset
    check(f"{client}: each key's records are stored in the order they were sent", ordered)
    phantom = set(stored) - {(a[2], a[3]) for a in acked}
    check(f"{client}: nothing was read that was not sent", not phantom, f"{sorted(phantom)[:3]}")


def records(count, tag):
    return [(f"key-{i % 7}".encode(), f"{tag}-value-{i}".encode()) for i in range(count)]


def run_kafka_python(bootstrap, count, idempotent):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic

    client = "kafka-python" + (" (idempotent)" if idempotent else "")
    topic = f"kp-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=TIMEOUT_S * 1000)
    admin.create_topics([NewTopic(topic, PARTITIONS, 3)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", retries=10, linger_ms=5,
                             enable_idempotence=idempotent)
    sent = records(count, "kp")
    futures = [(k, v, producer.send(topic, key=k, value=v)) for k, v in sent]
    producer.flush(TIMEOUT_S)
    acked = []
    for k, v, future in futures:
        metadata = future.get(timeout=TIMEOUT_S)
        acked.append((k, v, metadata.partition, metadata.offset))
    producer.close()
    check(f"{client}: every record acknowledged", len(acked) == count)

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             consumer_timeout_ms=2000, group_id=None)
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    ends = consumer.end_offsets(partitions)
    read = {p: [] for p in range(PARTITIONS)}
    deadline = time.time() + TIMEOUT_S
    while time.time() < deadline and any(consumer.position(tp) < ends[tp] for tp in partitions):
        for tp, batch in consumer.poll(timeout_ms=500).items():
            read[tp.partition] += [(m.offset, m.key, m.value) for m in batch]
    consumer.close()
    verify(client, acked, read)


def run_confluent(bootstrap, count, compression, idempotent=False):
    from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING
    from confluent_kafka.admin import AdminClient, NewTopic

    client = f"confluent-kafka ({compression}{', idempotent' if idempotent else ''})"
    topic = f"ck-{compression}-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, PARTITIONS, 3)], operation_timeout=TIMEOUT_S).values():
        future.result(TIMEOUT_S)
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                         "compression.type": compression, "message.timeout.ms": TIMEOUT_S * 1000,
                         "enable.idempotence": idempotent})
    acked, errors = [], []

    def delivered(error, message):
        if error:
            errors.append(error)
        else:
            acked.append((message.key(), message.value(), message.partition(), message.offset()))

    for k, v in records(count, compression):
        producer.produce(topic, key=k, value=v, on_delivery=delivered)
        producer.poll(0)
    producer.flush(TIMEOUT_S)
    check(f"{client}: every record acknowledged", len(acked) == count and not errors,
          f"{len(acked)} acked, errors {errors[:3]}")
    # Delivery reports of one partition come in send order; sort by send order for verify().
    order = {v: i for i, (_, v) in enumerate(records(count, compression))}
    acked.sort(key=lambda a: order[a[1]])

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False,
                         "enable.partition.eof": True})
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
    read = {p: [] for p in range(PARTITIONS)}
    at_end = set()
    deadline = time.time() + TIMEOUT_S
    while time.time() < deadline and len(at_end) < PARTITIONS:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            if message.error().code() == -191:  # _PARTITION_EOF
                at_end.add(message.partition())
            else:
                check(f"{client}: consume without errors", False, str(message.error()))
                break
            continue
        read[message.partition()].append((message.offset(), message.key(), message.value()))
    consumer.close()
    check(f"{client}: reached the end of every partition", len(at_end) == PARTITIONS)
    verify(client, acked, read)


def produce_plain(bootstrap, topic, values):
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    for value in values:
        producer.produce(topic, key=value[-1:].encode(), value=value.encode())
    producer.flush(TIMEOUT_S)


def create_topic(bootstrap, topic):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, PARTITIONS, 3)], operation_timeout=TIMEOUT_S).values():
        future.result(TIMEOUT_S)


def run_kafka_python_group(bootstrap, count):
    from kafka import KafkaConsumer
    topic, group = f"kpg-{uuid.uuid4().hex[:8]}", f"kp-group-{uuid.uuid4().hex[:6]}"
    create_topic(bootstrap, topic)
    sent = {f"kpg-{i}" for i in range(count)}
    produce_plain(bootstrap, topic, sorted(sent))
    seen, partitions, lock, done = [], [set(), set()], threading.Lock(), threading.Event()

    def member(index):
        consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
                                 enable_auto_commit=False, session_timeout_ms=10000, heartbeat_interval_ms=500)
        deadline = time.time() + TIMEOUT_S
        while not done.is_set() and time.time() < deadline:
            for tp, batch in consumer.poll(timeout_ms=200).items():
                with lock:
                    partitions[index].add(tp.partition)
                    seen.extend(m.value.decode() for m in batch)
                    if len(seen) >= count:
                        done.set()
            consumer.commit()
        consumer.close()

    threads = [threading.Thread(target=member, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # At least once: a rebalance may hand a partition over before its last poll was committed.
    check("kafka-python group: two members together read every record, and only those",
          set(seen) == sent, f"{len(seen)} read, {len(set(seen))} distinct of {count}")
    check("kafka-python group: both members were given partitions to read",
          all(partitions) and partitions[0] | partitions[1] == set(range(PARTITIONS)), f"{partitions}")


def run_confluent_group_resume(bootstrap, count):
    from confluent_kafka import Consumer, TopicPartition
    topic, group = f"ckg-{uuid.uuid4().hex[:8]}", f"ck-group-{uuid.uuid4().hex[:6]}"
    create_topic(bootstrap, topic)
    first = [f"first-{i}" for i in range(count)]
    produce_plain(bootstrap, topic, first)

    def consume(expected):
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                             "enable.auto.commit": False})
        consumer.subscribe([topic])
        read = []
        deadline = time.time() + TIMEOUT_S
        while len(read) < expected and time.time() < deadline:
            message = consumer.poll(0.5)
            if message is not None and not message.error():
                read.append(message.value().decode())
        # Nothing beyond what was expected arrives within a short, bounded look.
        extra_deadline = time.time() + 2
        while time.time() < extra_deadline:
            message = consumer.poll(0.2)
            if message is not None and not message.error():
                read.append(message.value().decode())
        consumer.commit(asynchronous=False)
        committed = consumer.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=TIMEOUT_S)
        consumer.close()
        return read, committed

    read, committed = consume(count)
    check("confluent-kafka group: the first member reads every record once", sorted(read) == sorted(first),
          f"{len(read)} read of {count}")
    check("confluent-kafka group: its commit is stored for every partition", all(tp.offset >= 0 for tp in committed),
          f"{[(tp.partition, tp.offset) for tp in committed]}")
    second = [f"second-{i}" for i in range(count // 3)]
    produce_plain(bootstrap, topic, second)
    read, _ = consume(len(second))
    check("confluent-kafka group: a new member resumes exactly after the committed offsets",
          sorted(read) == sorted(second), f"{len(read)} read, e.g. {read[:3]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("bootstrap")
    parser.add_argument("--records", type=int, default=300)
    args = parser.parse_args()
    for idempotent in [False, True]:
        run_kafka_python(args.bootstrap, args.records, idempotent)
    for compression in ["none", "gzip", "snappy", "lz4", "zstd"]:
        run_confluent(args.bootstrap, args.records, compression)
    for compression in ["none", "zstd"]:
        run_confluent(args.bootstrap, args.records, compression, idempotent=True)
    run_kafka_python_group(args.bootstrap, args.records)
    run_confluent_group_resume(args.bootstrap, args.records)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
