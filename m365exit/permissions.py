"""Least-privilege application permissions, derived from what the collectors declare."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from m365exit.collectors import Source, load_all

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"  # Microsoft Graph's well-known application ID


@dataclass
class Permission:
    name: str
    sources: list[Source] = field(default_factory=list)

    @property
    def workloads(self) -> list[str]:
        return sorted({s.workload for s in self.sources})

    @property
    def facts(self) -> list[str]:
        return sorted({f for s in self.sources for f in s.facts})


def required(workloads: Iterable[str] | None = None) -> list[Permission]:
    chosen = set(workloads) if workloads else None
    found: dict[str, Permission] = {}
    for collector in load_all().values():
        if chosen is not None and collector.id not in chosen and collector.id != "tenant":
            continue
        for source in collector.sources:
            for name in source.permissions:
                found.setdefault(name, Permission(name)).sources.append(source)
    return sorted(found.values(), key=lambda p: p.name.lower())


def missing(granted: Iterable[str], needed: list[Permission]) -> list[Permission]:
    have = {g.lower() for g in granted}
    # A broader grant covers a narrower one: Directory.Read.All reads what User.Read.All reads, and so on.
    broader = {
        "user.read.all": {"directory.read.all", "user.readwrite.all"},
        "groupmember.read.all": {"group.read.all", "directory.read.all"},
        "application.read.all": {"directory.read.all"},
        "domain.read.all": {"directory.read.all"},
        "organization.read.all": {"directory.read.all"},
        "licenseassignment.read.all": {"organization.read.all", "directory.read.all"},
        "team.readbasic.all": {"group.read.all", "directory.read.all"},
        "channel.readbasic.all": {"group.read.all", "directory.read.all"},
        "teamsappinstallation.readforteam.all": {"teamsappinstallation.read.all", "group.read.all"},
        "tasks.read.all": {"tasks.readwrite.all"},
        "sites.read.all": {"sites.readwrite.all", "sites.fullcontrol.all"},
    }
    return [p for p in needed
            if p.name.lower() not in have and not (broader.get(p.name.lower(), set()) & have)]


def unneeded(granted: Iterable[str], needed: list[Permission]) -> list[str]:
    """Granted permissions m365exit does not need: candidates for removal (least privilege)."""
    want = {p.name.lower() for p in needed}
    return sorted(g for g in granted if g.lower() not in want)


def az_script(needed: list[Permission], display_name: str = "m365exit (read-only)") -> str:
    """A bash script that creates (or updates) the app registration with exactly these permissions, then consents.

    Role IDs are looked up in Microsoft Graph's service principal at run time rather than hard-coded; a name Graph
    does not know stops the script. Running it twice does not create a second app.
    """
    names = " ".join(p.name for p in needed)
    lines = [
        "#!/usr/bin/env bash",
        "# Creates a read-only app registration for m365exit with least-privilege Microsoft Graph application",
        "# permissions, and grants admin consent. Run it signed in with 'az login' as a Global Administrator or",
        "# Privileged Role Administrator. National clouds: first 'az cloud set --name AzureUSGovernment'",
        "# (or AzureChinaCloud).",
        "set -euo pipefail",
        f'NAME="${{M365EXIT_APP_NAME:-{display_name}}}"',
        f"GRAPH={GRAPH_APP_ID}  # Microsoft Graph",
        "",
        "# Microsoft Graph's application roles: value and id, one per line",
        'ROLES=$(az ad sp show --id "$GRAPH" --query "appRoles[].[value, id]" -o tsv)',
        "role() {",
        "  local id",
        "  id=$(printf '%s\\n' \"$ROLES\" | awk -v name=\"$1\" '$1 == name { print $2; exit }')",
        '  if [ -z "$id" ]; then echo "Microsoft Graph has no application permission named $1" >&2; exit 1; fi',
        "  printf '%s' \"$id\"",
        "}",
        "",
        'APP_ID=$(az ad app list --display-name "$NAME" --query "[0].appId" -o tsv)',
        'if [ -z "$APP_ID" ]; then',
        '  APP_ID=$(az ad app create --display-name "$NAME" --sign-in-audience AzureADMyOrg --query appId -o tsv)',
        "fi",
        "",
        "GRANTS=()",
    ]
    for permission in needed:
        lines.append(f'GRANTS+=("$(role {permission.name})=Role")  # {", ".join(permission.workloads)}')
    lines += [
        f"# {len(needed)} permissions, all read-only: {names}",
        'az ad app permission add --id "$APP_ID" --api "$GRAPH" --api-permissions "${GRANTS[@]}" >/dev/null',
        'az ad sp show --id "$APP_ID" >/dev/null 2>&1 || az ad sp create --id "$APP_ID" >/dev/null',
        "# Entra needs a few seconds to see a new service principal: retry the consent a few times",
        "for attempt in 1 2 3 4 5 6; do",
        '  if az ad app permission admin-consent --id "$APP_ID"; then break; fi',
        '  if [ "$attempt" = 6 ]; then echo "admin consent failed" >&2; exit 1; fi',
        "  sleep 10",
        "done",
        "",
        'echo "AZURE_TENANT_ID=$(az account show --query tenantId -o tsv)"',
        'echo "AZURE_CLIENT_ID=$APP_ID"',
        "",
        "# Then give the app a credential. Prefer a certificate or a federated credential to a secret:",
        "#   openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=m365exit \\",
        "#     -keyout m365exit.pem -out m365exit.crt",
        '#   az ad app credential reset --id "$APP_ID" --cert @m365exit.crt --append',
        "#   cat m365exit.crt >> m365exit.pem   # AZURE_CLIENT_CERTIFICATE_PATH=m365exit.pem",
        "# or, for a GitHub Actions workflow (no secret at all; AZURE_FEDERATED_TOKEN_FILE holds the OIDC token):",
        '#   az ad app federated-credential create --id "$APP_ID" --parameters \'{"name": "github-main", '
        '"issuer": "https://token.actions.githubusercontent.com", "subject": "repo:ORG/REPO:ref:refs/heads/main", '
        '"audiences": ["api://AzureADTokenExchange"]}\'',
    ]
    return "\n".join(lines) + "\n"
