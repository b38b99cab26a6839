"""History store cost: recording a run, reading a tenant's runs back, drawing the Progress data.

    python benchmarks/history.py [--runs 52] [--url postgresql://postgres@127.0.0.1:5433/bench]

One demo-size assessment (simulator, in process) is recorded `--runs` times as weekly runs (one year by
default) into a fresh SQLite file, and into the PostgreSQL database given by --url (emptied first). Prints
milliseconds per operation and bytes per run; asserts nothing (tests never assert on time).
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from m365exit import pipeline
from m365exit.auth import AuthSettings
from m365exit.history import Run, open_store, run_from_assessment
from m365exit.history.diff import diff_runs
from m365exit.history.trend import progress
from m365exit.simulator import Simulator, SimulatorOptions, generate_tenant


def one_run() -> Run:
    with tempfile.TemporaryDirectory() as state, Simulator(generate_tenant("demo", 1), SimulatorOptions(),
                                                             state_dir=Path(state)) as sim:
        options = pipeline.CollectOptions(ca_bundle=str(sim.ca_path))
        snapshot = pipeline.collect(AuthSettings.from_env(sim.env()), options)
    return run_from_assessment(pipeline.evaluate(snapshot, pipeline.AssessOptions()))


def weekly(run: Run, n: int) -> list[Run]:
    start = run.collected_at - timedelta(weeks=n)
    return [run.model_copy(update={"collected_at": start + timedelta(weeks=i),
                                   "snapshot_digest": hashlib.sha256(f"{run.snapshot_digest}{i}".encode()).hexdigest()})
            for i in range(n)]


def measure(url: str, runs: list[Run], size: Path | None) -> None:
    with open_store(url) as store:
        t0 = time.perf_counter()
        for run in runs:
            store.record(run)
        t1 = time.perf_counter()
        store.record(runs[-1])  # the same snapshot again: a lookup, no write
        t2 = time.perf_counter()
        listed = store.runs(runs[0].tenant_id)
        loaded = [store.load(r.id or 0) for r in listed]
        t3 = time.perf_counter()
        earlier = store.earlier(runs[-1], limit=23)
        progress(earlier, runs[-1])
        diff_runs(loaded[-2], loaded[-1])
        t4 = time.perf_counter()
    facts, findings = len(runs[0].facts), len(runs[0].findings)
    print(f"{store.url}: {len(runs)} runs ({facts} facts, {findings} findings each)")
    print(f"  record          {1000 * (t1 - t0) / len(runs):8.1f} ms/run")
    print(f"  record again    {1000 * (t2 - t1):8.1f} ms (already stored)")
    print(f"  load all runs   {1000 * (t3 - t2):8.1f} ms ({1000 * (t3 - t2) / len(runs):.1f} ms/run)")
    print(f"  progress + diff {1000 * (t4 - t3):8.1f} ms (23 earlier runs)")
    if size is not None:
        print(f"  store size      {size.stat().st_size / len(runs) / 1024:8.1f} KiB/run")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=52)
    parser.add_argument("--url", help="a PostgreSQL database to use (its m365exit tables are dropped first)")
    args = parser.parse_args()
    runs = weekly(one_run(), args.runs)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite"
        measure(str(path), runs, path)
    if args.url:
        import sqlalchemy as sa

        from m365exit.history.store import engine_url

        engine = sa.create_engine(engine_url(args.url))
        with engine.begin() as conn:
            for table in ("run_findings", "run_workloads", "run_coverage", "run_facts", "runs",
                          "m365exit_schema_version"):
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()
        measure(args.url, runs, None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
