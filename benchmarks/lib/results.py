#!/usr/bin/env python3
"""The one result shape every benchmark writes, so that limits, peers and Tributary
can be set side by side by report.py.

A result is one JSON object per measurement:

    schema             1
    kind               "limit" | "peer" | "tributary"
    system             "disk", "loopback-tcp", "memory", "nats-jetstream", "etcd", "redis-streams", "tributary"
    variant            what distinguishes runs of one system ("R3 file, default sync", "appendfsync always")
    workload           "seq-write", "append+fdatasync", "stream", "round-trip", "copy",
                       "publish-with-ack", "put", "xadd", "produce", ...
    value_bytes        bytes per record (or per write / message); null when meaningless
    concurrency        requests in flight; null when meaningless
    records_per_s      completed records (requests, syncs, round trips) per second
    mb_per_s           megabytes (10^6 bytes) of values per second
    p50_us, p99_us, p999_us, max_us   latency in microseconds (null when not measured)
    cdf_us             [[percentile, latency_us], ...] for plots (may be empty)
    client_cpu_percent CPU the load generator used, in % of one core (null when not measured)
    server_cpu_percent CPU all the system's server processes used together while the load ran
                       (warm-up included), in % of one core: 200 = both cores of this machine
    errors             failed requests inside the window
    window_s           measured seconds
    notes              what a reader must know to judge the figure
    host, measured_at  where and when (UTC, ISO 8601)
    load_average_1m    the host's 1-minute load average when the measurement ended (the shell
                       scripts add it: on a shared machine it says how busy the cores were)

Tributary results add: replication_factor, acks ("1" | "all"), partitions, producers, and
records_per_request when the producer batches (absent or 1: one record per request, the only
runs report.py divides by the peers' figures); the micro benchmarks and the allocation count
(workloads crc32c, record-batch, raft-core, allocations) add allocations_per_record.

Used from shell scripts as:
    results.py wrap --raw RAW.json --out OUT.json --kind peer --system etcd --variant "3 members" \
                    --workload put [--concurrency 16] [--notes TEXT] [--set key=value ...]
which merges the raw JSON a tool printed with the labels, checks the shape, writes OUT.json and
prints one summary line.
"""
from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import socket
import sys

SCHEMA_VERSION = 1
KINDS = ("limit", "peer", "tributary")
REQUIRED_FIELDS = ("schema", "kind", "system", "variant", "workload", "notes")
NUMBER_FIELDS = ("value_bytes", "concurrency", "records_per_s", "mb_per_s", "p50_us", "p99_us",
                 "p999_us", "max_us", "client_cpu_percent", "server_cpu_percent", "errors", "window_s")
# What the tools print that the shape does not keep.
DROPPED_RAW_FIELDS = ("test", "protocol", "samples", "samples_dropped", "min_us", "mean_us", "first_error",
                      "records", "write_bytes", "total_bytes", "fsync_s", "write_only_mb_per_s", "check")


class ResultError(ValueError):
    """A result file that does not have the common shape."""


CDF_PERCENTILES = (1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100)


def percentile(sorted_values: list[int], p: float) -> int:
    """Nearest rank of a sorted, non-empty list."""
    rank = max(1, min(len(sorted_values), int(-(-p * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


def from_latencies(latencies_us: list[int], errors: int, window_s: float, value_bytes: int, concurrency: int) -> dict:
    """The raw figures of a window in which each latency is one acknowledged record (a driver
    measuring per record prints this; `wrap` adds the labels)."""
    ordered = sorted(latencies_us)
    records = len(ordered)
    return {
        "records": records, "errors": errors, "window_s": window_s, "value_bytes": value_bytes,
        "concurrency": concurrency, "records_per_s": round(records / window_s, 1),
        "mb_per_s": round(records * value_bytes / 1e6 / window_s, 3),
        "p50_us": percentile(ordered, 50), "p99_us": percentile(ordered, 99),
        "p999_us": percentile(ordered, 99.9), "max_us": ordered[-1],
        "cdf_us": [[p, percentile(ordered, p)] for p in CDF_PERCENTILES],
    }


def check(result: dict) -> dict:
    """Returns `result` unchanged if it has the common shape, else raises ResultError naming the fault."""
    for field in REQUIRED_FIELDS:
        if field not in result:
            raise ResultError(f"result lacks '{field}': {json.dumps(result)[:200]}")
    if result["schema"] != SCHEMA_VERSION:
        raise ResultError(f"result schema {result['schema']!r}, expected {SCHEMA_VERSION}")
    if result["kind"] not in KINDS:
        raise ResultError(f"result kind {result['kind']!r} is not one of {KINDS}")
    for field in NUMBER_FIELDS:
        value = result.get(field)
        if value is not None and not isinstance(value, (int, float)):
            raise ResultError(f"result field '{field}' is {value!r}, not a number")
    return result


def wrap(raw: dict, labels: dict) -> dict:
    """Merges a tool's raw output with the labels that say what was measured."""
    result = {field: None for field in NUMBER_FIELDS}
    result["cdf_us"] = []
    result.update({k: v for k, v in raw.items() if k not in DROPPED_RAW_FIELDS})
    result.update({k: v for k, v in labels.items() if v is not None})
    result["schema"] = SCHEMA_VERSION
    result.setdefault("notes", "")
    result["host"] = socket.gethostname()
    result["measured_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    if raw.get("samples_dropped"):
        result["notes"] += f" {raw['samples_dropped']} latency samples not kept (log full)."
    if raw.get("errors"):
        result["notes"] += f" {raw['errors']} requests failed, first: {raw.get('first_error', '')[:120]}"
    return check(result)


def load(paths: list[str]) -> list[dict]:
    """Reads every result in the given files and folders (folders: all *.json below them). A file
    holds one result, a list of them, or a report.py --json report."""
    results = []
    for path in map(pathlib.Path, paths):
        files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
        for file in files:
            data = json.loads(file.read_text())
            if isinstance(data, dict) and "results" in data:
                data = data["results"]  # a report written by report.py --json
            for item in data if isinstance(data, list) else [data]:
                try:
                    results.append(check(item))
                except ResultError as error:
                    raise ResultError(f"{file}: {error}") from None
    return results


def format_bytes(value: int | None) -> str:
    """A byte count as people write it: 1 KiB, 64 KiB, 1 MiB, 100 B."""
    if not value:
        return "–"
    for unit, size in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if value >= size and value % size == 0:
            return f"{value // size} {unit}"
    return f"{value} B"


def summary(result: dict) -> str:
    """One line a person reads while the benchmark runs."""
    def number(field, unit, digits=0):
        value = result.get(field)
        return None if value is None else f"{value:,.{digits}f} {unit}"
    parts = [number("records_per_s", "rec/s"), number("mb_per_s", "MB/s", 1),
             number("p50_us", "us p50", 1), number("p99_us", "us p99", 1), number("p999_us", "us p99.9", 1),
             number("client_cpu_percent", "% client CPU"), number("server_cpu_percent", "% server CPU"),
             number("allocations_per_record", "allocations/record", 2)]
    label = f"{result['system']} {result['variant']} {result['workload']}"
    if result.get("value_bytes"):
        label += f" {format_bytes(result['value_bytes'])}"
    if result.get("concurrency"):
        label += f" C={result['concurrency']}"
    return f"{label}: " + ", ".join(p for p in parts if p)


def _parse_label_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Wrap a tool's raw JSON into the common result shape.")
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("wrap", help="label a raw measurement and write it as a result file")
    w.add_argument("--raw", required=True, help="file with the JSON object a tool printed")
    w.add_argument("--out", required=True, help="result file to write")
    w.add_argument("--kind", required=True, choices=KINDS)
    w.add_argument("--system", required=True)
    w.add_argument("--variant", required=True)
    w.add_argument("--workload", required=True)
    w.add_argument("--value-bytes", type=int)
    w.add_argument("--concurrency", type=int)
    w.add_argument("--notes", default="")
    w.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="extra field (value parsed as JSON when it can be)")
    args = parser.parse_args(argv)
    raw = json.loads(pathlib.Path(args.raw).read_text())
    labels = {"kind": args.kind, "system": args.system, "variant": args.variant, "workload": args.workload,
              "value_bytes": args.value_bytes, "concurrency": args.concurrency, "notes": args.notes}
    for item in args.set:
        key, _, value = item.partition("=")
        labels[key] = _parse_label_value(value)
    result = wrap(raw, labels)
    pathlib.Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print("  " + summary(result), file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (ResultError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
