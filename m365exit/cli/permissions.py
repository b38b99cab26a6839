"""`m365exit permissions` and `m365exit doctor`: what to grant, and whether it was granted."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.markup import escape
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
from m365exit.errors import AuthError, IncompleteError, UsageError

MODES = {
    "access-token": "a bearer token from M365EXIT_ACCESS_TOKEN",
    "managed-identity": "the host's managed identity",
    "device-code": "a delegated sign-in (device code)",
    "client-secret": "a client secret",
    "certificate": "a certificate",
    "federated": "a federated token (workload identity federation)",
}


def _permission_json(p: perms.Permission) -> dict[str, Any]:
    return {
        "permission": p.name,
        "type": "Application",
        "api": "Microsoft Graph",
        "workloads": p.workloads,
        "facts": p.facts,
        "endpoints": sorted({s.endpoint for s in p.sources}),
        "purposes": sorted({s.purpose for s in p.sources if s.purpose}),
        "licences": sorted({s.licence for s in p.sources if s.licence}),
    }


@app.command()
def permissions(
    fmt: Annotated[str, typer.Option("--format", help="table, json or az (a bash script that creates the app).")] = (
        "table"
    ),
    workloads: Workloads = None,
) -> None:
    """The least-privilege application permissions m365exit needs, and what each one reads."""
    if fmt not in ("table", "json", "az"):
        raise UsageError(f"Unknown format {fmt!r}.", "Choose table, json or az.")
    if workloads:
        from m365exit import pipeline

        pipeline.check_workloads(workloads)
    needed = perms.required(workloads)
    if fmt == "json" or State.json:
        console.stdout.print_json(data=[_permission_json(p) for p in needed])
    elif fmt == "az":
        typer.echo(perms.az_script(needed), nl=False)
    else:
        table = Table(title="Microsoft Graph application permissions m365exit needs (all read-only)")
        table.add_column("Permission", no_wrap=True)
        table.add_column("Workloads")
        table.add_column("Facts", justify="right")
        table.add_column("What it reads")
        for p in needed:
            purposes = sorted({s.purpose for s in p.sources if s.purpose})
            licences = sorted({s.licence for s in p.sources if s.licence})
            what = " ".join(purposes) + (f" Needs: {', '.join(licences)}." if licences else "")
            table.add_row(p.name, ", ".join(p.workloads), str(len(p.facts)), escape(what))
        console.stdout.print(table)
        console.stdout.print(
            f"{len(needed)} application permissions, none of which can change anything. "
            "'m365exit permissions --format az' prints a script that creates the app registration; "
            "'m365exit doctor' checks an existing one."
        )


def _signed_in_as(claims: dict[str, Any], delegated: bool) -> str:
    if delegated:
        return str(claims.get("upn") or claims.get("preferred_username") or claims.get("oid") or "a user")
    return f"application {claims.get('appid') or claims.get('azp') or '?'}"


def _show_report(report: dict[str, Any], lacking: list[perms.Permission], needed: int) -> None:
    out = console.stdout
    out.print(
        f"Signed in to {escape(report['graph_endpoint'])} ({report['cloud']} cloud) with "
        f"{MODES.get(report['mode'], report['mode'])}: tenant {escape(str(report['tenant']))}, "
        f"{escape(report['signed_in_as'])}."
    )
    if report["token_expires"]:
        out.print(f"The token is valid until {report['token_expires']}.")
    if report["delegated"]:
        out.print(
            "This is a delegated token: m365exit sees what this user may see (the 'scp' claim), and a few "
            "endpoints refuse delegated tokens; an app registration with application permissions reads more."
        )
    if not report["granted"] and not report["delegated"]:
        out.print("[bold red]The token carries no permission at all:[/bold red] admin consent has not been granted "
                  "for this application.")
    if not lacking:
        out.print(f"[green]All {needed} permissions m365exit needs are granted.[/green] A collection will be complete.")
    else:
        table = Table(title=f"{len(lacking)} of {needed} permissions missing")
        table.add_column("Missing permission", no_wrap=True)
        table.add_column("Workloads it disables")
        table.add_column("Facts that will be missing")
        for p in lacking:
            shown = ", ".join(p.facts[:6]) + (f" and {len(p.facts) - 6} more" if len(p.facts) > 6 else "")
            table.add_row(p.name, ", ".join(p.workloads), f"{len(p.facts)}: {shown}")
        out.print(table)
        workloads = sorted({w for p in lacking for w in p.workloads})
        out.print(
            f"Without them the collection still runs, but {', '.join(workloads)} will be incomplete "
            "(each gap is listed in the snapshot's issues)."
        )
        out.print(
            "To fix: grant them under App registrations > API permissions > Microsoft Graph > Application "
            "permissions, then 'Grant admin consent'; 'm365exit permissions --format az' prints the commands."
        )
    if report["unneeded"]:
        writes = [g for g in report["unneeded"] if "write" in g.lower() or "fullcontrol" in g.lower()]
        out.print(f"Granted but not needed by m365exit: {', '.join(report['unneeded'])}.")
        if writes:
            out.print(f"[yellow]{', '.join(writes)} can change the tenant;[/yellow] m365exit only reads: "
                      "consider removing them (least privilege).")


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

    if workloads:
        from m365exit import pipeline

        pipeline.check_workloads(workloads)
    settings = auth_settings(tenant, client_id, cloud, graph_endpoint, authority_host, device_code, managed_identity)
    base: dict[str, Any] = {
        "mode": settings.mode, "cloud": settings.cloud, "graph_endpoint": settings.graph_endpoint,
        "authority_host": settings.authority_host,
    }
    transport = Transport()
    try:
        token = token_provider(settings, transport, show_device_code=console.prompt).token()
    except AuthError as exc:
        if State.json:  # a pipeline gets a machine-readable answer too; the exit code stays 3
            console.stdout.print_json(data={"signed_in": False, **base, "error": exc.message, "hint": exc.hint})
        raise
    finally:
        transport.close()
    claims = token_claims(token)
    delegated = "scp" in claims and "roles" not in claims
    granted = str(claims.get("scp", "")).split() if delegated else [str(r) for r in claims.get("roles", [])]
    needed = perms.required(workloads)
    lacking = perms.missing(granted, needed)
    expires = claims.get("exp")
    report = {
        "signed_in": True, **base,
        "tenant": claims.get("tid", settings.tenant_id), "signed_in_as": _signed_in_as(claims, delegated),
        "delegated": delegated,
        "token_expires": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(expires))
        if isinstance(expires, int | float) else None,
        "granted": sorted(granted), "needed": len(needed), "complete": not lacking,
        "missing": [_permission_json(p) for p in lacking],
        "unneeded": perms.unneeded(granted, needed),
    }
    if State.json:
        console.stdout.print_json(data=report)
    else:
        _show_report(report, lacking, len(needed))
    if strict and lacking:
        raise IncompleteError(f"{len(lacking)} permission(s) missing: {', '.join(p.name for p in lacking)}.",
                              "Grant them, then run 'm365exit doctor' again.")
