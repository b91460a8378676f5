#!/usr/bin/env python3
"""Produces to Tributary with confluent-kafka (librdkafka), the check issue #8 asks for that
`tributary perf produce` measures what a real Kafka client sees, and prints one raw result
(benchmarks/lib/results.py's shape) on stdout.

    kafka_producer.py --bootstrap HOST:PORT,... --topic T --acks all|1 --record-size 1024
                      --duration-s 5 --warmup-s 1 [--in-flight 10000]

The producer is librdkafka's defaults for a Kafka 3 client (idempotent with acks=all, 16 KiB
batches, 5 ms linger, 5 requests in flight per connection), with at most --in-flight records
awaiting acknowledgement (as `tributary perf --in-flight`). Latency is from produce() to the
delivery report, per record; records acknowledged during the warm-up are not counted.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "lib"))
import results  # noqa: E402  (benchmarks/lib/results.py)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--acks", choices=("all", "1"), default="all")
    parser.add_argument("--record-size", type=int, default=1024)
    parser.add_argument("--duration-s", type=float, default=5)
    parser.add_argument("--warmup-s", type=float, default=1)
    parser.add_argument("--in-flight", type=int, default=10_000)
    args = parser.parse_args()
    if args.record_size < 1 or args.duration_s <= 0 or args.warmup_s < 0 or args.in_flight < 1:
        parser.error("--record-size and --in-flight must be positive, --duration-s > 0, --warmup-s >= 0")

    from confluent_kafka import Producer  # imported here so --help works without it

    producer = Producer({
        "bootstrap.servers": args.bootstrap, "acks": args.acks, "enable.idempotence": args.acks == "all",
        "linger.ms": 5, "batch.size": 16384, "queue.buffering.max.messages": max(args.in_flight, 1),
        "message.timeout.ms": 60_000,
    })
    value = b"x" * args.record_size
    started = time.monotonic()
    window_start = started + args.warmup_s
    window_end = window_start + args.duration_s
    latencies_us: list[int] = []
    state = {"in_flight": 0, "errors": 0, "first_error": None}

    def delivered(error, _message, sent_at: float) -> None:
        now = time.monotonic()
        state["in_flight"] -= 1
        if error is not None:
            state["errors"] += window_start <= now <= window_end
            state["first_error"] = state["first_error"] or str(error)
        elif window_start <= now <= window_end:
            latencies_us.append(int((now - sent_at) * 1e6))

    key = 0
    while time.monotonic() < window_end:
        if state["in_flight"] >= args.in_flight:
            producer.poll(0.001)
            continue
        sent_at = time.monotonic()
        try:
            producer.produce(args.topic, value, key=str(key).encode(),
                             on_delivery=lambda e, m, t=sent_at: delivered(e, m, t))
        except BufferError:
            producer.poll(0.001)
            continue
        key += 1
        state["in_flight"] += 1
        producer.poll(0)
    producer.flush(60)
    if not latencies_us:
        print(f"kafka_producer.py: no record was acknowledged in the window (first error: {state['first_error']})",
              file=sys.stderr)
        return 1
    print(json.dumps(results.from_latencies(latencies_us, state["errors"], args.duration_s, args.record_size, args.in_flight)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
