"""The stages the commands chain: collect (Graph → snapshot) and assess (snapshot → reports).

Each CLI command turns its options into one call here; nothing here prints.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from m365exit import scoring, usage_reports
from m365exit import snapshot as snap
from m365exit.auth import AuthSettings, token_claims, token_provider
from m365exit.collectors import Source, SourceResult, load_all, run_sources
from m365exit.console import Progress
from m365exit.engine.evaluate import evaluate as evaluate_rules
from m365exit.engine.loader import load_catalogue
from m365exit.errors import GraphUnreachableError, IncompleteError, ThresholdError, UsageError
from m365exit.facts import snapshot_facts
from m365exit.graph import GraphClient
from m365exit.transport import Transport

if TYPE_CHECKING:
    from m365exit.checkpoint import Checkpoint, Fingerprint
    from m365exit.history.models import Run

PERIODS = ("D7", "D30", "D90", "D180")


def check_workloads(workloads: Sequence[str] | None) -> list[str]:
    registry = load_all()
    if not workloads:
        return list(registry)
    unknown = [w for w in workloads if w not in registry]
    if unknown:
        raise UsageError(f"Unknown workload {unknown[0]!r}.", f"Choose among: {', '.join(registry)}.")
    # The tenant's identity (name, concealed report names) is always read: the report needs it.
    return [w for w in registry if w == "tenant" or w in workloads]


def source_count(workloads: Sequence[str]) -> int:
    registry = load_all()
    return sum(len(registry[w].sources) for w in workloads)


@dataclass
class CollectOptions:
    workloads: Sequence[str] | None = None
    period: str = "D30"
    ca_bundle: str | None = None  # None: REQUESTS_CA_BUNDLE or the system store
    max_wait: float | None = None  # None: M365EXIT_MAX_WAIT or 300 s (graph.GraphClient)
    source_label: str = "graph"
    # Pseudonymise the snapshot itself, before it is saved (DESIGN §14); resources imply people.
    pseudonymize: bool = False
    pseudonymize_key: Path | None = None  # None: pseudonymize.default_key_path()
    pseudonymize_resources: bool = False


def collect(
    settings: AuthSettings, options: CollectOptions, progress: Progress | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    show_device_code: Callable[[str], None] | None = None,
    checkpoint: Checkpoint | None = None, notify: Callable[[str, bool], None] | None = None,
) -> snap.Snapshot:
    """Sign in, run the collectors, and return the snapshot (not yet saved).

    With a checkpoint, the sources an earlier run of the same collection finished are not run again, and
    each source is kept as it finishes; `notify(sentence, warning)` hears about it: resuming, or why not.
    """
    if options.period not in PERIODS:
        raise UsageError(f"Unknown period {options.period!r}.", f"Choose one of: {', '.join(PERIODS)}.")
    usage_reports.warm_up()  # ready by the time the first report arrives
    workloads = check_workloads(options.workloads)
    key = _pseudonymization_key(options)  # a bad key file fails before anyone signs in
    # Closed however the collection ends: sign-in refused, Graph unreachable, interrupted.
    with contextlib.closing(Transport(verify=options.ca_bundle)) as transport:
        tokens = token_provider(settings, transport, show_device_code=show_device_code)
        claims = token_claims(tokens.token())  # sign in first: a bad credential fails before any collection
        client = GraphClient(transport, tokens, settings.graph_endpoint, max_wait=options.max_wait)

        def on_source(source: Source) -> None:
            if progress:
                progress.started(source.workload, source.name)

        if progress:
            registry = load_all()
            progress.plan({w: len(registry[w].sources) for w in workloads})
        started = clock().replace(microsecond=0)
        done: dict[str, SourceResult] = {}
        if checkpoint is not None:
            fingerprint = collection_fingerprint(settings, options, workloads, claims)
            resumed = checkpoint.resume(fingerprint, started, client.accounting)
            started, done = resumed.started_at or started, resumed.done
            note = resumed.note or (f"Resuming from {checkpoint.path}: {len(done)} of "
                                    f"{source_count(workloads)} sources already collected." if done else "")
            if note and notify:
                notify(note, bool(resumed.note))
            if progress:  # the sources a checkpoint kept count as done on the bar
                for kept in done:
                    progress.finished(kept.split(".", 1)[0])

        def on_done(finished: SourceResult) -> None:
            lost = next((i for i in finished.issues if finished.network_failure and i.status is None), None)
            if lost is not None:  # the network is gone: stop now, keep the checkpoint, write no snapshot
                raise GraphUnreachableError(
                    f"Graph stopped answering ({lost.code} on {lost.endpoint}): no snapshot was written.",
                    "" if checkpoint else "Check the network and run again.")
            if checkpoint is not None:
                checkpoint.record(finished)
            if progress:
                progress.finished(finished.key.split(".", 1)[0])

        try:
            result = run_sources(client, options.period, workloads, on_source, done=done, on_done=on_done)
        except BaseException as exc:  # Ctrl-C, SIGTERM, lost network: the checkpoint keeps this run's requests too
            if checkpoint is not None:
                checkpoint.save()
                if isinstance(exc, GraphUnreachableError) and checkpoint.finished:
                    exc.hint = f"{exc.hint} {checkpoint.resume_hint()}".strip()
            raise
        if result.sources_run and result.network_failures == result.sources_run:
            raise GraphUnreachableError(
                f"Graph at {settings.graph_endpoint} could not be reached or kept throttling: nothing was collected.",
                "Check the network, proxy and --cloud / --graph-endpoint, or try again later.",
            )
        tenant = snap.TenantInfo(
            id=str(result.tenant.get("id") or claims.get("tid") or settings.tenant_id),
            display_name=str(result.tenant.get("display_name") or ""),
            cloud=settings.cloud,
            default_domain=str(result.tenant.get("default_domain") or ""),
            report_names_concealed=result.tenant.get("report_names_concealed"),
        )
        collected = snap.Snapshot(
            collected_at=started,
            period=options.period,
            source=options.source_label,
            tenant=tenant,
            facts=dict(sorted(result.facts.items())),
            provenance=dict(sorted(result.provenance.items())),
            tables=dict(sorted(result.tables.items())),
            issues=[snap.CollectionIssue(**vars(issue)) for issue in result.issues],
            requests={name: snap.ServiceRequests(**stats) for name, stats in
                      (checkpoint.requests() if checkpoint else client.accounting()).items()},
            coverage={name: snap.Coverage(**c) for name, c in sorted(result.coverage.items())},
        )
    return _pseudonymized(collected, key, options)


def collection_fingerprint(settings: AuthSettings, options: CollectOptions, workloads: Sequence[str],
                           claims: dict[str, object]) -> Fingerprint:
    """What a checkpoint must match to be resumed: tenant, cloud, the options that change what is collected."""
    from m365exit.checkpoint import Fingerprint

    tenant = str(claims.get("tid") or settings.tenant_id)
    return Fingerprint(tenant, {"cloud": settings.cloud, "period": options.period, "source": options.source_label,
                                "workloads": list(workloads)})


def save_collected(snapshot: snap.Snapshot, out: Path, *, strict: bool, checkpoint: Checkpoint | None = None
                   ) -> None:
    """Save first, then fail under --strict: the data collected is never lost (exit 8 still has a file).
    Once the snapshot is written, its checkpoint has served: nothing is left beside it."""
    snap.save(snapshot, out)
    if checkpoint is not None:
        checkpoint.discard()
    if strict and snapshot.issues:
        first = snapshot.issues[0]
        raise IncompleteError(
            f"Collection incomplete: {len(snapshot.issues)} issue(s), first: {first.workload} {first.endpoint}: "
            f"{first.message}",
            f"The snapshot was still written to {out}. 'm365exit doctor' lists missing permissions.",
        )


@dataclass(frozen=True)
class SkuCatalogue:
    """SKU part number → product name and indicative monthly list price per user."""

    names: dict[str, str]
    prices: dict[str, float]
    # part number → published change: {"percent": +8.3, "label": {"en": "1 July 2026", "fr": "1er juillet 2026"}}
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)


def load_prices(path: Path | None = None) -> SkuCatalogue:
    """The built-in SKU table unless a file is given (--prices); parsed again only when the file changed."""
    from m365exit.resources import rules_dir

    path = path or rules_dir() / "prices" / "list-prices.yaml"
    try:
        state = (path.stat().st_mtime_ns, path.stat().st_size)
    except OSError:
        state = (0, 0)  # parse_yaml says why
    return _load_prices(path, state)


@functools.lru_cache(maxsize=8)
def _load_prices(path: Path, state: tuple[int, int]) -> SkuCatalogue:
    from m365exit.engine.yamlsrc import parse_yaml
    from m365exit.errors import RulesError

    data = parse_yaml(path).data  # refuses aliases, caps size and depth; errors name file and line
    try:
        skus = data["skus"]
        return SkuCatalogue(
            names={str(sku): str(entry["name"]) for sku, entry in skus.items() if entry.get("name")},
            prices={str(sku): float(entry["price"]) for sku, entry in skus.items() if entry.get("price") is not None},
            changes={str(sku): {"percent": float(pct), "label": {k: str(v) for k, v in change["label"].items()}}
                     for change in data.get("changes") or [] for sku, pct in change["percent"].items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise RulesError(
            f"The price table {path} is not valid: expected 'skus:' mapping part numbers to {{name, price}}.",
            "See rules/prices/list-prices.yaml in the m365exit sources for the format.",
        ) from None


@dataclass
class AssessOptions:
    rules_dirs: Sequence[Path] = ()
    formats: Sequence[str] = ("html", "json", "md")
    lang: str = "en"
    prices: Path | None = None
    fail_under: int | None = None
    answers: Path | None = None
    brand: Path | None = None  # a brand YAML file (brand.load)
    pseudonymize: bool = False
    pseudonymize_key: Path | None = None
    pseudonymize_resources: bool = False
    users_per_week: float = scoring.USERS_PER_WEEK  # wave pace (scoring.USERS_PER_WEEK_SOURCE)
    # History (DESIGN §12): a store URL, and the thresholds that compare with the previous run.
    history: str | None = None
    fail_on_regression: int | None = None
    fail_on: Sequence[str] = ()


def _pseudonymization_key(options: CollectOptions | AssessOptions) -> bytes | None:
    if not (options.pseudonymize or options.pseudonymize_resources):
        return None
    from m365exit.pseudonymize import load_key

    return load_key(options.pseudonymize_key).secret


def _pseudonymized(snapshot: snap.Snapshot, key: bytes | None,
                   options: CollectOptions | AssessOptions) -> snap.Snapshot:
    if key is None:
        return snapshot
    from m365exit.pseudonymize import pseudonymize

    return pseudonymize(snapshot, key, resources=options.pseudonymize_resources)


def evaluate(snapshot: snap.Snapshot, options: AssessOptions) -> scoring.Assessment:
    """Pure from here on: same snapshot + same rules = same assessment."""
    catalogue = load_catalogue(list(options.rules_dirs))
    facts = {**snapshot.facts, **snapshot_facts(snapshot.collected_at)}  # dated claims read the snapshot's date
    findings = evaluate_rules(
        catalogue, facts, absent=snapshot.absent_reasons(), today=snapshot.collected_at.date()
    )
    skus = load_prices(options.prices)
    if not options.users_per_week > 0:
        raise UsageError("--users-per-week takes a positive number of people moved per week.",
                         f"Example: --users-per-week {scoring.USERS_PER_WEEK} ({scoring.USERS_PER_WEEK_SOURCE}).")
    return scoring.assess(snapshot, catalogue, findings, skus.prices, skus.names, options.users_per_week,
                          skus.changes)


def assess(snapshot: snap.Snapshot, out: Path, options: AssessOptions) -> tuple[scoring.Assessment, list[Path]]:
    assessment, written, _ = assess_recorded(snapshot, out, options)
    return assessment, written


def assess_recorded(snapshot: snap.Snapshot, out: Path, options: AssessOptions
                    ) -> tuple[scoring.Assessment, list[Path], HistoryOutcome | None]:
    """assess, and with --history: the report shows progress since earlier runs, then the run is stored."""
    from m365exit import report

    check_assess_options(options)
    brand = None
    if options.brand is not None:  # checked before any work: a bad brand file is exit 5 with file and line
        from m365exit.brand import load as load_brand

        brand = load_brand(options.brand)
    key = _pseudonymization_key(options)
    if options.answers is not None:
        from m365exit import answers

        snapshot = answers.apply(snapshot, answers.load(options.answers))
    snapshot = _pseudonymized(snapshot, key, options)  # after the answers: they may name people too
    check_history_options(options)
    assessment = evaluate(snapshot, options)
    if not options.history:
        return assessment, report.write(assessment, out, options.formats, options.lang, brand=brand), None
    from m365exit.history import open_store, run_from_assessment, trend

    with open_store(options.history) as store:
        current = run_from_assessment(assessment)
        earlier = store.earlier(current, limit=trend.PROGRESS_RUNS - 1)
        written = report.write(assessment, out, options.formats, options.lang, brand=brand,
                               progress=trend.progress(earlier, current))
        recorded = store.record(current)
    current = current.model_copy(update={"id": recorded.run_id})
    outcome = HistoryOutcome(store.url, recorded.run_id, recorded.created, current,
                             earlier[-1] if earlier else None, options.fail_on_regression, tuple(options.fail_on))
    return assessment, written, outcome


def check_assess_options(options: AssessOptions, *, read_inputs: bool = False) -> None:
    """What can be wrong with an assessment before any work: `run` checks it before collecting.

    With `read_inputs`, the rules, answers and price table are loaded too, so a typo in them fails now
    rather than after an hour of collection."""
    from m365exit import paths
    from m365exit.report import FORMATS
    from m365exit.report.i18n import LANGUAGES

    if options.lang not in LANGUAGES:
        raise UsageError(f"Unknown language {options.lang!r}.", f"Choose one of: {', '.join(LANGUAGES)}.")
    if options.fail_under is not None and not 0 <= options.fail_under <= 100:
        raise UsageError("--fail-under takes a readiness from 0 to 100.", "Example: --fail-under 60")
    unknown = [f for f in options.formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"Unknown report format {unknown[0]!r}.", f"Choose among: {', '.join(FORMATS)}.")
    for folder in options.rules_dirs:
        paths.input_dir(folder, "--rules")
    paths.input_file(options.answers, "--answers")
    paths.input_file(options.prices, "--prices")
    paths.input_file(options.brand, "--brand")
    if read_inputs:
        load_catalogue(list(options.rules_dirs))
        load_prices(options.prices)
        if options.answers is not None:
            from m365exit import answers

            answers.load(options.answers)
        if options.brand is not None:
            from m365exit.brand import load as load_brand

            load_brand(options.brand)


def check_threshold(assessment: scoring.Assessment, fail_under: int | None,
                    history: HistoryOutcome | None = None) -> None:
    """Exit 7 only when a line the team chose is crossed; every crossed line is named."""
    reasons = []
    readiness = assessment.readiness if assessment.readiness is not None else 0
    if fail_under is not None and readiness < fail_under:
        reasons.append(f"overall readiness {readiness} is below the threshold {fail_under}")
    if history is not None:
        reasons += history.crossed()
    if reasons:
        text = "; ".join(reasons)
        recorded = " and the run recorded" if history is not None else ""
        raise ThresholdError(
            f"Threshold crossed: {text}.",
            f"The reports were written{recorded}; they list the blockers{' and what moved' if recorded else ''}.",
        )


# --- History thresholds (DESIGN §12): --fail-on-regression N, --fail-on new-blocker -----------------

FAIL_ON = ("new-blocker",)


def check_history_options(options: AssessOptions, *, connect: bool = False) -> None:
    """Usage errors first; with `connect`, open the store too, so `run` fails before a long collection."""
    unknown = [f for f in options.fail_on if f not in FAIL_ON]
    if unknown:
        raise UsageError(f"Unknown --fail-on condition {unknown[0]!r}.", f"Choose among: {', '.join(FAIL_ON)}.")
    if options.fail_on_regression is not None and not 0 <= options.fail_on_regression <= 100:
        raise UsageError("--fail-on-regression takes a number of readiness points from 0 to 100.",
                         "Example: --fail-on-regression 5")
    if (options.fail_on_regression is not None or options.fail_on) and not options.history:
        raise UsageError("--fail-on-regression and --fail-on compare with the previous run: they need a history.",
                         "Pass --history PATH (an SQLite file) or a postgresql:// URL, or set M365EXIT_HISTORY.")
    if connect and options.history:
        from m365exit.history import open_store

        open_store(options.history).close()


@dataclass(frozen=True)
class HistoryOutcome:
    store_url: str  # password hidden
    run_id: int
    created: bool  # False: this snapshot was already stored
    current: Run
    previous: Run | None  # the latest earlier run of the same tenant
    fail_on_regression: int | None = None
    fail_on: tuple[str, ...] = ()

    def crossed(self) -> list[str]:
        from m365exit.history.diff import diff_runs

        previous = self.previous
        if previous is None:  # the first run of a tenant crosses no line that compares with the past
            return []
        reasons = []
        since = f"run {previous.id} ({previous.collected_at:%Y-%m-%d})"
        before, now = previous.readiness, self.current.readiness
        if self.fail_on_regression is not None and before is not None and (now or 0) < before - self.fail_on_regression:
            reasons.append(f"overall readiness fell from {before} to {now or 0} since {since}, "
                           f"more than {self.fail_on_regression} point(s)")
        if "new-blocker" in self.fail_on:
            new = diff_runs(previous, self.current).blockers_new
            if new:
                names = ", ".join(f"{c.rule} ({c.workload})" for c in new)
                reasons.append(f"{len(new)} new blocker(s) since {since}: {names}")
        return reasons
