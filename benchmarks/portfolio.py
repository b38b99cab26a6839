"""Portfolio throughput: N simulated tenants, each its own simulator process, run at several concurrencies.

    python benchmarks/portfolio.py [--tenants 20] [--size s] [--latency-ms 50] [--concurrency 1 4 8] [--processes N]

For each concurrency: wall time, speed-up over concurrency 1, the slowest tenant's own wall time in that run,
and the ratio of the portfolio's wall time to the ideal: ceil(tenants / concurrency) rounds of the slowest tenant
when run alone (at concurrency 1); the target is ≤ 1.5. Also the client's peak RSS and CPU time (its own and its
worker processes'). Tenants are spread over min(cores, concurrency) worker processes as `portfolio run` spreads
them, or --processes N (1: every tenant in this process). Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from m365exit.portfolio import runner, spec


def serve(state: Path, seed: int, size: str, latency_ms: int) -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = subprocess.Popen([sys.executable, "-m", "m365exit", "simulator", "serve", "--size", size, "--seed",
                                str(seed), "--state-dir", str(state), "--latency-ms", str(latency_ms)],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    env: dict[str, str] = {}
    for line in process.stdout:
        if line.startswith("export "):
            name, value = line[7:].rstrip("\n").split("=", 1)
            env[name] = shlex.split(value)[0]
        elif line.startswith("#"):
            break
    return process, env


def _cpu() -> float:
    """CPU seconds of this process and of the worker processes it has waited for (the simulators, children too,
    still run: they are not counted)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--size", default="s")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--processes", type=int, help="worker processes (default: one per core, at most concurrency)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="m365exit-portfolio-bench-"))
    servers = [serve(root / f"sim{n}", n, args.size, args.latency_ms) for n in range(1, args.tenants + 1)]
    try:
        lines = ["tenants:"]
        env: dict[str, str] = {}
        for n, (_, e) in enumerate(servers, start=1):
            lines += [f"  - id: t{n:02}", f"    tenant: {e['AZURE_TENANT_ID']}",
                      f"    client_id: {e['AZURE_CLIENT_ID']}", f"    client_secret_env: T{n}_SECRET",
                      f"    graph_endpoint: {e['M365EXIT_GRAPH_ENDPOINT']}",
                      f"    authority_host: {e['M365EXIT_AUTHORITY_HOST']}"]
            env[f"T{n}_SECRET"] = e["AZURE_CLIENT_SECRET"]
        (root / "portfolio.yaml").write_text("\n".join(lines) + "\n")
        bundle = root / "cas.pem"
        bundle.write_text("".join(Path(e["REQUESTS_CA_BUNDLE"]).read_text() for _, e in servers))
        os.environ.update(env)
        os.environ["REQUESTS_CA_BUNDLE"] = str(bundle)
        tenants = spec.load(root / "portfolio.yaml").tenants
        print(f"{args.tenants} tenants, size {args.size}, {args.latency_ms} ms per request, {os.cpu_count()} cores")
        print(f"{'concurrency':>11} {'processes':>9} {'wall s':>8} {'speed-up':>9} {'slowest tenant s':>17} "
              f"{'wall/ideal':>11} {'failed':>7} {'peak RSS MiB':>13} {'client CPU s':>13}")
        base = alone = None
        for concurrency in args.concurrency:
            spans: dict[str, list[float]] = {}
            events = runner.Events(started=lambda t, _n, spans=spans: spans.setdefault(t.id, [time.perf_counter()]),
                                   finished=lambda row, spans=spans: spans[row.id].append(time.perf_counter()))
            processes = min(args.processes or os.cpu_count() or 1, concurrency)
            started, cpu = time.perf_counter(), _cpu()
            outcome = runner.run(tenants, root / f"out-{concurrency}", runner.RunOptions(
                formats=("json",), concurrency=concurrency, processes=processes), events)
            wall, cpu = time.perf_counter() - started, _cpu() - cpu
            slowest = max(end - begin for begin, end in spans.values())
            base = base or wall
            alone = alone or slowest  # the first run is at concurrency 1: each tenant alone
            ideal = math.ceil(len(tenants) / concurrency) * alone
            failed = sum(r.status == "failed" for r in outcome.rows)
            rss = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                      ) / 1024  # the largest process: this one or a worker
            print(f"{concurrency:>11} {outcome.processes:>9} {wall:>8.1f} {base / wall:>8.1f}× {slowest:>17.1f} "
                  f"{wall / ideal:>10.2f}× {failed:>7} {rss:>13.0f} {cpu:>13.1f}")
    finally:
        for process, _ in servers:
            process.send_signal(signal.SIGTERM)
        for process, _ in servers:
            process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
