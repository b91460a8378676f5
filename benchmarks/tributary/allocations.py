#!/usr/bin/env python3
"""Heap allocations per produced record on the servers: runs a `tributary perf produce --records N
--json` command against nodes started under tools/malloc_count.c (LD_PRELOAD) and divides the
allocations the nodes made meanwhile, less what they make at rest in as long, by N.

usage: allocations.py --counts DIR --pid PID [--pid PID ...] [--idle-s S] -- COMMAND...

Prints one raw result (benchmarks/lib/results.py's shape, figures null) with
allocations_per_record, idle_allocations_per_s and records. Exit 1 when the command fails or a
node stops writing its count.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import time

# The counter writes every 20 ms; a count older than this after the instant asked for means the
# node (or its counter) is gone.
FRESH_WITHIN_S = 2.0


def count_at(folder: pathlib.Path, pid: int, instant_ns: int) -> int:
    """The node's allocation count as written at or after `instant_ns` (CLOCK_MONOTONIC)."""
    deadline = time.monotonic() + FRESH_WITHIN_S
    while True:
        try:
            allocations, written_ns = (int(field) for field in (folder / str(pid)).read_text().split())
        except (OSError, ValueError):
            allocations, written_ns = None, -1
        if written_ns >= instant_ns and allocations is not None:
            return allocations
        if time.monotonic() > deadline:
            raise SystemExit(f"error: no allocation count from pid {pid} in {folder} (is it running under malloc_count.so?)")
        time.sleep(0.005)


def total_at(folder: pathlib.Path, pids: list[int]) -> tuple[int, int]:
    """(allocations of every node together, the instant they are as of)."""
    instant = time.monotonic_ns()
    return sum(count_at(folder, pid, instant) for pid in pids), instant


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", required=True, help="MALLOC_COUNT_DIR of the nodes")
    parser.add_argument("--pid", type=int, action="append", required=True, help="a node's pid (repeat)")
    parser.add_argument("--idle-s", type=float, default=2.0, help="seconds at rest measured first")
    args = parser.parse_args(argv[:split])
    command = argv[split + 1:]
    folder = pathlib.Path(args.counts)

    rest_from, rest_from_ns = total_at(folder, args.pid)
    time.sleep(args.idle_s)
    rest_to, rest_to_ns = total_at(folder, args.pid)
    idle_per_s = (rest_to - rest_from) / ((rest_to_ns - rest_from_ns) / 1e9)

    before, before_ns = total_at(folder, args.pid)
    run = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    after, after_ns = total_at(folder, args.pid)
    if run.returncode != 0:
        print(f"error: {' '.join(command)} exited with {run.returncode}", file=sys.stderr)
        return 1
    records = json.loads(run.stdout)["records"]
    if records <= 0:
        print("error: the command produced no records", file=sys.stderr)
        return 1
    during = after - before - idle_per_s * (after_ns - before_ns) / 1e9
    print(json.dumps({"value_bytes": None, "concurrency": None, "records": records,
                      "allocations_per_record": round(during / records, 1),
                      "idle_allocations_per_s": round(idle_per_s)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
