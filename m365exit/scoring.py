"""From findings to numbers a CIO can act on: readiness, effort, data to move, spend, waves (DESIGN §7).

Pure and deterministic. Readiness of a workload is 100 × Π(1 − w) over the findings that apply, w by
severity: bounded in [0, 100], and monotone (a new finding never raises it). Each wave lasts as long as moving
its people takes at a stated pace (USERS_PER_WEEK, from a published exit). The formula and every constant below
are printed in the report's methodology section.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from m365exit.engine.sovereignty import SovereigntyRating, rate_all
from m365exit.engine.types import Catalogue, Finding
from m365exit.facts import FACTS
from m365exit.snapshot import Snapshot

SEVERITY_WEIGHT: dict[str, float] = {"blocker": 0.6, "high": 0.3, "medium": 0.15, "low": 0.05, "info": 0.0}
SEVERITY_ORDER = ["blocker", "high", "medium", "low", "info"]
TRANSFER_BYTES_PER_DAY = 1_000_000_000_000  # 1 TB/day sustained (≈ 93 Mbit/s): a cautious migration-tool rate
# People moved per week: support, not bandwidth, sets the pace. Schleswig-Holstein moved about 44,000 mailboxes in
# the 26 weeks to 2 October 2025 (≈ 1,700 a week); at its peak, about 24,000 between 12 August and 19 September
# (≈ 4,400 a week), the police union and the courts complained. Plan at the average; edit with --users-per-week.
USERS_PER_WEEK = 1_700
USERS_PER_WEEK_SOURCE = ("Schleswig-Holstein 2025: ≈ 44,000 mailboxes in 26 weeks (Staatskanzlei, 2 Oct 2025; "
                         "heise, Nov 2025)")
MIN_WAVE_WEEKS = 1.0  # a wave that moves anyone takes at least its cut-over week
# The fact that counts the people a workload moves; other workloads that move anything move the licensed users.
PEOPLE_FACTS: dict[str, str] = {
    "identity": "identity.users_enabled", "exchange": "exchange.mailboxes", "onedrive": "onedrive.accounts",
    "office": "office.desktop_users", "teams-phone": "teams.phone_users",
}
READY_AT = 80
HOURS_PER_DAY = 7


@dataclass
class WorkloadScore:
    id: str
    name: dict[str, str]
    readiness: int | None  # None: nothing could be assessed
    status: str  # ready, needs-work, blocked, not-assessed
    findings: list[Finding]  # applying or excepted, most severe first
    not_assessed: list[Finding]
    clear: int
    effort_days: float
    data_bytes: int
    data_items: int
    transfer_days: float
    candidates: list[str]
    depends_on: list[str]
    weight: int
    missing_facts: dict[str, str] = field(default_factory=dict)

    @property
    def blockers(self) -> int:
        return sum(f.severity == "blocker" and f.status == "applies" for f in self.findings)


@dataclass
class Assessment:
    snapshot: Snapshot
    catalogue: Catalogue
    workloads: list[WorkloadScore]
    readiness: int | None
    effort_days: float
    data_bytes: int
    transfer_days: float
    waves: list[list[str]]
    spend_monthly: float
    spend_rows: list[dict[str, Any]]
    findings: list[Finding]
    sovereignty: list[SovereigntyRating] = field(default_factory=list)  # options of the recommended products
    wave_weeks: list[float] = field(default_factory=list)  # duration of each wave, parallel to `waves`
    wave_start_weeks: list[float] = field(default_factory=list)  # week each wave starts (waves run one after another)
    wave_people: list[int] = field(default_factory=list)  # people each wave moves (its largest workload)
    users_per_week: float = USERS_PER_WEEK

    @property
    def decisions(self) -> list[Finding]:
        """Findings someone decided about: an exception (in force or expired) or a disabled rule."""
        return [f for f in self.findings if f.exception is not None or f.status == "disabled"]

    def workload(self, workload_id: str) -> WorkloadScore:
        return next(w for w in self.workloads if w.id == workload_id)


def readiness_of(findings: Sequence[Finding]) -> int:
    score = 100.0
    for finding in findings:
        if finding.status == "applies":
            score *= 1 - SEVERITY_WEIGHT[finding.severity]
    return round(score)


def _sort_key(finding: Finding) -> tuple[int, float, str]:
    return (SEVERITY_ORDER.index(finding.severity), -finding.effort_days, finding.rule_id)


def _number(facts: Mapping[str, Any], name: str) -> int:
    value = facts.get(name)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def score_workloads(snapshot: Snapshot, catalogue: Catalogue, findings: Sequence[Finding]) -> list[WorkloadScore]:
    facts = snapshot.facts
    absent = snapshot.absent_reasons()
    default_weight = _number(facts, "identity.users_licensed") or 1
    scores = []
    for workload in catalogue.workloads:
        mine = [f for f in findings if f.workload == workload.id]
        live = sorted((f for f in mine if f.status in ("applies", "excepted")), key=_sort_key)
        unknown = sorted((f for f in mine if f.status == "not_assessed"), key=_sort_key)
        clear = sum(f.status == "clear" for f in mine)
        assessed = len(live) + clear
        readiness = readiness_of(live) if assessed else None
        blocked = any(f.severity == "blocker" and f.status == "applies" for f in live)
        status = ("not-assessed" if readiness is None else "blocked" if blocked
                  else "ready" if readiness >= READY_AT else "needs-work")
        data_bytes = sum(_number(facts, n) for n in workload.data_facts if FACTS.get(n) and FACTS[n].unit == "bytes")
        data_items = sum(_number(facts, n) for n in workload.data_facts if FACTS.get(n) and FACTS[n].unit == "count")
        usage = workload.facts[0] if workload.facts else ""
        weight = _number(facts, usage) if usage in facts else default_weight
        missing = {n: absent.get(n, "not collected and not supplied in an answers file")
                   for n in workload.facts if n not in facts}
        scores.append(WorkloadScore(
            id=workload.id, name=dict(workload.name), readiness=readiness, status=status, findings=live,
            not_assessed=unknown, clear=clear,
            effort_days=round(sum(f.effort_days for f in live if f.status == "applies"), 1),
            data_bytes=data_bytes, data_items=data_items,
            transfer_days=round(data_bytes / TRANSFER_BYTES_PER_DAY, 1),
            candidates=list(workload.candidates), depends_on=list(workload.depends_on), weight=weight,
            missing_facts=missing,
        ))
    return scores


def waves(scores: Sequence[WorkloadScore]) -> list[list[str]]:
    """Waves that respect dependencies: a workload moves after everything it depends on (identity before the
    services that sign in through it). Within a wave the readiest and cheapest come first, so quick wins
    lead; a blocked workload keeps its place in the order, flagged in the report as needing a decision
    before its wave can start, and its dependants wait behind it."""
    by_id = {s.id: s for s in scores}
    level: dict[str, int] = {}

    def wave_of(wid: str, path: frozenset[str] = frozenset()) -> int:
        if wid not in level:
            deps = [d for d in by_id[wid].depends_on if d in by_id and d not in path]  # a cycle is a loader error
            level[wid] = 1 + max((wave_of(d, path | {wid}) for d in deps), default=-1)
        return level[wid]

    plan: dict[int, list[WorkloadScore]] = {}
    for s in scores:
        plan.setdefault(wave_of(s.id), []).append(s)

    def quick_first(s: WorkloadScore) -> tuple[bool, bool, int, float, str]:
        return (s.status == "blocked", s.readiness is None, -(s.readiness or 0), s.effort_days, s.id)

    return [[s.id for s in sorted(group, key=quick_first)] for _, group in sorted(plan.items())]


def people_moved(workload: WorkloadScore, facts: Mapping[str, Any]) -> int:
    """People (or mailboxes) a workload moves; 0 for a workload with nothing to move to (licensing)."""
    if not workload.candidates:
        return 0
    return _number(facts, PEOPLE_FACTS.get(workload.id, "identity.users_licensed"))


def wave_durations(plan: Sequence[Sequence[str]], scores: Sequence[WorkloadScore], facts: Mapping[str, Any],
                   users_per_week: float = USERS_PER_WEEK) -> tuple[list[int], list[float], list[float]]:
    """People, weeks and start week of each wave. A wave moves its people once (mail, files and chat on the
    same day for the same person), so its length is its largest workload's people over the throughput."""
    if users_per_week <= 0:
        raise ValueError("users_per_week must be positive")
    by_id = {s.id: s for s in scores}
    people = [max((people_moved(by_id[w], facts) for w in wave), default=0) for wave in plan]
    weeks = [round(max(MIN_WAVE_WEEKS, n / users_per_week), 1) if n else 0.0 for n in people]
    starts = [round(sum(weeks[:i]), 1) for i in range(len(weeks))]
    return people, weeks, starts


def spend(snapshot: Snapshot, prices: Mapping[str, float], names: Mapping[str, str] | None = None,
          changes: Mapping[str, Mapping[str, Any]] | None = None) -> tuple[float, list[dict[str, Any]]]:
    """Spend per SKU; `change` is the published list-price change for that SKU, None when none was found."""
    rows = []
    for sku in snapshot.tables.get("licensing.skus", []):
        part = str(sku.get("sku"))
        price = prices.get(part)
        monthly = None if price is None else round(price * int(sku.get("assigned", 0)), 2)
        change = (changes or {}).get(part)
        rows.append({**sku, "name": (names or {}).get(part, ""), "price": price, "monthly": monthly,
                     "change": dict(change) if change else None})
    return round(sum(r["monthly"] or 0 for r in rows), 2), rows


def assess(snapshot: Snapshot, catalogue: Catalogue, findings: Sequence[Finding],
           prices: Mapping[str, float], sku_names: Mapping[str, str] | None = None,
           users_per_week: float = USERS_PER_WEEK,
           price_changes: Mapping[str, Mapping[str, Any]] | None = None) -> Assessment:
    scores = score_workloads(snapshot, catalogue, findings)
    plan = waves(scores)
    people, weeks, starts = wave_durations(plan, scores, snapshot.facts, users_per_week)
    weighted = [(s.readiness, s.weight) for s in scores if s.readiness is not None and s.weight > 0]
    total_weight = sum(w for _, w in weighted)
    overall = round(sum(r * w for r, w in weighted) / total_weight) if total_weight else None
    monthly, rows = spend(snapshot, prices, sku_names, price_changes)
    data_bytes = sum(s.data_bytes for s in scores)
    return Assessment(
        snapshot=snapshot, catalogue=catalogue, workloads=scores, readiness=overall,
        effort_days=round(sum(s.effort_days for s in scores), 1), data_bytes=data_bytes,
        transfer_days=round(data_bytes / TRANSFER_BYTES_PER_DAY, 1), waves=plan,
        spend_monthly=monthly, spend_rows=rows, findings=sorted(findings, key=_sort_key),
        sovereignty=_ratings_of_candidates(catalogue, scores),
        wave_weeks=weeks, wave_start_weeks=starts, wave_people=people, users_per_week=users_per_week,
    )


def _ratings_of_candidates(catalogue: Catalogue, scores: Sequence[WorkloadScore]) -> list[SovereigntyRating]:
    """Ratings of every hosting option of the products the workloads recommend, in recommendation order."""
    order = list(dict.fromkeys(c for s in scores for c in s.candidates))
    ratings = rate_all(catalogue)
    return sorted((r for r in ratings if r.product in order),
                  key=lambda r: (order.index(r.product), -r.level, -r.score, r.option))
