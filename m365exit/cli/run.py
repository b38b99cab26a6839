"""`m365exit run`: collect and assess in one go; the snapshot and the reports land in one folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from m365exit import pipeline
from m365exit.cli.app import (
    AuthorityHost,
    ClientId,
    Cloud,
    DeviceCode,
    FailUnder,
    Formats,
    GraphEndpoint,
    Lang,
    ManagedIdentity,
    OutDir,
    Period,
    RulesDirs,
    Strict,
    Tenant,
    Workloads,
    app,
    auth_settings,
    format_list,
)
from m365exit.cli.assess import finish
from m365exit.cli.collect import collect_with_progress, report_collection
from m365exit.cli.history import FailOn, FailOnRegression, HistoryUrl, report_outcome
from m365exit.errors import IncompleteError


@app.command()
def run(
    out: OutDir = Path("m365exit-report"),
    workloads: Workloads = None,
    period: Period = "D30",
    strict: Strict = False,
    rules: RulesDirs = None,
    fmt: Formats = "html,json,md",
    lang: Lang = "en",
    fail_under: FailUnder = None,
    answers: Annotated[Path | None, typer.Option("--answers", help="Facts people supply.")] = None,
    tenant: Tenant = None,
    client_id: ClientId = None,
    cloud: Cloud = None,
    graph_endpoint: GraphEndpoint = None,
    authority_host: AuthorityHost = None,
    device_code: DeviceCode = False,
    managed_identity: ManagedIdentity = False,
    history: HistoryUrl = None,
    fail_on_regression: FailOnRegression = None,
    fail_on: FailOn = None,
) -> None:
    """Collect from the tenant and write the snapshot and the reports into one folder."""
    pipeline.check_history_options(pipeline.AssessOptions(  # before collecting, not after
        history=history, fail_on_regression=fail_on_regression, fail_on=fail_on or []), connect=True)
    settings = auth_settings(tenant, client_id, cloud, graph_endpoint, authority_host, device_code, managed_identity)
    snapshot = collect_with_progress(settings, pipeline.CollectOptions(workloads=workloads, period=period))
    incomplete: IncompleteError | None = None
    try:
        report_collection(snapshot, out / "snapshot.json.gz", strict)
    except IncompleteError as exc:  # still assess: the reports show what could be collected
        incomplete = exc
    assessment, written, recorded = pipeline.assess_recorded(snapshot, out, pipeline.AssessOptions(
        rules_dirs=rules or [], formats=format_list(fmt), lang=lang,
        fail_under=fail_under, answers=answers,
        history=history, fail_on_regression=fail_on_regression, fail_on=fail_on or [],
    ))
    if incomplete is not None:  # --strict is checked before thresholds (DESIGN §2)
        finish(assessment, written, None)
        report_outcome(recorded)
        raise incomplete
    finish(assessment, written, fail_under, recorded)
