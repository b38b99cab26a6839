"""Entra ID: users, groups, applications to re-home, conditional access, domains."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from m365exit.collectors import Output, collector, counts
from m365exit.collectors.fanout import shared_get
from m365exit.graph import GraphClient

identity = collector("identity", "Entra ID: identities, groups, single sign-on, access policies")
PAGE = 999  # directory maximum


def _group_types(g: Mapping[str, Any]) -> list[str]:
    return [str(t) for t in (g.get("groupTypes") or [])]


@identity.source(
    "users", endpoint="/users", permission="User.Read.All",
    facts=["identity.users_total", "identity.users_enabled", "identity.users_licensed", "identity.guests",
           "identity.users_synced"],
    purpose="Accounts to move to the new directory: members, guests, synchronised and licensed users.",
)
def users(client: GraphClient, period: str) -> Output:
    items = client.iter_items("users", {
        "$select": "id,accountEnabled,userType,assignedLicenses,onPremisesSyncEnabled", "$top": PAGE,
    })
    totals = counts(items, {
        "identity.users_total": lambda u: True,
        "identity.users_enabled": lambda u: u.get("accountEnabled") is True,
        "identity.users_licensed": lambda u: bool(u.get("assignedLicenses")),
        "identity.guests": lambda u: u.get("userType") == "Guest",
        "identity.users_synced": lambda u: u.get("onPremisesSyncEnabled") is True,
    })
    return Output(facts=dict(totals))


@identity.source(
    "groups", endpoint="/groups", permission="GroupMember.Read.All", provides=["unified_groups"],
    facts=["identity.groups_total", "identity.groups_m365", "identity.groups_security",
           "identity.groups_distribution", "identity.groups_mail_security", "identity.groups_dynamic"],
    purpose="Groups to recreate: Microsoft 365 groups, security and distribution lists, dynamic membership.",
)
def groups(client: GraphClient, period: str) -> Output:
    unified: list[dict[str, str]] = []

    def items() -> Iterator[dict[str, Any]]:
        for group in client.iter_items("groups", {
            "$select": "id,displayName,groupTypes,mailEnabled,securityEnabled", "$top": PAGE,
        }):
            if "Unified" in _group_types(group):
                unified.append({"id": str(group["id"]), "name": str(group.get("displayName") or "")})
            yield group

    def plain(g: Mapping[str, Any]) -> bool:
        return "Unified" not in _group_types(g)

    totals = counts(items(), {
        "identity.groups_total": lambda g: True,
        "identity.groups_m365": lambda g: "Unified" in _group_types(g),
        "identity.groups_security": lambda g: plain(g) and bool(g.get("securityEnabled")) and not g.get("mailEnabled"),
        "identity.groups_distribution": lambda g: plain(g) and bool(g.get("mailEnabled"))
        and not g.get("securityEnabled"),
        "identity.groups_mail_security": lambda g: plain(g) and bool(g.get("mailEnabled"))
        and bool(g.get("securityEnabled")),
        "identity.groups_dynamic": lambda g: "DynamicMembership" in _group_types(g),
    })
    return Output(facts=dict(totals), shares={"unified_groups": unified})  # Planner reads plans per group


@identity.source(
    "service-principals", endpoint="/servicePrincipals", permission="Application.Read.All",
    facts=["identity.apps_saml", "identity.apps_oidc", "identity.apps_password"],
    purpose="Applications that sign in through Entra ID and must be re-homed on the new identity provider.",
)
def service_principals(client: GraphClient, period: str) -> Output:
    sso: list[dict[str, Any]] = []
    totals = {"saml": 0, "oidc": 0, "password": 0}
    for sp in client.iter_items("servicePrincipals", {
        "$select": "id,appId,displayName,preferredSingleSignOnMode,servicePrincipalType,accountEnabled", "$top": PAGE,
    }):
        mode = sp.get("preferredSingleSignOnMode")
        if mode in totals:
            totals[mode] += 1
            sso.append({"name": str(sp.get("displayName") or ""), "app_id": str(sp.get("appId") or ""),
                        "sso": mode, "enabled": bool(sp.get("accountEnabled", True))})
    sso.sort(key=lambda r: (r["sso"], r["name"].lower(), r["app_id"]))
    return Output(
        facts={f"identity.apps_{mode}": n for mode, n in totals.items()},
        tables={"identity.sso_apps": sso},
    )


@identity.source(
    "conditional-access", endpoint="/identity/conditionalAccess/policies", permission="Policy.Read.All",
    facts=["identity.ca_policies", "identity.ca_policies_enabled"], licence="Microsoft Entra ID P1", batched=True,
    purpose="Access policies whose intent must be rebuilt in the new identity provider.",
)
def conditional_access(client: GraphClient, period: str) -> Output:
    policies = shared_get(client, "identity/conditionalAccess/policies?$select=id,displayName,state").get("value") or []
    rows = sorted(({"name": str(p.get("displayName") or ""), "state": str(p.get("state") or "")} for p in policies),
                  key=lambda r: (r["state"], r["name"].lower()))
    return Output(
        facts={"identity.ca_policies": len(rows),
               "identity.ca_policies_enabled": sum(r["state"] == "enabled" for r in rows)},
        tables={"identity.ca_policies": rows},
    )


@identity.source(
    "domains", endpoint="/domains", permission="Domain.Read.All",
    facts=["identity.domains_verified", "identity.domains_federated"], batched=True,
    purpose="Mail and sign-in domains to move; federated domains depend on an external identity provider.",
)
def domains(client: GraphClient, period: str) -> Output:
    rows: list[dict[str, Any]] = sorted(
        ({"domain": str(d.get("id") or ""), "verified": bool(d.get("isVerified")),
          "authentication": str(d.get("authenticationType") or ""), "default": bool(d.get("isDefault"))}
         for d in shared_get(client, "domains").get("value") or []),
        key=lambda r: str(r["domain"]),
    )
    default = next((r["domain"] for r in rows if r["default"]), "")
    return Output(
        facts={"identity.domains_verified": sum(r["verified"] for r in rows),
               "identity.domains_federated": sum(r["authentication"] == "Federated" for r in rows)},
        tables={"identity.domains": rows},
        tenant={"default_domain": default} if default else {},
    )
