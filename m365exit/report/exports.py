"""Machine-readable exports: JSON with a stable schema, a Markdown summary for a pipeline's step summary."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from m365exit import __version__
from m365exit.engine.types import Finding
from m365exit.report import formatting
from m365exit.report.i18n import catalog
from m365exit.scoring import Assessment

if TYPE_CHECKING:
    from m365exit.history.trend import Progress

SCHEMA = "m365exit.assessment/1"


def _finding(f: Finding, lang: str = "en") -> dict[str, Any]:
    texts = f.texts[lang]
    return {
        "rule": f.rule_id, "workload": f.workload, "severity": f.severity, "status": f.status,
        "title": texts["title"], "effort_days": f.effort_days,
        "missing": dict(sorted(f.missing.items())),
    }


def to_dict(a: Assessment) -> dict[str, Any]:
    s = a.snapshot
    return {
        "schema": SCHEMA,
        "tool_version": __version__,
        "collected_at": s.collected_at.isoformat(),
        "tenant": s.tenant.model_dump(mode="json"),
        "readiness": a.readiness,
        "effort_days": a.effort_days,
        "data_bytes": a.data_bytes,
        "transfer_days": a.transfer_days,
        "spend_monthly": a.spend_monthly,
        "waves": a.waves,
        "workloads": [
            {
                "id": w.id, "readiness": w.readiness, "status": w.status, "blockers": w.blockers,
                "effort_days": w.effort_days, "data_bytes": w.data_bytes, "data_items": w.data_items,
                "candidates": w.candidates, "not_assessed": [f.rule_id for f in w.not_assessed],
                "findings": [_finding(f) for f in w.findings],
            }
            for w in a.workloads
        ],
        "issues": [i.model_dump(mode="json") for i in s.issues],
        "decisions": [
            {"rule": f.rule_id, "workload": f.workload, "status": f.status,
             "owner": f.exception.owner if f.exception else None,
             "reason": f.exception.reason if f.exception else None,
             "expires": f.exception.expires.isoformat() if f.exception else None,
             "expired": f.exception.expired if f.exception else None}
            for f in a.decisions
        ],
    }


def to_json(a: Assessment) -> str:
    return json.dumps(to_dict(a), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _cell(text: object) -> str:
    """Markdown table cell: tenant text must not break the table or inject markup."""
    return str(text).replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def to_markdown(a: Assessment, lang: str, progress: Progress | None = None) -> str:
    _ = catalog(lang).gettext
    s = a.snapshot
    name = s.tenant.display_name or s.tenant.default_domain or s.tenant.id
    lines = [
        f"# {_('Microsoft 365 exit readiness')}: {_cell(name)}",
        "",
        f"**{_('Overall readiness')}:** {formatting.number(a.readiness, lang)} / 100 · "
        f"**{_('Effort')}:** {formatting.number(a.effort_days, lang, 1)} {_('person-days')} · "
        f"**{_('Data to move')}:** {formatting.size(a.data_bytes, lang)}",
        "",
        f"| {_('Workload')} | {_('Readiness')} | {_('Status')} | {_('Blockers')} | {_('Effort (person-days)')} |",
        "|---|---:|---|---:|---:|",
    ]
    for w in a.workloads:
        lines.append(
            f"| {_cell(w.name.get(lang, w.id))} | {formatting.number(w.readiness, lang)} | {_(w.status)} | "
            f"{w.blockers} | {formatting.number(w.effort_days, lang, 1)} |"
        )
    if s.issues:
        lines += ["", f"{_('Collection issues')}: {len(s.issues)}"]
    if progress is not None:
        lines += since_last_run(progress, lang)
    return "\n".join(lines) + "\n"


def since_last_run(progress: Progress, lang: str) -> list[str]:
    """'Since last run' lines for a step summary or a merge-request comment (history, DESIGN §12)."""
    from m365exit.history.diff import diff_runs
    from m365exit.report.progress import change_rows

    _ = catalog(lang).gettext
    previous = progress.previous
    change = diff_runs(previous, progress.current)
    lines = ["", f"## {_('Since last run')} ({formatting.date(previous.collected_at, lang)[:10]})", ""]
    lines += [f"- {label}{_(':')} {before} → {after} ({delta})" for label, before, after, delta
              in change_rows(progress, lang, _)]
    lines.append(f"- {_('Findings opened')}{_(':')} {len(change.findings_opened)} · "
                 f"{_('closed')}{_(':')} {len(change.findings_closed)}")
    for label, items in ((_("New blockers"), change.blockers_new), (_("Blockers resolved"), change.blockers_resolved)):
        if items:
            lines.append(f"- {label}{_(':')} " + ", ".join(f"`{c.rule}`" for c in items))
    return lines
