"""Collectors: one module per workload, each a set of sources (one endpoint → the facts it feeds).

A source fails alone: its facts stay absent and an issue says why, naming the permission that would fix it;
the other sources and workloads carry on (DESIGN §2, §5). Sources run as a concurrent plan (collectors.plan,
DESIGN §11): each declares the listings it needs, and runs as soon as they exist.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from m365exit.facts import FACTS
from m365exit.graph import GraphClient

FactValue = int | float | bool | str
Row = dict[str, Any]


@dataclass
class Output:
    """What one source produced. `absent` names facts it knowingly could not compute, with the reason;
    `coverage` and `notes` come from a fan-out some of whose objects could not be read (DESIGN §5);
    `shares` holds the listings it read for other sources (team ids and names...), JSON-ready."""

    facts: dict[str, FactValue] = field(default_factory=dict)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    tenant: dict[str, Any] = field(default_factory=dict)
    absent: dict[str, str] = field(default_factory=dict)
    coverage: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)  # {"status", "code", "message"}: one issue each
    shares: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    workload: str
    name: str
    endpoint: str
    permission: str
    facts: tuple[str, ...]
    run: Callable[[GraphClient, str], Output]
    purpose: str = ""
    licence: str = ""  # a licence the endpoint needs besides the permission (e.g. Intune, Entra ID P1)
    also: tuple[str, ...] = ()  # further permissions, when a source reads a second endpoint
    needs: tuple[str, ...] = ()  # listings it reads (LISTINGS), waited for when another source provides them
    provides: tuple[str, ...] = ()  # listings it leaves in Output.shares
    batched: bool = False  # its GETs join the collection's shared $batch envelopes

    @property
    def permissions(self) -> tuple[str, ...]:
        return (self.permission, *self.also)

    @property
    def key(self) -> str:
        return f"{self.workload}.{self.name}"


@dataclass
class Collector:
    id: str
    title: str
    sources: list[Source] = field(default_factory=list)

    def source(
        self, name: str, *, endpoint: str, permission: str, facts: Iterable[str] = (), purpose: str = "",
        licence: str = "", also: Iterable[str] = (), needs: Iterable[str] = (), provides: Iterable[str] = (),
        batched: bool = False,
    ) -> Callable[[Callable[[GraphClient, str], Output]], Callable[[GraphClient, str], Output]]:
        declared = tuple(facts)
        unknown = [f for f in declared if f not in FACTS]
        if unknown:
            raise ValueError(f"collector {self.id}.{name} declares facts missing from the reference: {unknown}")

        def register(run: Callable[[GraphClient, str], Output]) -> Callable[[GraphClient, str], Output]:
            self.sources.append(Source(self.id, name, endpoint, permission, declared, run, purpose, licence,
                                       tuple(also), tuple(needs), tuple(provides), batched))
            return run

        return register

    @property
    def permissions(self) -> list[str]:
        return sorted({p for s in self.sources for p in s.permissions})


REGISTRY: dict[str, Collector] = {}

ReportParser = Callable[[bytes | str, str], Output]
#: The collection's one report-parsing thread (collectors.plan sets it for its sources): one table in memory
#: at a time (parsing holds the GIL anyway), and one glibc heap arena for every report, rather than one per
#: source thread left holding freed tables. Outside a plan, reports are parsed where they are read.
PARSER: ContextVar[ThreadPoolExecutor | None] = ContextVar("m365exit_report_parser", default=None)
REPORTS: dict[str, ReportParser] = {}
"""Usage-report function → parser of its CSV (given the period); `m365exit import` reads files with these."""


def report_source(
    owner: Collector, name: str, *, function: str, facts: Iterable[str], purpose: str, root: str = "reports",
) -> Callable[[ReportParser], ReportParser]:
    """Declare a source that downloads one usage report and parses it with the decorated function."""

    def register(parse: ReportParser) -> ReportParser:
        REPORTS[function] = parse

        def run(client: GraphClient, period: str) -> Output:
            with client.report_csv(function, period, root=root) as csv:
                parser = PARSER.get()
                return parse(csv, period) if parser is None else parser.submit(parse, csv, period).result()

        owner.source(name, endpoint=f"/{root}/{function}", permission="Reports.Read.All", facts=facts,
                     purpose=purpose)(run)
        return parse

    return register


def collector(id: str, title: str) -> Collector:
    found = Collector(id, title)
    REGISTRY[id] = found
    return found


# Collection order: the tenant first (its name), identity before what depends on it; then by workload.
ORDER = ["tenant", "licensing", "identity", "exchange", "sharepoint", "onedrive", "teams", "office", "intune",
         "planner", "bookings", "purview", "engage", "copilot"]


def load_all() -> dict[str, Collector]:
    """Import every collector module once (registration happens at import), in ORDER."""
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{module.name}")
    ranked = sorted(REGISTRY, key=lambda c: (ORDER.index(c) if c in ORDER else len(ORDER), c))
    return {name: REGISTRY[name] for name in ranked}


@dataclass
class Issue:
    workload: str
    endpoint: str
    status: int | None
    code: str
    permission: str
    message: str
    facts: list[str]


@dataclass
class SourceResult:
    """One source's part of a collection, JSON-ready (dataclasses.asdict) so a checkpoint can keep it."""

    key: str  # stable "workload.source-name"
    output: Output | None  # None when the source failed
    issues: list[Issue]
    network_failure: bool = False
    memo: dict[str, Any] = field(default_factory=dict)  # listings this source produced (team ids and names...)


@dataclass
class Collection:
    facts: dict[str, FactValue] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    tenant: dict[str, Any] = field(default_factory=dict)
    coverage: dict[str, dict[str, Any]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    network_failures: int = 0
    sources_run: int = 0


def run_sources(
    client: GraphClient, period: str, workloads: Iterable[str] | None = None,
    on_source: Callable[[Source], None] | None = None, *,
    done: Mapping[str, SourceResult] | None = None,
    on_done: Callable[[SourceResult], None] | None = None,
) -> Collection:
    """Run the sources of the chosen workloads (all when None) as a concurrent plan (collectors.plan).

    `done` holds sources already finished (not run again, merged as if run); `on_done` is called once per
    source that finishes, from any thread. The result is merged in registry order, whatever the timing.
    """
    from m365exit.collectors.plan import run_plan

    return run_plan(client, period, workloads, on_source, done=done, on_done=on_done)


def merge(result: Collection, output: Output, origin: str) -> None:
    for name, value in output.facts.items():
        result.facts[name] = value
        result.provenance[name] = origin
    for name, rows in output.tables.items():
        result.tables[name] = rows
    result.tenant.update(output.tenant)
    result.coverage.update(output.coverage)


def counts(items: Iterable[Mapping[str, Any]], rules: Mapping[str, Callable[[Mapping[str, Any]], bool]]
           ) -> dict[str, int]:
    """Stream items once, counting each fact's predicate: memory stays flat however large the tenant."""
    totals = dict.fromkeys(rules, 0)
    for item in items:
        for name, predicate in rules.items():
            if predicate(item):
                totals[name] += 1
    return totals
