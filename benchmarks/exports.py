"""Time and size of each export format for one snapshot.

    python benchmarks/exports.py [SNAPSHOT] [--lang fr] [--repeat 3]

Default snapshot: tests/golden/snapshot.json (the demo tenant). Prints one line per format: best wall time
over the repeats, files written and total bytes; asserts nothing (tests never assert on time).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from m365exit import pipeline, report
from m365exit import snapshot as snap

DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "golden" / "snapshot.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("snapshot", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--lang", default="fr")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    source = snap.load(args.snapshot)
    start = time.perf_counter()
    assessment = pipeline.evaluate(source, pipeline.AssessOptions(lang=args.lang))
    print(f"evaluate: {time.perf_counter() - start:.2f} s ({len(source.facts)} facts)")
    for fmt in report.FORMATS:
        best = float("inf")
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.repeat):
                start = time.perf_counter()
                written = report.write(assessment, Path(tmp), [fmt], args.lang)
                best = min(best, time.perf_counter() - start)
            size = sum(p.stat().st_size for p in written)
        print(f"{fmt:5} {best:6.2f} s  {len(written):3} file(s)  {size:>9,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
