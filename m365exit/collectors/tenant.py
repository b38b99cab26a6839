"""The tenant itself: its name and domain for the report, and whether usage reports conceal names."""

from __future__ import annotations

from m365exit.collectors import Output, collector
from m365exit.collectors.fanout import shared_get
from m365exit.graph import GraphClient

tenant = collector("tenant", "The tenant: name, default domain, report settings")


@tenant.source(
    "organization", endpoint="/organization", permission="Organization.Read.All", batched=True,
    purpose="The tenant's name and default domain, for the report's title.",
)
def organization(client: GraphClient, period: str) -> Output:
    orgs = list(shared_get(client, "organization?$select=id,displayName,verifiedDomains").get("value") or [])
    if not orgs:
        return Output()
    org = orgs[0]
    default = next((d.get("name") for d in org.get("verifiedDomains") or [] if d.get("isDefault")), "")
    return Output(tenant={"id": org.get("id", ""), "display_name": org.get("displayName", ""),
                          "default_domain": default or ""})


@tenant.source(
    "report-settings", endpoint="/admin/reportSettings", permission="ReportSettings.Read.All", batched=True,
    purpose="Whether usage reports hide names behind hashes (then per-user tables cannot be joined).",
)
def report_settings(client: GraphClient, period: str) -> Output:
    data = shared_get(client, "admin/reportSettings")
    # The documented sample wraps the object in "value"; the live API returns it bare. Accept both.
    settings = data.get("value", data)
    if isinstance(settings, list):
        settings = settings[0] if settings else {}
    concealed = settings.get("displayConcealedNames") if isinstance(settings, dict) else None
    return Output(tenant={"report_names_concealed": bool(concealed)} if concealed is not None else {})
