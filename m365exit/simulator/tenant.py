"""Seeded tenant generator: a fictional organisation and its exact expected facts.

Everything is drawn from one `random.Random(seed)` (never the global RNG), so the same size and seed give
the same tenant, byte for byte. Objects are plain slotted dataclasses; the server turns them into Graph
JSON and report CSV rows on demand, so generation stays fast (100,000 users in a few seconds).
"""

from __future__ import annotations

import gc
import hashlib
import math
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from m365exit.facts import FREE_SKUS
from m365exit.simulator import names
from m365exit.simulator.permissions import ROUTES

SIZES: dict[str, int] = {"demo": 1200, "s": 500, "m": 5000, "l": 25000, "xl": 100000}

#: The tenant's "today": report refresh date and the anchor of every generated timestamp (determinism).
REFERENCE_DATE = date(2026, 11, 28)
GB = 1024**3
MB = 1024**2

BATCH_MAX = 20


def guid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def ascii_slug(text: str, sep: str = "-") -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    plain = plain.replace("œ", "oe")
    out = []
    for ch in plain:
        out.append(ch if ch.isalnum() else sep)
    slug = "".join(out)
    if not sep:
        return slug
    while sep + sep in slug:
        slug = slug.replace(sep + sep, sep)
    return slug.strip(sep)


def md5_upper(value: str) -> str:
    """How Microsoft conceals names in usage reports: an MD5 hash, 32 uppercase hex characters."""
    return hashlib.md5(value.encode("utf-8")).hexdigest().upper()


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------------------------------------
# Objects
# ------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Sku:
    sku_id: str
    part_number: str
    prepaid_enabled: int
    consumed: int = 0
    prepaid_suspended: int = 0
    prepaid_warning: int = 0
    capability_status: str = "Enabled"
    applies_to: str = "User"
    service_plans: tuple[tuple[str, str], ...] = ()  # (servicePlanId, servicePlanName)
    subscription_id: str = ""


@dataclass(slots=True)
class User:
    id: str
    upn: str
    display_name: str
    given_name: str | None
    surname: str | None
    mail: str | None
    kind: str  # person | shared | room | service | guest
    account_enabled: bool
    user_type: str  # Member | Guest
    licenses: tuple[str, ...]  # skuIds
    synced: bool
    department: str | None
    job_title: str | None
    city: str | None
    created: str
    last_sign_in: str | None
    phone: str | None = None
    # Exchange (mailbox usage report); mailbox_type None = no mailbox row
    mailbox_type: str | None = None  # User | Shared | Room
    mailbox_bytes: int = 0
    mailbox_items: int = 0
    mailbox_deleted_items: int = 0
    mailbox_deleted_bytes: int = 0
    mailbox_quota_gb: int = 0
    has_archive: bool = False
    mailbox_last_activity: str = ""
    # OneDrive (None = not provisioned)
    onedrive_url: str | None = None
    onedrive_bytes: int = 0
    onedrive_files: int = 0
    onedrive_active_files: int = 0
    # Office apps used in the report period (None = no row in getM365AppUserDetail)
    apps: tuple[bool, bool, bool, bool] | None = None  # windows, mac, mobile, web
    copilot: bool = False
    teams_messages: int = 0
    meetings: int = 0
    deleted_date: str | None = None  # set only for deleted users (report rows, not /users)


@dataclass(slots=True)
class Plan:
    id: str
    title: str
    created: str
    created_by: str


@dataclass(slots=True)
class Group:
    id: str
    display_name: str
    description: str
    mail_nickname: str
    group_types: tuple[str, ...]
    mail_enabled: bool
    security_enabled: bool
    synced: bool
    created: str
    visibility: str | None
    membership_rule: str | None
    member_count: int
    guest_count: int
    owner_upn: str
    is_team: bool = False
    plans: list[Plan] = field(default_factory=list)
    mailbox_bytes: int = 0
    mailbox_items: int = 0
    site_bytes: int = 0
    site_files: int = 0

    @property
    def unified(self) -> bool:
        return "Unified" in self.group_types


@dataclass(slots=True)
class Channel:
    id: str
    display_name: str
    description: str
    membership_type: str  # standard | private | shared
    created: str


@dataclass(slots=True)
class TeamsApp:
    teams_app_id: str
    definition_id: str
    azure_ad_app_id: str | None
    display_name: str
    version: str
    distribution: str  # store | organization
    publisher: str  # microsoft | third-party | organization
    short_description: str


@dataclass(slots=True)
class Team:
    id: str
    display_name: str
    description: str
    visibility: str
    channels: list[Channel]
    apps: list[int]  # indices into Tenant.teams_apps
    active_users: int = 0
    messages: int = 0


@dataclass(slots=True)
class ServicePrincipal:
    id: str
    app_id: str
    display_name: str
    sso_mode: str | None
    sp_type: str
    account_enabled: bool
    owner_org: str
    publisher: str
    created: str
    tags: tuple[str, ...] = ()


@dataclass(slots=True)
class CaPolicy:
    id: str
    display_name: str
    state: str
    created: str
    controls: tuple[str, ...]


@dataclass(slots=True)
class Domain:
    id: str
    authentication_type: str
    verified: bool
    default: bool
    initial: bool
    services: tuple[str, ...]


@dataclass(slots=True)
class Device:
    id: str
    device_id: str
    display_name: str
    os: str
    os_version: str
    trust_type: str
    account_enabled: bool
    last_sign_in: str


@dataclass(slots=True)
class ManagedDevice:
    id: str
    device_name: str
    os: str
    os_version: str
    compliance: str
    owner_type: str
    user_id: str
    upn: str
    user_display_name: str
    model: str
    manufacturer: str
    serial: str
    enrolled: str
    last_sync: str
    total_storage: int
    free_storage: int
    azure_ad_device_id: str
    management_agent: str


@dataclass(slots=True)
class Site:
    id: str
    name: str
    display_name: str
    web_url: str
    personal: bool
    template: str  # report "Root Web Template"
    created: str
    modified: str
    storage_bytes: int = 0
    file_count: int = 0
    active_files: int = 0
    page_views: int = 0
    owner_name: str = ""
    owner_upn: str = ""
    deleted: bool = False  # deleted sites exist only in the usage report


@dataclass(slots=True)
class Room:
    id: str
    email: str
    display_name: str
    capacity: int
    building: str
    floor: int
    city: str
    postal_code: str
    nickname: str


@dataclass(slots=True)
class BookingBusiness:
    id: str
    display_name: str


@dataclass(slots=True)
class EdiscoveryCase:
    id: str
    display_name: str
    description: str
    status: str
    created: str
    closed: str | None


@dataclass(slots=True)
class SensitivityLabel:
    id: str
    name: str
    description: str
    color: str
    sensitivity: int
    tooltip: str
    is_active: bool = True


# ------------------------------------------------------------------------------------------------
# Tenant
# ------------------------------------------------------------------------------------------------


@dataclass
class Tenant:
    size: str
    seed: int
    tenant_id: str
    display_name: str
    default_domain: str
    initial_domain: str
    sharepoint_host: str
    reference_date: date
    skus: list[Sku] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    deleted_users: list[User] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    teams_apps: list[TeamsApp] = field(default_factory=list)
    service_principals: list[ServicePrincipal] = field(default_factory=list)
    ca_policies: list[CaPolicy] = field(default_factory=list)
    domains: list[Domain] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    managed_devices: list[ManagedDevice] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)  # getAllSites: non-personal + personal
    deleted_sites: list[Site] = field(default_factory=list)  # only in getSharePointSiteUsageDetail
    rooms: list[Room] = field(default_factory=list)
    bookings: list[BookingBusiness] = field(default_factory=list)
    ediscovery_cases: list[EdiscoveryCase] = field(default_factory=list)
    sensitivity_labels: list[SensitivityLabel] = field(default_factory=list)
    _index: dict[str, dict[str, object]] = field(default_factory=dict, repr=False)

    # -- lookups used by the server ------------------------------------------------------------

    def group_by_id(self, group_id: str) -> Group | None:
        idx = self._index.setdefault("groups", {g.id.lower(): g for g in self.groups})
        found = idx.get(group_id.lower())
        return found if isinstance(found, Group) else None

    def team_by_id(self, team_id: str) -> Team | None:
        idx = self._index.setdefault("teams", {t.id.lower(): t for t in self.teams})
        found = idx.get(team_id.lower())
        return found if isinstance(found, Team) else None

    def user_by_key(self, key: str) -> User | None:
        idx = self._index.get("users")
        if idx is None:
            idx = {}
            for u in self.users:
                idx[u.id.lower()] = u
                idx[u.upn.lower()] = u
            self._index["users"] = idx
        found = idx.get(key.lower())
        return found if isinstance(found, User) else None

    # -- the facts -------------------------------------------------------------------------------

    def mailbox_rows(self) -> list[User]:
        """Rows of getMailboxUsageDetail: every mailbox, deleted ones included (Is Deleted True)."""
        return [u for u in self.users if u.mailbox_type] + [u for u in self.deleted_users if u.mailbox_type]

    def onedrive_rows(self) -> list[User]:
        return [u for u in self.users if u.onedrive_url] + [u for u in self.deleted_users if u.onedrive_url]

    def site_rows(self) -> list[Site]:
        """Rows of getSharePointSiteUsageDetail: non-personal sites, deleted ones included."""
        return [s for s in self.sites if not s.personal] + self.deleted_sites

    def app_rows(self) -> list[User]:
        return [u for u in self.users if u.apps is not None]

    def truths(self) -> dict[str, int | float | bool | str]:
        """Exact expected value of every Graph fact of m365exit/facts.py, per its definition."""
        users = self.users
        groups = self.groups
        mbx = [u for u in users if u.mailbox_type]  # non-deleted rows only
        od = [u for u in users if u.onedrive_url]
        sites_np = [s for s in self.sites if not s.personal]
        apps = self.app_rows()
        channels = [c for t in self.teams for c in t.channels]
        os_count: dict[str, int] = {}
        for d in self.managed_devices:
            os_count[d.os] = os_count.get(d.os, 0) + 1
        not_unified = [g for g in groups if not g.unified]
        facts: dict[str, int | float | bool | str] = {
            "licensing.seats_purchased": sum(s.prepaid_enabled for s in self.skus),
            "licensing.seats_assigned": sum(s.consumed for s in self.skus),
            "licensing.skus": len(self.skus),
            "licensing.paid_seats_purchased": sum(
                s.prepaid_enabled for s in self.skus if s.part_number not in FREE_SKUS
            ),
            "licensing.paid_seats_assigned": sum(s.consumed for s in self.skus if s.part_number not in FREE_SKUS),
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
            "identity.apps_saml": sum(1 for s in self.service_principals if s.sso_mode == "saml"),
            "identity.apps_oidc": sum(1 for s in self.service_principals if s.sso_mode == "oidc"),
            "identity.apps_password": sum(1 for s in self.service_principals if s.sso_mode == "password"),
            "identity.ca_policies": len(self.ca_policies),
            "identity.ca_policies_enabled": sum(1 for p in self.ca_policies if p.state == "enabled"),
            "identity.domains_verified": sum(1 for d in self.domains if d.verified),
            "identity.domains_federated": sum(
                1 for d in self.domains if d.authentication_type == "Federated"
            ),
            "exchange.mailboxes": len(mbx),
            "exchange.mailboxes_shared": sum(1 for u in mbx if u.mailbox_type == "Shared"),
            "exchange.mailboxes_archive": sum(1 for u in mbx if u.has_archive),
            "exchange.storage_bytes": sum(u.mailbox_bytes for u in mbx),
            "exchange.items": sum(u.mailbox_items for u in mbx),
            "exchange.rooms": len(self.rooms),
            "sharepoint.sites": len(sites_np),
            "sharepoint.storage_bytes": sum(s.storage_bytes for s in sites_np),
            "sharepoint.files": sum(s.file_count for s in sites_np),
            "onedrive.accounts": len(od),
            "onedrive.storage_bytes": sum(u.onedrive_bytes for u in od),
            "onedrive.files": sum(u.onedrive_files for u in od),
            "teams.teams": len(self.teams),
            "teams.channels_standard": sum(1 for c in channels if c.membership_type == "standard"),
            "teams.channels_private": sum(1 for c in channels if c.membership_type == "private"),
            "teams.channels_shared": sum(1 for c in channels if c.membership_type == "shared"),
            "intune.devices_total": len(self.managed_devices),
            "intune.devices_windows": os_count.get("Windows", 0),
            "intune.devices_macos": os_count.get("macOS", 0),
            "intune.devices_ios": os_count.get("iOS", 0) + os_count.get("iPadOS", 0),
            "intune.devices_android": os_count.get("Android", 0),
            "office.desktop_users": sum(1 for u in apps if u.apps and (u.apps[0] or u.apps[1])),
            "office.web_only_users": sum(
                1 for u in apps if u.apps and u.apps[3] and not (u.apps[0] or u.apps[1] or u.apps[2])
            ),
            "planner.plans": sum(len(g.plans) for g in groups if g.unified),
            "bookings.businesses": len(self.bookings),
            "purview.ediscovery_cases": len(self.ediscovery_cases),
            "purview.sensitivity_labels": len(self.sensitivity_labels),
            # beyond the contract: detail and activity
            "intune.devices_compliant": sum(1 for d in self.managed_devices if d.compliance == "compliant"),
            "office.windows_users": sum(1 for u in apps if u.apps and u.apps[0]),
            "office.mac_users": sum(1 for u in apps if u.apps and u.apps[1]),
            "office.mobile_users": sum(1 for u in apps if u.apps and u.apps[2]),
            "teams.apps_installed": sum(len(team.apps) for team in self.teams),
            "teams.apps_store": len({self.teams_apps[i].teams_app_id for team in self.teams for i in team.apps
                                     if self.teams_apps[i].distribution == "store"}),
            "teams.apps_custom": len({self.teams_apps[i].teams_app_id for team in self.teams for i in team.apps
                                      if self.teams_apps[i].distribution in ("organization", "sideloaded")}),
        }
        from m365exit.simulator.reports import report_truths  # reports builds on this module

        facts.update(report_truths(self))
        return dict(sorted(facts.items()))

    def minimal_requests(self, empty_page_every: int = 0) -> dict[str, int]:
        """DESIGN §8 minimal plan to collect every fact of `truths()`, per service and "total".

        Convention: list endpoints at their largest page size (`$top` = max); a list of n objects
        takes max(1, ceil(n / max)) pages, plus the empty pages the simulator inserts when
        `empty_page_every` > 0 (only on `$skiptoken` lists: one after every N data pages that are
        followed by more data). Per-team and per-group fan-out (channels of each team, plans of each
        Microsoft 365 group) is packed 20 requests to a `$batch` and counted as batches. Each report
        is one request plus one download (the download counted under "reports" too). Unpaged
        endpoints (subscribedSkus, domains, bookingBusinesses, ediscoveryCases, sensitivityLabels)
        take one request. Microsoft 365 groups for Planner come from the one /groups listing. Not
        counted: calls no fact needs (admin/reportSettings, organization, /devices).
        """

        def pages(route: str, n: int) -> int:
            spec = ROUTES[route]
            data = max(1, math.ceil(n / spec.max_top)) if spec.max_top else 1
            empties = (
                (data - 1) // empty_page_every if empty_page_every > 0 and spec.token == "skiptoken" else 0
            )
            return data + empties

        n_unified = sum(1 for g in self.groups if g.unified)
        plan: dict[str, int] = {
            "identity": 1  # subscribedSkus
            + pages("users", len(self.users))
            + pages("groups", len(self.groups))
            + pages("servicePrincipals", len(self.service_principals))
            + 1,  # domains
            "conditionalAccess": pages("conditionalAccessPolicies", len(self.ca_policies)),
            "intune": pages("managedDevices", len(self.managed_devices)),
            "sharepoint": pages("getAllSites", len(self.sites)),
            # channels and installed apps of each team: two fan-outs of 20 per $batch
            "teams": pages("teams", len(self.teams)) + 2 * math.ceil(len(self.teams) / BATCH_MAX),
            "planner": math.ceil(n_unified / BATCH_MAX),
            "places": pages("rooms", len(self.rooms)),
            "bookings": 1,
            "ediscovery": 1,
            "purview": 1,
            # request + download for each of mailbox, SharePoint, OneDrive, M365 apps, email, Teams user and
            # team activity, Viva Engage; Copilot's report answers 200 with the CSV (one request)
            "reports": 2 * 8 + 1,
        }
        plan["total"] = sum(plan.values())
        return plan


# ------------------------------------------------------------------------------------------------
# Generation
# ------------------------------------------------------------------------------------------------

_ORGS: dict[str, tuple[str, str, str]] = {
    # size: (display name, default domain, short name for onmicrosoft/sharepoint)
    "demo": ("Agence régionale de l'eau Loire-Bretagne (fictive)", "agence-eau.example.fr", "agenceeaulb"),
    "s": ("Syndicat mixte du bassin de la Sèvre (fictif)", "smbs.example.fr", "smbsevre"),
    "m": ("Communauté d'agglomération du Val-de-Loire (fictive)", "agglo-valdeloire.example.fr", "aggloval"),
    "l": ("Conseil départemental de Loire-Océan (fictif)", "loire-ocean.example.fr", "cdloireocean"),
    "xl": (
        "Ministère de la Transition hydrique (fictif)",
        "transition-hydrique.example.gouv.fr",
        "mintranshydro",
    ),
}

# (part number, skuId, service plans)
_SKU_E3 = ("SPE_E3", "05e9a617-0261-4cee-bb44-138d3ef5d965")
_SKU_E1 = ("STANDARDPACK", "18181a46-0d4e-45cd-891e-60aabd171b4e")
_SKU_F3 = ("SPE_F1", "66b55226-6b4f-492c-910c-a3b7a3c9d993")
_SKU_EMS = ("EMS", "efccb6f7-5641-4e0e-bd10-b4976e1bf68e")
_SKU_PBI_PRO = ("POWER_BI_PRO", "f8a1db68-be16-40ed-86d5-cb42ce701560")
_SKU_PBI_FREE = ("POWER_BI_STANDARD", "a403ebcc-fae0-4ca2-8c8c-7a907fd6c235")
_SKU_FLOW_FREE = ("FLOW_FREE", "f30db892-07e9-47e9-837c-80727f46fd3d")
_SKU_ARCHIVE = ("EXCHANGEARCHIVE_ADDON", "ee02fd1b-340e-4a4b-b355-4a514e4c8943")
_SKU_COPILOT = ("Microsoft_365_Copilot", "639dec6b-bb19-468b-871c-c5c441c4b0cb")
_SKU_AUDIO = ("MCOMEETADV", "0c266dff-15dd-4b49-8397-2bb16070ed52")
_SKU_VISIO = ("VISIOCLIENT", "c5928f49-12ba-48f7-ada3-0d743a3601d5")

_PLANS: dict[str, tuple[tuple[str, str], ...]] = {
    "SPE_E3": (
        ("efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE"),
        ("5dbe027f-2339-4123-9542-606e4d348a72", "SHAREPOINTENTERPRISE"),
        ("57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1"),
        ("43de0ff5-c92c-492b-9116-175376d08c38", "OFFICESUBSCRIPTION"),
        ("b737dad2-2f6c-4c65-90e3-ca563267e8b9", "PROJECTWORKMANAGEMENT"),
        ("c1ec4a95-1f05-45b3-a911-aa3fa01094f5", "INTUNE_A"),
    ),
    "STANDARDPACK": (
        ("9aaf7827-d63c-4b61-89c3-182f06f82e5c", "EXCHANGE_S_STANDARD"),
        ("c7699d2e-19aa-44de-8edf-1736da088ca1", "SHAREPOINTSTANDARD"),
        ("57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1"),
        ("e95bec33-7c88-4a70-8e19-b10bd9d0c014", "SHAREPOINTWAC"),
    ),
    "SPE_F1": (
        ("4a82b400-a79f-41a4-b4e2-e94f5787b113", "EXCHANGE_S_DESKLESS"),
        ("902b47e5-dcb2-4fdc-858b-c63a90a2bdb9", "SHAREPOINTDESKLESS"),
        ("57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1"),
    ),
    "FLOW_FREE": (("50e68c76-46c6-4674-81f9-75456511b170", "FLOW_P2_VIRAL"),),
    "POWER_BI_STANDARD": (("2049e525-b859-401b-b2a0-e0a31c4b1fe4", "BI_AZURE_P0"),),
}

_EXTERNAL_DOMAINS = (
    "cerema.example.fr",
    "bureau-hydro.example.com",
    "univ-nantes.example.fr",
    "gmail.example.com",
    "prefecture.example.gouv.fr",
    "ofb.example.fr",
)

_MS_FIRST_PARTY = (
    "Office 365 Exchange Online",
    "Office 365 SharePoint Online",
    "Microsoft Graph",
    "Microsoft Teams",
    "Microsoft Intune",
    "Azure Portal",
    "Microsoft Forms",
    "Power BI Service",
    "Microsoft Flow Service",
    "PowerApps Service",
    "Skype for Business Online",
    "Office 365 Management APIs",
    "Microsoft Planner",
    "Microsoft Stream Service",
    "Yammer",
    "OneNote",
    "Microsoft To-Do",
    "Windows Azure Active Directory",
    "Microsoft Bookings",
    "Microsoft Whiteboard Services",
    "Office Online",
    "Microsoft Information Protection",
    "Microsoft Defender for Cloud Apps",
    "Azure Resource Manager",
    "Microsoft App Access Panel",
    "Office Shredding Service",
    "Microsoft Approval Management",
    "Microsoft Teams Services",
    "Microsoft Office 365 Portal",
    "Microsoft Device Management Checkin",
    "Microsoft Exchange Online Protection",
)
_SAML_APPS = (
    "Portail RH (SAML)",
    "GLPI",
    "Nextcloud (SAML)",
    "Moodle formation",
    "Parapheur électronique",
    "Chorus Pro connecteur",
    "Salesforce",
    "ServiceNow",
    "Zoom",
    "Dropbox Business",
    "Adobe Sign",
    "Workday",
    "Tableau",
    "Atlassian Cloud",
    "Cornerstone",
    "Lucca",
    "Docusign",
    "BlueKango",
)
_OIDC_APPS = (
    "Application métier Redevances",
    "Portail usagers",
    "Carto SIG web",
    "Grist",
    "Mattermost",
    "Intranet XWiki",
    "OpenProject",
    "Outil de ticketing",
    "Miro",
    "Slack",
    "Notion",
    "Figma",
)
_PASSWORD_APPS = ("Banque en ligne", "Portail fournisseur", "Météo-France pro", "Plateforme marchés")

_TEAMS_APPS: tuple[tuple[str, str, str], ...] = (
    # display name, publisher, short description
    ("OneNote", "microsoft", "Capture and share ideas, to-do lists and other notes with your team."),
    ("Tasks by Planner and To Do", "microsoft", "Keep track of your tasks."),
    ("SharePoint Pages", "microsoft", "Add a tab for a SharePoint news article or page."),
    ("Microsoft Forms", "microsoft", "Easily create surveys, quizzes and polls."),
    ("Power BI", "microsoft", "Create and share insights with Power BI."),
    ("Approvals", "microsoft", "Create, manage and share approvals directly from Teams."),
    ("Lists", "microsoft", "Track information and organise work."),
    ("Power Automate Actions", "microsoft", "Be more productive with Microsoft Flow"),
    ("Whiteboard", "microsoft", "Collaborate on a freeform canvas."),
    ("Trello", "third-party", "Trello boards in Teams."),
    ("Miro", "third-party", "Online whiteboard for visual collaboration."),
    ("Zoom", "third-party", "Zoom meetings from Teams."),
    ("Asana", "third-party", "Track your team's projects."),
    ("Jira Cloud", "third-party", "Jira issues in Teams."),
    ("Polly", "third-party", "Polls and surveys."),
    ("Adobe Acrobat", "third-party", "Share and review PDFs."),
    ("Annuaire interne", "organization", "Application interne : annuaire des agents."),
    ("Demandes SI", "organization", "Application métier : demandes au service informatique."),
    ("Suivi des redevances", "organization", "Application métier sur mesure."),
)


def _scale(size: str) -> int:
    if size not in SIZES:
        raise ValueError(f"unknown tenant size {size!r}; choose one of {', '.join(SIZES)}")
    return SIZES[size]


def _ri(rng: random.Random, a: int, b: int) -> int:
    """Uniform integer in [a, b] (faster than randint, still fully determined by the seed)."""
    return a + int(rng.random() * (b - a + 1))


def _rr(rng: random.Random, n: int) -> int:
    return int(rng.random() * n)


_DAY_CACHE: dict[tuple[datetime, int], str] = {}


def _date_before(rng: random.Random, ref: datetime, max_days: int, min_days: int = 0) -> datetime:
    return ref - timedelta(days=_ri(rng, min_days, max_days), seconds=_ri(rng, 0, 86399))


def _ts_before(rng: random.Random, ref: datetime, max_days: int, min_days: int = 0) -> str:
    """ISO timestamp between max_days and min_days before ref."""
    days = _ri(rng, min_days, max_days)
    secs = _ri(rng, 0, 86399)
    key = (ref, days)
    day = _DAY_CACHE.get(key)
    if day is None:
        day = (ref - timedelta(days=days)).date().isoformat()
        _DAY_CACHE[key] = day
    return f"{day}T{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}Z"


def _resource_mailbox(rng: random.Random, ref: datetime, upn: str, name: str, kind: str,
                      city: str | None = None) -> User:
    """A shared or room mailbox: an account nobody signs in to, without a licence."""
    return User(
        id=guid(rng), upn=upn, display_name=name, given_name=None, surname=None, mail=upn, kind=kind,
        account_enabled=False, user_type="Member", licenses=(), synced=False, department=None, job_title=None,
        city=city, created=_ts_before(rng, ref, 2500, 30), last_sign_in=None,
    )


def generate_tenant(size: str = "demo", seed: int = 1) -> Tenant:
    """Build the organisation of `size` (see SIZES) from `seed`; deterministic."""
    n = _scale(size)
    rng = random.Random(f"m365exit-simulator:{size}:{seed}")
    display_name, default_domain, short = _ORGS[size]
    ref = datetime(REFERENCE_DATE.year, REFERENCE_DATE.month, REFERENCE_DATE.day, 6, 0, 0, tzinfo=UTC)
    tenant = Tenant(
        size=size,
        seed=seed,
        tenant_id=guid(rng),
        display_name=display_name,
        default_domain=default_domain,
        initial_domain=f"{short}.onmicrosoft.com",
        sharepoint_host=f"{short}.sharepoint.com",
        reference_date=REFERENCE_DATE,
    )
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of small acyclic objects: the cyclic collector only costs time here
    try:
        _gen_domains(tenant, rng)
        _gen_users(tenant, rng, n, ref, short)
        _gen_skus(tenant, rng)
        _gen_groups_teams(tenant, rng, n, ref)
        _gen_sites(tenant, rng, n, ref)
        _gen_devices(tenant, rng, ref)
        _gen_service_principals(tenant, rng, n, ref)
        _gen_misc(tenant, rng, n, ref)
    finally:
        if gc_was_enabled:
            gc.enable()
    return tenant


def _gen_domains(t: Tenant, rng: random.Random) -> None:
    base = t.default_domain
    t.domains = [
        Domain(t.initial_domain, "Managed", True, False, True, ("Email", "OfficeCommunicationsOnline")),
        Domain(base, "Federated", True, True, False, ("Email", "OfficeCommunicationsOnline", "Intune")),
        Domain(f"partenaires.{base}", "Managed", True, False, False, ("Email",)),
        Domain(f"ancien-nom-{_ri(rng, 1, 9)}.example.fr", "Managed", False, False, False, ()),
    ]


def _gen_users(t: Tenant, rng: random.Random, n: int, ref: datetime, short: str) -> None:
    firsts = names.FIRST_NAMES
    lasts = names.LAST_NAMES
    first_slugs = [ascii_slug(f, "") for f in firsts]
    last_slugs = [ascii_slug(last, "") for last in lasts]
    n_guests = round(n * 0.06)
    n_rooms = max(3, n // 60)
    n_shared = max(3, n // 40)
    n_service = max(2, n // 250)
    n_people = n - n_guests - n_rooms - n_shared - n_service
    n_deleted = max(2, n // 50)
    domain = t.default_domain
    used: set[str] = set()
    od_host = f"https://{short}-my.sharepoint.com/personal/"
    users: list[User] = []
    depts = names.DEPARTMENTS
    titles = names.JOB_TITLES
    cities = names.CITIES
    rand = rng.random
    sku_e3, sku_e1, sku_f3 = _SKU_E3[1], _SKU_E1[1], _SKU_F3[1]

    def person(deleted: bool) -> User:
        fi = _rr(rng, len(firsts))
        li = _rr(rng, len(lasts))
        local = f"{first_slugs[fi]}.{last_slugs[li]}"
        if local in used:
            k = 2
            while f"{local}{k}" in used:
                k += 1
            local = f"{local}{k}"
        used.add(local)
        upn = f"{local}@{domain}"
        created = _date_before(rng, ref, 3650, 40)
        disabled = (not deleted) and rand() < 0.05
        r = rand()
        if (not deleted) and rand() < 0.04:
            licenses: tuple[str, ...] = ()
        elif disabled and rand() < 0.4:
            licenses = ()
        else:
            main = sku_e3 if r < 0.6 else (sku_e1 if r < 0.85 else sku_f3)
            extra: list[str] = [main]
            if main == sku_e3 and rand() < 0.7:
                extra.append(_SKU_EMS[1])
            if rand() < 0.05:
                extra.append(_SKU_PBI_PRO[1])
            if rand() < 0.12:
                extra.append(_SKU_PBI_FREE[1])
            if rand() < 0.08:
                extra.append(_SKU_FLOW_FREE[1])
            if main == sku_e3 and rand() < 0.03:
                extra.append(_SKU_COPILOT[1])
            if main == sku_e1 and rand() < 0.1:
                extra.append(_SKU_ARCHIVE[1])
            if rand() < 0.04:
                extra.append(_SKU_AUDIO[1])
            if rand() < 0.02:
                extra.append(_SKU_VISIO[1])
            licenses = tuple(extra)
        city, _cp = cities[_rr(rng, len(cities))]
        u = User(
            id=guid(rng),
            upn=upn,
            display_name=f"{firsts[fi]} {lasts[li]}",
            given_name=firsts[fi],
            surname=lasts[li],
            mail=upn,
            kind="person",
            account_enabled=not disabled,
            user_type="Member",
            licenses=licenses,
            synced=rand() < 0.75,
            department=depts[_rr(rng, len(depts))],
            job_title=titles[_rr(rng, len(titles))],
            city=city,
            created=iso(created),
            last_sign_in=None if disabled and rand() < 0.5 else _ts_before(rng, ref, 60),
            phone=f"+33 2 {_ri(rng, 10, 99)} {_ri(rng, 10, 99)} {_ri(rng, 10, 99)} {_ri(rng, 10, 99)}",
        )
        if licenses and licenses[0] in (sku_e3, sku_e1, sku_f3):
            main = licenses[0]
            u.mailbox_type = "User"
            quota = 100 if main == sku_e3 else (50 if main == sku_e1 else 2)
            u.mailbox_quota_gb = quota
            size_b = min(int(rng.lognormvariate(math.log(2.2 * GB), 0.9)), int(quota * GB * 0.97))
            u.mailbox_bytes = size_b
            u.mailbox_items = max(1, size_b // _ri(rng, 45_000, 140_000))
            u.mailbox_deleted_items = _ri(rng, 0, 3000)
            u.mailbox_deleted_bytes = u.mailbox_deleted_items * _ri(rng, 20_000, 90_000)
            u.has_archive = (main == sku_e3 and rand() < 0.2) or _SKU_ARCHIVE[1] in licenses
            u.mailbox_last_activity = (ref - timedelta(days=_ri(rng, 0, 20))).date().isoformat()
            if rand() < 0.92:
                u.onedrive_url = od_host + upn.replace(".", "_").replace("@", "_")
                ob = int(rng.lognormvariate(math.log(1.2 * GB), 1.3))
                u.onedrive_bytes = min(ob, 900 * GB)
                u.onedrive_files = max(0, ob // _ri(rng, 600_000, 2_500_000))
                u.onedrive_active_files = min(u.onedrive_files, _ri(rng, 0, 120))
            if not deleted:
                if main == sku_e3:
                    win = rand() < 0.86
                    mac = (not win) and rand() < 0.7
                    u.apps = (win, mac, rand() < 0.45, rand() < 0.6)
                else:
                    u.apps = (False, False, rand() < 0.5, rand() < 0.8)
                if not any(u.apps) and rand() < 0.5:
                    u.apps = None
            u.copilot = _SKU_COPILOT[1] in licenses
            u.teams_messages = _ri(rng, 0, 600)
            u.meetings = _ri(rng, 0, 60)
        if deleted:
            u.deleted_date = (ref - timedelta(days=_ri(rng, 1, 29))).date().isoformat()
            u.account_enabled = False
        return u

    for _ in range(n_people):
        users.append(person(False))
    deleted = [person(True) for _ in range(n_deleted)]

    for i in range(n_shared):
        word = names.PROJECT_WORDS[i % len(names.PROJECT_WORDS)]
        local = f"bal.{ascii_slug(word)}{'' if i < len(names.PROJECT_WORDS) else i}"
        upn = f"{local}@{domain}"
        name = f"BAL {word}" + ("" if i < len(names.PROJECT_WORDS) else f" {i}")
        u = _resource_mailbox(rng, ref, upn, name, "shared")
        u.mailbox_type = "Shared"
        u.mailbox_quota_gb = 50
        u.mailbox_bytes = int(rng.lognormvariate(math.log(4 * GB), 1.0)) % (48 * GB)
        u.mailbox_items = max(1, u.mailbox_bytes // _ri(rng, 50_000, 120_000))
        u.has_archive = rand() < 0.1
        u.mailbox_last_activity = (ref - timedelta(days=_ri(rng, 0, 25))).date().isoformat()
        users.append(u)

    for i in range(n_rooms):
        city, cp = cities[i % len(cities)]
        river = names.RIVERS[i % len(names.RIVERS)]
        local = f"salle.{ascii_slug(city)}.{ascii_slug(river)}{i // len(names.RIVERS) or ''}"
        upn = f"{local}@{domain}"
        name = f"Salle {river} ({city})" + (f" {i // len(names.RIVERS)}" if i >= len(names.RIVERS) else "")
        u = _resource_mailbox(rng, ref, upn, name, "room", city)
        u.mailbox_type = "Room"
        u.mailbox_quota_gb = 50
        u.mailbox_bytes = _ri(rng, 2 * MB, 90 * MB)
        u.mailbox_items = max(1, u.mailbox_bytes // 9000)
        u.mailbox_last_activity = (ref - timedelta(days=_ri(rng, 0, 10))).date().isoformat()
        users.append(u)
        t.rooms.append(
            Room(
                id=guid(rng).upper(),
                email=upn,
                display_name=name,
                capacity=rng.choice((4, 6, 8, 12, 20, 40)),
                building=f"Bâtiment {rng.choice('ABCD')}",
                floor=_ri(rng, 0, 4),
                city=city,
                postal_code=cp,
                nickname=river,
            )
        )

    for i in range(n_service):
        upn = f"svc-{('sync', 'scan', 'copieur', 'backup', 'ged', 'sig')[i % 6]}{i}@{t.initial_domain}"
        users.append(
            User(
                id=guid(rng),
                upn=upn,
                display_name=f"Compte de service {i}",
                given_name=None,
                surname=None,
                mail=None,
                kind="service",
                account_enabled=True,
                user_type="Member",
                licenses=(),
                synced=False,
                department="Systèmes d'information",
                job_title=None,
                city=None,
                created=_ts_before(rng, ref, 3000, 100),
                last_sign_in=_ts_before(rng, ref, 5),
            )
        )

    for _ in range(n_guests):
        fi = _rr(rng, len(firsts))
        li = _rr(rng, len(lasts))
        ext = _EXTERNAL_DOMAINS[_rr(rng, len(_EXTERNAL_DOMAINS))]
        mail = f"{first_slugs[fi]}.{last_slugs[li]}{_ri(rng, 1, 999)}@{ext}"
        upn = f"{mail.replace('@', '_')}#EXT#@{t.initial_domain}"
        users.append(
            User(
                id=guid(rng),
                upn=upn,
                display_name=f"{firsts[fi]} {lasts[li]} (externe)",
                given_name=firsts[fi],
                surname=lasts[li],
                mail=mail,
                kind="guest",
                account_enabled=rand() > 0.03,
                user_type="Guest",
                licenses=(),
                synced=False,
                department=None,
                job_title=None,
                city=None,
                created=_ts_before(rng, ref, 1500),
                last_sign_in=None if rand() < 0.4 else _ts_before(rng, ref, 300),
            )
        )

    rng.shuffle(users)  # directory order is not by kind
    t.users = users
    t.deleted_users = deleted


def _gen_skus(t: Tenant, rng: random.Random) -> None:
    consumed: dict[str, int] = {}
    for u in t.users:
        for s in u.licenses:
            consumed[s] = consumed.get(s, 0) + 1
    specs = [
        _SKU_E3,
        _SKU_E1,
        _SKU_F3,
        _SKU_EMS,
        _SKU_PBI_PRO,
        _SKU_ARCHIVE,
        _SKU_COPILOT,
        _SKU_AUDIO,
        _SKU_VISIO,
        _SKU_PBI_FREE,
        _SKU_FLOW_FREE,
    ]
    skus: list[Sku] = []
    for part, sku_id in specs:
        c = consumed.get(sku_id, 0)
        if part == "FLOW_FREE":
            prepaid = 10000
        elif part == "POWER_BI_STANDARD":
            prepaid = 1000000
        else:
            prepaid = c + max(1, round(c * rng.uniform(0.02, 0.12)))  # a few unused seats, as always
        skus.append(
            Sku(
                sku_id=sku_id,
                part_number=part,
                prepaid_enabled=prepaid,
                consumed=c,
                prepaid_warning=0,
                service_plans=_PLANS.get(part, ()),
                subscription_id=guid(rng),
            )
        )
    # a lapsed trial: suspended, nothing enabled
    skus.append(
        Sku(
            sku_id="6fd2c87f-b296-42f0-b197-1e91e994b900",
            part_number="ENTERPRISEPACK",
            prepaid_enabled=0,
            consumed=0,
            prepaid_suspended=25,
            capability_status="Suspended",
            service_plans=(("efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE"),),
            subscription_id=guid(rng),
        )
    )
    t.skus = skus


def _gen_groups_teams(t: Tenant, rng: random.Random, n: int, ref: datetime) -> None:
    people = [u for u in t.users if u.kind == "person" and u.account_enabled]
    n_teams = max(5, n // 10)
    n_unified = round(n_teams * 1.25)
    n_security = max(4, n // 15)
    n_distribution = max(3, n // 30)
    n_mail_security = max(2, n // 100)
    words = names.PROJECT_WORDS
    rivers = names.RIVERS
    depts = names.DEPARTMENTS
    used: set[str] = set()
    groups: list[Group] = []
    rand = rng.random

    def nick(base: str) -> str:
        s = ascii_slug(base, "")[:40] or "groupe"
        k, out = 1, s
        while out in used:
            k += 1
            out = f"{s}{k}"
        used.add(out)
        return out

    for i in range(n_unified):
        if i < len(depts):
            name = f"Équipe {depts[i]}"
        else:
            name = f"Projet {words[_rr(rng, len(words))]} – {rivers[_rr(rng, len(rivers))]}"
            if i >= len(words) * 4:
                name += f" {i}"
        dynamic = rand() < 0.05
        owner = people[_rr(rng, len(people))].upn if people else ""
        g = Group(
            id=guid(rng),
            display_name=name,
            description=f"Espace collaboratif : {name}",
            mail_nickname=nick(name),
            group_types=("Unified", "DynamicMembership") if dynamic else ("Unified",),
            mail_enabled=True,
            security_enabled=rand() < 0.15,
            synced=False,
            created=_ts_before(rng, ref, 2200, 10),
            visibility="Private" if rand() < 0.6 else "Public",
            membership_rule='(user.department -eq "Laboratoire")' if dynamic else None,
            member_count=_ri(rng, 2, 80),
            guest_count=_ri(rng, 0, 5) if rand() < 0.3 else 0,
            owner_upn=owner,
            is_team=i < n_teams,
        )
        g.mailbox_bytes = _ri(rng, 1 * MB, 3 * GB)
        g.mailbox_items = g.mailbox_bytes // 60_000
        if rand() < 0.35:
            for k in range(_ri(rng, 1, 4)):
                g.plans.append(
                    Plan(
                        id=_planner_id(rng),
                        title=f"{('Suivi', 'Plan d’actions', 'Tâches', 'Chantier')[k]} {name}",
                        created=_ts_before(rng, ref, 900),
                        created_by=people[_rr(rng, len(people))].id if people else g.id,
                    )
                )
        groups.append(g)

    def plain(kind: str, count: int) -> None:
        for i in range(count):
            if kind == "security":
                role = ("lecture", "ecriture", "vpn", "poste", "licence")[i % 5]
                name = f"SG-{ascii_slug(depts[i % len(depts)])}-{role}-{i}"
                mail_on, sec_on = False, True
            elif kind == "distribution":
                name = f"Liste {words[i % len(words)]}" + (f" {i}" if i >= len(words) else "")
                mail_on, sec_on = True, False
            else:
                name = f"Sécurité messagerie {depts[i % len(depts)]}" + (f" {i}" if i >= len(depts) else "")
                mail_on, sec_on = True, True
            dynamic = kind == "security" and rand() < 0.1
            groups.append(
                Group(
                    id=guid(rng),
                    display_name=name,
                    description="",
                    mail_nickname=nick(name),
                    group_types=("DynamicMembership",) if dynamic else (),
                    mail_enabled=mail_on,
                    security_enabled=sec_on,
                    synced=(not dynamic) and rand() < 0.5,
                    created=_ts_before(rng, ref, 3000, 10),
                    visibility=None,
                    membership_rule="(user.accountEnabled -eq true)" if dynamic else None,
                    member_count=_ri(rng, 1, 300),
                    guest_count=0,
                    owner_upn="",
                )
            )

    plain("security", n_security)
    plain("distribution", n_distribution)
    plain("mail_security", n_mail_security)
    rng.shuffle(groups)
    t.groups = groups

    # Teams apps catalogue
    apps: list[TeamsApp] = []
    for name, publisher, short_desc in _TEAMS_APPS:
        app_id = guid(rng)
        version = f"{_ri(rng, 1, 5)}.{_ri(rng, 0, 9)}.{_ri(rng, 0, 20)}"
        apps.append(
            TeamsApp(
                teams_app_id=app_id,
                definition_id=_b64(f"{app_id}##{version}"),
                azure_ad_app_id=guid(rng) if publisher != "organization" or rand() < 0.5 else None,
                display_name=name,
                version=version,
                distribution="organization" if publisher == "organization" else "store",
                publisher=publisher,
                short_description=short_desc,
            )
        )
    t.teams_apps = apps
    ms_apps = [i for i, a in enumerate(apps) if a.publisher == "microsoft"]
    third = [i for i, a in enumerate(apps) if a.publisher == "third-party"]
    custom = [i for i, a in enumerate(apps) if a.publisher == "organization"]

    teams: list[Team] = []
    for g in groups:
        if not g.is_team:
            continue
        created = g.created
        channels = [
            Channel(
                id=_channel_id(rng),
                display_name="General",
                description=g.description,
                membership_type="standard",
                created=created,
            )
        ]
        for k in range(min(_ri(rng, 0, 9), _ri(rng, 0, 9))):
            channels.append(
                Channel(
                    id=_channel_id(rng),
                    display_name=f"{words[(k * 7 + len(channels)) % len(words)]}",
                    description="",
                    membership_type="standard",
                    created=created,
                )
            )
        if rand() < 0.3:
            for k in range(_ri(rng, 1, 2)):
                channels.append(
                    Channel(
                        id=_channel_id(rng),
                        display_name=f"Confidentiel {k + 1}",
                        description="Canal privé",
                        membership_type="private",
                        created=created,
                    )
                )
        if rand() < 0.1:
            channels.append(
                Channel(
                    id=_channel_id(rng),
                    display_name="Partenaires externes",
                    description="Canal partagé avec des partenaires",
                    membership_type="shared",
                    created=created,
                )
            )
        team_apps = rng.sample(ms_apps, _ri(rng, 2, 5))
        if rand() < 0.2:
            team_apps += rng.sample(third, _ri(rng, 1, 2))
        if rand() < 0.06:
            team_apps.append(custom[_rr(rng, len(custom))])
        teams.append(
            Team(
                id=g.id,
                display_name=g.display_name,
                description=g.description,
                visibility=g.visibility or "Private",
                channels=channels,
                apps=team_apps,
                active_users=_ri(rng, 0, g.member_count),
                messages=_ri(rng, 0, 400),
            )
        )
    t.teams = teams


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def _channel_id(rng: random.Random) -> str:
    return f"19:{rng.getrandbits(128):032x}@thread.tacv2"


_PLANNER_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _planner_id(rng: random.Random) -> str:
    return "".join(_PLANNER_ALPHABET[_rr(rng, 64)] for _ in range(28))


def _gen_sites(t: Tenant, rng: random.Random, n: int, ref: datetime) -> None:
    host = t.sharepoint_host
    target = max(20, round(n * 0.3))
    sites: list[Site] = []
    site_col = f"https://{host}"
    rand = rng.random
    people = [u for u in t.users if u.kind == "person"]
    used: set[str] = set()

    def owner() -> tuple[str, str]:
        p = people[_rr(rng, len(people))]
        return p.display_name, p.upn

    def add(name: str, template: str, median_mb: float, url: str | None = None) -> Site:
        slug = ascii_slug(name)[:50] or "site"
        k, s = 1, slug
        while s in used:
            k += 1
            s = f"{slug}{k}"
        used.add(s)
        created = _date_before(rng, ref, 2500, 5)
        storage = int(rng.lognormvariate(math.log(median_mb * MB), 1.4))
        if rand() < 0.01:
            storage += _ri(rng, 100, 400) * GB  # a few archive sites hold most of the data
        files = max(0, storage // _ri(rng, 400_000, 3_000_000))
        on, ou = owner()
        site = Site(
            id=f"{host},{guid(rng)},{guid(rng)}",
            name=s,
            display_name=name,
            web_url=url or f"{site_col}/sites/{s}",
            personal=False,
            template=template,
            created=iso(created),
            modified=_ts_before(rng, ref, 200),
            storage_bytes=storage,
            file_count=files,
            active_files=min(files, _ri(rng, 0, 500)),
            page_views=_ri(rng, 0, 5000),
            owner_name=on,
            owner_upn=ou,
        )
        sites.append(site)
        return site

    add("Intranet", "Communication Site", 4000, url=site_col)
    add('<script>alert("site")</script> Projet Estuaire', "Team Site", 300)
    add('=HYPERLINK("http://example.invalid","Budget") Budget 2026', "Team Site", 300)
    for g in t.groups:
        if g.unified:
            s = add(g.display_name, "Group", 700)
            g.site_bytes, g.site_files = s.storage_bytes, s.file_count
    for team in t.teams:
        for c in team.channels:
            if c.membership_type != "standard":
                add(f"{team.display_name}-{c.display_name}", "Team Channel", 150)
    k = 0
    while len(sites) < target:
        word = names.PROJECT_WORDS[k % len(names.PROJECT_WORDS)]
        river = names.RIVERS[(k // len(names.PROJECT_WORDS)) % len(names.RIVERS)]
        kind = "Communication Site" if rand() < 0.3 else "Team Site"
        add(f"{word} {river}" + (f" {k}" if k >= 400 else ""), kind, 900)
        k += 1
    # deleted sites: only in the usage report
    deleted: list[Site] = []
    for i in range(max(2, len(sites) // 40)):
        storage = _ri(rng, 10 * MB, 5 * GB)
        deleted.append(
            Site(
                id=guid(rng),
                name=f"ancien-site-{i}",
                display_name=f"Ancien site {i}",
                web_url=f"{site_col}/sites/ancien-site-{i}",
                personal=False,
                template="Team Site",
                created=_ts_before(rng, ref, 2500, 400),
                modified=_ts_before(rng, ref, 29, 1),
                storage_bytes=storage,
                file_count=storage // 1_000_000,
                deleted=True,
            )
        )
    # personal sites (OneDrive): returned by getAllSites with isPersonalSite true
    my_host = host.replace(".sharepoint.com", "-my.sharepoint.com")
    for u in t.users:
        if u.onedrive_url:
            sites.append(
                Site(
                    id=f"{my_host},{guid(rng)},{guid(rng)}",
                    name=u.onedrive_url.rsplit("/", 1)[1],
                    display_name=u.display_name,
                    web_url=u.onedrive_url,
                    personal=True,
                    template="OneDrive",
                    created=u.created,
                    modified=_ts_before(rng, ref, 60),
                    storage_bytes=u.onedrive_bytes,
                    file_count=u.onedrive_files,
                    owner_name=u.display_name,
                    owner_upn=u.upn,
                )
            )
    rng.shuffle(sites)
    t.sites = sites
    t.deleted_sites = deleted


_MODELS: dict[str, tuple[tuple[str, str], ...]] = {
    "Windows": (
        ("Latitude 5440", "Dell Inc."),
        ("ThinkPad T14 Gen 4", "LENOVO"),
        ("EliteBook 840 G10", "HP"),
        ("Surface Laptop 5", "Microsoft Corporation"),
    ),
    "macOS": (("MacBook Air (M2, 2022)", "Apple"), ("MacBook Pro (14-inch, 2023)", "Apple")),
    "iOS": (("iPhone 14", "Apple"), ("iPhone 15", "Apple"), ("iPhone SE (3rd generation)", "Apple")),
    "iPadOS": (("iPad (10th generation)", "Apple"), ("iPad Air (5th generation)", "Apple")),
    "Android": (("Galaxy A54 5G", "samsung"), ("Galaxy XCover6 Pro", "samsung"), ("Pixel 7a", "Google")),
}
_OS_VERSIONS: dict[str, tuple[str, ...]] = {
    "Windows": ("10.0.22631.4602", "10.0.26100.2605", "10.0.19045.5247"),
    "macOS": ("14.7.1 (23H222)", "15.1.1 (24B91)"),
    "iOS": ("17.7.2", "18.1.1"),
    "iPadOS": ("17.7.2", "18.1.1"),
    "Android": ("13", "14", "15"),
}


def _gen_devices(t: Tenant, rng: random.Random, ref: datetime) -> None:
    managed: list[ManagedDevice] = []
    entra: list[Device] = []
    rand = rng.random
    for u in t.users:
        if u.kind != "person" or not u.licenses:
            continue
        kinds = ["Windows" if rand() < 0.9 else "macOS"]
        if rand() < 0.4:
            kinds.append("iOS" if rand() < 0.55 else "Android")
        if rand() < 0.06:
            kinds.append("iPadOS")
        for os_name in kinds:
            model, maker = _MODELS[os_name][_rr(rng, len(_MODELS[os_name]))]
            aad = guid(rng)
            prefix = {"Windows": "PC", "macOS": "MAC", "iOS": "IPH", "iPadOS": "IPAD", "Android": "AND"}[
                os_name
            ]
            name = f"{prefix}-{_ri(rng, 10000, 99999)}"
            total = rng.choice((128, 256, 512)) * 1_000_000_000
            last_sync = _date_before(rng, ref, 40 if rand() < 0.1 else 7)
            managed.append(
                ManagedDevice(
                    id=guid(rng),
                    device_name=name,
                    os=os_name,
                    os_version=_OS_VERSIONS[os_name][_rr(rng, len(_OS_VERSIONS[os_name]))],
                    compliance="compliant" if rand() < 0.9 else "noncompliant",
                    owner_type="company" if os_name in ("Windows", "macOS") or rand() < 0.5 else "personal",
                    user_id=u.id,
                    upn=u.upn,
                    user_display_name=u.display_name,
                    model=model,
                    manufacturer=maker,
                    serial=f"{rng.getrandbits(40):010X}",
                    enrolled=_ts_before(rng, ref, 1200, 30),
                    last_sync=iso(last_sync),
                    total_storage=total,
                    free_storage=int(total * rng.uniform(0.1, 0.7)),
                    azure_ad_device_id=aad,
                    management_agent="mdm",
                )
            )
            entra.append(
                Device(
                    id=guid(rng),
                    device_id=aad,
                    display_name=name,
                    os=os_name,
                    os_version=managed[-1].os_version,
                    trust_type="AzureAd" if os_name in ("Windows", "macOS") else "Workplace",
                    account_enabled=True,
                    last_sign_in=iso(last_sync),
                )
            )
    for i in range(max(2, len(entra) // 20)):  # stale registered devices Intune does not manage
        entra.append(
            Device(
                id=guid(rng),
                device_id=guid(rng),
                display_name=f"PC-ANCIEN-{i}",
                os="Windows",
                os_version="10.0.19044.1288",
                trust_type="ServerAd",
                account_enabled=rand() < 0.5,
                last_sign_in=_ts_before(rng, ref, 700, 120),
            )
        )
    t.managed_devices = managed
    t.devices = entra


def _gen_service_principals(t: Tenant, rng: random.Random, n: int, ref: datetime) -> None:
    ms_tenant = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
    sps: list[ServicePrincipal] = []

    def add(
        name: str,
        mode: str | None,
        sp_type: str = "Application",
        owner: str | None = None,
        publisher: str = "",
        tags: tuple[str, ...] = (),
    ) -> None:
        sps.append(
            ServicePrincipal(
                id=guid(rng),
                app_id=guid(rng),
                display_name=name,
                sso_mode=mode,
                sp_type=sp_type,
                account_enabled=rng.random() > 0.02,
                owner_org=owner or t.tenant_id,
                publisher=publisher or t.display_name,
                created=_ts_before(rng, ref, 2500),
                tags=tags,
            )
        )

    for i in range(240):
        base = _MS_FIRST_PARTY[i % len(_MS_FIRST_PARTY)]
        add(
            base if i < len(_MS_FIRST_PARTY) else f"{base} ({i // len(_MS_FIRST_PARTY)})",
            None,
            owner=ms_tenant,
            publisher="Microsoft Services",
        )
    extra = max(1, n // 600)
    for i in range(max(3, n // 100)):
        name = _SAML_APPS[i % len(_SAML_APPS)] + (f" {i // len(_SAML_APPS)}" if i >= len(_SAML_APPS) else "")
        add(
            name,
            "saml",
            tags=(
                "WindowsAzureActiveDirectoryCustomSingleSignOnApplication",
                "WindowsAzureActiveDirectoryIntegratedApp",
            ),
        )
    for i in range(extra + 1):  # older SAML apps whose preferredSingleSignOnMode was never set
        add(f"Application SAML historique {i}", None, tags=("WindowsAzureActiveDirectoryIntegratedApp",))
    for i in range(max(3, n // 80)):
        name = _OIDC_APPS[i % len(_OIDC_APPS)] + (f" {i // len(_OIDC_APPS)}" if i >= len(_OIDC_APPS) else "")
        add(name, "oidc", tags=("WindowsAzureActiveDirectoryIntegratedApp",))
    for i in range(max(1, n // 300)):
        add(
            _PASSWORD_APPS[i % len(_PASSWORD_APPS)] + (f" {i}" if i >= len(_PASSWORD_APPS) else ""),
            "password",
        )
    for i in range(20 + n // 200):
        add(f"Connecteur {('API', 'script', 'automate', 'export')[i % 4]} {i}", "notSupported")
    for i in range(max(1, n // 500)):
        add(f"mi-{('func', 'logic', 'vm')[i % 3]}-{i}", None, sp_type="ManagedIdentity")
    rng.shuffle(sps)
    t.service_principals = sps


_CA_POLICIES = (
    ("CA001 - MFA pour les administrateurs", "enabled", ("mfa",)),
    ("CA002 - Bloquer l'authentification héritée", "enabled", ("block",)),
    ("CA003 - MFA pour tous les utilisateurs", "enabledForReportingButNotEnforced", ("mfa",)),
    ("CA004 - Appareils conformes pour SharePoint", "enabled", ("compliantDevice",)),
    ("CA005 - Bloquer hors de France", "disabled", ("block",)),
    ("CA006 - MFA pour les invités", "enabled", ("mfa",)),
    (
        "CA007 - Accès mobile via applications gérées",
        "enabledForReportingButNotEnforced",
        ("approvedApplication",),
    ),
    ("CA008 - Test pilote (désactivée)", "disabled", ("mfa",)),
    ("CA009 - Risque de connexion élevé", "enabled", ("mfa",)),
    ("CA010 - Session navigateur 12 h", "enabled", ()),
)

_LABELS = (
    ("Public", "Information publique", "#2E8B57", 0),
    ("Interne", "Usage interne à l'agence", "#4682B4", 1),
    ("Diffusion restreinte", "Diffusion limitée aux destinataires", "#DAA520", 2),
    ("Confidentiel", "Information confidentielle", "#FF8C00", 3),
    ("Confidentiel - RH", "Données de ressources humaines", "#FF4500", 4),
    ("Données personnelles", "Contient des données à caractère personnel (RGPD)", "#B22222", 5),
    ("Secret - Direction", "Réservé au comité de direction", "#8B0000", 6),
)


def _gen_misc(t: Tenant, rng: random.Random, n: int, ref: datetime) -> None:
    count = min(len(_CA_POLICIES), 6 + n // 1000)
    t.ca_policies = [
        CaPolicy(
            id=guid(rng),
            display_name=name,
            state=state,
            created=_ts_before(rng, ref, 1500),
            controls=controls,
        )
        for name, state, controls in _CA_POLICIES[:count]
    ]
    t.bookings = []
    for i in range(max(1, n // 400)):
        city = names.CITIES[i % len(names.CITIES)][0]
        slug = ascii_slug(city, "")
        t.bookings.append(
            BookingBusiness(
                id=f"RDV{slug}{i}@{t.initial_domain}",
                display_name=f"Rendez-vous usagers {city}" + (f" {i}" if i >= 10 else ""),
            )
        )
    t.ediscovery_cases = []
    for i in range(min(40, 2 + n // 800)):
        closed = rng.random() < 0.3
        created = _date_before(rng, ref, 1000, 30)
        t.ediscovery_cases.append(
            EdiscoveryCase(
                id=guid(rng),
                display_name=f"Dossier contentieux {2020 + i % 7}-{i + 1:03d}",
                description="Demande d'accès aux documents administratifs" if i % 2 else "",
                status="closed" if closed else "active",
                created=iso(created),
                closed=iso(created + timedelta(days=_ri(rng, 5, 25))) if closed else None,
            )
        )
    t.sensitivity_labels = [
        SensitivityLabel(
            id=guid(rng), name=name, description=desc, color=color, sensitivity=sens, tooltip=desc
        )
        for name, desc, color, sens in _LABELS
    ]
