"""Collectors: one module per workload, each a set of sources (one endpoint → the facts it feeds).

A source fails alone: its facts stay absent and an issue says why, naming the permission that would fix it;
the other sources and workloads carry on (DESIGN §2, §5).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from m365exit.errors import GraphUnreachableError
from m365exit.facts import FACTS
from m365exit.graph import GraphClient, GraphError, inner_error

FactValue = int | float | bool | str
Row = dict[str, Any]


@dataclass
class Output:
    """What one source produced. `absent` names facts it knowingly could not compute, with the reason."""

    facts: dict[str, FactValue] = field(default_factory=dict)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    tenant: dict[str, Any] = field(default_factory=dict)
    absent: dict[str, str] = field(default_factory=dict)


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

    @property
    def permissions(self) -> tuple[str, ...]:
        return (self.permission, *self.also)


@dataclass
class Collector:
    id: str
    title: str
    sources: list[Source] = field(default_factory=list)

    def source(
        self, name: str, *, endpoint: str, permission: str, facts: Iterable[str] = (), purpose: str = "",
        licence: str = "", also: Iterable[str] = (),
    ) -> Callable[[Callable[[GraphClient, str], Output]], Callable[[GraphClient, str], Output]]:
        declared = tuple(facts)
        unknown = [f for f in declared if f not in FACTS]
        if unknown:
            raise ValueError(f"collector {self.id}.{name} declares facts missing from the reference: {unknown}")

        def register(run: Callable[[GraphClient, str], Output]) -> Callable[[GraphClient, str], Output]:
            self.sources.append(Source(self.id, name, endpoint, permission, declared, run, purpose, licence,
                                       tuple(also)))
            return run

        return register

    @property
    def permissions(self) -> list[str]:
        return sorted({p for s in self.sources for p in s.permissions})


REGISTRY: dict[str, Collector] = {}

ReportParser = Callable[[bytes | str, str], Output]
REPORTS: dict[str, ReportParser] = {}
"""Usage-report function → parser of its CSV (given the period); `m365exit import` reads files with these."""


def report_source(
    owner: Collector, name: str, *, function: str, facts: Iterable[str], purpose: str, root: str = "reports",
) -> Callable[[ReportParser], ReportParser]:
    """Declare a source that downloads one usage report and parses it with the decorated function."""

    def register(parse: ReportParser) -> ReportParser:
        REPORTS[function] = parse

        def run(client: GraphClient, period: str) -> Output:
            return parse(client.report_csv(function, period, root=root), period)

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


def fan_out(client: GraphClient, paths: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """GET each path through $batch (20 a request) and follow any nextLink. A failed inner request fails
    the whole source, so no count is ever silently short."""
    bodies = []
    for path, status, body in client.batch_get(paths):
        if status >= 400:
            code, message = inner_error(body)
            raise GraphError("/" + path.split("?")[0], status, code, message)
        items = list(body.get("value") or [])
        next_link = body.get("@odata.nextLink")
        if next_link:
            for page in client.iter_pages(str(next_link)):
                items.extend(page)
        bodies.append((path, {"value": items}))
    return bodies


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
class Collection:
    facts: dict[str, FactValue] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    tenant: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    network_failures: int = 0
    sources_run: int = 0


def _issue_for(source: Source, error: GraphError) -> Issue:
    if error.status in (401, 403):
        needed = " and ".join(source.permissions)
        message = f"Permission {needed} is not granted (or not consented) for this application."
        if source.licence:
            message += f" The tenant may also lack {source.licence}."
    elif error.status == 400 and source.licence:  # e.g. Intune: "Request not applicable to target tenant."
        message = f"{error.message} The tenant may lack {source.licence}.".strip()
    elif error.kind == "throttled":
        message = error.message
    elif error.kind == "network":
        message = f"The request could not reach Graph ({error.code})."
    else:
        message = error.message or f"Graph answered {error.status}."
    permission = ", ".join(source.permissions) if error.status in (401, 403) else source.permission
    return Issue(source.workload, source.endpoint, error.status, error.code, permission, message,
                 list(source.facts))


@dataclass
class SourceResult:
    """One source's outcome, as a checkpoint keeps it (plain data: dataclasses.asdict serialises it)."""

    key: str  # stable "workload.source-name"
    output: Output | None  # None when the source failed
    issues: list[Issue]
    network_failure: bool = False
    memo: dict[str, Any] = field(default_factory=dict)  # listings this source produced, JSON-serialisable


def source_key(source: Source) -> str:
    return f"{source.workload}.{source.name}"


def _run_one(client: GraphClient, source: Source, period: str) -> SourceResult:
    before = set(client._memo)
    try:
        output = source.run(client, period)
    except GraphError as error:
        if error.kind == "network" and not client.answered:
            raise GraphUnreachableError(
                f"Graph could not be reached ({error.code} on {error.endpoint}): nothing was collected.",
                "Check the network, the proxy, REQUESTS_CA_BUNDLE and --cloud / --graph-endpoint.",
            ) from None
        return SourceResult(source_key(source), None, [_issue_for(source, error)],
                            network_failure=error.kind in ("network", "throttled"))  # nothing got through
    issues = [Issue(source.workload, source.endpoint, None, "DataNotAvailable", "", reason, [fact])
              for fact, reason in sorted(output.absent.items())]
    memo = {key: client._memo[key] for key in sorted(set(client._memo) - before)}
    return SourceResult(source_key(source), output, issues, memo=memo)


def run_sources(
    client: GraphClient, period: str, workloads: Iterable[str] | None = None,
    on_source: Callable[[Source], None] | None = None, *,
    done: Mapping[str, SourceResult] | None = None,
    on_done: Callable[[SourceResult], None] | None = None,
) -> Collection:
    """Run the sources of the chosen workloads (all when None), in registry order.

    Sources in `done` (a checkpoint's) are not run again: their results, and the listings they left for
    later sources, are merged as if they had just run. `on_done` hears of each source as it finishes.
    """
    registry = load_all()
    chosen = list(registry) if workloads is None else list(workloads)
    done = done or {}
    for earlier in done.values():
        for key, value in earlier.memo.items():
            client.remember(key, value)
    result = Collection()
    for workload in chosen:
        for source in registry[workload].sources:
            finished = done.get(source_key(source))
            if finished is None:
                if on_source:
                    on_source(source)
                finished = _run_one(client, source, period)
                if on_done:
                    on_done(finished)
            result.sources_run += 1
            result.network_failures += finished.network_failure
            if finished.output is not None:
                merge(result, finished.output, source.endpoint)
            result.issues.extend(finished.issues)
    return result


def merge(result: Collection, output: Output, origin: str) -> None:
    for name, value in output.facts.items():
        result.facts[name] = value
        result.provenance[name] = origin
    for name, rows in output.tables.items():
        result.tables[name] = rows
    result.tenant.update(output.tenant)


def counts(items: Iterable[Mapping[str, Any]], rules: Mapping[str, Callable[[Mapping[str, Any]], bool]]
           ) -> dict[str, int]:
    """Stream items once, counting each fact's predicate: memory stays flat however large the tenant."""
    totals = dict.fromkeys(rules, 0)
    for item in items:
        for name, predicate in rules.items():
            if predicate(item):
                totals[name] += 1
    return totals
