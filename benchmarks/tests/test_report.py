"""Checks of the result shape and of the report's ratios and placeholders.

Run: python3 -m unittest discover -s benchmarks/tests
"""
import json
import pathlib
import sys
import tempfile
import unittest

BENCH_DIR = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR / "lib"))
import report  # noqa: E402
import results  # noqa: E402


def peer(system, variant, concurrency, records_per_s, p99_us, workload="put"):
    return results.wrap({"records_per_s": records_per_s, "mb_per_s": records_per_s * 1024 / 1e6, "p99_us": p99_us},
                        {"kind": "peer", "system": system, "variant": variant, "workload": workload,
                         "value_bytes": 1024, "concurrency": concurrency, "notes": ""})


def tributary(records_per_s, p99_us, replication_factor=3, acks="all", concurrency=16, partitions=1, client=None):
    fields = {"kind": "tributary", "system": "tributary", "variant": f"RF{replication_factor} acks={acks}",
              "workload": "produce", "value_bytes": 1024, "concurrency": concurrency, "notes": "",
              "replication_factor": replication_factor, "acks": acks, "partitions": partitions}
    if client:
        fields["client"] = client
    return results.wrap({"records_per_s": records_per_s, "mb_per_s": records_per_s * 1024 / 1e6, "p99_us": p99_us}, fields)


def ratio_value(rows, starts_with):
    return next(r["value"] for r in rows if r["ratio"].startswith(starts_with))


class ResultShapeTests(unittest.TestCase):
    def test_a_result_without_a_system_is_rejected_with_the_field_named(self):
        with self.assertRaisesRegex(results.ResultError, "'system'"):
            results.check({"schema": 1, "kind": "peer", "variant": "", "workload": "", "notes": ""})

    def test_per_record_latencies_give_rate_percentiles_and_a_cdf_in_any_order(self):
        raw = results.from_latencies([300, 100, 200, 400], errors=1, window_s=2.0, value_bytes=1000, concurrency=1)
        self.assertEqual((raw["records"], raw["records_per_s"], raw["mb_per_s"]), (4, 2.0, 0.002))
        self.assertEqual((raw["p50_us"], raw["p99_us"], raw["max_us"], raw["errors"]), (200, 400, 400, 1))
        self.assertEqual(raw["cdf_us"][0], [1, 100])
        results.wrap(raw, {"kind": "tributary", "system": "tributary", "variant": "v", "workload": "produce", "notes": ""})

    def test_a_non_numeric_throughput_is_rejected(self):
        with self.assertRaisesRegex(results.ResultError, "records_per_s"):
            results.wrap({"records_per_s": "fast"}, {"kind": "peer", "system": "etcd", "variant": "3 members",
                                                     "workload": "put", "notes": ""})

    def test_load_reads_every_json_file_below_a_folder(self):
        with tempfile.TemporaryDirectory() as folder:
            (pathlib.Path(folder) / "sub").mkdir()
            (pathlib.Path(folder) / "a.json").write_text(json.dumps(peer("etcd", "3 members", 1, 10, 5)))
            (pathlib.Path(folder) / "sub" / "b.json").write_text(json.dumps([tributary(100, 5)]))
            self.assertEqual(len(results.load([folder])), 2)

    def test_load_reads_back_a_merged_report(self):
        with tempfile.TemporaryDirectory() as folder:
            path = pathlib.Path(folder) / "report.json"
            path.write_text(json.dumps({"results": [tributary(100, 5)], "ratios": []}))
            self.assertEqual(results.load([str(path)])[0]["records_per_s"], 100)


class RatioTests(unittest.TestCase):
    def test_ratios_without_tributary_say_not_measured_yet_and_show_the_peer_side(self):
        rows = report.ratios([peer("etcd", "3 members", 16, 2000, 20000)])
        etcd = [r for r in rows if "etcd" in r["ratio"]]
        self.assertEqual({r["value"] for r in etcd}, {report.NOT_MEASURED})
        self.assertIn("2,000 rec/s", etcd[0]["from"])

    def test_tributary_is_compared_with_etcd_at_equal_concurrency(self):
        rows = report.ratios([peer("etcd", "3 members", 16, 2000, 20000), tributary(30000, 10000, concurrency=16),
                              tributary(99999, 1, concurrency=64)])
        self.assertEqual(ratio_value(rows, "Tributary RF3 acks=all rec/s ÷ etcd"), "15.00")
        self.assertEqual(ratio_value(rows, "Tributary RF3 acks=all p99 ÷ etcd"), "0.50")

    def test_a_batched_tributary_run_is_not_compared_with_a_peer(self):
        batched = tributary(900000, 1000, concurrency=16)
        batched["records_per_request"] = 100
        rows = report.ratios([peer("etcd", "3 members", 16, 2000, 20000), batched])
        self.assertEqual(ratio_value(rows, "Tributary RF3 acks=all rec/s ÷ etcd"), report.NOT_MEASURED)

    def test_acks_given_as_a_number_still_selects_the_rf1_acks_1_run(self):
        rows = report.ratios([peer("redis-streams", "appendfsync everysec", 16, 40000, 500, "xadd"),
                              tributary(20000, 400, replication_factor=1, acks=1)])
        self.assertEqual(ratio_value(rows, "Tributary RF1 acks=1"), "0.50")

    def test_each_nats_variant_gets_its_own_ratio(self):
        rows = report.ratios([peer("nats-jetstream", "R3 file, default sync", 16, 10000, 8000, "publish-with-ack"),
                              peer("nats-jetstream", "R3 file, sync always (v2.15.1)", 16, 4000, 11000,
                                   "publish-with-ack"),
                              tributary(8000, 4000)])
        self.assertEqual(ratio_value(rows, "Tributary RF3 acks=all rec/s ÷ NATS JetStream R3 file, default sync"), "0.80")
        self.assertEqual(ratio_value(rows, "Tributary RF3 acks=all rec/s ÷ NATS JetStream R3 file, sync always"), "2.00")

    def test_a_raw_socket_run_gets_ratios_of_its_own_and_leaves_the_tributary_perf_ratio_alone(self):
        rows = report.ratios([peer("nats-jetstream", "R3 file, sync always", 1, 1000, 2000, workload="publish-with-ack"),
                              tributary(800, 4000, concurrency=1),
                              tributary(1600, 1500, concurrency=1, client=report.RAW_CLIENT)])
        self.assertEqual(ratio_value(rows, "Tributary RF3 acks=all rec/s ÷ NATS"), "0.80")
        self.assertEqual(ratio_value(rows, "Tributary RF3 acks=all p99 ÷ NATS"), "2.00")
        self.assertEqual(ratio_value(rows, "Tributary RF3 acks=all, raw socket client, rec/s ÷ NATS"), "1.60")
        self.assertEqual(ratio_value(rows, "Tributary RF3 acks=all rec/s through tributary perf ÷ through a raw"), "0.50")
        self.assertFalse(any(r["ratio"].startswith("Tributary RF1 acks=1 rec/s through") for r in rows))

    def test_with_several_partition_counts_the_single_partition_run_is_compared_with_nats(self):
        rows = report.ratios([peer("nats-jetstream", "R3 file, default sync", 16, 10000, 8000, "publish-with-ack"),
                              tributary(20000, 4000, partitions=1), tributary(50000, 4000, partitions=6)])
        self.assertEqual(ratio_value(rows, "Tributary RF3 acks=all rec/s ÷ NATS"), "2.00")

    def test_the_partition_scaling_ratio_divides_1000_by_6_partitions_at_equal_concurrency(self):
        rows = report.ratios([tributary(35000, 1, partitions=1000), tributary(50000, 1, partitions=6),
                              tributary(99999, 1, partitions=6, concurrency=64)])
        self.assertEqual(ratio_value(rows, "Tributary 1,000-partition"), "0.70")

    def test_without_a_scaling_series_the_partition_ratio_is_not_measured_yet(self):
        rows = report.ratios([tributary(50000, 1, partitions=6)])
        self.assertEqual(ratio_value(rows, "Tributary 1,000-partition"), report.NOT_MEASURED)

    def test_crc32c_is_compared_with_the_memory_copy_bandwidth(self):
        memory = results.wrap({"mb_per_s": 4000.0}, {"kind": "limit", "system": "memory", "variant": "one thread",
                                                     "workload": "copy", "notes": ""})
        crc = results.wrap({"mb_per_s": 1000.0}, {"kind": "tributary", "system": "tributary", "variant": "SSE4.2",
                                                  "workload": "crc32c", "notes": ""})
        self.assertEqual(ratio_value(report.ratios([memory]), "Tributary CRC32C"), report.NOT_MEASURED)
        self.assertEqual(ratio_value(report.ratios([memory, crc]), "Tributary CRC32C"), "0.25")


    def test_the_idle_cluster_reports_memory_per_group_and_its_cpu(self):
        rest = results.wrap({"window_s": 10.0}, {"kind": "tributary", "system": "tributary", "variant": "idle",
                                                 "workload": "idle", "notes": "", "groups": 3030, "rss_mib": 250,
                                                 "memory_per_group_kib": 42, "server_cpu_percent": 7})
        row = next(r for r in report.ratios([rest]) if r["ratio"].startswith("Tributary memory per hosted Raft group"))
        self.assertEqual(row["value"], "42 KiB")
        self.assertIn("3030 groups", row["ratio"])
        self.assertIn("7 % of a core", row["from"])
        self.assertTrue(report.measurement_row(rest).endswith("| 7 | – |"))

class MarkdownTests(unittest.TestCase):
    def test_the_report_lists_peers_and_a_tributary_placeholder(self):
        text = report.markdown([peer("etcd", "3 members", 16, 2000, 20000)], "title")
        self.assertIn("| etcd | 3 members | put | 1 KiB | 16 | 2,000 |", text)
        self.assertIn("## Tributary\n\nnot measured yet", text)

    def test_micro_benchmarks_and_allocations_get_their_own_table_and_not_the_tributary_one(self):
        encode = results.wrap({"records_per_s": 7000000, "mb_per_s": 7500, "allocations_per_record": 0.19},
                              {"kind": "tributary", "system": "tributary", "variant": "record batch encode, 16 records",
                               "workload": "record-batch", "value_bytes": 1024, "concurrency": 1, "notes": ""})
        server = results.wrap({"allocations_per_record": 31.5},
                              {"kind": "tributary", "system": "tributary", "variant": "RF3 acks=all, batched",
                               "workload": "allocations", "value_bytes": 1024, "notes": ""})
        text = report.markdown([tributary(5000, 4000), encode, server], "title")
        mine, micro = text.split("## Micro benchmarks and heap allocations")
        self.assertIn("| RF3 acks=all | produce |", mine)
        self.assertNotIn("record batch encode", mine)
        self.assertIn("| record batch encode, 16 records | record-batch | 1 KiB | 7,000,000 | 7,500 | 0.19 |", micro)
        self.assertIn("| RF3 acks=all, batched | allocations | 1 KiB | – | – | 31.50 |", micro)
        header_cells = report.MICRO_HEADER.splitlines()[0].count("|")
        for line in micro.splitlines():
            if line.startswith("| RF3") or line.startswith("| record"):
                self.assertEqual(line.count("|"), header_cells)

    def test_an_unmeasured_row_has_as_many_cells_as_the_header(self):
        row = report.measurement_row(results.wrap({}, {"kind": "peer", "system": "s", "variant": "v",
                                                       "workload": "w", "notes": ""}))
        self.assertEqual(row.count("|"), report.MEASUREMENT_HEADER.splitlines()[0].count("|"))


if __name__ == "__main__":
    unittest.main()
