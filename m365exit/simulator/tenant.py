"""A generated tenant: the organisation's objects, lookups the server needs, its truths and minimal plan.

The objects live in model.py, the generator in generator/, the expected facts in truths.py and the
minimal plan in plan.py; this module ties them together and keeps their names importable from one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from m365exit.simulator.model import (
    GB,
    MB,
    BookingBusiness,
    CaPolicy,
    Channel,
    Device,
    Domain,
    EdiscoveryCase,
    Group,
    ManagedDevice,
    Plan,
    Room,
    SensitivityLabel,
    ServicePrincipal,
    Site,
    Sku,
    Team,
    TeamsApp,
    User,
)
from m365exit.simulator.plan import BATCH_MAX, minimal_requests
from m365exit.simulator.reports import md5_upper
from m365exit.simulator.truths import tenant_truths

__all__ = [
    "BATCH_MAX", "GB", "MB", "REFERENCE_DATE", "SIZES", "BookingBusiness", "CaPolicy", "Channel", "Device",
    "Domain", "EdiscoveryCase", "Group", "ManagedDevice", "Plan", "Room", "SensitivityLabel", "ServicePrincipal",
    "Site", "Sku", "Team", "TeamsApp", "Tenant", "User", "md5_upper",
]

SIZES: dict[str, int] = {"demo": 1200, "s": 500, "m": 5000, "l": 25000, "xl": 100000}

#: The tenant's "today": report refresh date and the anchor of every generated timestamp (determinism).
REFERENCE_DATE = date(2026, 11, 28)


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
        found = self._lookup("groups", lambda: {g.id.lower(): g for g in self.groups}).get(group_id.lower())
        return found if isinstance(found, Group) else None

    def team_by_id(self, team_id: str) -> Team | None:
        found = self._lookup("teams", lambda: {t.id.lower(): t for t in self.teams}).get(team_id.lower())
        return found if isinstance(found, Team) else None

    def user_by_key(self, key: str) -> User | None:
        def build() -> dict[str, object]:
            idx: dict[str, object] = {}
            for u in self.users:
                idx[u.id.lower()] = u
                idx[u.upn.lower()] = u
            return idx

        found = self._lookup("users", build).get(key.lower())
        return found if isinstance(found, User) else None

    def _lookup(self, name: str, build: Callable[[], dict[str, object]]) -> dict[str, object]:
        """An index built on first use, then reused: a per-request scan would grow with the tenant."""
        idx = self._index.get(name)
        if idx is None:
            idx = self._index[name] = build()
        return idx

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
        """Exact expected value of every Graph fact of m365exit/facts.py, per its definition (truths.py)."""
        return tenant_truths(self)

    def minimal_requests(self, empty_page_every: int = 0) -> dict[str, int]:
        """The DESIGN §8 minimal plan per service and "total" (plan.py)."""
        return minimal_requests(self, empty_page_every)
