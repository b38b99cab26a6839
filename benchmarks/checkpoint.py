"""What the collection checkpoint costs: a collection with and without it, and the checkpoint's size.

    python benchmarks/checkpoint.py --size m [--latency-ms 0] [--rounds 2]

Prints one line per round; asserts nothing (tests never assert on time).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from m365exit import checkpoint, pipeline
from m365exit.auth import AuthSettings
from m365exit.simulator import Simulator, SimulatorOptions, generate_tenant


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="m")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    tenant = generate_tenant(args.size, 1)
    with tempfile.TemporaryDirectory(prefix="m365exit-bench-") as tmp, Simulator(
            tenant, SimulatorOptions(latency_ms=args.latency_ms), state_dir=Path(tmp) / "sim") as sim:
        settings = AuthSettings.from_env(sim.env())
        options = pipeline.CollectOptions(ca_bundle=str(sim.ca_path))
        for round_ in range(1, args.rounds + 1):
            started = time.perf_counter()
            pipeline.collect(settings, options)
            plain = time.perf_counter() - started
            with checkpoint.locked(Path(tmp) / "tenant.json") as kept:
                started = time.perf_counter()
                pipeline.collect(settings, options, checkpoint=kept)
                checked = time.perf_counter() - started
                size = kept.path.stat().st_size
                kept.discard()
            print(f"{args.size} ({len(tenant.users)} users) round {round_}: without checkpoint {plain:.2f} s, "
                  f"with {checked:.2f} s; checkpoint {size / 1024:.0f} KiB for {kept.finished} sources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
