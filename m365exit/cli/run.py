"""`m365exit run`: collect and assess in one go; the snapshot and the reports land in one folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from m365exit import paths, pipeline
from m365exit.cli.app import (
    AuthorityHost,
    Brand,
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
    Pseudonymize,
    PseudonymizeKey,
    PseudonymizeResources,
    RulesDirs,
    Strict,
    Tenant,
    Workloads,
    app,
    auth_settings,
    format_list,
    key_exists,
    note_new_key,
    wants_pseudonyms,
)
from m365exit.cli.assess import finish
from m365exit.cli.collect import Fresh, collect_into
from m365exit.cli.history import FailOn, FailOnRegression, HistoryUrl, report_outcome


@app.command()
def run(
    out: OutDir = Path("m365exit-report"),
    workloads: Workloads = None,
    period: Period = "D30",
    strict: Strict = False,
    fresh: Fresh = False,
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
    brand: Brand = None,
    pseudonymize: Pseudonymize = False,
    pseudonymize_key: PseudonymizeKey = None,
    pseudonymize_resources: PseudonymizeResources = False,
    history: HistoryUrl = None,
    fail_on_regression: FailOnRegression = None,
    fail_on: FailOn = None,
) -> None:
    """Collect from the tenant and write the snapshot and the reports into one folder.

    An interrupted collection resumes when the same command runs again (see --fresh)."""
    pseudonymize = wants_pseudonyms(pseudonymize, pseudonymize_key, pseudonymize_resources)
    options = pipeline.AssessOptions(
        rules_dirs=rules or [], formats=format_list(fmt), lang=lang, fail_under=fail_under, answers=answers,
        brand=brand, pseudonymize=pseudonymize, pseudonymize_key=pseudonymize_key,
        pseudonymize_resources=pseudonymize_resources,
        history=history, fail_on_regression=fail_on_regression, fail_on=fail_on or [],
    )
    # Everything that could fail after an hour of collection fails now: paths, options, rules, answers, store.
    snapshot_path = out / "snapshot.json.gz"
    paths.output_dir(out, "--out")
    paths.output_file(snapshot_path, "--out")
    pipeline.check_assess_options(options, read_inputs=True)
    pipeline.check_history_options(options, connect=True)
    settings = auth_settings(tenant, client_id, cloud, graph_endpoint, authority_host, device_code, managed_identity)
    existed = key_exists(pseudonymize_key)
    # Pseudonymised at collection: the snapshot saved next to the reports names nobody either.
    snapshot, incomplete = collect_into(settings, pipeline.CollectOptions(
        workloads=workloads, period=period, pseudonymize=pseudonymize, pseudonymize_key=pseudonymize_key,
        pseudonymize_resources=pseudonymize_resources,
    ), snapshot_path, strict=strict, fresh=fresh)
    note_new_key(pseudonymize, pseudonymize_key, existed)
    # Under --strict the reports are still written: they show what could be collected.
    assessment, written, recorded = pipeline.assess_recorded(snapshot, out, options)
    if incomplete is not None:  # --strict is checked before thresholds (DESIGN §2)
        finish(assessment, written, None)
        report_outcome(recorded)
        raise incomplete
    finish(assessment, written, fail_under, recorded)
