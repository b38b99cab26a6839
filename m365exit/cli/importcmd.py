"""`m365exit import`: a snapshot from admin-center report exports, for consultants without app registration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from m365exit import answers as answers_mod
from m365exit import console, paths
from m365exit import snapshot as snap
from m365exit.cli.app import State, app
from m365exit.importer import import_dir


@app.command("import")
def import_(
    directory: Annotated[Path, typer.Argument(help="Folder of usage-report CSV files from the admin center.")],
    out: Annotated[Path, typer.Option("--out", help="Snapshot file to write (.json or .json.gz).")],
    answers: Annotated[Path | None, typer.Option("--answers", help="An answers file to merge in.")] = None,
    tenant_name: Annotated[str, typer.Option("--tenant-name", help="The organisation's name, for the report.")] = "",
) -> None:
    """Build a snapshot from downloaded usage reports (and answers): no app registration needed."""
    paths.output_file(out, "--out")
    imported = import_dir(directory, tenant_name)
    snapshot = imported.snapshot
    if answers is not None:
        snapshot = answers_mod.apply(snapshot, answers_mod.load(answers))
    for name, why in sorted(imported.skipped.items()):
        console.warn(f"{name}: {why}; skipped.")
    snap.save(snapshot, out)
    if State.json:
        console.stdout.print_json(data={"snapshot": str(out), "files": imported.used, "skipped": imported.skipped,
                                        "facts": len(snapshot.facts)})
    else:
        for name, function in imported.used.items():
            console.info(f"  {name}: {function}")
        console.info(f"Snapshot written to {out} ({len(snapshot.facts)} facts from {len(imported.used)} file(s)).")
