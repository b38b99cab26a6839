"""What changed between two runs (or two snapshots): facts with their delta, workloads, findings. Pure."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from m365exit.history.models import FactValue, FindingRecord, Run, RunSummary

DIFF_SCHEMA = "m365exit.history-diff/1"
SNAPSHOT_DIFF_SCHEMA = "m365exit.snapshot-diff/1"


class FactChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    before: FactValue | None = Field(description="null: absent from the earlier side")
    after: FactValue | None = Field(description="null: absent from the later side")
    delta: int | float | None = Field(description="after − before when both are numbers")


class WorkloadChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    readiness_before: int | None
    readiness_after: int | None
    status_before: str | None
    status_after: str | None


class FindingChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str
    workload: str
    severity: str
    status_before: str | None = Field(description="null: the rule did not exist in the earlier run")
    status_after: str | None = Field(description="null: the rule no longer exists")


class SnapshotSide(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tenant_id: str
    tenant_name: str
    collected_at: str


class SnapshotDiff(BaseModel):
    """`m365exit diff SNAPSHOT_A SNAPSHOT_B`: the facts that moved, without a store."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    schema_: str = Field(default=SNAPSHOT_DIFF_SCHEMA, alias="schema")
    before: SnapshotSide
    after: SnapshotSide
    facts: list[FactChange]


class RunDiff(BaseModel):
    """`m365exit history diff`: facts, scores and findings between two runs."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    schema_: str = Field(default=DIFF_SCHEMA, alias="schema")
    before: RunSummary
    after: RunSummary
    readiness_delta: int | None
    facts: list[FactChange]
    workloads: list[WorkloadChange]
    findings_opened: list[FindingChange] = Field(description="apply now and did not before")
    findings_closed: list[FindingChange] = Field(description="applied before and no longer do")
    blockers_resolved: list[FindingChange]
    blockers_new: list[FindingChange] = Field(description="blockers that apply now and did not before")


def _number(value: FactValue | None) -> int | float | None:
    return None if isinstance(value, bool) or not isinstance(value, int | float) else value


def fact_changes(before: Mapping[str, FactValue], after: Mapping[str, FactValue]) -> list[FactChange]:
    changes = []
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        if a == b and type(a) is type(b):
            continue
        na, nb = _number(a), _number(b)
        delta = None if na is None or nb is None else round(nb - na, 6) if isinstance(nb - na, float) else nb - na
        changes.append(FactChange(name=name, before=a, after=b, delta=delta))
    return changes


def _change(rule: str, a: FindingRecord | None, b: FindingRecord | None) -> FindingChange:
    known = b or a
    assert known is not None
    return FindingChange(rule=rule, workload=known.workload, severity=known.severity,
                         status_before=a.status if a else None, status_after=b.status if b else None)


def diff_runs(before: Run, after: Run) -> RunDiff:
    fa = {f.rule: f for f in before.findings}
    fb = {f.rule: f for f in after.findings}
    opened, closed = [], []
    for rule in sorted(set(fa) | set(fb)):
        a, b = fa.get(rule), fb.get(rule)
        was, now = a is not None and a.status == "applies", b is not None and b.status == "applies"
        if now and not was:
            opened.append(_change(rule, a, b))
        elif was and not now and (b is None or b.status != "not_assessed"):  # unknown now is not closed
            closed.append(_change(rule, a, b))
    wa = {w.id: w for w in before.workloads}
    wb = {w.id: w for w in after.workloads}
    workloads = []
    for wid in sorted(set(wa) | set(wb)):
        x, y = wa.get(wid), wb.get(wid)
        if x is None or y is None or (x.readiness, x.status) != (y.readiness, y.status):
            workloads.append(WorkloadChange(
                id=wid, readiness_before=x.readiness if x else None, readiness_after=y.readiness if y else None,
                status_before=x.status if x else None, status_after=y.status if y else None))
    delta = None if before.readiness is None or after.readiness is None else after.readiness - before.readiness
    return RunDiff(
        before=before.summary(), after=after.summary(), readiness_delta=delta,
        facts=fact_changes(before.facts, after.facts), workloads=workloads,
        findings_opened=opened, findings_closed=closed,
        blockers_resolved=[c for c in closed if c.severity == "blocker"],
        blockers_new=[c for c in opened if c.severity == "blocker"],
    )
