"""What the history store holds, as plain models: a run is one assessment of one snapshot (DESIGN §12).

Pure: no database here. `run_from_assessment` is how an assessment becomes a run, stored or not (the
report's Progress section compares the current assessment with stored runs before it is recorded).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from m365exit.engine.types import Catalogue
    from m365exit.scoring import Assessment

FactValue = int | float | bool | str
STORAGE_FACTS = ("exchange.storage_bytes", "sharepoint.storage_bytes", "onedrive.storage_bytes")


class WorkloadRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    readiness: int | None
    status: str = Field(description="ready, needs-work, blocked or not-assessed")
    blockers: int
    effort_days: float
    data_bytes: int


class FindingRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str
    workload: str
    severity: str
    status: str = Field(description="applies, clear, not_assessed, excepted or disabled")

    @property
    def is_blocker(self) -> bool:
        return self.severity == "blocker" and self.status == "applies"


class Coverage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    covered: int
    total: int
    unit: str = ""


class RunSummary(BaseModel):
    """One line of `history list`."""

    model_config = ConfigDict(extra="forbid")
    id: int | None = Field(description="The run's number in the store; null for an assessment not stored yet.")
    tenant_id: str
    tenant_name: str
    collected_at: datetime
    readiness: int | None
    blockers: int
    effort_days: float
    data_bytes: int = Field(description="Mail and files still in Microsoft 365 (bytes).")
    spend_monthly: float = Field(description="Licence spend per month at list prices.")
    paid_seats: int = Field(description="Assigned seats of subscriptions that have a price.")
    tool_version: str
    rules_digest: str = Field(description="SHA-256 prefix of the rule files the assessment used.")
    snapshot_digest: str = Field(description="SHA-256 of the snapshot: the same snapshot is stored once.")


class Run(RunSummary):
    """One assessment as stored: facts, coverage, workload scores and statuses, findings."""

    facts: dict[str, FactValue]
    coverage: dict[str, Coverage] = Field(default_factory=dict)
    workloads: list[WorkloadRecord]
    findings: list[FindingRecord]

    def summary(self) -> RunSummary:
        return RunSummary.model_validate({k: getattr(self, k) for k in RunSummary.model_fields})

    def workload(self, workload_id: str) -> WorkloadRecord | None:
        return next((w for w in self.workloads if w.id == workload_id), None)

    def number(self, fact: str) -> float | None:
        value = self.facts.get(fact)
        return None if isinstance(value, bool) or not isinstance(value, int | float) else value


def utc(moment: datetime) -> datetime:
    """Databases give naive datetimes back (SQLite) or another zone: every time in the store is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def rules_digest(catalogue: Catalogue) -> str:
    """What the rules decide with (conditions, severities, efforts, exceptions), not where they were read."""
    parts = sorted(f"{r.id}|{r.severity}|{r.condition!r}|{r.effort!r}" for r in catalogue.rules)
    parts += sorted(f"disabled|{d}" for d in catalogue.disabled)
    parts += sorted(f"exception|{e.rule}|{e.expires}" for e in catalogue.exceptions)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def run_from_assessment(assessment: Assessment) -> Run:
    from m365exit import __version__

    s = assessment.snapshot
    coverage: dict[str, Any] = getattr(s, "coverage", None) or {}  # snapshot v1's optional coverage (§5)
    return Run(
        id=None,
        tenant_id=s.tenant.id,
        tenant_name=s.tenant.display_name or s.tenant.default_domain or s.tenant.id,
        collected_at=utc(s.collected_at),
        readiness=assessment.readiness,
        blockers=sum(w.blockers for w in assessment.workloads),
        effort_days=assessment.effort_days,
        data_bytes=assessment.data_bytes,
        spend_monthly=assessment.spend_monthly,
        paid_seats=sum(int(r.get("assigned") or 0) for r in assessment.spend_rows if r.get("price")),
        tool_version=__version__,
        rules_digest=rules_digest(assessment.catalogue),
        snapshot_digest=hashlib.sha256(s.to_json().encode()).hexdigest(),
        facts=dict(sorted(s.facts.items())),
        coverage={name: Coverage.model_validate(c if isinstance(c, dict) else c.model_dump())
                  for name, c in sorted(coverage.items())},
        workloads=[
            WorkloadRecord(id=w.id, readiness=w.readiness, status=w.status, blockers=w.blockers,
                           effort_days=w.effort_days, data_bytes=w.data_bytes)
            for w in assessment.workloads
        ],
        findings=sorted(
            (FindingRecord(rule=f.rule_id, workload=f.workload, severity=f.severity, status=f.status)
             for f in assessment.findings),
            key=lambda f: f.rule,
        ),
    )
