#!/usr/bin/env python3
"""Steps of Tests/cluster/unsafe against a running Tributary cluster, with kafka-python.

    unsafe_driver.py BOOTSTRAP STEP ARGS...

Steps (each prints what it saw; exit status 0 when it saw what it expects, else 1):

    create TOPIC PARTITIONS        create with replication factor 3; wait until every partition has a leader
    stream TOPIC COUNT ACKED       produce COUNT keyed records (acks=all) as fast as the cluster takes them,
                                   appending "partition offset value" to ACKED for each acknowledgement as it
                                   arrives (flushed at once: the file is what the client was told, even if the
                                   cluster is killed meanwhile); errors are expected and only counted
    burst TOPIC PARTITION COUNT ACKED CLUSTER_DIR
                                   produce one record to PARTITION (acknowledged: the producer knows the leader),
                                   then SIGSTOP every node of CLUSTER_DIR but that partition's leader, wait until
                                   every thread of theirs is stopped, produce COUNT more (acks=all, no retries),
                                   and write the acknowledged ones to ACKED; prints "leader L acked A of COUNT"
    present TOPIC ACKED...         wait until every partition's high-water mark is past the highest acknowledged
                                   offset in it, read every partition from the start, and check that every
                                   acknowledged record is at its offset with its value
    lost TOPIC PARTITION ACKED     produce to PARTITION until its high-water mark is past every offset in ACKED,
                                   read it from the start, and check that at least one acknowledged record is
                                   NOT at its offset (prints how many are missing, and whether any value is
                                   anywhere at all)

Waits are bounded (WAIT_S) and poll, because restarted nodes elect leaders and commit on their own time.
"""
import os
import signal
import sys
import time
from collections import defaultdict

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

WAIT_S = 30
POLL_S = 0.1
# Producers kept alive until os._exit: collecting one whose cluster was killed runs its close,
# which waits for futures that never complete.
KEPT = []


def poll(probe, wait_s=WAIT_S):
    """Calls probe() until it returns (True, detail) or wait_s pass; returns the last (ok, detail)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            ok, detail = probe()
        except Exception as error:  # a cluster still electing leaders answers with errors
            ok, detail = False, f"{type(error).__name__}: {error}"
        if ok or time.monotonic() >= deadline:
            return ok, detail
        time.sleep(POLL_S)


def create(bootstrap, topic, partitions):
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=WAIT_S * 1000)
    admin.create_topics([NewTopic(topic, int(partitions), 3)])

    def led():
        described = [t for t in admin.describe_topics([topic]) if t.get("topic", t.get("name")) == topic]
        leaders = [p["leader_id"] for t in described for p in t["partitions"]]
        return len(leaders) == int(partitions) and all(leader >= 0 for leader in leaders), f"leaders {leaders}"

    ok, detail = poll(led)
    admin.close()
    print(f"create {topic}: {detail}")
    return ok


def stream(bootstrap, topic, count, acked_path):
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", retries=0, linger_ms=2,
                             request_timeout_ms=5000, max_block_ms=5000, enable_idempotence=False)
    KEPT.append(producer)
    out = open(acked_path, "a", buffering=1)
    errors = []

    def delivered(value):
        return lambda metadata: out.write(f"{metadata.partition} {metadata.offset} {value}\n")

    for i in range(int(count)):
        value = f"{topic}-{i}"
        try:
            future = producer.send(topic, key=f"key-{i % 11}".encode(), value=value.encode())
        except Exception as error:  # the cluster was killed: nothing more can be sent
            errors.append(error)
            break
        future.add_callback(delivered(value))
        future.add_errback(errors.append)
    try:
        producer.flush(15)
    except Exception as error:  # the cluster was killed: some records stay unacknowledged
        print(f"stream: flush ended with {type(error).__name__}")
    out.close()
    acked = sum(1 for _ in open(acked_path))
    print(f"stream {topic}: {acked} acknowledged, {len(errors)} failed or unsent of {count}")
    return True


def stopped(pid):
    """True when every thread of pid is in state T (stopped), so it can run no code until SIGCONT."""
    tasks = os.listdir(f"/proc/{pid}/task")
    states = [open(f"/proc/{pid}/task/{t}/stat").read().rsplit(")", 1)[1].split()[0] for t in tasks]
    return all(state in ("T", "t") for state in states), f"pid {pid} thread states {sorted(set(states))}"


def burst(bootstrap, topic, partition, count, acked_path, cluster_dir):
    partition, count = int(partition), int(count)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", retries=0, linger_ms=0,
                             request_timeout_ms=5000, max_block_ms=5000, enable_idempotence=False)
    KEPT.append(producer)
    producer.send(topic, value=b"warm-up", partition=partition).get(timeout=WAIT_S)
    leader = producer._metadata.leader_for_partition(TopicPartition(topic, partition))
    nodes = sorted(int(n[4:]) for n in os.listdir(cluster_dir) if n.startswith("node"))
    others = [n for n in nodes if n != leader]
    pids = [int(open(f"{cluster_dir}/node{n}/pid").read()) for n in others]
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    for pid in pids:
        ok, detail = poll(lambda: stopped(pid), wait_s=5)
        if not ok:
            print(f"burst: could not stop the followers: {detail}")
            return False
    futures = [(f"{topic}-burst-{i}", producer.send(topic, value=f"{topic}-burst-{i}".encode(), partition=partition))
               for i in range(count)]
    try:
        producer.flush(10)
    except Exception as error:  # without ack_before_commit nothing can be acknowledged: expected
        print(f"burst: flush ended with {type(error).__name__}")
    acked = []
    for value, future in futures:
        if future.succeeded():
            acked.append((future.value.partition, future.value.offset, value))
    with open(acked_path, "w") as out:
        out.writelines(f"{p} {o} {v}\n" for p, o, v in acked)
    print(f"burst: leader {leader} acked {len(acked)} of {count} while nodes {others} were stopped")
    return True


def read_acked(paths):
    acked = []
    for path in paths:
        for line in open(path):
            partition, offset, value = line.split()
            acked.append((int(partition), int(offset), value))
    return acked


def read_partitions(bootstrap, topic, partitions, past):
    """Waits until each partition's high-water mark exceeds past[p], then reads it from the start."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                             request_timeout_ms=WAIT_S * 1000)
    tps = [TopicPartition(topic, p) for p in partitions]
    consumer.assign(tps)
    ends = {}

    def caught_up():
        ends.update(consumer.end_offsets(tps))
        return all(ends[tp] > past.get(tp.partition, -1) for tp in tps), f"high-water marks {ends}"

    ok, detail = poll(caught_up)
    if not ok:
        consumer.close()
        return None, detail
    consumer.seek_to_beginning(*tps)
    stored = {}
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and any(consumer.position(tp) < ends[tp] for tp in tps):
        for tp, batch in consumer.poll(timeout_ms=500).items():
            stored.update({(tp.partition, m.offset): m.value.decode() for m in batch})
    complete = all(consumer.position(tp) >= ends[tp] for tp in tps)
    consumer.close()
    return (stored if complete else None), detail


def present(bootstrap, topic, *acked_paths):
    acked = read_acked(acked_paths)
    past = defaultdict(lambda: -1)
    for partition, offset, _ in acked:
        past[partition] = max(past[partition], offset)
    stored, detail = read_partitions(bootstrap, topic, sorted(past), past)
    if stored is None:
        print(f"present {topic}: could not read up to the acknowledged offsets: {detail}")
        return False
    missing = [a for a in acked if stored.get((a[0], a[1])) != a[2]]
    print(f"present {topic}: {len(acked) - len(missing)} of {len(acked)} acknowledged records at their offsets"
          + (f"; missing e.g. {missing[:3]}" if missing else ""))
    return len(acked) > 0 and not missing


def lost(bootstrap, topic, partition, acked_path):
    partition = int(partition)
    acked = read_acked([acked_path])
    if not acked:
        print("lost: nothing was acknowledged, so nothing can be lost")
        return False
    highest = max(offset for _, offset, _ in acked)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", retries=10, linger_ms=0,
                             request_timeout_ms=5000, enable_idempotence=False)
    # Fill the partition past the acknowledged offsets, so that reading up to the high-water
    # mark covers every one of them.
    for i in range(len(acked) + 1):
        producer.send(topic, value=f"{topic}-after-{i}".encode(), partition=partition)
    producer.flush(WAIT_S)
    producer.close()
    stored, detail = read_partitions(bootstrap, topic, [partition], {partition: highest})
    if stored is None:
        print(f"lost: could not read up to offset {highest}: {detail}")
        return False
    missing = [a for a in acked if stored.get((a[0], a[1])) != a[2]]
    anywhere = set(stored.values()) & {value for _, _, value in acked}
    print(f"lost: {len(missing)} of {len(acked)} acknowledged records are not at their offsets "
          f"({len(anywhere)} of their values are anywhere in the partition)")
    return len(missing) > 0


STEPS = {"create": create, "stream": stream, "burst": burst, "present": present, "lost": lost}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[2] not in STEPS:
        sys.exit(__doc__)
    passed = STEPS[sys.argv[2]](sys.argv[1], *sys.argv[3:])
    sys.stdout.flush()
    # Not sys.exit: a producer whose cluster was killed cannot close (its close flushes, waiting
    # for futures that never complete), and everything a step writes is closed already.
    os._exit(0 if passed else 1)
