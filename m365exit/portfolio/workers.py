"""A portfolio spread over worker processes: one Python process uses one core at most, whatever its threads.

Each worker is forked from this process (it inherits the loaded modules, the parsed rule catalogue and the
environment that holds the credentials; nothing is pickled but tenant specs and result rows) and runs its share
of the concurrency as threads, taking tenants from one shared queue, so a slow tenant never holds up the others.
It tells this process what happens (started, step, finished) over a second queue, which feeds the display.

A worker that dies (killed, out of memory) fails the tenants it was running, each with one sentence; the other
workers take the tenants still queued. Fork is used only where it is safe: on a platform that has it, and while
this process runs a single thread (a fork copies the locks other threads hold). Otherwise the portfolio runs in
this process (runner.run_here).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import sys
import threading
from collections.abc import Sequence
from multiprocessing.context import ForkProcess
from pathlib import Path
from typing import Any

from m365exit.portfolio import runner
from m365exit.portfolio.spec import TenantSpec
from m365exit.portfolio.summary import failed_row

POLL_S = 0.2  # the parent wakes this often to notice a dead worker and stay interruptible
STOP_S = 10.0  # how long a worker whose tenants are all done may take to exit


def available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def shares(concurrency: int, processes: int) -> list[int]:
    """Threads per worker: the concurrency split as evenly as it goes (5 over 2 workers: 3 and 2)."""
    return [concurrency // processes + (1 if n < concurrency % processes else 0) for n in range(processes)]


def run(tenants: Sequence[TenantSpec], out: Path, options: runner.RunOptions, events: runner.Events,
        processes: int) -> runner.Outcome:
    context = multiprocessing.get_context("fork")
    todo: Any = context.Queue()
    told: Any = context.Queue()
    by_id = {spec.id: spec for spec in tenants}
    threads = shares(min(options.concurrency, len(tenants)), processes)
    for spec in tenants:
        todo.put(spec)
    for _ in range(sum(threads)):
        todo.put(None)  # one stop per thread
    workers: list[ForkProcess] = [context.Process(target=_work, args=(todo, told, out, options, n),
                                                  name=f"m365exit-tenants-{i}", daemon=True)
                                  for i, n in enumerate(threads)]
    for worker in workers:
        worker.start()
    outcome = runner.Outcome(processes=processes)
    running: dict[str, int] = {}  # tenant id -> pid of the worker running it
    try:
        while len(outcome.rows) < len(tenants):
            try:
                kind, pid, payload = told.get(timeout=POLL_S)
            except queue.Empty:
                if not _check(workers, running, by_id, outcome, events):
                    break  # every worker is gone: the tenants still out fail below
                continue
            if kind == "started":
                running[payload[0]] = pid
                events.started(by_id[payload[0]], payload[1])
            elif kind == "step":
                events.step(by_id[payload[0]], payload[1])
            else:
                row, unexpected = payload
                running.pop(row.id, None)
                outcome.rows.append(row)
                if unexpected:
                    outcome.unexpected.append(row.id)
                events.finished(row)
        done = {row.id for row in outcome.rows}
        for spec in tenants:
            if spec.id not in done:
                _fail(spec, _stopped(workers), outcome, events)
        for worker in workers:  # every tenant is done: each worker is taking its stop
            worker.join(STOP_S)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()  # an interrupt: the checkpoints already written are kept
        for worker in workers:
            worker.join()
        # The queue's feeder thread ends here, so the next portfolio of this process may fork again. Tenants
        # left unread (the workers died) are dropped rather than waited for.
        todo.close()
        if all(w.exitcode == 0 for w in workers):
            todo.join_thread()
        else:
            todo.cancel_join_thread()
    outcome.rows.sort(key=lambda r: r.id)
    return outcome


def _check(workers: list[ForkProcess], running: dict[str, int], by_id: dict[str, TenantSpec],
           outcome: runner.Outcome, events: runner.Events) -> bool:
    """Fail the tenants of workers that died; False when no worker is left."""
    dead = {w.pid for w in workers if not w.is_alive() and w.exitcode not in (0, None)}
    for tenant, pid in list(running.items()):
        if pid in dead:
            del running[tenant]
            _fail(by_id[tenant], _stopped(workers), outcome, events)
    return any(w.is_alive() for w in workers)


def _stopped(workers: list[ForkProcess]) -> str:
    """Why a tenant has no result: a worker died (what it was running when it died may not have been said)."""
    codes = sorted({str(w.exitcode) for w in workers if w.exitcode not in (0, None)}) or ["unknown"]
    return (f"A worker process stopped (exit code {', '.join(codes)}) before this tenant's result came back; "
            "run the portfolio again to resume it.")


def _fail(spec: TenantSpec, error: str, outcome: runner.Outcome, events: runner.Events) -> None:
    row = failed_row(spec.id, spec.name, error)
    outcome.rows.append(row)
    events.finished(row)


def _work(todo: Any, told: Any, out: Path, options: runner.RunOptions, threads: int) -> None:
    """A worker: `threads` tenants at a time until the queue says stop. Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (the display is the parent's)
    pid = os.getpid()
    events = runner.Events(
        started=lambda spec, steps: told.put(("started", pid, (spec.id, steps))),
        step=lambda spec, label: told.put(("step", pid, (spec.id, label))),
    )

    def finished(row: Any, unexpected: bool) -> None:
        told.put(("finished", pid, (row, unexpected)))

    runner.work(todo.get, out, options, events, threads, finished)
