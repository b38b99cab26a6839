"""The exact expected facts of a generated tenant, each computed by its definition in m365exit/facts.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from m365exit.facts import FREE_SKUS
from m365exit.simulator.reports import report_truths

if TYPE_CHECKING:
    from m365exit.simulator.tenant import Tenant


def tenant_truths(tenant: Tenant, activity: dict[str, int] | None = None) -> dict[str, int | float | bool | str]:
    """Exact expected value of every Graph fact of m365exit/facts.py, per its definition.

    `activity`: the report facts (reports.report_truths) when the caller already has them.
    """
    users = tenant.users
    groups = tenant.groups
    mbx = [u for u in users if u.mailbox_type]  # non-deleted rows only
    od = [u for u in users if u.onedrive_url]
    sites_np = [s for s in tenant.sites if not s.personal]
    apps = tenant.app_rows()
    channels = [c for t in tenant.teams for c in t.channels]
    os_count: dict[str, int] = {}
    for d in tenant.managed_devices:
        os_count[d.os] = os_count.get(d.os, 0) + 1
    not_unified = [g for g in groups if not g.unified]
    facts: dict[str, int | float | bool | str] = {
        "licensing.seats_purchased": sum(s.prepaid_enabled for s in tenant.skus),
        "licensing.seats_assigned": sum(s.consumed for s in tenant.skus),
        "licensing.skus": len(tenant.skus),
        "licensing.paid_seats_purchased": sum(s.prepaid_enabled for s in tenant.skus if s.part_number not in FREE_SKUS),
        "licensing.paid_seats_assigned": sum(s.consumed for s in tenant.skus if s.part_number not in FREE_SKUS),
        "identity.users_total": len(users),
        "identity.users_enabled": sum(1 for u in users if u.account_enabled),
        "identity.users_licensed": sum(1 for u in users if u.licenses),
        "identity.guests": sum(1 for u in users if u.user_type == "Guest"),
        "identity.users_synced": sum(1 for u in users if u.synced),
        "identity.groups_total": len(groups),
        "identity.groups_m365": sum(1 for g in groups if g.unified),
        "identity.groups_security": sum(
            1 for g in not_unified if g.security_enabled and not g.mail_enabled
        ),
        "identity.groups_distribution": sum(
            1 for g in not_unified if g.mail_enabled and not g.security_enabled
        ),
        "identity.groups_mail_security": sum(
            1 for g in not_unified if g.mail_enabled and g.security_enabled
        ),
        "identity.groups_dynamic": sum(1 for g in groups if "DynamicMembership" in g.group_types),
        "identity.apps_saml": sum(1 for s in tenant.service_principals if s.sso_mode == "saml"),
        "identity.apps_oidc": sum(1 for s in tenant.service_principals if s.sso_mode == "oidc"),
        "identity.apps_password": sum(1 for s in tenant.service_principals if s.sso_mode == "password"),
        "identity.ca_policies": len(tenant.ca_policies),
        "identity.ca_policies_enabled": sum(1 for p in tenant.ca_policies if p.state == "enabled"),
        "identity.domains_verified": sum(1 for d in tenant.domains if d.verified),
        "identity.domains_federated": sum(
            1 for d in tenant.domains if d.authentication_type == "Federated"
        ),
        "exchange.mailboxes": len(mbx),
        "exchange.mailboxes_shared": sum(1 for u in mbx if u.mailbox_type == "Shared"),
        "exchange.mailboxes_archive": sum(1 for u in mbx if u.has_archive),
        "exchange.storage_bytes": sum(u.mailbox_bytes for u in mbx),
        "exchange.items": sum(u.mailbox_items for u in mbx),
        "exchange.rooms": len(tenant.rooms),
        "sharepoint.sites": len(sites_np),
        "sharepoint.storage_bytes": sum(s.storage_bytes for s in sites_np),
        "sharepoint.files": sum(s.file_count for s in sites_np),
        "onedrive.accounts": len(od),
        "onedrive.storage_bytes": sum(u.onedrive_bytes for u in od),
        "onedrive.files": sum(u.onedrive_files for u in od),
        "teams.teams": len(tenant.teams),
        "teams.channels_standard": sum(1 for c in channels if c.membership_type == "standard"),
        "teams.channels_private": sum(1 for c in channels if c.membership_type == "private"),
        "teams.channels_shared": sum(1 for c in channels if c.membership_type == "shared"),
        "intune.devices_total": len(tenant.managed_devices),
        "intune.devices_windows": os_count.get("Windows", 0),
        "intune.devices_macos": os_count.get("macOS", 0),
        "intune.devices_ios": os_count.get("iOS", 0) + os_count.get("iPadOS", 0),
        "intune.devices_android": os_count.get("Android", 0),
        "office.desktop_users": sum(1 for u in apps if u.apps and (u.apps[0] or u.apps[1])),
        "office.web_only_users": sum(
            1 for u in apps if u.apps and u.apps[3] and not (u.apps[0] or u.apps[1] or u.apps[2])
        ),
        "planner.plans": sum(len(g.plans) for g in groups if g.unified),
        "bookings.businesses": len(tenant.bookings),
        "purview.ediscovery_cases": len(tenant.ediscovery_cases),
        "purview.sensitivity_labels": len(tenant.sensitivity_labels),
        # beyond the contract: detail and activity
        "intune.devices_compliant": sum(1 for d in tenant.managed_devices if d.compliance == "compliant"),
        "office.windows_users": sum(1 for u in apps if u.apps and u.apps[0]),
        "office.mac_users": sum(1 for u in apps if u.apps and u.apps[1]),
        "office.mobile_users": sum(1 for u in apps if u.apps and u.apps[2]),
        "teams.apps_installed": sum(len(team.apps) for team in tenant.teams),
        "teams.apps_store": len({tenant.teams_apps[i].teams_app_id for team in tenant.teams for i in team.apps
                                 if tenant.teams_apps[i].distribution == "store"}),
        "teams.apps_custom": len({tenant.teams_apps[i].teams_app_id for team in tenant.teams for i in team.apps
                                  if tenant.teams_apps[i].distribution in ("organization", "sideloaded")}),
    }
    facts.update(report_truths(tenant) if activity is None else activity)
    return dict(sorted(facts.items()))
