"""Collection cost against the simulator: requests issued versus the minimal plan, time, peak memory.

    python benchmarks/collect.py --size m [--latency-ms 20] [--throttle [--time-scale 0.01] [--storm 0.2]]
                                 [--fault-rate 0.05] [--workloads identity teams]

Prints one line per service and the ratios; assert nothing (tests never assert on time).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from m365exit import pipeline
from m365exit.auth import AuthSettings
from m365exit.simulator import Simulator, SimulatorOptions, generate_tenant
from m365exit.simulator.faults import Faults, Throttling


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="m")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--workloads", nargs="*")
    parser.add_argument("--throttle", action="store_true", help="the documented per-service limits")
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--storm", type=float, default=0.0)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    args = parser.parse_args()
    throttling = (Throttling(time_scale=args.time_scale, storm=args.storm, decimal_retry_after=True)
                  if args.throttle or args.storm else None)
    faults = Faults(rate=args.fault_rate, seed=args.seed) if args.fault_rate else None

    started = time.perf_counter()
    tenant = generate_tenant(args.size, args.seed)
    generated = time.perf_counter() - started
    plan = tenant.minimal_requests()
    with tempfile.TemporaryDirectory() as state, Simulator(
        tenant, SimulatorOptions(latency_ms=args.latency_ms, throttling=throttling, faults=faults),
        state_dir=Path(state)
    ) as sim:
        settings = AuthSettings.from_env(sim.env())
        options = pipeline.CollectOptions(workloads=args.workloads, ca_bundle=str(sim.ca_path))
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        snapshot = pipeline.collect(settings, options)
        seconds = time.perf_counter() - started
        served = sim.counters()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    issued = {name: stats.requests for name, stats in snapshot.requests.items()}
    throttled = sum(s.throttled for s in snapshot.requests.values())
    retries = sum(s.retries for s in snapshot.requests.values())
    total = sum(issued.values())
    print(f"size={args.size} users={tenant.truths().get('identity.users_total')} generated_in={generated:.2f}s "
          f"latency={args.latency_ms}ms throttling={throttling} faults={faults}")
    print(f"collected {len(snapshot.facts)} facts, {len(snapshot.issues)} issues in {seconds:.2f}s; "
          f"peak RSS {peak_mib:.0f} MiB (before collection {rss_before / 1024:.0f} MiB)")
    print(f"{'service':<20}{'issued':>10}{'minimal':>10}{'ratio':>8}")
    for name in sorted(set(issued) | {k for k in plan if k != 'total'}):
        minimal = plan.get(name)
        ratio = f"{issued.get(name, 0) / minimal:.2f}" if minimal else "-"
        print(f"{name:<20}{issued.get(name, 0):>10}{minimal if minimal is not None else '-':>10}{ratio:>8}")
    minimal_total = plan.get("total") or sum(v for k, v in plan.items() if k != "total")
    print(f"{'total':<20}{total:>10}{minimal_total:>10}{total / minimal_total:>8.2f}")
    print(f"client: throttled {throttled}, retries {retries}; simulator: throttled {served['total']['throttled']}, "
          f"faults {served['total']['faults']}")
    print("max in flight per service: " + ", ".join(f"{k}={v['max_in_flight']}" for k, v in sorted(served.items())
                                                    if k not in ("total", "auth")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
