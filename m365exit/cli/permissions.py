"""`m365exit permissions` and `m365exit doctor`: what to grant, and whether it was granted."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from m365exit import console
from m365exit import permissions as perms
from m365exit.cli.app import (
    AuthorityHost,
    ClientId,
    Cloud,
    DeviceCode,
    GraphEndpoint,
    ManagedIdentity,
    State,
    Tenant,
    Workloads,
    app,
    auth_settings,
)
from m365exit.errors import IncompleteError, UsageError


@app.command()
def permissions(
    fmt: Annotated[str, typer.Option("--format", help="table, json or az (commands that create the app).")] = "table",
    workloads: Workloads = None,
) -> None:
    """The least-privilege application permissions m365exit needs, and what each one reads."""
    needed = perms.required(workloads)
    if fmt == "json" or State.json:
        console.stdout.print_json(data=[
            {"permission": p.name, "type": "Application", "workloads": p.workloads, "facts": p.facts,
             "endpoints": sorted({s.endpoint for s in p.sources})}
            for p in needed
        ])
    elif fmt == "az":
        typer.echo(perms.az_script(needed), nl=False)
    elif fmt == "table":
        table = Table(title="Microsoft Graph application permissions (all read-only)")
        table.add_column("Permission", no_wrap=True)
        table.add_column("Workloads")
        table.add_column("What it reads")
        for p in needed:
            purposes = sorted({s.purpose for s in p.sources if s.purpose})
            table.add_row(p.name, ", ".join(p.workloads), "; ".join(purposes))
        console.stdout.print(table)
    else:
        raise UsageError(f"Unknown format {fmt!r}.", "Choose table, json or az.")


@app.command()
def doctor(
    strict: Annotated[bool, typer.Option("--strict", help="Exit 8 when a permission is missing.")] = False,
    workloads: Workloads = None,
    tenant: Tenant = None,
    client_id: ClientId = None,
    cloud: Cloud = None,
    graph_endpoint: GraphEndpoint = None,
    authority_host: AuthorityHost = None,
    device_code: DeviceCode = False,
    managed_identity: ManagedIdentity = False,
) -> None:
    """Preflight: sign in, read the token's permissions, and say what a collection would miss."""
    from m365exit.auth import token_claims, token_provider
    from m365exit.transport import Transport

    settings = auth_settings(tenant, client_id, cloud, graph_endpoint, authority_host, device_code, managed_identity)
    transport = Transport()
    claims = token_claims(token_provider(settings, transport, show_device_code=console.info).token())
    transport.close()
    delegated = "scp" in claims and "roles" not in claims
    granted = str(claims.get("scp", "")).split() if delegated else [str(r) for r in claims.get("roles", [])]
    needed = perms.required(workloads)
    lacking = perms.missing(granted, needed)
    report = {
        "signed_in": True, "mode": settings.mode, "cloud": settings.cloud, "graph_endpoint": settings.graph_endpoint,
        "tenant": claims.get("tid", settings.tenant_id), "delegated": delegated, "granted": sorted(granted),
        "missing": [{"permission": p.name, "workloads": p.workloads, "facts": p.facts} for p in lacking],
    }
    if State.json:
        console.stdout.print_json(data=report)
    else:
        console.stdout.print(f"Signed in to {settings.graph_endpoint} ({settings.cloud}) as {settings.mode}, "
                             f"tenant {report['tenant']}.")
        if not lacking:
            console.stdout.print(f"All {len(needed)} permissions are granted.")
        for p in lacking:
            console.stdout.print(f"missing {p.name}: no {', '.join(p.workloads)} data "
                                 f"({len(p.facts)} facts: {', '.join(p.facts[:4])}{'…' if len(p.facts) > 4 else ''})")
        if lacking:
            console.stdout.print("Grant them: 'm365exit permissions --format az' prints the commands.")
    if strict and lacking:
        raise IncompleteError(f"{len(lacking)} permission(s) missing.", "Grant them, then run doctor again.")
