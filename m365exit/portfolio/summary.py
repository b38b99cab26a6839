"""What the cross-tenant report compares: one small row per tenant, and the portfolio document built from them.

A row is all that is kept of a tenant once its own reports are written, so memory stays flat however many
tenants a portfolio holds. The document is deterministic: tenants sorted by id, no clock of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from m365exit import __version__
from m365exit.scoring import Assessment

if TYPE_CHECKING:
    from m365exit.history.models import Run

SCHEMA = "m365exit.portfolio/1"
STATUSES = ("ok", "incomplete", "failed", "missing")  # missing: listed in the portfolio, no run in the store


@dataclass
class Blocker:
    rule: str
    workload: str
    title: dict[str, str]


@dataclass
class TenantRow:
    id: str
    name: str
    status: str  # ok, incomplete (collected with issues), failed (nothing assessed)
    error: str = ""
    tenant_id: str = ""
    collected_at: str = ""
    readiness: int | None = None
    workloads: dict[str, str] = field(default_factory=dict)  # workload id → status
    blocked: list[str] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)
    effort_days: float = 0.0
    data_bytes: int = 0
    spend_monthly: float = 0.0
    issues: int | None = 0  # None: not known (a run read back from a history store keeps no issues)
    issue_lines: list[str] = field(default_factory=list)  # the first few, "workload endpoint: message"
    report: str = ""  # relative link to the tenant's own HTML report


def row_of(tenant_id: str, name: str, assessment: Assessment, report: str = "") -> TenantRow:
    snapshot = assessment.snapshot
    blockers = [Blocker(f.rule_id, f.workload, {lang: t["title"] for lang, t in sorted(f.texts.items())})
                for f in assessment.findings if f.severity == "blocker" and f.status == "applies"]
    return TenantRow(
        id=tenant_id, name=name or snapshot.tenant.display_name or tenant_id,
        status="incomplete" if snapshot.issues else "ok",
        tenant_id=snapshot.tenant.id, collected_at=snapshot.collected_at.isoformat(),
        readiness=assessment.readiness,
        workloads={w.id: w.status for w in assessment.workloads},
        blocked=sorted(w.id for w in assessment.workloads if w.status == "blocked"),
        blockers=sorted(blockers, key=lambda b: (b.workload, b.rule)),
        effort_days=assessment.effort_days, data_bytes=assessment.data_bytes,
        spend_monthly=assessment.spend_monthly, issues=len(snapshot.issues),
        issue_lines=[f"{i.workload} {i.endpoint}: {i.message}" for i in snapshot.issues[:5]],
        report=report,
    )


def failed_row(tenant_id: str, name: str, error: str, status: str = "failed") -> TenantRow:
    return TenantRow(id=tenant_id, name=name or tenant_id, status=status, error=error)


def row_of_run(tenant_id: str, name: str, run: Run, titles: dict[str, dict[str, str]], report: str = "") -> TenantRow:
    """A tenant's latest run in a history store, as a row: what `portfolio report --history` compares."""
    blockers = [Blocker(f.rule, f.workload, titles.get(f.rule, {"en": f.rule, "fr": f.rule}))
                for f in run.findings if f.is_blocker]
    return TenantRow(
        id=tenant_id, name=name or run.tenant_name, status="ok", tenant_id=run.tenant_id,
        collected_at=run.collected_at.isoformat(), readiness=run.readiness,
        workloads={w.id: w.status for w in run.workloads},
        blocked=sorted(w.id for w in run.workloads if w.status == "blocked"),
        blockers=sorted(blockers, key=lambda b: (b.workload, b.rule)),
        effort_days=run.effort_days, data_bytes=run.data_bytes, spend_monthly=run.spend_monthly,
        issues=None, report=report,
    )


def document(rows: Sequence[TenantRow]) -> dict[str, Any]:
    """The portfolio document (portfolio.json): tenants, totals and the blockers most tenants share."""
    ordered = sorted(rows, key=lambda r: r.id)
    assessed = [r for r in ordered if r.status in ("ok", "incomplete")]
    shared: dict[str, dict[str, Any]] = {}
    for row in assessed:
        for blocker in row.blockers:
            entry = shared.setdefault(blocker.rule, {"rule": blocker.rule, "workload": blocker.workload,
                                                     "title": blocker.title, "tenants": []})
            if row.id not in entry["tenants"]:
                entry["tenants"].append(row.id)
    readiness = [r.readiness for r in assessed if r.readiness is not None]
    return {
        "schema": SCHEMA,
        "tool_version": __version__,
        "collected_until": max((r.collected_at for r in assessed), default=""),
        "counts": {status: sum(r.status == status for r in ordered) for status in STATUSES},
        "totals": {
            "tenants": len(ordered),
            "readiness_mean": round(sum(readiness) / len(readiness)) if readiness else None,
            "effort_days": round(sum(r.effort_days for r in assessed), 1),
            "data_bytes": sum(r.data_bytes for r in assessed),
            "spend_monthly": round(sum(r.spend_monthly for r in assessed), 2),
            "issues": sum(r.issues or 0 for r in assessed),
        },
        "shared_blockers": sorted(shared.values(), key=lambda e: (-len(e["tenants"]), e["rule"])),
        "tenants": [asdict(r) for r in ordered],
    }


def json_schema() -> dict[str, Any]:
    """The published schema of portfolio.json (docs/portfolio.schema.json is generated from it)."""
    text = {"type": "string"}
    number = {"type": "number"}
    titles = {"type": "object", "additionalProperties": text}
    blocker = {"type": "object", "required": ["rule", "workload", "title"], "additionalProperties": False,
               "properties": {"rule": text, "workload": text, "title": titles}}
    tenant = {
        "type": "object", "additionalProperties": False,
        "required": list(TenantRow.__dataclass_fields__),
        "properties": {
            "id": text, "name": text, "status": {"enum": list(STATUSES)}, "error": text, "tenant_id": text,
            "collected_at": text, "readiness": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
            "workloads": {"type": "object", "additionalProperties": text},
            "blocked": {"type": "array", "items": text}, "blockers": {"type": "array", "items": blocker},
            "effort_days": number, "data_bytes": {"type": "integer", "minimum": 0}, "spend_monthly": number,
            "issues": {"type": ["integer", "null"], "minimum": 0}, "issue_lines": {"type": "array", "items": text},
            "report": text,
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://m365exit.eu/schemas/portfolio-1.json",
        "title": "m365exit portfolio document", "type": "object", "additionalProperties": False,
        "required": ["schema", "tool_version", "collected_until", "counts", "totals", "shared_blockers", "tenants"],
        "properties": {
            "schema": {"const": SCHEMA}, "tool_version": text, "collected_until": text,
            "counts": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
            "totals": {"type": "object", "properties": {
                "tenants": {"type": "integer"}, "readiness_mean": {"type": ["integer", "null"]},
                "effort_days": number, "data_bytes": {"type": "integer"}, "spend_monthly": number,
                "issues": {"type": "integer"}}},
            "shared_blockers": {"type": "array", "items": {
                "type": "object", "required": ["rule", "workload", "title", "tenants"], "additionalProperties": False,
                "properties": {"rule": text, "workload": text, "title": titles,
                               "tenants": {"type": "array", "items": text}}}},
            "tenants": {"type": "array", "items": tenant},
        },
    }


if __name__ == "__main__":  # python -m m365exit.portfolio.summary > docs/portfolio.schema.json
    import json

    print(json.dumps(json_schema(), indent=1, sort_keys=True))
