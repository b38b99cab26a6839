"""The critical path of a collection: how fast any client could read the tenant at a given latency (DESIGN §11).

From the minimal plan (`Tenant.minimal_requests`): list pages follow one another (each nextLink comes with
the page before it), a fan-out batch needs its listing, a report needs its function call before the
download (served by another host, with its own bound), and everything needs the token. Two figures:

- `chain`: the longest chain of dependent requests, times the latency, plus sign-in. No client can do better.
- `bounded`: the same with each service's bound on requests in flight (a service with more requests than
  the bound allows at once needs several rounds). This is the physical limit of a client that keeps the bound.

Waits that throttling imposes come on top of both; they are not modelled here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from m365exit.simulator.permissions import ROUTES
from m365exit.simulator.tenant import BATCH_MAX, Tenant

REPORT_CALLS = 9  # eight answer with a 302 and a download; Copilot's with the CSV itself


@dataclass(frozen=True)
class CriticalPath:
    latency_s: float
    auth_hops: int
    chain_hops: int  # requests one after another on the longest chain, sign-in included
    bounded_hops: int  # the same, with each service's bound on requests in flight
    longest: str  # which chain

    @property
    def chain_s(self) -> float:
        return self.chain_hops * self.latency_s

    @property
    def bounded_s(self) -> float:
        return self.bounded_hops * self.latency_s


def pages(route: str, n: int, empty_page_every: int = 0) -> int:
    """Requests to list n objects at the largest page size (as `Tenant.minimal_requests` counts them)."""
    spec = ROUTES[route]
    data = max(1, math.ceil(n / spec.max_top)) if spec.max_top else 1
    empties = (data - 1) // empty_page_every if empty_page_every > 0 and spec.token == "skiptoken" else 0
    return data + empties


def critical_path(tenant: Tenant, latency_ms: float, *, empty_page_every: int = 0, in_flight: int = 4,
                  auth_hops: int = 2) -> CriticalPath:
    def rounds(requests: int) -> int:
        return math.ceil(requests / max(1, in_flight))

    def p(route: str, n: int) -> int:
        return pages(route, n, empty_page_every)

    unified = sum(1 for g in tenant.groups if g.unified)
    team_batches = 2 * math.ceil(len(tenant.teams) / BATCH_MAX)
    plan_batches = math.ceil(unified / BATCH_MAX)
    identity_lists = [p("users", len(tenant.users)), p("groups", len(tenant.groups)),
                      p("servicePrincipals", len(tenant.service_principals)), 1, 1]  # subscribedSkus, domains
    # (chain without bounds, chain with the bound) for each line of work
    lines = {
        "identity": (max(identity_lists), max(max(identity_lists), rounds(sum(identity_lists)))),
        "teams": (p("teams", len(tenant.teams)) + min(team_batches, 1),
                  p("teams", len(tenant.teams)) + rounds(team_batches)),
        "planner": (p("groups", len(tenant.groups)) + min(plan_batches, 1),
                    p("groups", len(tenant.groups)) + rounds(plan_batches)),
        # Function calls take the reports slots; each download follows its call on its own host and bound.
        "reports": (2, rounds(REPORT_CALLS) + 1),
        "sharepoint": (p("getAllSites", len(tenant.sites)),) * 2,
        "intune": (p("managedDevices", len(tenant.managed_devices)),) * 2,
        "conditionalAccess": (p("conditionalAccessPolicies", len(tenant.ca_policies)),) * 2,
        "places": (p("rooms", len(tenant.rooms)),) * 2,
    }
    longest = max(lines, key=lambda name: (lines[name][1], lines[name][0]))
    return CriticalPath(
        latency_s=latency_ms / 1000, auth_hops=auth_hops,
        chain_hops=auth_hops + max(chain for chain, _ in lines.values()),
        bounded_hops=auth_hops + lines[longest][1], longest=longest,
    )
