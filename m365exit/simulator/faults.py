"""Throttling, faults on demand and tenant variants for the simulator (DESIGN §9, graph-facts §5).

Three independent knobs, all off by default and all deterministic from a seed:

- `Throttling`: per-service budgets from the documented limits (sliding windows), shrunk in time by
  `time_scale` so a 10-minute window lasts 0.6 s at 0.001, and in size by `budget_scale` so a small tenant
  meets them; plus `storm` (a share of requests throttled at random) and `endless` (services that throttle
  every request, to exercise the client's wait cap). Each service answers in its own documented style.
- `Faults`: 5xx, connection reset, slow body, truncated body, expired token, at a rate or at request N; and
  objects of a fan-out that refuse (one team's channels answer 403) or were deleted since the listing (404).
- `Variant`: real tenants where an endpoint does not answer (no Intune, no Entra ID P1, a national cloud).
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# --- throttling --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    """One documented budget: `budget` units per `window_s` seconds, per app per tenant."""

    budget: float
    window_s: float
    status: int = 429  # SharePoint answers 429 or 503
    retry_after: bool = True  # conditional access and identity protection send none
    per_function: bool = False  # usage reports: each report has its own budget
    sample_retry_after_s: float = 10.0  # what a storm answers (throttling.md sample: 10; older sample 2.128)
    source: str = ""
    counts_rejected: bool = False  # a throttled request spends budget too: coming back early only delays more


# Sources: Learn "Microsoft Graph service-specific throttling limits" (throttling-limits, sitemap 2026-02-06)
# and "Microsoft Graph throttling guidance" (throttling.md, ms.date 2025-01-14), as summarised in
# shared/research/graph-facts.md §5. Values marked GUESS are not published.
LIMITS: Mapping[str, Limit] = MappingProxyType({
    # Identity & access: a token bucket in resource units per app+tenant, 3,500/5,000/8,000 RU per 10 s for
    # tenants of <50 / 50-500 / >500 users (see `identity_budget`); costs in `identity_cost`.
    "identity": Limit(8000, 10, source="throttling-limits: identity and access, L tenant"),
    # "Identity protection and conditional access: 1 request per second per tenant", no Retry-After.
    "conditionalAccess": Limit(1, 1, retry_after=False, counts_rejected=True,
                               source="throttling-limits: identity protection & CA"),
    # Usage reports (CSV): 14 requests per 10 minutes per app per tenant, for each report API.
    "reports": Limit(14, 600, per_function=True, sample_retry_after_s=60,
                     source="throttling-limits: Microsoft 365 usage reports"),
    # SharePoint/OneDrive through Graph: 1,200 RU/min per app per tenant for 0-1k licences (up to 6,000 for
    # 50k+, see `sharepoint_budget`), a multi-item list costs 2 RU; 429 or 503 with Retry-After
    # (sp-dev-docs how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online).
    "sharepoint": Limit(1200, 60, status=503, sample_retry_after_s=120, source="sp-dev-docs throttling article"),
    # Teams: default GET 30 requests/s per app per tenant (per-team limits of 4 rps not modelled).
    "teams": Limit(30, 1, sample_retry_after_s=2, source="throttling-limits: Teams service limits"),
    # Intune devices: 2,000 requests per 20 s per app per tenant.
    "intune": Limit(2000, 20, sample_retry_after_s=20, source="throttling-limits: Intune devices"),
    "ediscovery": Limit(5, 60, sample_retry_after_s=60, source="throttling-limits: eDiscovery 5/min"),
    "places": Limit(3, 1, sample_retry_after_s=1, source="throttling-limits: Places 3 calls/s"),
    # GUESS: Planner, Bookings and the Purview label APIs publish no numeric limit (Bookings: 4 concurrent).
    "planner": Limit(100, 10, source="GUESS: not published"),
    "bookings": Limit(100, 10, source="GUESS: not published"),
    "purview": Limit(100, 10, source="GUESS: not published"),
})


def identity_budget(users: int) -> float:
    """RU per 10 s per app+tenant by tenant size (throttling-limits, identity and access)."""
    return 3500.0 if users < 50 else 5000.0 if users <= 500 else 8000.0


def sharepoint_budget(licences: int) -> float:
    """RU per minute per app per tenant by licence count. The 0-1k and 50k+ figures are in graph-facts §5;
    the tiers between (2,400 / 3,600 / 4,800) are from the same 2024 article as remembered (GUESS)."""
    for ceiling, budget in ((1000, 1200.0), (5000, 2400.0), (15000, 3600.0), (50000, 4800.0)):
        if licences <= ceiling:
            return budget
    return 6000.0


def identity_cost(route: str, params: Mapping[str, str]) -> int:
    """Resource units of one identity GET: users 2, subscribedSkus 3, others 1; $select -1, $expand +1,
    $top under 20 -1; at least 1 (throttling-limits, identity and access)."""
    base = {"users": 2, "user": 2, "subscribedSkus": 3}.get(route, 1)
    if "select" in params:
        base -= 1
    if "expand" in params:
        base += 1
    top = params.get("top", "")
    if top.isdigit() and int(top) < 20:
        base -= 1
    return max(1, base)


@dataclass(frozen=True)
class Throttling:
    """Per-service throttling. `Throttling()` applies the documented limits in real time."""

    time_scale: float = 1.0  # windows and Retry-After values are multiplied by this
    budget_scale: float = 1.0  # budgets are multiplied by this (at least 1 unit remains)
    decimal_retry_after: bool = False  # "Retry-After: 2.128" (older docs) rather than whole seconds
    storm: float = 0.0  # share of requests throttled at random on top of the budgets (seeded)
    endless: frozenset[str] = frozenset()  # services that throttle every request, for ever
    services: frozenset[str] = frozenset()  # only these services (empty: all)
    limits: Mapping[str, Limit] = field(default_factory=lambda: LIMITS)
    seed: int = 0

    def format_retry_after(self, seconds: float) -> str:
        if self.decimal_retry_after:
            return f"{max(seconds, 0.001):.3f}"
        return str(max(1, math.ceil(seconds)))


class Throttler:
    """Sliding windows of spent units, one per service (per report for usage reports). Thread-safe.

    A simplification: a throttled request does not spend budget (Graph says usage keeps accruing while
    throttled; modelling that turns a small test budget into a livelock), except where the limit says it
    counts rejected requests (one request per second: a client back within the second stays locked out).
    """

    def __init__(self, config: Throttling, users: int) -> None:
        self.config = config
        self._users = users
        self._windows: dict[str, deque[tuple[float, float]]] = {}
        self._lock = threading.Lock()

    def budget(self, service: str, limit: Limit) -> float:
        base = limit.budget
        if service == "identity" and limit is LIMITS.get("identity"):
            base = identity_budget(self._users)
        elif service == "sharepoint" and limit is LIMITS.get("sharepoint"):
            base = sharepoint_budget(self._users)
        return max(1.0, base * self.config.budget_scale)

    def check(self, service: str, key: str, cost: float, n: int) -> float | None:
        """Spend `cost` units; None when allowed, else the seconds the client should wait (scaled)."""
        cfg = self.config
        limit = cfg.limits.get(service)
        if limit is None or (cfg.services and service not in cfg.services):
            return None
        if service in cfg.endless:
            return limit.sample_retry_after_s * cfg.time_scale
        if cfg.storm and random.Random(cfg.seed * 7_919 + n).random() < cfg.storm:
            return limit.sample_retry_after_s * cfg.time_scale
        window = limit.window_s * cfg.time_scale
        budget = self.budget(service, limit)
        now = time.monotonic()
        with self._lock:
            spent = self._windows.setdefault(key, deque())
            while spent and spent[0][0] <= now - window:
                spent.popleft()
            used = sum(c for _, c in spent)
            if used + cost <= budget:
                spent.append((now, cost))
                return None
            if limit.counts_rejected:
                spent.append((now, cost))
                return window
            # wait until enough of the window has expired for this request to fit
            freed, wait = 0.0, window
            for stamp, c in spent:
                freed += c
                if used - freed + cost <= budget:
                    wait = stamp + window - now
                    break
            return max(wait, 0.001)


# --- faults ----------------------------------------------------------------------------------------

FAULT_KINDS = ("500", "502", "503", "504", "reset", "slow", "truncate", "expired_token")


@dataclass(frozen=True)
class Faults:
    """Faults on demand. Request numbers count every Graph and download request (not token calls)."""

    rate: float = 0.0  # share of requests hit, each drawing a kind from `kinds`
    kinds: tuple[str, ...] = ("500", "502", "503", "504", "reset", "slow", "truncate")
    at: Mapping[int, str] = field(default_factory=dict)  # request number (1-based) -> kind
    services: frozenset[str] = frozenset()  # only requests of these services (empty: all)
    slow_chunk: int = 512  # a slow body trickles this many bytes...
    slow_delay_s: float = 0.002  # ...every this many seconds
    seed: int = 0
    # Partial fan-out (DESIGN §5 coverage): these team ids answer 403 on `refuse_routes` while the others
    # answer; these team or group ids were deleted after they were listed: every per-object read is a 404.
    refuse: frozenset[str] = frozenset()
    refuse_routes: frozenset[str] = frozenset({"teams.channels"})
    deleted: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = [k for k in (*self.kinds, *self.at.values()) if k not in FAULT_KINDS]
        if unknown:
            raise ValueError(f"unknown fault kind(s) {unknown}; choose among {', '.join(FAULT_KINDS)}")

    def object_answer(self, route: str, object_id: str) -> tuple[int, str, str] | None:
        """The error one object of a fan-out answers instead of its data, or None."""
        oid = object_id.lower()
        if oid in {d.lower() for d in self.deleted}:
            if route.startswith("groups."):  # Planner's wording (planner-list-plans)
                return 404, "", "The requested item is not found."
            return 404, "NotFound", f"No team found with Group Id {object_id}"
        if route in self.refuse_routes and oid in {r.lower() for r in self.refuse}:
            # GUESS: Graph's wording for one team the app may not read (information barriers, a team
            # being provisioned): a Teams-style 403 that, unlike a missing role, names no permission.
            return 403, "Forbidden", "Access to this team is denied."
        return None

    def pick(self, n: int, service: str) -> str | None:
        if self.services and service not in self.services:
            return None
        if n in self.at:
            return self.at[n]
        if self.rate and self.kinds:
            rng = random.Random(self.seed * 1_000_003 + n)
            if rng.random() < self.rate:
                return rng.choice(self.kinds)
        return None


# --- variants ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unavailable:
    status: int
    code: str
    message: str


_NO_INTUNE = Unavailable(
    # A tenant without an Intune licence: Graph answers 400 BadRequest "Request not applicable to target
    # tenant." (Microsoft365DSC's Intune exporters treat this message as "tenant not registered for Intune";
    # CIPP's docs and Get-NormalizedError map it to "Required license not available for this tenant").
    # Some tenants see instead 403 UnknownError wrapping {"ErrorCode":"Forbidden"} (microsoft-graph-docs
    # issue #13096, msal-js #7007); the 400 is the common licence signal.
    400, "BadRequest", "Request not applicable to target tenant.",
)
_NO_P1 = Unavailable(
    # Conditional access without Entra ID P1: 403 "Neither tenant is B2C or tenant doesn't have premium
    # license" (CIPP Get-NormalizedError); the code Authentication_RequestFromNonPremiumTenantOrB2CTenant is
    # what Graph returns for other premium-only directory APIs (PIM, sign-in logs) - GUESS for this one.
    403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
    "Neither tenant is B2C or tenant doesn't have premium license",
)


def _not_deployed(segment: str) -> Unavailable:
    # GUESS: what a national cloud answers for an API not deployed there. Learn's per-API "national cloud
    # deployments" tables mark e.g. reportRoot detail reports (v1.0), Copilot usage reports and
    # getApiUsage as global-only; the error itself is not documented: we answer like an unknown segment.
    return Unavailable(400, "BadRequest", f"Resource not found for the segment '{segment}'.")


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    routes: Mapping[str, Unavailable]  # route key (permissions.ROUTES) -> the answer instead of data


VARIANTS: Mapping[str, Variant] = MappingProxyType({
    v.name: v for v in (
        Variant("no-intune", "a tenant without any Intune licence", {"managedDevices": _NO_INTUNE}),
        Variant("no-p1", "a tenant without Microsoft Entra ID P1: no conditional access",
                {"conditionalAccessPolicies": _NO_P1}),
        # US Government (L4/L5): detail usage reports, Copilot reports and the Purview label API are
        # global-only (Learn: reportroot-* and copilotreportroot-* "national cloud deployments" tables).
        Variant("usgov", "a US Government cloud tenant: global-only report, Copilot and label APIs missing",
                {"reports": _not_deployed("reports"), "copilotReports": _not_deployed("copilot"),
                 "sensitivityLabels": _not_deployed("dataSecurityAndGovernance")}),
        # 21Vianet: the same, plus Planner and Bookings (graph-facts §6, concepts/deployments.md).
        Variant("china", "a tenant operated by 21Vianet: global-only APIs plus Planner and Bookings missing",
                {"reports": _not_deployed("reports"), "copilotReports": _not_deployed("copilot"),
                 "sensitivityLabels": _not_deployed("dataSecurityAndGovernance"),
                 "groups.plans": _not_deployed("planner"),
                 "bookingBusinesses": _not_deployed("bookingBusinesses"),
                 # Learn, team-list-installedapps: "China operated by 21Vianet ❌"
                 "teams.installedApps": _not_deployed("installedApps")}),
    )
})


def variant_routes(names: tuple[str, ...] | frozenset[str]) -> dict[str, Unavailable]:
    out: dict[str, Unavailable] = {}
    for name in names:
        if name not in VARIANTS:
            raise ValueError(f"unknown variant {name!r}; choose among {', '.join(VARIANTS)}")
        out.update(VARIANTS[name].routes)
    return out
