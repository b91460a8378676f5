#!/usr/bin/env python3
"""One Kafka admin step against a running Tributary cluster, with kafka-python's KafkaAdminClient
(DeleteTopics, CreatePartitions, DescribeConfigs, IncrementalAlterConfigs, DeleteRecords, Metadata),
and its producer and consumer around DeleteRecords.

    admin_driver.py BOOTSTRAP STEP ARGS...

Steps (each prints one line saying what it saw, exits 0 when it saw what it expects, else 1):

    create TOPIC PARTITIONS            create with replication factor 3; wait until every partition has a leader
    partitions TOPIC COUNT             wait until Metadata lists the topic with COUNT partitions
    grow TOPIC COUNT [--validate-only] CreatePartitions to COUNT succeeds
    grow-fails TOPIC COUNT ERROR       CreatePartitions to COUNT fails with ERROR (a kafka.errors class name) and a message
    config TOPIC KEY VALUE SOURCE      wait until DescribeConfigs shows KEY = VALUE from SOURCE (e.g. DEFAULT_CONFIG)
    configs-include TOPIC KEY...       DescribeConfigs (all configs) lists every KEY
    unknown-config-omitted TOPIC KEY   DescribeConfigs asked for KEY and an unknown name lists KEY only
    alter TOPIC KEY VALUE [--validate-only]   IncrementalAlterConfigs SET KEY=VALUE succeeds
    reset TOPIC KEY                    IncrementalAlterConfigs DELETE KEY succeeds
    alter-fails TOPIC KEY VALUE ERROR  IncrementalAlterConfigs SET KEY=VALUE fails with ERROR and a message
    append-fails TOPIC KEY VALUE       IncrementalAlterConfigs APPEND fails with InvalidRequestError
    describe-unknown TOPIC             DescribeConfigs of a topic that does not exist fails with UnknownTopicOrPartitionError
    delete TOPIC                       DeleteTopics succeeds
    delete-fails TOPIC ERROR           DeleteTopics fails with ERROR
    absent TOPIC                       wait until Metadata no longer lists the topic
    produce TOPIC PARTITION COUNT      produce COUNT records one at a time (one batch each); prints their offsets
    delete-records TOPIC PARTITION OFFSET      DeleteRecords before OFFSET succeeds with low_watermark OFFSET
    delete-records-fails TOPIC PARTITION OFFSET ERROR   DeleteRecords before OFFSET fails with ERROR
    earliest TOPIC PARTITION OFFSET    the earliest offset is OFFSET, and a consumer from earliest reads OFFSET first

Waits are bounded (WAIT_S); they poll, because a node other than the one that took a change
learns of it a moment later, as with Kafka's brokers.
"""
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import AlterConfigOp, ConfigResource, ConfigResourceType, KafkaAdminClient
import kafka.errors as Errors

WAIT_S = 20
POLL_S = 0.1


def admin(bootstrap):
    return KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=WAIT_S * 1000, client_id="admin-driver")


def poll(probe):
    """Calls probe() until it returns (True, detail) or WAIT_S pass; returns the last (ok, detail)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        ok, detail = probe()
        if ok or time.monotonic() >= deadline:
            return ok, detail
        time.sleep(POLL_S)


def topic_metadata(client, topic):
    for described in client.describe_topics([topic]):
        if described["topic"] == topic if "topic" in described else described.get("name") == topic:
            return described
    return None


def partition_count(client, topic):
    described = topic_metadata(client, topic)
    if described is None or described.get("error_code", 0) != 0:
        return None, described
    return len(described["partitions"]), described


def topic_configs(client, topic, keys=None):
    resource = ConfigResource(ConfigResourceType.TOPIC, topic, keys)
    described = client.describe_configs([resource], config_filter="all")
    return described["topic"][topic]


def expect_error(error_name, call):
    """Runs call(); ok when it raises the kafka.errors class named error_name with a message."""
    try:
        result = call()
    except Exception as error:  # noqa: BLE001 - any other error is the wrong answer
        name = type(error).__name__
        return name == error_name and str(error) != "", f"{name}: {error}"
    return False, f"succeeded: {result}"


def alter(client, topic, key, op, value, validate_only=False):
    resource = ConfigResource(ConfigResourceType.TOPIC, topic, {key: (op, value)})
    result = client.alter_configs([resource], validate_only=validate_only, incremental=True)
    return result["topic"][topic]


def step(client, name, args):
    if name == "create":
        topic, count = args[0], int(args[1])
        client.create_topics({topic: {"num_partitions": count, "replication_factor": 3}})
        def led():
            described = topic_metadata(client, topic)
            partitions = (described or {}).get("partitions", [])
            return len(partitions) == count and all(p["leader_id"] >= 0 for p in partitions), f"metadata: {described}"
        return poll(led)
    if name == "partitions":
        topic, count = args[0], int(args[1])
        def shows():
            seen, described = partition_count(client, topic)
            return seen == count, f"{seen} partitions"
        return poll(shows)
    if name == "grow":
        topic, count = args[0], int(args[1])
        result = client.create_partitions({topic: count}, validate_only="--validate-only" in args)
        return all(r.error_code == 0 for r in result.results), f"{result}"
    if name == "grow-fails":
        topic, count, error = args[0], int(args[1]), args[2]
        return expect_error(error, lambda: client.create_partitions({topic: count}))
    if name == "config":
        topic, key, value, source = args
        def shows():
            configs = topic_configs(client, topic)
            entry = configs.get(key)
            return entry is not None and entry["value"] == value and entry["config_source"] == source, f"{key}: {entry}"
        return poll(shows)
    if name == "configs-include":
        topic, keys = args[0], args[1:]
        configs = topic_configs(client, topic)
        return all(k in configs for k in keys), f"configs: {sorted(configs)}"
    if name == "unknown-config-omitted":
        topic, key = args
        configs = topic_configs(client, topic, [key, "no.such.config"])
        return sorted(configs) == [key], f"configs: {sorted(configs)}"
    if name == "alter":
        topic, key, value = args[0], args[1], args[2]
        result = alter(client, topic, key, AlterConfigOp.SET, value, validate_only="--validate-only" in args)
        return result == "OK", f"result: {result}"
    if name == "reset":
        topic, key = args
        result = alter(client, topic, key, AlterConfigOp.DELETE, None)
        return result == "OK", f"result: {result}"
    if name == "alter-fails":
        topic, key, value, error = args
        result = alter(client, topic, key, AlterConfigOp.SET, value)
        return result.startswith(f"[Error {getattr(Errors, error).errno}] {error}") and ":" in result, f"result: {result}"
    if name == "append-fails":
        topic, key, value = args
        result = alter(client, topic, key, AlterConfigOp.APPEND, value)
        return "InvalidRequestError" in result, f"result: {result}"
    if name == "describe-unknown":
        topic = args[0]
        resource = ConfigResource(ConfigResourceType.TOPIC, topic)
        # kafka-python does not raise per-resource errors here; read the raw response.
        request = client._describe_configs_request([resource])
        response = client._manager.run(client._manager.send, request)
        codes = [r.error_code for r in response.results]
        return codes == [Errors.UnknownTopicOrPartitionError.errno], f"error codes: {codes}"
    if name == "delete":
        topic = args[0]
        result = client.delete_topics([topic])
        return all(t["error_code"] == 0 for t in result["topics"]), f"result: {result}"
    if name == "delete-fails":
        topic, error = args
        return expect_error(error, lambda: client.delete_topics([topic]))
    if name == "absent":
        topic = args[0]
        def gone():
            topics = client.list_topics()
            return topic not in topics, f"topics: {sorted(topics)}"
        return poll(gone)
    if name == "produce":
        topic, partition, count = args[0], int(args[1]), int(args[2])
        producer = KafkaProducer(bootstrap_servers=client.config["bootstrap_servers"], acks="all", linger_ms=0)
        try:
            # One send at a time, each waited for: every record is a batch of its own.
            offsets = [producer.send(topic, b"record-%d" % i, partition=partition).get(timeout=WAIT_S).offset for i in range(count)]
        finally:
            producer.close()
        return len(offsets) == count, " ".join(map(str, offsets))
    if name == "delete-records":
        topic, partition, offset = args[0], int(args[1]), int(args[2])
        result = client.delete_records({TopicPartition(topic, partition): offset})
        low = result[TopicPartition(topic, partition)]["low_watermark"]
        return low == offset, f"low_watermark {low}"
    if name == "delete-records-fails":
        topic, partition, offset, error = args[0], int(args[1]), int(args[2]), args[3]
        return expect_error(error, lambda: client.delete_records({TopicPartition(topic, partition): offset}))
    if name == "earliest":
        topic, partition, offset = args[0], int(args[1]), int(args[2])
        tp = TopicPartition(topic, partition)
        consumer = KafkaConsumer(
            bootstrap_servers=client.config["bootstrap_servers"], auto_offset_reset="earliest", enable_auto_commit=False,
            consumer_timeout_ms=WAIT_S * 1000)
        try:
            consumer.assign([tp])
            beginning = consumer.beginning_offsets([tp])[tp]
            first = next(iter(consumer), None)
        finally:
            consumer.close()
        seen = first.offset if first is not None else None
        return beginning == offset and seen == offset, f"beginning {beginning}, first record read at {seen}"
    raise SystemExit(f"unknown step {name!r} (see the docstring)")


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    bootstrap, name, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    client = admin(bootstrap)
    try:
        ok, detail = step(client, name, args)
    finally:
        client.close()
    print(f"     {name}: {detail}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
