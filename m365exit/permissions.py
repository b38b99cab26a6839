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


def az_script(needed: list[Permission], display_name: str = "m365exit (read-only)") -> str:
    """Shell commands that create the app registration with exactly these permissions, then consent.

    Role IDs are looked up from Graph's service principal at run time rather than hard-coded.
    """
    lines = [
        "#!/usr/bin/env bash",
        "# Creates a read-only app registration for m365exit. Run as a Global or Privileged Role Administrator.",
        "set -euo pipefail",
        f"GRAPH={GRAPH_APP_ID}",
        f'APP_ID=$(az ad app create --display-name "{display_name}" --query appId -o tsv)',
        'role() { az ad sp show --id "$GRAPH" --query "appRoles[?value==\'$1\'].id" -o tsv; }',
    ]
    for permission in needed:
        lines.append(f'az ad app permission add --id "$APP_ID" --api "$GRAPH" '
                     f'--api-permissions "$(role {permission.name})=Role"   # {", ".join(permission.workloads)}')
    lines += [
        'az ad sp create --id "$APP_ID" >/dev/null',
        'az ad app permission admin-consent --id "$APP_ID"',
        'echo "AZURE_CLIENT_ID=$APP_ID"',
        'echo "AZURE_TENANT_ID=$(az account show --query tenantId -o tsv)"',
        "# Then add a credential: prefer a certificate or a federated credential to a secret, e.g.",
        '#   az ad app credential reset --id "$APP_ID" --create-cert --keyvault ... (or upload your own certificate)',
    ]
    return "\n".join(lines) + "\n"
