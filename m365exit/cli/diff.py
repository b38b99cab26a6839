"""`m365exit diff SNAPSHOT_A SNAPSHOT_B`: the facts that moved between two snapshots, without a store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from m365exit import console
from m365exit import snapshot as snap
from m365exit.cli.app import State, app
from m365exit.cli.history import emit, fact_table


@app.command()
def diff(
    before: Annotated[Path, typer.Argument(help="The earlier snapshot.")],
    after: Annotated[Path, typer.Argument(help="The later snapshot.")],
) -> None:
    """Facts that moved between two snapshots, with their delta (no history store needed)."""
    from m365exit.history.diff import SnapshotDiff, SnapshotSide, fact_changes

    a, b = snap.load(before), snap.load(after)

    def side(s: snap.Snapshot) -> SnapshotSide:
        return SnapshotSide(tenant_id=s.tenant.id, tenant_name=s.tenant.display_name or s.tenant.default_domain,
                            collected_at=s.collected_at.isoformat())

    result = SnapshotDiff(before=side(a), after=side(b), facts=fact_changes(a.facts, b.facts))
    if State.json:
        emit(result)
        return
    if a.tenant.id != b.tenant.id:
        console.warn(f"The snapshots come from two tenants ({a.tenant.id} and {b.tenant.id}).")
    console.stdout.print(f"{result.before.tenant_name}: {result.before.collected_at} → {result.after.collected_at}",
                         markup=False)
    console.stdout.print(fact_table(result.facts))
