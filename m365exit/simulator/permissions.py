"""The one table of what the simulator serves: route → service, application permissions, paging.

Permissions are the least-privileged application permissions of graph-facts §1/§2 (the first of each
tuple); the others are higher-privileged permissions Graph also accepts for the same call. The token the
simulator issues carries `GRANTED_BY_DEFAULT` (every least permission below) minus the ones denied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ErrorStyle = Literal["directory", "reports", "generic", "sharepoint", "teams"]
TokenKind = Literal["skiptoken", "skip", "none"]


@dataclass(frozen=True)
class RouteSpec:
    key: str
    service: str
    permissions: tuple[str, ...]  # any one of these grants access; [0] is the least privileged
    error_style: ErrorStyle = "generic"
    default_top: int = 0  # 0: no paging, everything in one page
    max_top: int = 0
    token: TokenKind = "none"

    @property
    def least(self) -> str:
        return self.permissions[0]


_DIR = ("Directory.Read.All",)

_SPECS: tuple[RouteSpec, ...] = (
    RouteSpec(
        "subscribedSkus",
        "identity",
        ("LicenseAssignment.Read.All", "Organization.Read.All", *_DIR),
        "directory",
    ),
    RouteSpec("organization", "identity", ("Organization.Read.All", *_DIR), "directory"),
    RouteSpec("users", "identity", ("User.Read.All", *_DIR), "directory", 100, 999, "skiptoken"),
    RouteSpec("user", "identity", ("User.Read.All", *_DIR), "directory"),
    RouteSpec(
        "groups",
        "identity",
        ("GroupMember.Read.All", "Group.Read.All", *_DIR),
        "directory",
        100,
        999,
        "skiptoken",
    ),
    RouteSpec("group", "identity", ("GroupMember.Read.All", "Group.Read.All", *_DIR), "directory"),
    RouteSpec(
        "servicePrincipals", "identity", ("Application.Read.All", *_DIR), "directory", 100, 999, "skiptoken"
    ),
    RouteSpec("domains", "identity", ("Domain.Read.All", *_DIR), "directory"),
    RouteSpec("devices", "identity", ("Device.Read.All", *_DIR), "directory", 100, 999, "skiptoken"),
    RouteSpec(
        "conditionalAccessPolicies", "conditionalAccess", ("Policy.Read.All",), "directory", 100, 999, "skip"
    ),
    RouteSpec(
        "managedDevices",
        "intune",
        ("DeviceManagementManagedDevices.Read.All", "DeviceManagementManagedDevices.ReadWrite.All"),
        "generic",
        1000,
        1000,
        "skiptoken",
    ),
    RouteSpec(
        "getAllSites",
        "sharepoint",
        ("Sites.Read.All", "Sites.ReadWrite.All", "Sites.FullControl.All"),
        "sharepoint",
        200,
        999,
        "skiptoken",
    ),
    RouteSpec(
        "teams",
        "teams",
        ("Team.ReadBasic.All", "TeamSettings.Read.All", "Group.Read.All", *_DIR),
        "teams",
        100,
        999,
        "skiptoken",
    ),
    RouteSpec(
        "teams.channels",
        "teams",
        ("Channel.ReadBasic.All", "ChannelSettings.Read.All", "Group.Read.All", *_DIR),
        "teams",
    ),
    RouteSpec(
        "teams.installedApps",
        "teams",
        ("TeamsAppInstallation.ReadForTeam.All", "TeamsAppInstallation.Read.All", "Group.Read.All", *_DIR),
        "teams",
    ),
    RouteSpec("groups.plans", "planner", ("Tasks.Read.All", "Tasks.ReadWrite.All"), "generic"),
    RouteSpec("bookingBusinesses", "bookings", ("Bookings.Read.All",), "generic"),
    # place-list documents 100 a page and no larger $top (a $top on places is reported to drop the nextLink), so
    # the minimal plan pages rooms 100 at a time, as a careful client reads them.
    RouteSpec("rooms", "places", ("Place.Read.All",), "generic", 100, 100, "skip"),
    RouteSpec(
        "ediscoveryCases", "ediscovery", ("eDiscovery.Read.All", "eDiscovery.ReadWrite.All"), "generic"
    ),
    RouteSpec("sensitivityLabels", "purview", ("SensitivityLabel.Read",), "generic"),
    RouteSpec("sensitivityLabels.beta", "purview", ("InformationProtectionPolicy.Read.All",), "generic"),
    RouteSpec(
        "reportSettings", "reports", ("ReportSettings.Read.All", "ReportSettings.ReadWrite.All"), "reports"
    ),
    RouteSpec("reports", "reports", ("Reports.Read.All",), "reports"),
    RouteSpec("copilotReports", "reports", ("Reports.Read.All",), "reports"),
)

ROUTES: dict[str, RouteSpec] = {spec.key: spec for spec in _SPECS}

#: Extra permission needed when `signInActivity` is selected on /users, and its page limit.
SIGNIN_ACTIVITY_PERMISSION = "AuditLog.Read.All"
SIGNIN_ACTIVITY_MAX_TOP = 500

#: What a fully consented app registration holds (the token's `roles` unless some are denied).
GRANTED_BY_DEFAULT: frozenset[str] = frozenset({spec.least for spec in _SPECS} | {SIGNIN_ACTIVITY_PERMISSION})

#: The report functions served (graph-facts §2), all answering 302 to a download.
REPORT_FUNCTIONS: tuple[str, ...] = (
    "getOffice365ActiveUserDetail",
    "getMailboxUsageDetail",
    "getOneDriveUsageAccountDetail",
    "getSharePointSiteUsageDetail",
    "getTeamsUserActivityUserDetail",
    "getTeamsTeamActivityDetail",
    "getEmailActivityUserDetail",
    "getM365AppUserDetail",
    "getOffice365GroupsActivityDetail",
    "getYammerActivityUserDetail",
)
COPILOT_REPORT_FUNCTIONS: tuple[str, ...] = ("getMicrosoft365CopilotUsageUserDetail",)
REPORT_PERIODS: tuple[str, ...] = ("D7", "D30", "D90", "D180")
