#!/usr/bin/env python3
"""Two halves of the coordinator-failover check in Tests/cluster/kafka (librdkafka).

    group_failover.py commit BOOTSTRAP TOPIC GROUP
        creates TOPIC (3 partitions), produces 30 records, reads them in GROUP, commits, and
        prints the coordinator's node id and the committed offsets as JSON
    group_failover.py committed BOOTSTRAP TOPIC GROUP
        prints GROUP's committed offsets of TOPIC as JSON (asks whichever node coordinates now)
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

PARTITIONS, TIMEOUT_S = 3, 30


def committed(consumer, topic):
    offsets = consumer.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=TIMEOUT_S)
    return {str(tp.partition): tp.offset for tp in offsets}


def main():
    mode, bootstrap, topic, group = sys.argv[1:5]
    consumer_config = {"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                       "enable.auto.commit": False}
    if mode == "committed":
        consumer = Consumer(consumer_config)
        print(json.dumps({"offsets": committed(consumer, topic)}))
        consumer.close()
        return
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, PARTITIONS, 3)], operation_timeout=TIMEOUT_S).values():
        future.result(TIMEOUT_S)
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    for i in range(30):
        producer.produce(topic, key=str(i).encode(), value=f"v{i}".encode())
    producer.flush(TIMEOUT_S)
    consumer = Consumer(consumer_config)
    consumer.subscribe([topic])
    read, deadline = 0, time.time() + TIMEOUT_S
    while read < 30 and time.time() < deadline:
        message = consumer.poll(0.5)
        if message is not None and not message.error():
            read += 1
    consumer.commit(asynchronous=False)
    offsets = committed(consumer, topic)
    consumer.close()
    description = admin.describe_consumer_groups([group])[group].result(TIMEOUT_S)
    print(json.dumps({"read": read, "coordinator": description.coordinator.id, "offsets": offsets}))


if __name__ == "__main__":
    main()
