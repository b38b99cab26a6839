"""`m365exit collect`: read the tenant through Graph and write a snapshot file."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from m365exit import checkpoint, console, paths, pipeline
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
from m365exit.errors import IncompleteError
from m365exit.snapshot import Snapshot

Fresh = Annotated[bool, typer.Option(
    "--fresh", help="Discard the checkpoint of an interrupted collection and start again.")]


def summary(snapshot_path: Path, facts: int, issues: int) -> dict[str, object]:
    return {"snapshot": str(snapshot_path), "facts": facts, "issues": issues}


@app.command()
def collect(
    out: Annotated[Path, typer.Option("--out", help="Snapshot file to write (.json or .json.gz).")],
    workloads: Workloads = None,
    period: Period = "D30",
    strict: Strict = False,
    fresh: Fresh = False,
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
    """Read the tenant through Microsoft Graph (read-only) and write a snapshot.

    An interrupted collection resumes when the same command runs again (see --fresh)."""
    paths.output_file(out, "--out")
    settings = auth_settings(tenant, client_id, cloud, graph_endpoint, authority_host, device_code, managed_identity)
    options = pipeline.CollectOptions(
        workloads=workloads, period=period,
        pseudonymize=wants_pseudonyms(pseudonymize, pseudonymize_key, pseudonymize_resources),
        pseudonymize_key=pseudonymize_key, pseudonymize_resources=pseudonymize_resources,
    )
    existed = key_exists(pseudonymize_key)
    _, incomplete = collect_into(settings, options, out, strict=strict, fresh=fresh)
    note_new_key(options.pseudonymize, pseudonymize_key, existed)
    if incomplete is not None:
        raise incomplete


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a service manager, `kill`) ends the collection like Ctrl-C: checkpoint kept, exit 130."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (tests calling in process): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def say(sentence: str, warning: bool) -> None:
    (console.warn if warning else console.info)(sentence)


def collect_into(settings: AuthSettings, options: pipeline.CollectOptions, out: Path, *, strict: bool,
                 fresh: bool, label: str = "Collecting") -> tuple[Snapshot, IncompleteError | None]:
    """Collect into `out` with a checkpoint beside it, and save. The lock refuses a second collection into
    the same file; an interruption keeps the checkpoint so the same command resumes. Under --strict the
    error comes back (not raised) so `run` can still assess what was collected."""
    steps = pipeline.source_count(pipeline.check_workloads(options.workloads))
    with checkpoint.locked(out) as kept, sigterm_as_interrupt():
        if fresh and kept.discard():
            console.info(f"Discarded the checkpoint {kept.path} (--fresh).")
        try:
            with console.progress(steps, label) as bar:
                snapshot = pipeline.collect(settings, options, bar, show_device_code=console.prompt,
                                            checkpoint=kept, notify=say)
        except KeyboardInterrupt:
            if kept.finished:
                console.info(kept.resume_hint())
            raise
        try:
            report_collection(snapshot, out, strict, kept)
        except IncompleteError as exc:
            return snapshot, exc
    return snapshot, None


def report_collection(snapshot: Snapshot, out: Path, strict: bool, kept: checkpoint.Checkpoint | None = None
                      ) -> None:
    for issue in snapshot.issues:
        console.warn(f"{issue.workload} {issue.endpoint}: {issue.message}")
    pipeline.save_collected(snapshot, out, strict=strict, checkpoint=kept)
    if State.json:
        console.stdout.print_json(data=summary(out, len(snapshot.facts), len(snapshot.issues)))
    else:
        console.info(f"Snapshot written to {out} ({len(snapshot.facts)} facts, {len(snapshot.issues)} issues).")
