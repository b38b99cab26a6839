"""From findings to numbers a CIO can act on: readiness, effort, data to move, spend, waves (DESIGN §7).

Pure and deterministic. Readiness of a workload is 100 × Π(1 − w) over the findings that apply, w by
severity: bounded in [0, 100], and monotone (a new finding never raises it). The formula and every
constant below are printed in the report's methodology section.
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


def spend(snapshot: Snapshot, prices: Mapping[str, float], names: Mapping[str, str] | None = None
          ) -> tuple[float, list[dict[str, Any]]]:
    rows = []
    for sku in snapshot.tables.get("licensing.skus", []):
        part = str(sku.get("sku"))
        price = prices.get(part)
        monthly = None if price is None else round(price * int(sku.get("assigned", 0)), 2)
        rows.append({**sku, "name": (names or {}).get(part, ""), "price": price, "monthly": monthly})
    return round(sum(r["monthly"] or 0 for r in rows), 2), rows


def assess(snapshot: Snapshot, catalogue: Catalogue, findings: Sequence[Finding],
           prices: Mapping[str, float], sku_names: Mapping[str, str] | None = None) -> Assessment:
    scores = score_workloads(snapshot, catalogue, findings)
    weighted = [(s.readiness, s.weight) for s in scores if s.readiness is not None and s.weight > 0]
    total_weight = sum(w for _, w in weighted)
    overall = round(sum(r * w for r, w in weighted) / total_weight) if total_weight else None
    monthly, rows = spend(snapshot, prices, sku_names)
    data_bytes = sum(s.data_bytes for s in scores)
    return Assessment(
        snapshot=snapshot, catalogue=catalogue, workloads=scores, readiness=overall,
        effort_days=round(sum(s.effort_days for s in scores), 1), data_bytes=data_bytes,
        transfer_days=round(data_bytes / TRANSFER_BYTES_PER_DAY, 1), waves=waves(scores),
        spend_monthly=monthly, spend_rows=rows, findings=sorted(findings, key=_sort_key),
        sovereignty=_ratings_of_candidates(catalogue, scores),
    )


def _ratings_of_candidates(catalogue: Catalogue, scores: Sequence[WorkloadScore]) -> list[SovereigntyRating]:
    """Ratings of every hosting option of the products the workloads recommend, in recommendation order."""
    order = list(dict.fromkeys(c for s in scores for c in s.candidates))
    ratings = rate_all(catalogue)
    return sorted((r for r in ratings if r.product in order),
                  key=lambda r: (order.index(r.product), -r.level, -r.score, r.option))
