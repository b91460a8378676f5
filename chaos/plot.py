#!/usr/bin/env python3
"""Draws a chaos run over time: acknowledged sends per second, send latency (p50, p99, max per
second) and failed or indeterminate sends, with every fault shaded from injection to heal, so
that a reader sees what each fault did to availability and latency.

usage: chaos/plot.py RUN_FOLDER [--out FILE.png]

Reads RUN_FOLDER/history.jsonl (chaos/README.md) and RUN_FOLDER/faults.json (the fault windows
the harness writes); writes RUN_FOLDER/timeline.png unless --out says otherwise. Needs
matplotlib (benchmarks/requirements.txt; chaos/run installs it). chaos/run calls it after every run.
"""
from __future__ import annotations

import argparse
import json
import math
import pathlib
import sys

NANOS = 1_000_000_000
# Past this many faults their targets are not written on the plot: they would only blur it.
TARGETS_LABELLED_MAX = 40
# Colours per fault kind, so that the same fault looks the same in every run.
FAULT_COLOURS = {
    "kill": "tab:red", "leader-kill": "tab:red", "pause": "tab:orange", "partition": "tab:purple",
    "leader-partition": "tab:purple", "restart": "tab:brown", "torn-tail": "tab:pink",
    "corrupt": "tab:olive", "power-loss": "black",
}


def send_timeline(history: pathlib.Path) -> tuple[dict[int, list[float]], dict[int, int], dict[int, int]]:
    """Per second of the run: latencies (ms) of the sends acknowledged in it, and the counts of
    sends that failed or ended indeterminate in it. A process has one operation outstanding at a
    time (the history's contract), so a completion's invoke is its process's last one."""
    invoked: dict[int, int] = {}
    latencies: dict[int, list[float]] = {}
    failed: dict[int, int] = {}
    unknown: dict[int, int] = {}
    with history.open() as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError as error:
                sys.exit(f"plot.py: {history}:{number}: not JSON: {error}")
            if event.get("op") != "send" or "process" not in event:
                continue
            process, kind, time = event["process"], event["type"], event["time"]
            if kind == "invoke":
                invoked[process] = time
                continue
            start = invoked.pop(process, None)
            second = time // NANOS
            if kind == "ok" and start is not None:
                latencies.setdefault(second, []).append((time - start) / 1e6)
            elif kind == "fail":
                failed[second] = failed.get(second, 0) + 1
            elif kind == "info":
                unknown[second] = unknown.get(second, 0) + 1
    return latencies, failed, unknown


def percentile(sorted_values: list[float], p: float) -> float:
    """The nearest-rank percentile of a sorted, non-empty list."""
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(p / 100 * len(sorted_values)) - 1))]


def draw(folder: pathlib.Path, out: pathlib.Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    latencies, failed, unknown = send_timeline(folder / "history.jsonl")
    windows = json.loads((folder / "faults.json").read_text()) if (folder / "faults.json").exists() else []
    last = max([*latencies, *failed, *unknown, *(int(w["healed_s"]) for w in windows), 0])
    seconds = list(range(last + 1))
    figure, (rate, latency) = plt.subplots(2, 1, figsize=(13, 7), sharex=True,
                                           gridspec_kw={"height_ratios": [1, 1.2]})
    rate.plot(seconds, [len(latencies.get(s, [])) for s in seconds], color="tab:blue", label="ok sends/s")
    rate.plot(seconds, [failed.get(s, 0) for s in seconds], color="tab:red", linewidth=0.8, label="failed sends/s")
    rate.plot(seconds, [unknown.get(s, 0) for s in seconds], color="tab:gray", linewidth=0.8,
              label="indeterminate sends/s")
    rate.set_ylabel("sends per second")
    rate.grid(True, alpha=0.3)
    busy = [s for s in seconds if latencies.get(s)]
    for p, style in ((50, "-"), (99, "--")):
        latency.plot(busy, [percentile(sorted(latencies[s]), p) for s in busy], style, color="tab:blue",
                     linewidth=1, label=f"p{p}")
    latency.plot(busy, [max(latencies[s]) for s in busy], ":", color="tab:blue", linewidth=0.8, label="max")
    latency.set_yscale("log")
    latency.set_ylabel("ack latency (ms)")
    latency.set_xlabel("seconds since the run started")
    latency.grid(True, which="both", alpha=0.3)
    labelled: set[str] = set()
    for w in windows:
        colour = FAULT_COLOURS.get(w["kind"], "tab:green")
        for axis in (rate, latency):
            axis.axvspan(w["start_s"], max(w["healed_s"], w["start_s"] + 0.2), color=colour, alpha=0.15,
                         label=None if axis is latency or w["kind"] in labelled else w["kind"])
        labelled.add(w["kind"])
        if len(windows) > TARGETS_LABELLED_MAX:
            continue
        rate.annotate(" ".join(w["targets"]), (w["start_s"], 0.97), xycoords=("data", "axes fraction"),
                      fontsize=6, rotation=90, va="top", color=colour)
    rate.legend(fontsize="small", loc="lower right", ncol=4, framealpha=0.9)
    latency.legend(fontsize="small", loc="upper left", ncol=3)
    figure.suptitle(f"chaos run {folder.name}: acknowledged sends and their latency, faults shaded")
    figure.tight_layout()
    figure.savefig(out, dpi=110)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_folder", type=pathlib.Path)
    parser.add_argument("--out", type=pathlib.Path)
    args = parser.parse_args()
    if not (args.run_folder / "history.jsonl").exists():
        sys.exit(f"plot.py: {args.run_folder} holds no history.jsonl: is it a chaos run folder?")
    out = args.out or args.run_folder / "timeline.png"
    draw(args.run_folder, out)
    print(f"plot.py: wrote {out}")


if __name__ == "__main__":
    main()
