#!/usr/bin/env python3
"""librdkafka through a leader crash, then a two-member group that hands over (Tests/cluster/kafka).

    leader_kill.py BOOTSTRAP CLUSTER_DIR TOPIC [--records N]

An idempotent confluent-kafka producer (acks=all) writes N keyed records (default 20,000) to a
new 6-partition topic with 3 replicas. Once a quarter of them are acknowledged, the leader of
partition 0 is killed with SIGKILL (cluster/kill); once 60 % are, it is restarted
(cluster/start). Then two members of one group read the topic: when together they have read half
of it, the second commits and leaves, and the first must take over its partitions from the
committed offsets and read the rest.

Checks, each printed as one line; exit status 1 when any fails:
  every record is acknowledged (librdkafka retries through the crash), each at its own offset;
  the two members read every acknowledged record exactly once, at its acknowledged offset, and
  nothing else; each key's records come in the order they were produced; the second member's
  partitions went to the first, which started them exactly at the committed offsets.
"""
import argparse
import subprocess
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

PARTITIONS, REPLICAS, KEYS, TIMEOUT_S = 6, 3, 60, 60


def create_topic(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, PARTITIONS, REPLICAS)], operation_timeout=TIMEOUT_S).values():
        future.result(TIMEOUT_S)
    deadline = time.time() + TIMEOUT_S
    while time.time() < deadline:
        partitions = admin.list_topics(topic, timeout=10).topics[topic].partitions
        if len(partitions) == PARTITIONS and all(p.leader >= 1 for p in partitions.values()):
            return admin
        time.sleep(0.1)
    sys.exit(f"topic {topic}: not every partition has a leader after {TIMEOUT_S} s")


def leader_of(admin, topic, partition):
    return admin.list_topics(topic, timeout=10).topics[topic].partitions[partition].leader


def produce(bootstrap, admin, cluster_dir, topic, count):
    """Sends `count` records while crashing and restarting partition 0's leader; returns the
    acknowledgements {value: (partition, offset)}, the values that failed, and the victim."""
    acked, failed = {}, []
    victim, restarted = None, False

    def delivered(error, message):
        value = message.value().decode()
        if error is not None:
            failed.append((value, str(error)))
        else:
            acked[value] = (message.partition(), message.offset())

    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
                         "linger.ms": 5, "message.timeout.ms": 120000, "queue.buffering.max.messages": 2000})
    for i in range(count):
        key = f"k{i % KEYS}"
        while True:
            try:
                producer.produce(topic, key=key.encode(), value=f"{key}:{i}".encode(), on_delivery=delivered)
                break
            except BufferError:  # the local queue is bounded: wait for acknowledgements
                producer.poll(0.05)
        producer.poll(0)
        if victim is None and len(acked) >= count // 4:
            victim = leader_of(admin, topic, 0)
            subprocess.run(["cluster/kill", str(victim), "--dir", cluster_dir], check=True, stdout=subprocess.DEVNULL)
            print(f"     killed node {victim}, leader of partition 0, after {len(acked)} acknowledgements")
        if victim is not None and not restarted and len(acked) >= count * 6 // 10:
            subprocess.run(["cluster/start", str(victim), "--dir", cluster_dir], check=True, stdout=subprocess.DEVNULL)
            restarted = True
            print(f"     restarted node {victim} after {len(acked)} acknowledgements")
    left = producer.flush(TIMEOUT_S * 2)
    if victim is not None and not restarted:
        subprocess.run(["cluster/start", str(victim), "--dir", cluster_dir], check=True, stdout=subprocess.DEVNULL)
    return acked, failed, left, victim


class Member:
    """One group member: what it read, and where it started each partition it was given."""

    def __init__(self, bootstrap, group, topic, name, events):
        self.name, self.read, self.first_offsets, self.events = name, [], {}, events
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                                  "enable.auto.commit": False, "session.timeout.ms": 10000,
                                  "partition.assignment.strategy": "range"})
        self.consumer.subscribe([topic], on_assign=self.assigned, on_revoke=self.revoked)
        self.assignment = set()

    def assigned(self, consumer, partitions):
        committed = consumer.committed(partitions, timeout=TIMEOUT_S)
        self.events.append(f"{self.name} assigned {({tp.partition: tp.offset for tp in committed})} (partition: committed)")
        self.assignment = {p.partition for p in partitions}
        for p in partitions:
            self.first_offsets.pop(p.partition, None)

    def revoked(self, consumer, partitions):
        # Commit what was read before giving partitions up, so whoever gets them goes on from there.
        positions = {tp.partition: tp.offset for tp in consumer.position(partitions)}
        self.events.append(f"{self.name} revoked {positions} (partition: position)")
        self.commit()
        self.assignment = set()

    def commit(self):
        try:
            self.consumer.commit(asynchronous=False)
        except KafkaException as error:
            if error.args[0].code() != -168:  # _NO_OFFSET: nothing read since the last commit
                raise

    def poll(self):
        message = self.consumer.poll(0.1)
        if message is None:
            return
        if message.error():
            raise KafkaException(message.error())
        if message.partition() not in self.first_offsets:
            self.events.append(f"{self.name} reads partition {message.partition()} from offset {message.offset()}")
        self.first_offsets.setdefault(message.partition(), message.offset())
        self.read.append((message.partition(), message.offset(), message.value().decode()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bootstrap")
    parser.add_argument("cluster_dir")
    parser.add_argument("topic")
    parser.add_argument("--records", type=int, default=20000)
    args = parser.parse_args()
    failures = []

    def check(name, ok, detail=""):
        print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else f": {detail}"))
        if not ok:
            failures.append(name)

    admin = create_topic(args.bootstrap, args.topic)
    started = time.time()
    acked, failed, left, victim = produce(args.bootstrap, admin, args.cluster_dir, args.topic, args.records)
    print(f"     produced {len(acked)} acknowledged, {len(failed)} failed, {left} unanswered in {time.time() - started:.1f} s")
    check(f"the idempotent producer had all {args.records} acknowledged through the crash of node {victim}",
          len(acked) == args.records and not failed and left == 0, f"failed {failed[:3]}")
    positions = set(acked.values())
    check("each acknowledged at its own offset", len(positions) == len(acked))

    group = f"{args.topic}-group"
    events = []  # printed when a check fails: who had which partition, from where
    first = Member(args.bootstrap, group, args.topic, "first", events)
    second = Member(args.bootstrap, group, args.topic, "second", events)
    deadline = time.time() + TIMEOUT_S
    while len(first.read) + len(second.read) < len(acked) // 2 and time.time() < deadline:
        first.poll()
        second.poll()
    handed = set(second.assignment)
    check("both members got partitions and read half of the topic",
          first.assignment and handed and len(first.read) + len(second.read) >= len(acked) // 2,
          f"first {sorted(first.assignment)}, second {sorted(handed)}")
    second.commit()
    committed = {tp.partition: tp.offset for tp in second.consumer.committed(
        [TopicPartition(args.topic, p) for p in handed], timeout=TIMEOUT_S)}
    second.consumer.close()

    deadline = time.time() + TIMEOUT_S
    while len(first.read) + len(second.read) < len(acked) and time.time() < deadline:
        first.poll()
    check("after the second member left, the first took over its partitions",
          handed <= first.assignment, f"first has {sorted(first.assignment)}, second had {sorted(handed)}")
    first.commit()
    first.consumer.close()
    # Where the first must start each: the committed offset, or the partition's first record when
    # the second committed none (it read nothing there); nowhere when the second read it all.
    first_record = {p: min(o for q, o in acked.values() if q == p) for p in handed}
    end = {p: max(o for q, o in acked.values() if q == p) + 1 for p in handed}
    expected = {p: (committed[p] if committed[p] >= 0 else first_record[p]) for p in handed}
    started_at = {p: first.first_offsets.get(p) for p in handed}
    check("and started each exactly at the offset the second committed",
          all(started_at[p] == expected[p] or (started_at[p] is None and expected[p] == end[p]) for p in handed),
          f"committed {committed}, expected starts {expected}, started at {started_at}")

    read = first.read + second.read
    values = [v for _, _, v in read]
    check("the members read every acknowledged record exactly once, and nothing else",
          len(values) == len(acked) and set(values) == set(acked),
          f"{len(values)} read, {len(set(values))} distinct, {len(set(acked) - set(values))} missing, "
          f"{len(set(values) - set(acked))} never acknowledged")
    misplaced = [(p, o, v) for p, o, v in read if acked.get(v) != (p, o)]
    check("each at the partition and offset its acknowledgement reported", not misplaced, f"{misplaced[:3]}")
    by_key = {}
    for p, o, v in sorted(read, key=lambda r: (r[0], r[1])):
        key, sequence = v.split(":")
        by_key.setdefault(key, []).append(int(sequence))
    out_of_order = [k for k, seqs in by_key.items() if seqs != sorted(seqs)]
    check("each key's records are in the order produced", not out_of_order, f"keys {out_of_order[:3]}")
    if failures:
        print("     what the members did:\n" + "\n".join("       " + e for e in events))
        missing = sorted(acked[v] for v in set(acked) - set(values))
        if missing:
            print(f"     missing (partition, offset): {missing[:3]} ... {missing[-3:]}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
