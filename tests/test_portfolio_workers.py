"""Worker processes of a portfolio (portfolio.workers): real forks and queues, tenants faked by run_tenant.

The end-to-end runs (CLI, simulators over HTTPS, MSAL) are in test_portfolio.py, which spreads its tenants over
one worker per core by default; these pin down the spreading itself: every tenant once, events reaching the
parent, a dead worker failing only its own tenants, and the fallback when forking is not safe. The scenarios
that fork run in a fresh interpreter: this one runs the session's simulators on threads, and a process with
threads is never forked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from m365exit.portfolio import runner, workers
from m365exit.portfolio.spec import TenantSpec
from m365exit.portfolio.summary import TenantRow

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes are forked")


def specs(n: int) -> list[TenantSpec]:
    return [TenantSpec(id=f"t{i}", tenant=f"tenant-{i}", client_id="app", credential="client_secret_env",
                       reference="T_SECRET") for i in range(1, n + 1)]


def fake(spec: TenantSpec, out: Path, options: runner.RunOptions, events: runner.Events) -> TenantRow:
    """A tenant that takes a moment and says which process ran it; t2 kills its worker when asked to."""
    events.started(spec, 2)
    events.step(spec, "listing")
    if spec.id == "t2" and os.environ.get("KILL_T2"):
        os._exit(3)
    time.sleep(0.05)
    return TenantRow(id=spec.id, name=str(os.getpid()), status="ok")


class Heard:
    def __init__(self) -> None:
        self.started: list[str] = []
        self.steps: list[str] = []
        self.finished: list[str] = []

    def events(self) -> runner.Events:
        return runner.Events(started=lambda s, n: self.started.append(s.id),
                             step=lambda s, label: self.steps.append(f"{s.id}:{label}"),
                             finished=lambda row: self.finished.append(row.id))


def test_shares_split_the_concurrency_evenly() -> None:
    assert workers.shares(8, 2) == [4, 4]
    assert workers.shares(5, 2) == [3, 2]
    assert workers.shares(3, 3) == [1, 1, 1]


def scenario(name: str, tmp_path: Path, **env: str) -> dict[str, Any]:
    """Run `name` (below) in a fresh interpreter, as `portfolio run` would run: one thread, free to fork."""
    done = subprocess.run([sys.executable, "-c", f"from tests.test_portfolio_workers import {name}; {name}()"],
                          capture_output=True, text=True, timeout=120, check=False, cwd=Path(__file__).parents[1],
                          env={**os.environ, "SCENARIO_OUT": str(tmp_path), **env})
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _spread(concurrency: int, tenants: int) -> None:
    runner.run_tenant = fake  # type: ignore[assignment]  # this interpreter only
    heard = Heard()
    outcome = runner.run(specs(tenants), Path(os.environ["SCENARIO_OUT"]),
                         runner.RunOptions(concurrency=concurrency, processes=2), heard.events())
    print(json.dumps({"processes": outcome.processes, "pid": os.getpid(), "unexpected": outcome.unexpected,
                      "rows": [[r.id, r.name, r.status, r.error] for r in outcome.rows],
                      "started": heard.started, "steps": heard.steps, "finished": heard.finished,
                      "threads": [t.name for t in threading.enumerate()]}))


def spread_nine() -> None:
    _spread(4, 9)


def spread_six() -> None:
    _spread(2, 6)


def test_tenants_are_spread_over_worker_processes(tmp_path: Path) -> None:
    heard = scenario("spread_nine", tmp_path)
    assert heard["processes"] == 2
    rows = heard["rows"]
    assert [r[0] for r in rows] == sorted(f"t{i}" for i in range(1, 10))  # each tenant once, in order
    pids = {r[1] for r in rows}
    assert len(pids) == 2 and str(heard["pid"]) not in pids  # both workers ran tenants, the parent none
    assert sorted(heard["started"]) == sorted(heard["finished"]) == [r[0] for r in rows]
    assert len(heard["steps"]) == 9 and heard["unexpected"] == []
    assert heard["threads"] == ["MainThread"]  # nothing left behind: the next portfolio may fork again


def test_a_dead_worker_fails_its_own_tenant_only(tmp_path: Path) -> None:
    heard = scenario("spread_six", tmp_path, KILL_T2="1")
    rows = {r[0]: r for r in heard["rows"]}
    assert sorted(rows) == [f"t{i}" for i in range(1, 7)]
    assert rows["t2"][2] == "failed" and "exit code 3" in rows["t2"][3]
    assert all(r[2] == "ok" for key, r in rows.items() if key != "t2")  # the other worker took the rest
    assert sorted(heard["finished"]) == sorted(rows)


def test_a_running_thread_keeps_the_portfolio_in_this_process(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    """A fork copies the locks other threads hold: with a thread running, no worker is forked."""
    monkeypatch.setattr(runner, "run_tenant", fake)
    stop = threading.Event()
    busy = threading.Thread(target=stop.wait)
    busy.start()
    try:
        outcome = runner.run(specs(3), tmp_path, runner.RunOptions(concurrency=3, processes=2))
    finally:
        stop.set()
        busy.join()
    assert outcome.processes == 1
    assert {r.name for r in outcome.rows} == {str(os.getpid())}
