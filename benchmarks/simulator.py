"""Simulator throughput: generation time, full-collection wall time, server CPU and RSS, requests/s.

    python benchmarks/simulator.py [--sizes s m l xl] [--seed 1] [--empty-page-every 3]

For each size it generates the tenant in this process (generation time), then starts
`m365exit simulator serve --size SIZE` as its own process (as a user would), runs
`m365exit collect` against it as a second process, and reads the server's CPU time and peak
RSS from /proc. Prints one line per size; asserts nothing (tests never assert on time).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/PID/stat (fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _generation_seconds(size: str, seed: int) -> float:
    code = (
        "import time; from m365exit.simulator import generate_tenant; s = time.perf_counter(); "
        f"generate_tenant({size!r}, {seed}); print(time.perf_counter() - s)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "M365EXIT_"))}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra or {})
    return env


def _serve(size: str, seed: int, empty_page_every: int, state: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    cmd = [sys.executable, "-m", "m365exit", "simulator", "serve", "--size", size, "--seed", str(seed),
           "--state-dir", str(state), "--empty-page-every", str(empty_page_every)]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, text=True, cwd=state)
    exports: dict[str, str] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("export "):
            name, _, value = line[len("export "):].strip().partition("=")
            exports[name] = shlex.split(value)[0] if value else ""
        elif line.startswith("#"):
            return proc, exports
    raise RuntimeError(f"the simulator exited before serving (exit {proc.wait()})")


def _probe(exports: dict[str, str], path: str, threads: int, per_thread: int) -> float:
    """Requests/s of one Graph request repeated by `threads` keep-alive clients (the server's own rate)."""
    import requests

    endpoint, ca = exports["M365EXIT_GRAPH_ENDPOINT"], exports["REQUESTS_CA_BUNDLE"]
    token = requests.post(
        f"{endpoint}/{exports['AZURE_TENANT_ID']}/oauth2/v2.0/token", verify=ca, timeout=30,
        data={"grant_type": "client_credentials", "client_id": exports["AZURE_CLIENT_ID"],
              "client_secret": exports["AZURE_CLIENT_SECRET"], "scope": f"{endpoint}/.default"},
    ).json()["access_token"]

    def run() -> None:
        with requests.Session() as session:
            session.trust_env = False
            for _ in range(per_thread):
                r = session.get(f"{endpoint}/v1.0/{path}", headers={"Authorization": f"Bearer {token}"},
                                verify=ca, timeout=60)
                r.raise_for_status()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return threads * per_thread / (time.perf_counter() - started)


def bench(size: str, seed: int, empty_page_every: int) -> dict[str, Any]:
    generation = _generation_seconds(size, seed)
    with tempfile.TemporaryDirectory(prefix="m365exit-bench-") as tmp:
        state = Path(tmp)
        started = time.perf_counter()
        server, exports = _serve(size, seed, empty_page_every, state)
        startup = time.perf_counter() - started
        try:
            cpu_before = _cpu_seconds(server.pid)
            children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            collect = subprocess.run(
                [sys.executable, "-m", "m365exit", "collect", "--out", str(state / "snapshot.json")],
                env=_env(exports), capture_output=True, text=True, cwd=state,
            )
            wall = time.perf_counter() - started
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            server_cpu = _cpu_seconds(server.pid) - cpu_before
            server_rss = _peak_rss_mib(server.pid)
            small = _probe(exports, "organization?$select=id,displayName", 4, 100)
            page = _probe(exports, "users?$top=999&$select=id,accountEnabled,userType,assignedLicenses", 4, 10)
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if collect.returncode != 0:
            raise RuntimeError(f"collect exited {collect.returncode}: {collect.stderr.strip()[-500:]}")
        snapshot = json.loads((state / "snapshot.json").read_text(encoding="utf-8"))
        truths = json.loads((state / "truths.json").read_text(encoding="utf-8"))["facts"]
    requests = sum(s["requests"] for s in snapshot["requests"].values())
    inner = sum(s["inner_requests"] for s in snapshot["requests"].values())
    matching = sum(1 for k, v in truths.items() if snapshot["facts"].get(k) == v)
    client_cpu = (children.ru_utime + children.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
    return {
        "generation_s": generation, "startup_s": startup, "wall_s": wall, "server_cpu_s": server_cpu,
        "client_cpu_s": client_cpu, "server_rss_mib": server_rss, "requests": requests, "inner": inner,
        "small_per_s": small, "page_per_s": page, "requests_per_s": requests / wall,
        "answers_per_s": (requests + inner) / wall,
        "facts_matching": matching, "facts_total": len(truths),
        "services": {name: (s["requests"], s["inner_requests"], s["seconds"])
                     for name, s in snapshot["requests"].items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="*", default=["s", "m", "l", "xl"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--empty-page-every", type=int, default=3, help="as `simulator serve` (default 3)")
    parser.add_argument("--services", action="store_true", help="also print each service's requests and seconds")
    args = parser.parse_args()
    print(f"{'size':<6}{'generate':>10}{'startup':>10}{'collect':>10}{'srv CPU':>10}{'cli CPU':>10}"
          f"{'srv RSS':>10}{'requests':>10}{'req/s':>8}{'answers/s':>11}{'small/s':>9}{'page/s':>8}  facts = truths")
    for size in args.sizes:
        r = bench(size, args.seed, args.empty_page_every)
        print(f"{size:<6}{r['generation_s']:>9.2f}s{r['startup_s']:>9.2f}s{r['wall_s']:>9.2f}s"
              f"{r['server_cpu_s']:>9.2f}s{r['client_cpu_s']:>9.2f}s{r['server_rss_mib']:>6.0f} MiB"
              f"{int(r['requests']):>10}{r['requests_per_s']:>8.1f}{r['answers_per_s']:>11.1f}"
              f"{r['small_per_s']:>9.0f}{r['page_per_s']:>8.1f}  "
              f"{int(r['facts_matching'])}/{int(r['facts_total'])}", flush=True)
        if args.services:
            print("       " + ", ".join(f"{name} {req}+{inner} in {sec:.1f}s"
                                      for name, (req, inner, sec) in sorted(r["services"].items())), flush=True)
    print("collect: wall time of `m365exit collect` (one full collection); srv/cli CPU: user+system seconds "
          "of the server and client processes during it; req/s: its requests per second, answers/s with $batch "
          "inner requests; small/s and page/s: 4 keep-alive clients repeating GET organization, or a page of "
          "999 users, after the collection.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
