"""Reads one figure from a chaos report.json (chaos/README.md), for Tests/cluster/chaos.

    chaos_report.py REPORT ok OPERATION     acknowledged (ok) operations of that kind
    chaos_report.py REPORT anomaly KIND     anomalies of that kind (0 when none)
"""
import json
import sys


def main(path, what, name):
    report = json.load(open(path))
    if what == "ok":
        counts = {x["operation"]: x["counts"]["ok"] for x in report["operations"]}
        return counts.get(name, 0)
    if what == "anomaly":
        return sum(x["count"] for x in report["anomalies"] if x["kind"] == name)
    sys.exit(f"chaos_report.py: unknown figure '{what}' (ok or anomaly)")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    print(main(*sys.argv[1:]))
