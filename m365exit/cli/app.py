"""The Typer application and the options several commands share."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from m365exit import __version__, console

if TYPE_CHECKING:
    from m365exit.auth import AuthSettings

app = typer.Typer(
    name="m365exit",
    help="How ready is your organisation to leave Microsoft 365 for open-source, sovereign software?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # tracebacks could show tokens; main() prints one sentence instead
    rich_markup_mode=None,
)


class State:
    json = False


def _version(value: bool) -> None:
    if value:
        typer.echo(f"m365exit {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    json: Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout; logs on stderr.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show more detail on errors (never secrets).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors.")] = False,
) -> None:
    State.json = json
    console.Settings.debug = debug
    if debug:
        from m365exit.auth import debug_logging

        debug_logging()
    console.Settings.quiet = quiet or json


Lang = Annotated[str, typer.Option("--lang", help="Report language: en or fr.")]
Formats = Annotated[str, typer.Option("--format", help="Comma-separated: html,json,csv,xlsx,md,pdf.")]


def format_list(formats: str) -> list[str]:
    return [f.strip() for f in formats.split(",") if f.strip()]
OutDir = Annotated[Path, typer.Option("--out", help="Folder that receives the reports.")]
Period = Annotated[str, typer.Option("--period", help="Usage-report period: D7, D30, D90 or D180.")]
Workloads = Annotated[
    list[str] | None, typer.Option("--workloads", "-w", help="Collect only these workloads (repeatable).")
]
Strict = Annotated[bool, typer.Option("--strict", help="Exit 8 when any part of the collection failed.")]
RulesDirs = Annotated[
    list[Path] | None, typer.Option("--rules", help="A rules folder layered over the built-in catalogue (repeatable).")
]
FailUnder = Annotated[
    int | None, typer.Option("--fail-under", help="Exit 7 when overall readiness is below N (0-100).")
]

Tenant = Annotated[str | None, typer.Option("--tenant", help="Tenant ID or domain (env AZURE_TENANT_ID).")]
ClientId = Annotated[str | None, typer.Option("--client-id", help="Application (client) ID (env AZURE_CLIENT_ID).")]
Cloud = Annotated[str | None, typer.Option("--cloud", help="global, usgov, usgov-dod or china (env M365EXIT_CLOUD).")]
GraphEndpoint = Annotated[
    str | None, typer.Option("--graph-endpoint", help="Graph root URL, e.g. https://graph.microsoft.us.")
]
AuthorityHost = Annotated[
    str | None, typer.Option("--authority-host", help="Sign-in root URL, e.g. https://login.microsoftonline.us.")
]
DeviceCode = Annotated[bool, typer.Option("--device-code", help="Sign in as a user with a device code.")]
ManagedIdentity = Annotated[bool, typer.Option("--managed-identity", help="Use the Azure host's managed identity.")]


def auth_settings(tenant: str | None, client_id: str | None, cloud: str | None, graph_endpoint: str | None,
                  authority_host: str | None, device_code: bool, managed_identity: bool) -> AuthSettings:
    from m365exit.auth import AuthSettings

    return AuthSettings.from_env(
        tenant_id=tenant, client_id=client_id, cloud=cloud, graph_endpoint=graph_endpoint,
        authority_host=authority_host, device_code=device_code, managed_identity=managed_identity,
    )


# Consultant deliverables (DESIGN §14): branding and pseudonymisation.
Brand = Annotated[Path | None, typer.Option("--brand", help="Brand YAML: organisation, author, client, "
                                            "confidentiality, logo, colours.")]
Pseudonymize = Annotated[bool, typer.Option("--pseudonymize", help="Replace every person by a stable pseudonym.")]
PseudonymizeKey = Annotated[Path | None, typer.Option(
    "--pseudonymize-key", help="Key file of the pseudonyms (created 0600 when missing; default "
    "~/.config/m365exit/pseudonymize.key; implies --pseudonymize).")]
PseudonymizeResources = Annotated[bool, typer.Option(
    "--pseudonymize-resources", help="Pseudonymise shared mailboxes, rooms, sites and teams too "
    "(implies --pseudonymize).")]


def wants_pseudonyms(pseudonymize: bool, key: Path | None, resources: bool) -> bool:
    """A key or --pseudonymize-resources asks for pseudonyms too: never ignore a privacy option silently."""
    return pseudonymize or resources or key is not None


def note_new_key(pseudonymize: bool, key: Path | None, existed: bool) -> None:
    """Say where a new key was written (never the key itself): the same key gives the same pseudonyms."""
    if pseudonymize and not existed:
        from m365exit.pseudonymize import default_key_path

        console.info(f"New pseudonymisation key written to {key or default_key_path()} (mode 0600): keep it "
                     "to get the same pseudonyms next time.")


def key_exists(key: Path | None) -> bool:
    from m365exit.pseudonymize import default_key_path

    return (key or default_key_path()).exists()
