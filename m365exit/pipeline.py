"""The stages the commands chain: collect (Graph → snapshot) and assess (snapshot → reports).

Each CLI command turns its options into one call here; nothing here prints.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from m365exit import scoring
from m365exit import snapshot as snap
from m365exit.auth import AuthSettings, token_claims, token_provider
from m365exit.collectors import Source, SourceResult, load_all, run_sources
from m365exit.console import Progress
from m365exit.engine.evaluate import evaluate as evaluate_rules
from m365exit.engine.loader import load_catalogue
from m365exit.errors import GraphUnreachableError, IncompleteError, ThresholdError, UsageError
from m365exit.graph import GraphClient
from m365exit.transport import Transport

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


def collect(
    settings: AuthSettings, options: CollectOptions, progress: Progress | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    show_device_code: Callable[[str], None] | None = None,
) -> snap.Snapshot:
    """Sign in, run the collectors, and return the snapshot (not yet saved)."""
    if options.period not in PERIODS:
        raise UsageError(f"Unknown period {options.period!r}.", f"Choose one of: {', '.join(PERIODS)}.")
    workloads = check_workloads(options.workloads)
    # Closed however the collection ends: sign-in refused, Graph unreachable, interrupted.
    with contextlib.closing(Transport(verify=options.ca_bundle)) as transport:
        tokens = token_provider(settings, transport, show_device_code=show_device_code)
        claims = token_claims(tokens.token())  # sign in first: a bad credential fails before any collection
        client = GraphClient(transport, tokens, settings.graph_endpoint, max_wait=options.max_wait)

        def on_source(source: Source) -> None:
            if progress:
                progress.started(source.workload, source.name)

        def on_done(done: SourceResult) -> None:
            if progress:
                progress.finished(done.key.split(".", 1)[0])

        if progress:
            registry = load_all()
            progress.plan({w: len(registry[w].sources) for w in workloads})
        started = clock().replace(microsecond=0)
        result = run_sources(client, options.period, workloads, on_source, on_done=on_done)
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
        return snap.Snapshot(
            collected_at=started,
            period=options.period,
            source=options.source_label,
            tenant=tenant,
            facts=dict(sorted(result.facts.items())),
            provenance=dict(sorted(result.provenance.items())),
            tables=dict(sorted(result.tables.items())),
            issues=[snap.CollectionIssue(**vars(issue)) for issue in result.issues],
            requests={name: snap.ServiceRequests(**stats) for name, stats in client.accounting().items()},
            coverage={name: snap.Coverage(**c) for name, c in sorted(result.coverage.items())},
        )


def save_collected(snapshot: snap.Snapshot, out: Path, *, strict: bool) -> None:
    """Save first, then fail under --strict: the data collected is never lost (exit 8 still has a file)."""
    snap.save(snapshot, out)
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


def load_prices(path: Path | None = None) -> SkuCatalogue:
    """The built-in SKU table unless a file is given (--prices)."""
    import yaml

    from m365exit.errors import RulesError
    from m365exit.resources import rules_dir

    path = path or rules_dir() / "prices" / "list-prices.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        skus = data["skus"]
        return SkuCatalogue(
            names={str(sku): str(entry["name"]) for sku, entry in skus.items() if entry.get("name")},
            prices={str(sku): float(entry["price"]) for sku, entry in skus.items() if entry.get("price") is not None},
        )
    except OSError as exc:
        raise RulesError(f"Cannot read the price table {path}: {exc.strerror}.", "Check --prices.") from None
    except (yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError):
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


def evaluate(snapshot: snap.Snapshot, options: AssessOptions) -> scoring.Assessment:
    """Pure from here on: same snapshot + same rules = same assessment."""
    catalogue = load_catalogue(list(options.rules_dirs))
    findings = evaluate_rules(
        catalogue, snapshot.facts, absent=snapshot.absent_reasons(), today=snapshot.collected_at.date()
    )
    skus = load_prices(options.prices)
    return scoring.assess(snapshot, catalogue, findings, skus.prices, skus.names)


def assess(snapshot: snap.Snapshot, out: Path, options: AssessOptions) -> tuple[scoring.Assessment, list[Path]]:
    from m365exit import report
    from m365exit.report.i18n import LANGUAGES

    if options.lang not in LANGUAGES:
        raise UsageError(f"Unknown language {options.lang!r}.", f"Choose one of: {', '.join(LANGUAGES)}.")
    if options.fail_under is not None and not 0 <= options.fail_under <= 100:
        raise UsageError("--fail-under takes a readiness from 0 to 100.", "Example: --fail-under 60")
    if options.answers is not None:
        from m365exit import answers

        snapshot = answers.apply(snapshot, answers.load(options.answers))
    assessment = evaluate(snapshot, options)
    written = report.write(assessment, out, options.formats, options.lang)
    return assessment, written


def check_threshold(assessment: scoring.Assessment, fail_under: int | None) -> None:
    if fail_under is None:
        return
    readiness = assessment.readiness if assessment.readiness is not None else 0
    if readiness < fail_under:
        raise ThresholdError(
            f"Overall readiness {readiness} is below the threshold {fail_under}.",
            "The reports were written; lower --fail-under or work on the blockers they list.",
        )
