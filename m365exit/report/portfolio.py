"""The cross-tenant report: portfolio.json, portfolio.<lang>.html and, when asked, portfolio.xlsx."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from m365exit.engine.loader import load_catalogue
from m365exit.report import tables, xlsx
from m365exit.report.html import environment
from m365exit.report.i18n import catalog
from m365exit.resources import templates_dir
from m365exit.snapshot import write_atomic


def render_html(document: dict[str, Any], lang: str) -> str:
    names = {w.id: w.name.get(lang, w.id) for w in load_catalogue([]).workloads}
    until = document.get("collected_until")
    return environment(lang).get_template("portfolio.html.j2").render(
        d=document, lang=lang, workload_names=names, until=datetime.fromisoformat(until) if until else None,
        css=(templates_dir() / "report.css").read_text(encoding="utf-8"),
        js=(templates_dir() / "report.js").read_text(encoding="utf-8"),
    )


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def to_tables(document: dict[str, Any], lang: str) -> list[tables.Table]:
    """The tenants and the shared blockers as typed tables, for the workbook."""
    _ = catalog(lang).gettext
    names = {w.id: w.name.get(lang, w.id) for w in load_catalogue([]).workloads}

    def columns(spec: list[tuple[str, str, tables.Kind]]) -> list[tables.Column]:
        return [tables.Column(key, _(header), kind) for key, header, kind in spec]

    tenants = tables.Table("tenants", _("Tenants"), _("Tenants")[:31], columns([
        ("id", "Id", "text"), ("name", "Tenant", "text"), ("status", "Status", "text"), ("error", "Error", "text"),
        ("readiness", "Readiness", "int"), ("blocked", "Blocked workloads", "text"),
        ("blockers", "Blockers", "int"), ("effort_days", "Effort (person-days)", "float"),
        ("data_bytes", "Data to move", "bytes"), ("spend_monthly", "Licences per month", "money"),
        ("issues", "Collection issues", "int"), ("report", "Report", "text"),
    ]), [_tenant_cells(t, names, _) for t in document["tenants"]])
    shared = tables.Table("shared_blockers", _("Blockers most tenants share"), _("Shared blockers")[:31], columns([
        ("rule", "Rule", "text"), ("title", "Blocker", "text"), ("workload", "Workload", "text"),
        ("tenants", "Tenants", "int"), ("which", "Which", "text"),
    ]), [[b["rule"], b["title"].get(lang, b["rule"]), names.get(b["workload"], b["workload"]), len(b["tenants"]),
          ", ".join(b["tenants"])] for b in document["shared_blockers"]])
    return [tenants, shared]


def _tenant_cells(t: dict[str, Any], names: dict[str, str], _: Any) -> list[tables.Value]:
    absent = t["status"] in ("failed", "missing")  # nothing assessed: no figure rather than a zero
    figures: list[tables.Value] = [len(t["blockers"]), t["effort_days"], t["data_bytes"], t["spend_monthly"],
                                   t["issues"]]
    return [t["id"], t["name"], _(t["status"]), t["error"] or None, t["readiness"],
            ", ".join(names.get(w, w) for w in t["blocked"]) or None,
            *([None] * len(figures) if absent else figures), t["report"] or None]


def to_xlsx(document: dict[str, Any], lang: str) -> bytes:
    _ = catalog(lang).gettext
    totals, counts = document["totals"], document["counts"]
    until = document.get("collected_until")
    summary: list[xlsx.SummaryRow] = [
        (_("Tenants"), totals["tenants"], "int"), (_("assessed"), counts["ok"] + counts["incomplete"], "int"),
        (_("failed"), counts["failed"], "int"),
        (_("mean readiness of the assessed tenants"), totals["readiness_mean"], "int"),
        (_("Effort (person-days)"), totals["effort_days"], "float"), (_("Data to move"), totals["data_bytes"], "bytes"),
        (_("Licences per month"), totals["spend_monthly"], "money"),
        (_("Collection issues"), totals["issues"], "int"),
    ]
    created = datetime.fromisoformat(until) if until else datetime(1980, 1, 1, tzinfo=UTC)
    return xlsx.workbook(to_tables(document, lang), lang, title=_("Portfolio: Microsoft 365 exit readiness"),
                         subject=_("%(n)s tenants") % {"n": totals["tenants"]}, created=created, summary=summary)


def write(document: dict[str, Any], out: Path, formats: Sequence[str], lang: str) -> list[Path]:
    """Render everything first, then write each file atomically: never half a portfolio report."""
    rendered: dict[str, bytes] = {"portfolio.json": to_json(document).encode("utf-8")}
    if "html" in formats:
        rendered[f"portfolio.{lang}.html"] = render_html(document, lang).encode("utf-8")
    if "xlsx" in formats:
        rendered["portfolio.xlsx"] = to_xlsx(document, lang)
    written = []
    for name, data in rendered.items():
        write_atomic(out / name, data, mode=0o644)
        written.append(out / name)
    return written
