"""The facts reference: every fact a rule may read, its meaning, its unit and where it comes from.

Fact names are a public contract (DESIGN §4): rules, answers files, pipelines and diffs depend on them.
Add facts freely; never rename one. `docs/facts.md` is generated from this table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Unit = Literal["count", "bytes", "bool", "text", "ratio", "days"]
Source = Literal["graph", "report", "answers", "snapshot"]

# SKUs that cost nothing: free, viral (self-service sign-up) and trial offers, by skuPartNumber as in Microsoft's
# "Product names and service plan identifiers for licensing" list. They come with huge quotas (10,000 Power
# Automate Free seats, 1,000,000 Fabric (Free) seats), so counting them hides unused paid seats. The list is
# deliberately short: an unknown SKU counts as paid, so the paid-seat facts can only under-claim savings.
FREE_SKUS: frozenset[str] = frozenset({
    "FLOW_FREE",                  # Power Automate Free
    "POWER_BI_STANDARD",          # Microsoft Fabric (Free), formerly Power BI (free)
    "POWERAPPS_VIRAL",            # Power Apps Plan 2 Trial
    "POWERAPPS_DEV",              # Power Apps for Developer
    "CCIBOTS_PRIVPREV_VIRAL",     # Copilot Studio (Power Virtual Agents) viral trial
    "TEAMS_EXPLORATORY",          # Microsoft Teams Exploratory
    "TEAMS_FREE",                 # Microsoft Teams (free)
    "STREAM",                     # Microsoft Stream trial
    "WINDOWS_STORE",              # Windows Store for Business
    "RIGHTSMANAGEMENT_ADHOC",     # Rights Management ad hoc
    "MICROSOFT_BUSINESS_CENTER",  # Microsoft Business Center
})


@dataclass(frozen=True)
class Fact:
    name: str
    unit: Unit
    source: Source
    definition: str

    @property
    def workload(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def expected(self) -> str:
        return _EXPECTED[self.unit]

    def accepts(self, value: object) -> bool:
        """Whether a value fits the unit: counts and bytes are whole numbers ≥ 0, never true/false or NaN."""
        number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if self.unit in ("count", "bytes"):
            return isinstance(value, int) and not isinstance(value, bool) and value >= 0
        if self.unit == "ratio":
            return number and 0 <= value <= 1  # type: ignore[operator]
        if self.unit == "days":
            return number and value >= 0  # type: ignore[operator]
        if self.unit == "bool":
            return isinstance(value, bool)
        return isinstance(value, str)


_EXPECTED: dict[Unit, str] = {
    "count": "a whole number ≥ 0", "bytes": "a whole number of bytes ≥ 0", "bool": "true or false",
    "ratio": "a number from 0 to 1", "days": "a number of days ≥ 0", "text": "text",
}


def _facts(source: Source, unit: Unit, rows: dict[str, str]) -> list[Fact]:
    return [Fact(name, unit, source, definition) for name, definition in rows.items()]


_ALL: list[Fact] = [
    # --- collected from Graph directory and service endpoints -------------------------------
    *_facts("graph", "count", {
        "licensing.seats_purchased": "Σ prepaidUnits.enabled over all subscribedSkus, free and viral SKUs included.",
        "licensing.seats_assigned": "Σ consumedUnits over all subscribedSkus.",
        "licensing.skus": "Number of subscribedSkus.",
        "licensing.paid_seats_purchased": "Σ prepaidUnits.enabled over subscribedSkus whose skuPartNumber is not "
                                          "a free, viral or trial SKU (" + ", ".join(sorted(FREE_SKUS)) + ").",
        "licensing.paid_seats_assigned": "Σ consumedUnits over the same paid SKUs.",
        "identity.users_total": "Every object returned by /users (members and guests, enabled or not).",
        "identity.users_enabled": "Users with accountEnabled true.",
        "identity.users_licensed": "Users with a non-empty assignedLicenses.",
        "identity.guests": "Users with userType Guest.",
        "identity.users_synced": "Users with onPremisesSyncEnabled true (synchronised from an on-premises directory).",
        "identity.groups_total": "Every object returned by /groups.",
        "identity.groups_m365": "Groups whose groupTypes contains Unified.",
        "identity.groups_security": "Groups not Unified, security on, mail off.",
        "identity.groups_distribution": "Groups not Unified, mail on, security off.",
        "identity.groups_mail_security": "Groups not Unified, mail on and security on.",
        "identity.groups_dynamic": "Groups whose groupTypes contains DynamicMembership.",
        "identity.apps_saml": "Service principals with preferredSingleSignOnMode saml.",
        "identity.apps_oidc": "Service principals with preferredSingleSignOnMode oidc.",
        "identity.apps_password": "Service principals with preferredSingleSignOnMode password.",
        "identity.ca_policies": "Conditional access policies.",
        "identity.ca_policies_enabled": "Conditional access policies with state enabled.",
        "identity.domains_verified": "Domains with isVerified true.",
        "identity.domains_federated": "Domains with authenticationType Federated.",
        "exchange.mailboxes": "Non-deleted rows of getMailboxUsageDetail.",
        "exchange.mailboxes_shared": "Of those, rows with Recipient Type Shared (absent when the column is absent).",
        "exchange.mailboxes_archive": "Of those, rows with Has Archive True.",
        "exchange.items": "Σ Item Count over non-deleted mailbox rows.",
        "exchange.rooms": "Rooms from /places/microsoft.graph.room.",
        "sharepoint.sites": "/sites/getAllSites entries that are not personal sites.",
        "sharepoint.files": "Σ File Count over non-deleted rows of getSharePointSiteUsageDetail.",
        "onedrive.accounts": "Non-deleted rows of getOneDriveUsageAccountDetail.",
        "onedrive.files": "Σ File Count over non-deleted OneDrive account rows.",
        "teams.teams": "Objects returned by /teams.",
        "teams.channels_standard": "Σ over teams of /teams/{id}/channels with membershipType standard.",
        "teams.channels_private": "Σ over teams of /teams/{id}/channels with membershipType private.",
        "teams.channels_shared": "Σ over teams of /teams/{id}/channels with membershipType shared.",
        "intune.devices_total": "Intune managed devices.",
        "intune.devices_windows": "Managed devices with operatingSystem Windows.",
        "intune.devices_macos": "Managed devices with operatingSystem macOS.",
        "intune.devices_ios": "Managed devices with operatingSystem iOS or iPadOS.",
        "intune.devices_android": "Managed devices with operatingSystem Android.",
        "office.desktop_users": "getM365AppUserDetail rows with Windows or Mac = Yes.",
        "office.web_only_users": "getM365AppUserDetail rows with Web = Yes and none of Windows, Mac, Mobile.",
        "planner.plans": "Σ plans over Microsoft 365 groups.",
        "bookings.businesses": "Booking businesses from /solutions/bookingBusinesses.",
        "purview.ediscovery_cases": "eDiscovery cases from /security/cases/ediscoveryCases.",
        "purview.sensitivity_labels": "Sensitivity labels.",
    }),
    *_facts("graph", "bytes", {
        "exchange.storage_bytes": "Σ Storage Used (Byte) over non-deleted mailbox rows.",
        "sharepoint.storage_bytes": "Σ Storage Used (Byte) over non-deleted rows of getSharePointSiteUsageDetail.",
        "onedrive.storage_bytes": "Σ Storage Used (Byte) over non-deleted OneDrive account rows.",
    }),
    # --- collected beyond the DESIGN §4 contract (activity in the report period, detail) -------
    *_facts("graph", "count", {
        "exchange.users_active": "getEmailActivityUserDetail rows with activity in the period.",
        "sharepoint.sites_active": "Non-deleted SharePoint usage rows with activity in the period.",
        "sharepoint.sites_group": "Non-deleted SharePoint usage rows of group-connected sites (template GROUP).",
        "onedrive.accounts_active": "Non-deleted OneDrive account rows with activity in the period.",
        "teams.users_active": "getTeamsUserActivityUserDetail rows (not deleted) with activity in the period.",
        "teams.meetings_organized": "Σ Meetings Organized Count over Teams user activity rows.",
        "teams.calls": "Σ Call Count over Teams user activity rows.",
        "teams.teams_active": "getTeamsTeamActivityDetail rows with activity in the period.",
        "teams.apps_installed": "Σ over teams of installed apps (all distribution methods).",
        "teams.apps_store": "Distinct apps installed in teams from the Teams store (Microsoft's and third "
                            "parties').",
        "teams.apps_custom": "Distinct apps installed in teams with distributionMethod organization or sideloaded.",
        "office.windows_users": "getM365AppUserDetail rows with Windows = Yes.",
        "office.mac_users": "getM365AppUserDetail rows with Mac = Yes.",
        "office.mobile_users": "getM365AppUserDetail rows with Mobile = Yes.",
        "intune.devices_compliant": "Managed devices with complianceState compliant.",
        "engage.users_active": "getYammerActivityUserDetail rows with activity in the period.",
        "engage.posts": "Σ Posted Count over Viva Engage user activity rows.",
        "copilot.users": "Rows of getMicrosoft365CopilotUsageUserDetail (users with a Copilot licence).",
        "copilot.users_active": "Copilot usage rows with activity in the period.",
    }),
    # --- supplied by people in an answers file: what Graph cannot see -----------------------
    *_facts("answers", "count", {
        "powerplatform.flows": "Power Automate flows in production use.",
        "powerplatform.apps": "Power Apps (canvas and model-driven) in production use.",
        "powerplatform.dataverse_environments": "Dataverse environments holding business data.",
        "powerbi.reports": "Power BI reports in use.",
        "office.access_databases": "Access databases in business use.",
        "office.infopath_forms": "InfoPath forms still in use.",
        "office.vba_workbooks": "Excel workbooks or Word templates that depend on VBA macros.",
        "office.lob_addins": "Line-of-business applications or add-ins tied to Office "
                             "(Word/Excel/Outlook add-ins, COM).",
        "forms.forms": "Microsoft Forms forms in active use.",
        "exchange.transport_rules": "Exchange transport (mail flow) rules.",
        "exchange.public_folders": "Public folders still in use.",
        "teams.phone_users": "Users with Teams Phone (PSTN calling) numbers.",
        "stream.videos": "Stream (on SharePoint) videos to keep.",
        "loop.workspaces": "Loop workspaces in use.",
        # Added for the rule catalogue (rules/*.yaml); answers facts, since Graph cannot see them.
        "sharepoint.intranet_pages": "SharePoint pages (news, intranet pages) to keep.",
        "sharepoint.lists": "SharePoint lists in business use (beyond document libraries).",
        "sharepoint.custom_solutions": "SPFx web parts, SharePoint add-ins and workflows in use.",
        "teams.third_party_apps": "Third-party or in-house apps, bots and connectors used in Teams.",
        "teams.webinars": "Teams webinars and town halls organised per year.",
        "teams.max_meeting_size": "Largest regular Teams meeting, in participants.",
        "teams.auto_attendants": "Teams Phone auto attendants.",
        "teams.call_queues": "Teams Phone call queues.",
        "office.windows_only_apps": "Business applications that only run on Windows (besides Office).",
        "onenote.notebooks": "OneNote notebooks to keep (Graph reads them per user, slowly).",
        "planner.todo_users": "People who rely on Microsoft To Do lists.",
        "powerplatform.premium_connectors": (
            "Flows or apps using premium or custom connectors or the on-premises data gateway."
        ),
        "engage.communities": "Viva Engage (Yammer) communities still active.",
        "loop.whiteboards": "Whiteboard boards to keep.",
        "purview.label_encrypted_files": "Files or mails encrypted by a sensitivity label (RMS).",
        "purview.dlp_policies": "Data loss prevention policies enforced.",
        "copilot.agents": "Copilot Studio agents or declarative agents in use.",
        "bookings.staff": "Staff members who take appointments through Bookings.",
    }),
    *_facts("answers", "days", {
        "licensing.days_to_renewal": "Days from the snapshot until the Microsoft agreement renews or ends.",
    }),
    # Lessons of published exits (Schleswig-Holstein 2025, Austrian armed forces, Gendarmerie): what a
    # programme prepared or not, which no tenant API can see.
    *_facts("answers", "count", {
        "exchange.business_system_integrations": "Business systems that file mail from, or send mail through, "
                                                 "Exchange or Outlook (document or records management, electronic "
                                                 "case files, court systems, Outlook-tied applications).",
        "programme.critical_services": "Round-the-clock services that rely on mail or chat (police, emergency "
                                       "rooms, on-call duty, crisis cells).",
        "programme.concurrent_changes": "Other change projects landing on the same staff during the waves "
                                        "(new business application, reorganisation, workstation renewal).",
        "teams.pstn_lines_outside_teams": "Telephone lines served by a carrier service or an on-premises PBX, "
                                          "not by Teams Phone.",
        "licensing.seats_staying": "Seats planned to stay on Microsoft at the end of the exit (hybrid end state).",
    }),
    *_facts("answers", "bool", {
        "exchange.target_platform_ready": "The target mail platform is sized for the peak week, load-tested at that "
                                          "load and highly available before the first wave.",
        "exchange.account_mapping_checked": "Each wave's old-to-new account mapping is reconciled (every source "
                                            "mailbox paired with exactly one target) and checked before cut-over.",
        "programme.breach_plan": "A personal-data breach plan covers the migration: the DPO is involved and the "
                                 "supervisory authority (CNIL) can be notified within 72 hours.",
        "programme.staff_representatives_consulted": "Staff representatives (in France the CSA) have been consulted "
                                                     "on the exit before the first cut-over.",
        "programme.critical_fallback_planned": "Each round-the-clock service has a tested fallback channel for the "
                                               "days of its cut-over.",
        "programme.vendor_support_contracted": "Support for the replacement products is contracted (editor or "
                                               "integrator, with response times).",
        "programme.upstream_budget": "A budget is set for development contributed upstream (features the "
                                     "organisation needs, funded into the open-source projects).",
        "programme.support_task_force": "A task force with authority over the provider stays in place past the "
                                        "first weeks after each cut-over.",
        "licensing.hybrid_costed": "The hybrid end state (seats that stay on Microsoft) is planned and costed: "
                                   "licences, identity federation, mail routing, support.",
    }),
    # --- derived from the snapshot itself: time comes from the snapshot, never from the clock -----
    *_facts("snapshot", "count", {
        "snapshot.month": "Year and month the snapshot was collected, as YYYYMM (202612 = December 2026): "
                          "lets a rule word a dated claim, such as a price change, against the snapshot's date.",
    }),
    *_facts("answers", "bool", {
        "purview.regulatory_retention": "A legal or regulatory retention obligation applies to mail or files.",
        "identity.mfa_hardware_tokens": "MFA relies on hardware tokens or Authenticator push that must be re-enrolled.",
        "teams.audio_conferencing": "Teams meetings offer dial-in numbers (Audio Conferencing).",
        "onenote.ink_heavy": "Notebooks rely on handwriting or drawing (ink).",
    }),
]

FACTS: dict[str, Fact] = {fact.name: fact for fact in _ALL}


def snapshot_facts(collected_at: datetime) -> dict[str, int]:
    """Facts derived from the snapshot's date, given to the rules beside the collected ones."""
    return {"snapshot.month": collected_at.year * 100 + collected_at.month}


def workloads() -> list[str]:
    """Workloads named by at least one fact, sorted."""
    return sorted({fact.workload for fact in _ALL})
