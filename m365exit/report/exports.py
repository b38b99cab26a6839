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
        "wave_weeks": a.wave_weeks, "wave_start_weeks": a.wave_start_weeks, "wave_people": a.wave_people,
        "users_per_week": a.users_per_week,
        "pseudonymized": list(s.pseudonymized),
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
    colon = formatting.colon(lang)  # « : » after a no-break space in French
    lines = [
        f"# {_('Microsoft 365 exit readiness')}{colon} {_cell(name)}",
        "",
        f"**{_('Overall readiness')}{colon}** {formatting.number(a.readiness, lang)}/100 · "
        f"**{_('Effort')}{colon}** {formatting.person_days(a.effort_days, lang)} · "
        f"**{_('Data to move')}{colon}** {formatting.size(a.data_bytes, lang)}",
        "",
        f"| {_('Workload')} | {_('Readiness')} | {_('Status')} | {_('Blockers')} | {_('Effort (person-days)')} |",
        "|---|---:|---|---:|---:|",
    ]
    for w in a.workloads:
        lines.append(
            f"| {_cell(w.name.get(lang, w.id))} | {formatting.number(w.readiness, lang)} | {_(w.status)} | "
            f"{w.blockers} | {formatting.number(w.effort_days, lang, 1)} |"
        )
    if a.wave_weeks:  # durations at the stated pace (scoring.USERS_PER_WEEK)
        names = {w.id: w.name.get(lang, w.id) for w in a.workloads}
        lines += ["", f"| {_('Wave')} | {_('Workloads')} | {_('People')} | {_('Weeks')} | {_('Starts in week')} |",
                  "|---:|---|---:|---:|---:|"]
        for n, wave in enumerate(a.waves):
            lines.append(
                f"| {n + 1} | {_cell(', '.join(names[w] for w in wave))} | "
                f"{formatting.number(a.wave_people[n], lang)} | {formatting.number(a.wave_weeks[n], lang, 1)} | "
                f"{formatting.number(a.wave_start_weeks[n] + 1, lang, 1)} |"
            )
        lines += ["", _("At %(pace)s people a week (Schleswig-Holstein 2025); change with --users-per-week.")
                  % {"pace": formatting.number(a.users_per_week, lang)}]
    changes = [r for r in a.spend_rows if r.get("change") and r.get("assigned")]
    if changes:  # published list-price changes on this tenant's SKUs (rules/prices/list-prices.yaml)
        title = _("Published list-price changes on this tenant's SKUs")
        lines += ["", title + colon + " " + ", ".join(
            f"{_cell(r['name'] or r['sku'])} {'+' if r['change']['percent'] > 0 else ''}"
            f"{formatting.percent(r['change']['percent'] / 100, lang, 1)} ({r['change']['label'].get(lang, '')})"
            for r in changes)]
    if s.issues:
        lines += ["", f"{_('Collection issues')}{colon} {len(s.issues)}"]
    if s.coverage:  # a fan-out some objects refused: the figure counts the others (DESIGN §5 coverage)
        lines += ["", f"{_('Partial counts (lower bounds)')}{colon}"]
        for fact, c in sorted(s.coverage.items()):
            value = s.facts.get(fact)
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue
            counts = {"n": formatting.number(c.total - c.covered, lang), "m": formatting.number(c.total, lang)}
            missing = (_("%(n)s of %(m)s groups could not be read") if c.unit == "groups"
                       else _("%(n)s of %(m)s teams could not be read")) % counts
            lines.append(f"- `{fact}`{colon} {_('at least')} {formatting.number(value, lang)}{_(';')} {missing}")
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
    lines = ["", f"## {_('Since last run')} ({formatting.date(previous.collected_at, lang)})", ""]
    lines += [f"- {label}{_(':')} {before} → {after} ({delta})" for label, before, after, delta
              in change_rows(progress, lang, _)]
    lines.append(f"- {_('Findings opened')}{_(':')} {len(change.findings_opened)} · "
                 f"{_('closed')}{_(':')} {len(change.findings_closed)}")
    for label, items in ((_("New blockers"), change.blockers_new), (_("Blockers resolved"), change.blockers_resolved)):
        if items:
            lines.append(f"- {label}{_(':')} " + ", ".join(f"`{c.rule}`" for c in items))
    return lines
