"""The minimal plan (DESIGN §8): the fewest Graph requests that collect every fact of a tenant."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from m365exit.simulator.permissions import ROUTES

if TYPE_CHECKING:
    from m365exit.simulator.tenant import Tenant

BATCH_MAX = 20  # requests in one $batch (Graph's limit)


def minimal_requests(tenant: Tenant, empty_page_every: int = 0) -> dict[str, int]:
    """The minimal plan to collect every fact of `truths()`, per service and "total".

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

    n_unified = sum(1 for g in tenant.groups if g.unified)
    plan: dict[str, int] = {
        "identity": 1  # subscribedSkus
        + pages("users", len(tenant.users))
        + pages("groups", len(tenant.groups))
        + pages("servicePrincipals", len(tenant.service_principals))
        + 1,  # domains
        "conditionalAccess": pages("conditionalAccessPolicies", len(tenant.ca_policies)),
        "intune": pages("managedDevices", len(tenant.managed_devices)),
        "sharepoint": pages("getAllSites", len(tenant.sites)),
        # channels and installed apps of each team: two fan-outs of 20 per $batch
        "teams": pages("teams", len(tenant.teams)) + 2 * math.ceil(len(tenant.teams) / BATCH_MAX),
        "planner": math.ceil(n_unified / BATCH_MAX),
        "places": pages("rooms", len(tenant.rooms)),
        "bookings": 1,
        "ediscovery": 1,
        "purview": 1,
        # request + download for each of mailbox, SharePoint, OneDrive, M365 apps, email, Teams user and
        # team activity, Viva Engage; Copilot's report answers 200 with the CSV (one request)
        "reports": 2 * 8 + 1,
    }
    plan["total"] = sum(plan.values())
    return plan
