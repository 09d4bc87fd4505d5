"""Fuzz worker: parse many mutations of one .tflite in this process and report the outcomes.

Run by tests/test_fuzz_reader.py in a subprocess with a timeout, so a hang (timeout)
or a crash of the interpreter (negative exit status) is caught by the test.

    python tests/fuzz_worker.py MODEL SEED N_TRUNCATIONS N_FLIPS

Each mutation is parsed with ``load_model``; when it parses, ``check_model``, the MAC
count, ``inspect_model`` and the memory report run on it too.  Allowed outcomes:
success, InvalidModelError from the reader (a one-line message), or any AttendnetsError
(one line) from the report (e.g. an operator a flipped byte made unsupported).  Anything
else is printed as ``UNEXPECTED ...`` and the exit status is 1.
Prints one JSON line with the counts.
"""

import json
import random
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attendnets_base.errors import AttendnetsError, InvalidModelError  # noqa: E402
from converter.tflm.check import check_model  # noqa: E402
from converter.report.inspect import inspect_model  # noqa: E402
from converter.report.macs import model_macs  # noqa: E402
from converter.report.build import build_memory_report  # noqa: E402
from converter.tflite_model import load_model  # noqa: E402


def structural_ranges(data):
    """Byte ranges outside constant buffer contents (where flips hit the flatbuffer tables)."""
    model = load_model(data)
    spans = sorted((b.offset, b.offset + b.size_bytes) for b in model.buffers if b.offset is not None and b.size_bytes)
    ranges, pos = [], 0
    for start, end in spans:
        if start > pos:
            ranges.append((pos, start))
        pos = max(pos, end)
    if pos < len(data):
        ranges.append((pos, len(data)))
    return ranges


def mutations(data, seed, n_truncations, n_flips):
    rng = random.Random(seed)
    size = len(data)
    cuts = sorted({rng.randrange(0, size) for _ in range(n_truncations)} | {0, 4, 8, 12, 16, size - 1})
    for cut in cuts:
        yield f"truncate@{cut}", data[:cut]
    ranges = structural_ranges(data)
    weights = [end - start for start, end in ranges]
    for i in range(n_flips):
        buf = bytearray(data)
        for _ in range(rng.choice((1, 1, 2, 4, 8))):
            if i % 4 == 3:  # a quarter anywhere in the file, the rest in the flatbuffer tables
                pos = rng.randrange(size)
            else:
                start, end = rng.choices(ranges, weights=weights)[0]
                pos = rng.randrange(start, end)
            buf[pos] = rng.choice((buf[pos] ^ (1 << rng.randrange(8)), rng.randrange(256), 0xFF, 0x00))
        yield f"flip#{i}", bytes(buf)


def main():
    path, seed, n_truncations, n_flips = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    data = Path(path).read_bytes()
    counts = {"parsed": 0, "invalid": 0, "reported": 0, "unexpected": 0}
    for label, mutant in mutations(data, seed, n_truncations, n_flips):
        try:
            model = load_model(mutant)
            check_model(model)
            model_macs(model)
            inspect_model(model)
            counts["parsed"] += 1
            try:
                build_memory_report(model)
                counts["reported"] += 1
            except AttendnetsError as exc:
                if "\n" in str(exc) or not str(exc):
                    raise AssertionError(f"multi-line or empty report error {str(exc)!r}") from None
        except InvalidModelError as exc:
            message = str(exc)
            if "\n" in message or not message:
                print(f"UNEXPECTED {label}: multi-line or empty message {message!r}", flush=True)
                counts["unexpected"] += 1
            else:
                counts["invalid"] += 1
        except Exception:  # noqa: BLE001 - the point is to catch everything else
            counts["unexpected"] += 1
            print(f"UNEXPECTED {label}: {traceback.format_exc(limit=4)}", flush=True)
    print(json.dumps(counts), flush=True)
    sys.exit(1 if counts["unexpected"] else 0)


if __name__ == "__main__":
    main()
