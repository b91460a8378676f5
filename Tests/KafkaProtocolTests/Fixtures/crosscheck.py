#!/usr/bin/env python3
"""Cross-checks Tributary's codec against kafka-python's, an independent implementation.

    python3 crosscheck.py DIR

DIR holds message bodies written by KafkaPythonCrossCheckTests, one per file, named
<MessageName>_v<version>_<seed>.bin (no header, no size prefix). Each is decoded by
kafka-python's class of that name at that version and re-encoded; the bytes must be
identical. Exits 1 and lists the mismatches otherwise. Needs kafka-python 3.x.
"""

import importlib
import os
import pkgutil
import re
import sys

import kafka.protocol

# APIs kafka-python 3.x does not implement: their samples are skipped (and counted), not failed.
# A class missing for any other message is still a failure.
NOT_IN_KAFKA_PYTHON = {"UnregisterBrokerRequest", "UnregisterBrokerResponse"}


def message_classes():
    found = {}
    for module_info in pkgutil.walk_packages(kafka.protocol.__path__, "kafka.protocol."):
        try:
            module = importlib.import_module(module_info.name)
        except ImportError:
            continue
        for name, value in vars(module).items():
            if isinstance(value, type) and name.endswith(("Request", "Response")) and getattr(value, "_json", None):
                found.setdefault(name, value)
    return found


def main(directory):
    classes = message_classes()
    failures = []
    skipped = 0
    names = [name for name in sorted(os.listdir(directory)) if re.fullmatch(r"\w+_v\d+_\d+\.bin", name)]
    for file_name in names:
        match = re.fullmatch(r"(\w+)_v(\d+)_(\d+)\.bin", file_name)
        name, version = match.group(1), int(match.group(2))
        with open(os.path.join(directory, file_name), "rb") as sample:
            data = sample.read()
        if name == "ApiVersionsResponse":
            # kafka-python (like Kafka) reads an ApiVersions error response as v0; check the
            # version's own layout by clearing the error code.
            data = b"\x00\x00" + data[2:]
        message_class = classes.get(name)
        if message_class is None and name in NOT_IN_KAFKA_PYTHON:
            skipped += 1
            continue
        if message_class is None:
            failures.append("%s: kafka-python has no class %s" % (file_name, name))
            continue
        try:
            decoded = message_class.decode(data, version=version)
            decoded._header = None
            again = bytes(decoded.encode(version=version))
        except Exception as error:  # any kafka-python failure is a mismatch to report
            failures.append("%s: kafka-python cannot read it: %s: %s" % (file_name, type(error).__name__, error))
            continue
        if again != data:
            failures.append("%s: kafka-python re-encodes %d bytes differently (%d)" % (file_name, len(data), len(again)))
    print("crosscheck: %d samples, %d mismatches, %d skipped (no kafka-python class)" % (len(names), len(failures), skipped))
    for failure in failures[:50]:
        print("  " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
