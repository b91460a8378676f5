#!/usr/bin/env python3
"""Merges benchmark result files (the shape in lib/results.py) into a markdown report: the
machine's limits, the peers, Tributary, and the ratios issue #8 asks for. Optionally writes the
merged JSON and PNG plots (matplotlib: latency by percentile at 1 KiB, throughput bars, and, once
Tributary results exist, throughput against partitions and against record size).

Ratios whose Tributary side is missing say "not measured yet" and still show the other side.

usage: report.py RESULT_FILE_OR_DIR... [--json OUT.json] [--plots DIR] [--title TEXT]
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import results as result_shape  # noqa: E402

NOT_MEASURED = "not measured yet"
KIB = 1024
# Tributary's in-process benchmarks and the allocation count: a table of their own, no latency.
MICRO_WORKLOADS = ("crc32c", "record-batch", "raft-core", "allocations")


# ---------------------------------------------------------------- selection

def select(results: list[dict], **criteria) -> list[dict]:
    """The results whose fields equal every criterion (None criteria are ignored)."""
    return [r for r in results if all(v is None or r.get(k) == v for k, v in criteria.items())]


RAW_CLIENT = "raw socket"


def tributary(results: list[dict], replication_factor: int, acks: str, value_bytes: int | None = None,
              concurrency: int | None = None, partitions: int | None = None, client: str | None = None) -> dict | None:
    """The unbatched Tributary produce result for a configuration; with several partition counts,
    the fewest (a single Raft group is what a single NATS stream or etcd cluster is). Measured
    through tributary perf unless `client` names another (RAW_CLIENT: raw_produce.py)."""
    rows = select(results, kind="tributary", workload="produce", replication_factor=replication_factor,
                  value_bytes=value_bytes, concurrency=concurrency, partitions=partitions)
    rows = [r for r in rows if str(r.get("acks")) == acks]  # acks=1 may arrive as a number
    rows = [r for r in rows if r.get("client") == client]
    # Only unbatched runs are comparable with the peers, which send one record per request.
    rows = [r for r in rows if r.get("records_per_s") is not None and r.get("records_per_request", 1) == 1]
    return min(rows, key=lambda r: r.get("partitions") or 0) if rows else None


def measured(results: list[dict], **criteria) -> list[dict]:
    """Like select, without the placeholder results that carry no figures."""
    return [r for r in select(results, **criteria) if r.get("records_per_s") is not None or r.get("mb_per_s") is not None]


# ---------------------------------------------------------------- ratios

def _ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or not denominator:
        return NOT_MEASURED
    return f"{numerator / denominator:.2f}"


def _rate(row: dict) -> str:
    return f"{row['records_per_s']:,.0f} rec/s, p99 {format_us(row.get('p99_us'))} µs"


def ratios(results: list[dict]) -> list[dict]:
    """Every ratio of issue #8 that has its reference side measured; Tributary's side may be missing."""
    rows = []
    disk = measured(results, kind="limit", system="disk", workload="seq-write")
    if disk:
        limit = disk[0]["mb_per_s"] / 3
        best = max((r for r in select(results, kind="tributary", workload="produce", replication_factor=3, acks="all")
                    if r.get("mb_per_s") is not None), key=lambda r: r["mb_per_s"], default=None)
        rows.append({"ratio": "Tributary RF3 acks=all MB/s ÷ (disk sequential MB/s ÷ 3)", "goal": "≥ 0.5",
                     "value": _ratio(best and best["mb_per_s"], limit),
                     "from": f"disk {disk[0]['mb_per_s']:,.0f} MB/s ÷ 3 = {limit:,.0f} MB/s"})
    for system, name, goal_rate in (("nats-jetstream", "NATS JetStream", "≥ 1"), ("etcd", "etcd", "≥ 10")):
        for peer in measured(results, kind="peer", system=system, value_bytes=KIB):
            mine = tributary(results, 3, "all", KIB, peer["concurrency"])
            c = peer["concurrency"]
            label = f"{name} {peer['variant']}"
            rows.append({"ratio": f"Tributary RF3 acks=all rec/s ÷ {label} (1 KiB, C={c})", "goal": goal_rate,
                         "value": _ratio(mine and mine["records_per_s"], peer["records_per_s"]),
                         "from": f"{system}: {_rate(peer)}"})
            rows.append({"ratio": f"Tributary RF3 acks=all p99 ÷ {label} p99 (1 KiB, C={c})", "goal": "≤ 1",
                         "value": _ratio(mine and mine.get("p99_us"), peer.get("p99_us")),
                         "from": f"{system}: p99 {format_us(peer.get('p99_us'))} µs"})
            raw = tributary(results, 3, "all", KIB, c, client=RAW_CLIENT)
            if raw:
                rows.append({"ratio": f"Tributary RF3 acks=all, raw socket client, rec/s ÷ {label} (1 KiB, C={c})",
                             "goal": "(reference)", "value": _ratio(raw["records_per_s"], peer["records_per_s"]),
                             "from": f"{system}: {_rate(peer)}; the server without the Swift client's cost"})
    for rf, acks in ((3, "all"), (1, "1")):
        raw, perf = tributary(results, rf, acks, KIB, 1, client=RAW_CLIENT), tributary(results, rf, acks, KIB, 1)
        if raw and perf:
            rows.append({"ratio": f"Tributary RF{rf} acks={acks} rec/s through tributary perf ÷ through a raw socket client (1 KiB, C=1)",
                         "goal": "(reference)", "value": _ratio(perf["records_per_s"], raw["records_per_s"]),
                         "from": f"raw socket client: {_rate(raw)}; below 1 by what the Swift client costs"})
    for peer in measured(results, kind="peer", system="redis-streams", variant="appendfsync everysec", value_bytes=KIB):
        mine = tributary(results, 1, "1", KIB, peer["concurrency"])
        rows.append({"ratio": f"Tributary RF1 acks=1 rec/s ÷ Redis Streams XADD everysec (1 KiB, C={peer['concurrency']})",
                     "goal": "(reference)", "value": _ratio(mine and mine["records_per_s"], peer["records_per_s"]),
                     "from": f"redis-streams: {_rate(peer)}"})
    memory = measured(results, kind="limit", system="memory", workload="copy")
    if memory:
        crc = next(iter(measured(results, kind="tributary", workload="crc32c")), None)
        rows.append({"ratio": "Tributary CRC32C MB/s ÷ memory copy MB/s (one thread)", "goal": "(reference)",
                     "value": _ratio(crc and crc["mb_per_s"], memory[0]["mb_per_s"]),
                     "from": f"memory copy {memory[0]['mb_per_s']:,.0f} MB/s"})
    for rest in select(results, kind="tributary", workload="idle"):
        rows.append({"ratio": f"Tributary memory per hosted Raft group at rest ({rest.get('groups')} groups on 3 nodes)",
                     "goal": "(reference)", "value": f"{rest.get('memory_per_group_kib', 0):,} KiB",
                     "from": f"nodes at rest: {format_number(rest.get('server_cpu_percent'))} % of a core, {rest.get('rss_mib')} MiB resident"})
    pairs = [(wide, narrow) for wide in measured(results, kind="tributary", workload="produce", replication_factor=3,
                                                 acks="all", partitions=1000)
             for narrow in measured(results, kind="tributary", workload="produce", replication_factor=3, acks="all",
                                    partitions=6, value_bytes=wide.get("value_bytes"),
                                    concurrency=wide.get("concurrency"))]
    for wide, narrow in pairs or [(None, None)]:
        where = f" ({result_shape.format_bytes(wide.get('value_bytes'))}, C={wide.get('concurrency')})" if wide else ""
        rows.append({"ratio": f"Tributary 1,000-partition ÷ 6-partition throughput (RF3 acks=all){where}",
                     "goal": "≥ 0.7", "value": _ratio(wide and wide["records_per_s"], narrow and narrow["records_per_s"]),
                     "from": "Tributary's scaling series, same record size and concurrency"})
    return rows


# ---------------------------------------------------------------- markdown

def format_us(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def format_number(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


MEASUREMENT_HEADER = ("| system | variant | workload | size | C | records/s | MB/s | p50 µs | p99 µs | p99.9 µs "
                      "| max µs | client CPU % | server CPU % | errors |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def measurement_row(r: dict) -> str:
    if r.get("workload") == "idle":
        cells = ["–"] * 7 + [format_number(r.get("server_cpu_percent")), "–"]
    elif r.get("records_per_s") is None and r.get("mb_per_s") is None:
        cells = ["not measured (see notes)"] + ["–"] * 8
    else:
        cells = [format_number(r.get("records_per_s")), format_number(r.get("mb_per_s"), 1),
                 format_us(r.get("p50_us")), format_us(r.get("p99_us")), format_us(r.get("p999_us")),
                 format_us(r.get("max_us")), format_number(r.get("client_cpu_percent")),
                 format_number(r.get("server_cpu_percent")), format_number(r.get("errors"))]
    return "| " + " | ".join([r["system"], r["variant"], r["workload"], result_shape.format_bytes(r.get("value_bytes")),
                              str(r.get("concurrency") or "–")] + cells) + " |"


def notes_list(rows: list[dict]) -> list[str]:
    """Each distinct note once, labelled by the system and variant it belongs to."""
    seen, lines = set(), []
    for r in rows:
        key = (r["system"], r["variant"], r["workload"], r.get("notes", ""))
        if r.get("notes") and key not in seen:
            seen.add(key)
            lines.append(f"- **{r['system']} {r['variant']} ({r['workload']})**: {r['notes'].strip()}")
    return lines


def section(title: str, rows: list[dict]) -> list[str]:
    order = lambda r: (r["system"], r["variant"], r["workload"], r.get("value_bytes") or 0, r.get("concurrency") or 0)
    rows = sorted(rows, key=order)
    return [f"## {title}", "", MEASUREMENT_HEADER, *map(measurement_row, rows), "", *notes_list(rows), ""]


MICRO_HEADER = ("| benchmark | workload | size | records/s | MB/s | allocations per record |\n"
                "|---|---|---|---|---|---|")


def micro_section(rows: list[dict]) -> list[str]:
    order = lambda r: (MICRO_WORKLOADS.index(r["workload"]), r["variant"], r.get("value_bytes") or 0)
    rows = sorted(rows, key=order)
    lines = ["## Micro benchmarks and heap allocations", "", MICRO_HEADER]
    lines += [f"| {r['variant']} | {r['workload']} | {result_shape.format_bytes(r.get('value_bytes'))} "
              f"| {format_number(r.get('records_per_s'))} | {format_number(r.get('mb_per_s'))} "
              f"| {format_number(r.get('allocations_per_record'), 2)} |" for r in rows]
    return lines + ["", *notes_list(rows), ""]


TRIBUTARY_PLACEHOLDER = [
    "## Tributary", "",
    f"{NOT_MEASURED} in this run: `benchmarks/tributary/run` (or `benchmarks/run --only tributary`) "
    "writes results of kind `tributary` (with `replication_factor`, `acks`, `partitions`, `producers`) "
    "that appear here and in the ratios.", ""]


def markdown(results: list[dict], title: str) -> str:
    hosts = sorted({r.get("host") for r in results if r.get("host")})
    times = sorted(r["measured_at"] for r in results if r.get("measured_at"))
    lines = [f"# {title}", ""]
    if times:
        loads = [r["load_average_1m"] for r in results if r.get("load_average_1m") is not None]
        load = f" Load average (1 min) at the end of each measurement, the benchmark's own processes included: {min(loads):.2f} to {max(loads):.2f}." if loads else ""
        lines += [f"Host {', '.join(hosts)}, measured {times[0]} to {times[-1]} (UTC). One machine runs every "
                  "client and server: the peers' clusters are 3 processes on loopback sharing its cores and its disk, "
                  f"and the load generator shares the cores too (its CPU use is in the tables).{load}", ""]
    limits = select(results, kind="limit")
    lines += section("The machine's limits", limits) if limits else ["## The machine's limits", "", NOT_MEASURED, ""]
    peers = select(results, kind="peer")
    lines += section("Peers", peers) if peers else ["## Peers", "", NOT_MEASURED, ""]
    mine = [r for r in select(results, kind="tributary") if r["workload"] not in MICRO_WORKLOADS]
    lines += section("Tributary", mine) if mine else TRIBUTARY_PLACEHOLDER
    micro = [r for r in select(results, kind="tributary") if r["workload"] in MICRO_WORKLOADS]
    lines += micro_section(micro) if micro else []
    lines += ["## Ratios", "", "| ratio | goal | value | reference side |", "|---|---|---|---|"]
    lines += [f"| {r['ratio']} | {r['goal']} | {r['value']} | {r['from']} |" for r in ratios(results)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- plots

def _series_label(r: dict) -> str:
    return f"{r['system']} {r['variant']}"


def plot(results: list[dict], folder: pathlib.Path) -> list[pathlib.Path]:
    """Writes the PNG plots; returns their paths. Needs matplotlib (benchmarks/requirements.txt)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    at_1kib = [r for r in results if r.get("value_bytes") == KIB and r.get("cdf_us") and r["kind"] != "limit"
               and r.get("concurrency") is not None]
    concurrencies = sorted({r["concurrency"] for r in at_1kib})
    if at_1kib:
        figure, axes = plt.subplots(1, len(concurrencies), figsize=(6 * len(concurrencies), 4.5), squeeze=False)
        for axis, c in zip(axes[0], concurrencies):
            for r in sorted((r for r in at_1kib if r["concurrency"] == c), key=_series_label):
                points = [(1 / (1 - p / 100), v) for p, v in r["cdf_us"] if p < 100]
                axis.plot([x for x, _ in points], [v for _, v in points], marker=".", label=_series_label(r))
            # The floor under any write acknowledged after an fsync: one 4 KiB append + fdatasync.
            for r in select(results, kind="limit", workload="append+fdatasync", value_bytes=4 * KIB, concurrency=1):
                points = [(1 / (1 - p / 100), v) for p, v in r["cdf_us"] if p < 100]
                axis.plot([x for x, _ in points], [v for _, v in points], color="gray", linestyle="--",
                          label="disk: one 4 KiB append + fdatasync")
            axis.set_xscale("log")
            axis.set_yscale("log")
            ticks = [2, 10, 100, 1000, 10000, 100000]
            axis.set_xticks(ticks, ["50%", "90%", "99%", "99.9%", "99.99%", "99.999%"])
            axis.set_xlabel("percentile")
            axis.set_ylabel("latency (µs)")
            axis.set_title(f"1 KiB records, {c} in flight")
            axis.grid(True, which="major", alpha=0.3)
            axis.legend(fontsize="small")
        figure.suptitle("Latency by percentile (acknowledged writes)")
        figure.tight_layout()
        written.append(folder / "latency-by-percentile-1KiB.png")
        figure.savefig(written[-1], dpi=110)
        plt.close(figure)

    # Paced end-to-end runs and in-process benchmarks are no throughput of the system.
    bars = [r for r in results if r.get("value_bytes") == KIB and r["kind"] != "limit" and r.get("records_per_s")
            and r.get("concurrency") is not None and r["workload"] not in MICRO_WORKLOADS + ("end-to-end",)]
    if bars:
        labels = sorted({_series_label(r) for r in bars})
        c_values = sorted({r["concurrency"] for r in bars})
        figure, axis = plt.subplots(figsize=(max(7, 1.6 * len(labels)), 4.5))
        width = 0.8 / len(c_values)
        for i, c in enumerate(c_values):
            heights = [next((r["records_per_s"] for r in bars if _series_label(r) == label and r["concurrency"] == c), 0)
                       for label in labels]
            axis.bar([x + i * width for x in range(len(labels))], heights, width, label=f"C={c}")
        axis.set_xticks([x + width * (len(c_values) - 1) / 2 for x in range(len(labels))], labels, rotation=20,
                        ha="right", fontsize="small")
        axis.set_yscale("log")
        axis.set_ylabel("records/s (log)")
        axis.set_title("Throughput, 1 KiB records")
        axis.legend()
        axis.grid(True, axis="y", alpha=0.3)
        figure.tight_layout()
        written.append(folder / "throughput-1KiB.png")
        figure.savefig(written[-1], dpi=110)
        plt.close(figure)

    for field, name in (("partitions", "throughput-vs-partitions.png"), ("value_bytes", "throughput-vs-record-size.png")):
        rows = [r for r in select(results, kind="tributary", workload="produce")
                if r.get(field) and r.get("mb_per_s") and r.get("client") != RAW_CLIENT]
        if not rows:
            continue
        figure, axis = plt.subplots(figsize=(7, 4.5))
        for key in sorted({(r.get("replication_factor"), r.get("acks")) for r in rows}):
            series = sorted((r for r in rows if (r.get("replication_factor"), r.get("acks")) == key), key=lambda r: r[field])
            axis.plot([r[field] for r in series], [r["mb_per_s"] for r in series], marker="o", label=f"RF{key[0]} acks={key[1]}")
        axis.set_xscale("log")
        axis.set_xlabel(field.replace("_", " "))
        axis.set_ylabel("MB/s")
        axis.legend()
        axis.grid(True, alpha=0.3)
        figure.tight_layout()
        written.append(folder / name)
        figure.savefig(written[-1], dpi=110)
        plt.close(figure)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", help="result JSON files or folders holding them")
    parser.add_argument("--json", help="write the merged results and ratios to this file")
    parser.add_argument("--markdown", help="write the report to this file as well as printing it")
    parser.add_argument("--plots", help="write PNG plots into this folder (needs matplotlib)")
    parser.add_argument("--title", default="Tributary benchmarks")
    args = parser.parse_args(argv)
    results = result_shape.load(args.inputs)
    text = markdown(results, args.title)
    plots = plot(results, pathlib.Path(args.plots)) if args.plots else []
    if plots:
        relative_to = pathlib.Path(args.markdown).resolve().parent if args.markdown else pathlib.Path.cwd()
        text += "\n## Plots\n\n" + "".join(
            f"![{path.stem}]({os.path.relpath(path.resolve(), relative_to)})\n" for path in plots)
    print(text)
    if args.markdown:
        pathlib.Path(args.markdown).write_text(text)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"results": results, "ratios": ratios(results)}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (result_shape.ResultError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
