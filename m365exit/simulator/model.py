"""The generated tenant's objects: plain slotted dataclasses the server turns into Graph JSON and CSV rows."""

from __future__ import annotations

from dataclasses import dataclass, field

GB = 1024**3
MB = 1024**2


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
