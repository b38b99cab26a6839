"""The HTML report: one self-contained file (no CDN, no request), every piece of tenant data escaped."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from m365exit import __version__
from m365exit.report import formatting
from m365exit.report.i18n import catalog
from m365exit.resources import templates_dir
from m365exit.scoring import SEVERITY_ORDER, SEVERITY_WEIGHT, TRANSFER_BYTES_PER_DAY, Assessment

if TYPE_CHECKING:
    from m365exit.history.trend import Progress


def environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(catalog(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["num"] = lambda v, d=0: formatting.number(v, lang, d)
    env.filters["size"] = lambda v: formatting.size(v, lang)
    env.filters["when"] = lambda v: formatting.date(v, lang)
    env.filters["tojson_safe"] = lambda v: json.dumps(v, ensure_ascii=True, sort_keys=True).replace("<", "\\u003c")
    return env


# Per-object tables shown in the report, in this order: snapshot table, title, columns (never dict order,
# which a saved snapshot does not keep).
INVENTORY_TABLES = [
    ("identity.sso_apps", "Applications signing in through Entra ID (to re-home)",
     ["name", "sso", "enabled", "app_id"]),
    ("identity.ca_policies", "Conditional access policies", ["name", "state"]),
    ("identity.domains", "Domains", ["domain", "verified", "authentication", "default"]),
    ("exchange.largest_mailboxes", "Largest mailboxes", ["mailbox", "type", "storage_bytes", "items"]),
    ("sharepoint.templates", "SharePoint sites by template", ["template", "sites", "storage_bytes", "files"]),
    ("sharepoint.largest_sites", "Largest SharePoint sites",
     ["site", "template", "storage_bytes", "files", "last_activity"]),
    ("teams.private_channels", "Teams with private or shared channels", ["team", "private", "shared", "standard"]),
    ("teams.apps", "Apps installed in teams", ["app", "kind", "distribution", "teams"]),
    ("intune.devices_by_os", "Managed devices by operating system", ["os", "devices"]),
    ("purview.ediscovery_cases", "eDiscovery cases", ["case", "status"]),
]
TABLE_LIMIT = 50


def render(assessment: Assessment, lang: str = "en", brand: dict[str, Any] | None = None,
           progress: Progress | None = None) -> str:
    env = environment(lang)
    css = (templates_dir() / "report.css").read_text(encoding="utf-8")
    js = (templates_dir() / "report.js").read_text(encoding="utf-8")
    snapshot = assessment.snapshot
    return env.get_template("report.html.j2").render(
        a=assessment, s=snapshot, lang=lang, css=css, js=js, version=__version__,
        brand=brand or {}, products=assessment.catalogue.products,
        severities=SEVERITY_ORDER, weights=SEVERITY_WEIGHT, throughput=TRANSFER_BYTES_PER_DAY,
        used_products=list(dict.fromkeys(
            c for w in assessment.workloads for c in w.candidates if c in assessment.catalogue.products
        )),
        inventory_tables=[(name, catalog(lang).gettext(title), columns) for name, title, columns in INVENTORY_TABLES],
        table_limit=TABLE_LIMIT,
        workload_names={w.id: w.name.get(lang, w.id) for w in assessment.workloads},
        **_progress_context(assessment, lang, progress),
    )


def _progress_context(assessment: Assessment, lang: str, progress: Progress | None) -> dict[str, Any]:
    """The Progress section (history, DESIGN §12): charts and figures when earlier runs exist."""
    if progress is None:
        return {"progress": None, "progress_charts": [], "progress_rows": []}
    from m365exit.report import progress as charts

    gettext = catalog(lang).gettext
    names = {w.id: w.name.get(lang, w.id) for w in assessment.workloads}
    return {"progress": progress, "progress_charts": charts.charts(progress, lang, gettext, names),
            "progress_rows": charts.change_rows(progress, lang, gettext)}
