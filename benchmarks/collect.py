"""Collection cost against the simulator: requests versus the minimal plan, wall time versus the critical
path, and the client's peak memory, at one or several tenant sizes.

    PYTHONPATH=. python benchmarks/collect.py --sizes s m l xl [--latency-ms 50] [--seed 1]
                 [--throttle [--time-scale 0.01] [--storm 0.2]] [--fault-rate 0.05] [--workloads identity teams]

The simulator runs in this process; the client (`pipeline.collect`, as `m365exit collect` runs it) runs in a
child process, so its peak RSS is its own. One line per size, then how each figure grows with size; with a
single size, the requests per service too. Asserts nothing (tests never assert on time).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from m365exit.simulator import Simulator, SimulatorOptions, generate_tenant
from m365exit.simulator.critical_path import critical_path
from m365exit.simulator.faults import Faults, Throttling


def peak_rss_mib() -> float:
    """This process's peak RSS since exec (VmHWM): ru_maxrss would also count the forked parent's pages."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(workloads: list[str] | None) -> int:
    """The client: collect once, print wall time, peak RSS and the per-service requests as JSON."""
    from m365exit import pipeline
    from m365exit.auth import AuthSettings

    settings = AuthSettings.from_env(dict(os.environ))
    started = time.perf_counter()
    snapshot = pipeline.collect(settings, pipeline.CollectOptions(workloads=workloads,
                                                                  ca_bundle=os.environ["REQUESTS_CA_BUNDLE"]))
    wall = time.perf_counter() - started
    print(json.dumps({
        "wall": wall, "rss_mib": peak_rss_mib(),
        "cpu": resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
        "facts": len(snapshot.facts), "issues": len(snapshot.issues),
        "requests": {name: s.model_dump() for name, s in snapshot.requests.items()},
    }))
    return 0


def run(size: str, args: argparse.Namespace) -> dict[str, Any]:
    throttling = (Throttling(time_scale=args.time_scale, storm=args.storm, decimal_retry_after=True)
                  if args.throttle or args.storm else None)
    faults = Faults(rate=args.fault_rate, seed=args.seed) if args.fault_rate else None
    started = time.perf_counter()
    tenant = generate_tenant(size, args.seed)
    generated = time.perf_counter() - started
    options = SimulatorOptions(latency_ms=args.latency_ms, throttling=throttling, faults=faults,
                               empty_page_every=args.empty_page_every)
    with tempfile.TemporaryDirectory() as state, Simulator(tenant, options, state_dir=Path(state)) as sim:
        command = [sys.executable, __file__, "--child", *(["--workloads", *args.workloads] if args.workloads else [])]
        done = subprocess.run(command, env={**os.environ, **sim.env(), "PYTHONPATH": str(Path.cwd())},
                              capture_output=True, text=True, check=False, timeout=3600)
        served = sim.counters()
        plan = sim.minimal_requests()
    if done.returncode:
        raise SystemExit(f"the client failed ({done.returncode}): {done.stderr[-2000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    path = critical_path(tenant, args.latency_ms, empty_page_every=args.empty_page_every,
                         auth_hops=max(1, served.get("auth", {}).get("requests", 2)))
    return {"size": size, "users": len(tenant.users), "generated": generated, "plan": plan, "served": served,
            "path": path, **out}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", nargs="+", default=["m"])
    parser.add_argument("--size", help="one size (same as --sizes SIZE)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--empty-page-every", type=int, default=0)
    parser.add_argument("--workloads", nargs="*")
    parser.add_argument("--throttle", action="store_true", help="the documented per-service limits")
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--storm", type=float, default=0.0)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    args = parser.parse_args()
    if args.child:
        return child(args.workloads)
    sizes = [args.size] if args.size else args.sizes
    print(f"latency {args.latency_ms} ms, seed {args.seed}, empty page every {args.empty_page_every or '-'}, "
          f"throttling {'on' if args.throttle or args.storm else 'off'}, fault rate {args.fault_rate}")
    print(f"{'size':<5}{'users':>8}{'requests':>10}{'minimal':>9}{'ratio':>7}{'wall s':>9}{'critical s':>11}"
          f"{'wall/cp':>9}{'peak RSS MiB':>14}{'facts':>7}{'issues':>7}")
    rows = []
    for size in sizes:
        r = run(size, args)
        rows.append(r)
        issued = sum(s["requests"] for s in r["requests"].values())
        r["issued"] = issued
        cp = r["path"].bounded_s
        ratio = f"{r['wall'] / cp:.2f}" if cp else "-"
        print(f"{size:<5}{r['users']:>8}{issued:>10}{r['plan']['total']:>9}{issued / r['plan']['total']:>7.2f}"
              f"{r['wall']:>9.2f}{cp:>11.2f}{ratio:>9}{r['rss_mib']:>14.0f}{r['facts']:>7}{r['issues']:>7}", flush=True)
    for before, after in itertools.pairwise(rows):
        grow = after["users"] / before["users"]
        print(f"{before['size']} -> {after['size']} (users x{grow:.1f}): "
              f"requests x{after['issued'] / before['issued']:.1f}, wall x{after['wall'] / before['wall']:.1f}, "
              f"peak RSS x{after['rss_mib'] / before['rss_mib']:.1f}")
    if len(rows) == 1:
        r = rows[0]
        print(f"{'service':<20}{'issued':>8}{'minimal':>9}{'batches':>9}{'inner':>7}{'throttled':>10}{'retries':>8}"
              f"{'peak in flight':>15}")
        for name in sorted(set(r["requests"]) | {k for k in r["plan"] if k != "total"}):
            s = r["requests"].get(name, {})
            print(f"{name:<20}{s.get('requests', 0):>8}{r['plan'].get(name, '-'):>9}{s.get('batches', 0):>9}"
                  f"{s.get('inner_requests', 0):>7}{s.get('throttled', 0):>10}{s.get('retries', 0):>8}"
                  f"{r['served'].get(name, {}).get('max_in_flight', 0):>15}")
        print(f"critical path: chain {r['path'].chain_hops} requests ({r['path'].chain_s:.2f} s); with 4 in flight "
              f"per service {r['path'].bounded_hops} ({r['path'].bounded_s:.2f} s), longest: {r['path'].longest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
