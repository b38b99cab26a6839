"""`m365exit collect`: read the tenant through Graph and write a snapshot file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from m365exit import console, pipeline
from m365exit.auth import AuthSettings
from m365exit.cli.app import (
    AuthorityHost,
    ClientId,
    Cloud,
    DeviceCode,
    GraphEndpoint,
    ManagedIdentity,
    Period,
    Pseudonymize,
    PseudonymizeKey,
    PseudonymizeResources,
    State,
    Strict,
    Tenant,
    Workloads,
    app,
    auth_settings,
    key_exists,
    note_new_key,
    wants_pseudonyms,
)
from m365exit.snapshot import Snapshot


def summary(snapshot_path: Path, facts: int, issues: int) -> dict[str, object]:
    return {"snapshot": str(snapshot_path), "facts": facts, "issues": issues}


@app.command()
def collect(
    out: Annotated[Path, typer.Option("--out", help="Snapshot file to write (.json or .json.gz).")],
    workloads: Workloads = None,
    period: Period = "D30",
    strict: Strict = False,
    tenant: Tenant = None,
    client_id: ClientId = None,
    cloud: Cloud = None,
    graph_endpoint: GraphEndpoint = None,
    authority_host: AuthorityHost = None,
    device_code: DeviceCode = False,
    managed_identity: ManagedIdentity = False,
    pseudonymize: Pseudonymize = False,
    pseudonymize_key: PseudonymizeKey = None,
    pseudonymize_resources: PseudonymizeResources = False,
) -> None:
    """Read the tenant through Microsoft Graph (read-only) and write a snapshot."""
    settings = auth_settings(tenant, client_id, cloud, graph_endpoint, authority_host, device_code, managed_identity)
    options = pipeline.CollectOptions(
        workloads=workloads, period=period,
        pseudonymize=wants_pseudonyms(pseudonymize, pseudonymize_key, pseudonymize_resources),
        pseudonymize_key=pseudonymize_key, pseudonymize_resources=pseudonymize_resources,
    )
    existed = key_exists(pseudonymize_key)
    snapshot = collect_with_progress(settings, options)
    note_new_key(options.pseudonymize, pseudonymize_key, existed)
    report_collection(snapshot, out, strict)


def collect_with_progress(settings: AuthSettings, options: pipeline.CollectOptions,
                          label: str = "Collecting") -> Snapshot:
    """The collection with a bar on a terminal (one step per source); device-code prompts go to stderr."""
    steps = pipeline.source_count(pipeline.check_workloads(options.workloads))
    with console.progress(steps, label) as bar:
        return pipeline.collect(settings, options, bar, show_device_code=console.prompt)


def report_collection(snapshot: Snapshot, out: Path, strict: bool) -> None:
    for issue in snapshot.issues:
        console.warn(f"{issue.workload} {issue.endpoint}: {issue.message}")
    pipeline.save_collected(snapshot, out, strict=strict)
    if State.json:
        console.stdout.print_json(data=summary(out, len(snapshot.facts), len(snapshot.issues)))
    else:
        console.info(f"Snapshot written to {out} ({len(snapshot.facts)} facts, {len(snapshot.issues)} issues).")
