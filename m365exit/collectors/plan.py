"""A collection as a concurrent plan (DESIGN §11): each source runs as soon as the listings it needs exist.

Sources declare `needs` (listings such as the team ids, the Microsoft 365 group ids) and `provides`. A
source whose listing is provided by another source of the plan waits for it; one whose provider is not in
the plan (`--workloads planner` alone) reads the listing itself; one whose provider already finished (a
resumed run) gets it from that provider's `memo`. When the provider fails, the sources that needed it fail
with the same cause, without a request. The GraphClient bounds requests in flight per service, so
sources of different services run side by side while each service keeps its bound.

Results are merged in registry order once every source has finished, so facts, tables, issues, provenance
and coverage do not depend on which request completed first.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from m365exit.collectors import PARSER, Collection, Issue, Source, SourceResult, load_all, merge
from m365exit.collectors.batching import SharedBatches
from m365exit.collectors.fanout import joined
from m365exit.errors import GraphUnreachableError
from m365exit.graph import GraphClient, GraphError

Event = SourceResult | BaseException


def chosen_sources(workloads: Iterable[str] | None) -> list[Source]:
    registry = load_all()
    names = list(registry) if workloads is None else list(workloads)
    return [source for name in names for source in registry[name].sources]


def run_plan(
    client: GraphClient, period: str, workloads: Iterable[str] | None = None,
    on_source: Callable[[Source], None] | None = None, *,
    done: Mapping[str, SourceResult] | None = None,
    on_done: Callable[[SourceResult], None] | None = None,
) -> Collection:
    sources = chosen_sources(workloads)
    results: dict[str, SourceResult] = {s.key: done[s.key] for s in sources if done and s.key in done}
    for finished in results.values():
        for listing, value in finished.memo.items():
            client.remember(listing, value)
    todo = [s for s in sources if s.key not in results]
    provider = {listing: s for s in todo for listing in s.provides}
    waiting = {s.key: {provider[n].key for n in s.needs if n in provider and provider[n] is not s} for s in todo}
    if any(provider[n].batched for s in todo if s.batched for n in s.needs if n in provider):
        raise ValueError("a batched source cannot wait for another batched one: their remainders wait for each other")
    batches = SharedBatches(client, [s.key for s in todo if s.batched])
    events: queue.SimpleQueue[Event] = queue.SimpleQueue()
    parser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-parser")  # ends with the plan

    def run(source: Source) -> None:
        PARSER.set(parser)  # this source's thread only
        try:
            if on_source:
                on_source(source)
            with joined(batches, source.key):
                result = run_one(client, source, period)
            batches.withdraw(source.key)
            events.put(result)
        except BaseException as exc:  # a bug, or Graph never reached: the main thread raises it
            batches.withdraw(source.key)
            events.put(exc)

    def launch(source: Source) -> None:
        threading.Thread(target=run, args=(source,), name=f"source-{source.key}", daemon=True).start()

    failed_before = {listing: results[s.key] for s in sources if s.key in results and results[s.key].output is None
                     for listing in s.provides}
    try:
        for source in todo:
            lost = [failed_before[n] for n in source.needs if n in failed_before]
            if lost:  # resumed: the provider failed in the interrupted run, so this source cannot run either
                waiting[source.key].clear()
                batches.withdraw(source.key)
                events.put(inherited(source, lost[0]))
            elif not waiting[source.key]:
                launch(source)
        remaining = {s.key for s in todo}
        while remaining:
            event = events.get()
            if isinstance(event, BaseException):
                raise event
            remaining.discard(event.key)
            results[event.key] = event
            if on_done:
                on_done(event)
            for listing, value in event.memo.items():
                client.remember(listing, value)
            for source in todo:
                if event.key not in waiting[source.key]:
                    continue
                waiting[source.key].discard(event.key)
                if event.output is None:  # its provider failed: so does it, for the same reason
                    waiting[source.key].clear()
                    batches.withdraw(source.key)
                    events.put(inherited(source, event))
                elif not waiting[source.key]:
                    launch(source)
    finally:
        batches.close()
        parser.shutdown(wait=False)
    return merged(sources, results)


def run_one(client: GraphClient, source: Source, period: str) -> SourceResult:
    try:
        output = source.run(client, period)
    except GraphError as error:
        if error.kind == "network" and not client.answered:
            raise GraphUnreachableError(
                f"Graph could not be reached ({error.code} on {error.endpoint}): nothing was collected.",
                "Check the network, the proxy, REQUESTS_CA_BUNDLE and --cloud / --graph-endpoint.",
            ) from None
        return SourceResult(source.key, None, [issue_for(source, error)],
                            network_failure=error.kind in ("network", "throttled"))  # nothing got through
    issues = [Issue(source.workload, source.endpoint, note.get("status"), str(note.get("code") or ""), "",
                    str(note["message"]), []) for note in output.notes]
    issues += [Issue(source.workload, source.endpoint, None, "DataNotAvailable", "", reason, [fact])
               for fact, reason in sorted(output.absent.items())]
    return SourceResult(source.key, replace(output, shares={}), issues, memo=dict(output.shares))


def inherited(source: Source, provider: SourceResult) -> SourceResult:
    """The result of a source whose listing could not be read: the provider's cause, this source's facts."""
    cause = provider.issues[0] if provider.issues else None
    status = cause.status if cause else None
    kind = "network" if provider.network_failure and status is None else "throttled" if status == 429 else "http"
    error = GraphError(cause.endpoint if cause else source.endpoint, status, cause.code if cause else "",
                       cause.message if cause else "The listing it needs could not be read.", kind)
    issue = issue_for(source, error)
    return SourceResult(source.key, None, [issue], network_failure=provider.network_failure)


def issue_for(source: Source, error: GraphError) -> Issue:
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


def merged(sources: list[Source], results: Mapping[str, SourceResult]) -> Collection:
    """Every result in registry order: the same collection whatever order the sources finished in."""
    collection = Collection()
    for source in sources:
        result = results[source.key]
        collection.sources_run += 1
        collection.network_failures += result.network_failure
        if result.output is not None:
            merge(collection, result.output, source.endpoint)
        collection.issues.extend(result.issues)
    return collection
