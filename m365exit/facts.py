"""The facts reference: every fact a rule may read, its meaning, its unit and where it comes from.

Fact names are a public contract (DESIGN §4): rules, answers files, pipelines and diffs depend on them.
Add facts freely; never rename one. `docs/facts.md` is generated from this table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Unit = Literal["count", "bytes", "bool", "text", "ratio", "days"]
Source = Literal["graph", "report", "answers"]


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
    *_facts("answers", "bool", {
        "purview.regulatory_retention": "A legal or regulatory retention obligation applies to mail or files.",
        "identity.mfa_hardware_tokens": "MFA relies on hardware tokens or Authenticator push that must be re-enrolled.",
        "teams.audio_conferencing": "Teams meetings offer dial-in numbers (Audio Conferencing).",
        "onenote.ink_heavy": "Notebooks rely on handwriting or drawing (ink).",
    }),
]

FACTS: dict[str, Fact] = {fact.name: fact for fact in _ALL}


def workloads() -> list[str]:
    """Workloads named by at least one fact, sorted."""
    return sorted({fact.workload for fact in _ALL})
