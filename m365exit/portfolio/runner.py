"""Run a portfolio: each tenant collected, assessed and reported into its own folder, N tenants at a time.

Graph throttles per tenant and per application, so tenants in parallel cost each other nothing but CPU; with
`processes` above 1 they are spread over worker processes (portfolio.workers), so that CPU is every core's. One
tenant's failure is recorded in one sentence and never stops the others. Tenants run on daemon threads, so an
interrupt ends the process at once; each tenant's collection checkpoint lets the same command resume.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from m365exit import checkpoint, pipeline
from m365exit.errors import M365ExitError
from m365exit.portfolio.spec import TenantSpec
from m365exit.portfolio.summary import TenantRow, failed_row, row_of

SNAPSHOT = "snapshot.json.gz"


@dataclass
class RunOptions:
    formats: Sequence[str] = ("html", "json", "md")
    lang: str = "en"
    period: str = "D30"
    concurrency: int = 4
    processes: int = 1  # worker processes the tenants are spread over (portfolio.workers)
    history: str | None = None
    ca_bundle: str | None = None
    max_wait: float | None = None
    fresh: bool = False  # discard the tenants' checkpoints


@dataclass
class Events:
    """What the display hears: a tenant starts, moves on a step, ends. Called from worker threads."""

    started: Callable[[TenantSpec, int], None] = lambda spec, steps: None
    step: Callable[[TenantSpec, str], None] = lambda spec, label: None
    finished: Callable[[TenantRow], None] = lambda row: None


@dataclass
class _Progress:
    """A tenant's collection, told to the display as one line: each finished source is a step."""

    spec: TenantSpec
    events: Events

    def step(self, label: str) -> None:
        self.events.step(self.spec, label)

    def plan(self, totals: Mapping[str, int]) -> None:
        pass

    def started(self, workload: str, label: str) -> None:
        pass

    def finished(self, workload: str) -> None:
        self.events.step(self.spec, workload)


@dataclass
class Outcome:
    rows: list[TenantRow] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)  # tenants that met a bug in m365exit
    processes: int = 1  # the processes the tenants ran in


def run_tenant(spec: TenantSpec, out: Path, options: RunOptions, events: Events) -> TenantRow:
    """One tenant, as `m365exit run --out DIR/<id>` would do it; errors become a failed row."""
    folder = out / spec.id
    try:
        collect = pipeline.CollectOptions(workloads=list(spec.workloads) or None, period=spec.period or options.period,
                                          ca_bundle=options.ca_bundle, max_wait=options.max_wait)
        events.started(spec, pipeline.source_count(pipeline.check_workloads(collect.workloads)))
        # Each tenant keeps its own checkpoint beside its snapshot: an interrupted portfolio resumes.
        with checkpoint.locked(folder / SNAPSHOT) as kept:
            if options.fresh:
                kept.discard()
            snapshot = pipeline.collect(spec.auth_settings(), collect, _Progress(spec, events), checkpoint=kept)
            pipeline.save_collected(snapshot, folder / SNAPSHOT, strict=False, checkpoint=kept)
        lang = spec.lang or options.lang
        events.step(spec, "assessing")
        assessment, written = pipeline.assess(snapshot, folder, pipeline.AssessOptions(
            rules_dirs=list(spec.rules), formats=list(options.formats), lang=lang, answers=spec.answers,
            brand=spec.brand, history=options.history))  # with a store, each tenant's run is recorded
        report = next((p for p in written if p.suffix == ".html"), None)
        return row_of(spec.id, spec.name, assessment, f"{spec.id}/{report.name}" if report else "")
    except M365ExitError as exc:
        return failed_row(spec.id, spec.name, exc.message)


def run(tenants: Sequence[TenantSpec], out: Path, options: RunOptions, events: Events | None = None) -> Outcome:
    """Every tenant, `options.concurrency` at a time: spread over worker processes when `options.processes`
    allows (portfolio.workers), else in this process."""
    events = events or Events()
    processes = min(options.processes, options.concurrency, len(tenants))
    if processes > 1:
        from m365exit.portfolio import workers

        if workers.available():
            return workers.run(tenants, out, options, events, processes)
    todo: queue.Queue[TenantSpec | None] = queue.Queue()
    threads = max(1, min(options.concurrency, len(tenants)))
    for spec in [*tenants, *[None] * threads]:
        todo.put(spec)
    outcome = Outcome()
    lock = threading.Lock()

    def finished(row: TenantRow, unexpected: bool) -> None:
        with lock:
            outcome.rows.append(row)
            if unexpected:
                outcome.unexpected.append(row.id)
        events.finished(row)

    work(todo.get, out, options, events, threads, finished)
    outcome.rows.sort(key=lambda r: r.id)
    return outcome


def work(take: Callable[[], TenantSpec | None], out: Path, options: RunOptions, events: Events, threads: int,
         finished: Callable[[TenantRow, bool], None]) -> None:
    """`threads` threads, each running tenants from `take` until it gives None; `finished(row, unexpected)`."""

    def loop() -> None:
        while (spec := take()) is not None:
            unexpected = False
            try:
                row = run_tenant(spec, out, options, events)
            except Exception as exc:  # a bug in m365exit: this tenant fails, the others go on
                row = failed_row(spec.id, spec.name, f"Unexpected error: {type(exc).__name__}.")
                unexpected = True
            finished(row, unexpected)

    workers = [threading.Thread(target=loop, name=f"tenant-{n}", daemon=True) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        while worker.is_alive():  # a timed join keeps Ctrl-C deliverable to the main thread
            worker.join(0.2)
