"""The HTML report: one self-contained file (no CDN, no request), every piece of tenant data escaped."""

from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from m365exit import __version__
from m365exit.engine.model import localised
from m365exit.engine.sovereignty import country_name, hosting_label
from m365exit.report import charts, formatting
from m365exit.report.i18n import catalog
from m365exit.resources import templates_dir
from m365exit.scoring import SEVERITY_ORDER, SEVERITY_WEIGHT, TRANSFER_BYTES_PER_DAY, Assessment

if TYPE_CHECKING:
    from m365exit.history.trend import Progress


@functools.cache  # one per language: jinja compiles each template once, a portfolio renders it per tenant
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
    env.filters["dec"] = lambda v, d=1: formatting.decimal(v, lang, d)
    env.filters["pct"] = lambda v, d=0: formatting.percent(v, lang, d)
    env.filters["size"] = lambda v: formatting.size(v, lang)
    env.filters["money"] = lambda v, d=0: formatting.money(v, lang, d)
    env.filters["when"] = lambda v: formatting.moment(v, lang)
    env.filters["day"] = lambda v: formatting.date(v, lang)
    env.filters["days"] = lambda v: formatting.days(v, lang)
    env.filters["pdays"] = lambda v: formatting.person_days(v, lang)
    env.filters["typeset"] = lambda v: formatting.typeset(str(v), lang)
    env.filters["l10n"] = lambda v: formatting.typeset(localised(v, lang), lang)
    env.filters["hosting"] = lambda h: hosting_label(h, lang)
    env.filters["cell"] = lambda v, col: cell(v, col, lang)
    env.filters["source_title"] = source_title
    env.globals["colon"] = formatting.colon(lang)
    env.globals["country"] = lambda code: country_name(code, lang)
    env.globals["date_columns"] = DATE_COLUMNS
    env.globals["id_columns"] = ID_COLUMNS
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
# Columns whose values are codes from Graph or a report: shown through their label (catalog context = column).
CODE_COLUMNS = frozenset({"sso", "state", "authentication", "type", "template", "kind", "distribution", "status"})
DATE_COLUMNS = frozenset({"last_activity"})
ID_COLUMNS = frozenset({"app_id", "domain", "site", "mailbox"})  # identifiers: never translated or typeset
# Source notes some rule files still write into the title; the report shows the note, translated, instead.
_TITLE_NOTES = re.compile(r" \((?:not verified|secondary)\)$|, (?:not verified|secondary)(?=\)$)")


def source_title(reference: Any) -> str:
    """A cited title without the '(not verified)' or '(secondary)' remark when its `note` says it, translated."""
    title = str(reference.title)
    return (_TITLE_NOTES.sub("", title).strip() or title) if reference.note else title


def cell(value: Any, column: str, lang: str) -> str:
    """One inventory cell as a reader sees it: sizes, numbers and dates in the locale, codes as labels."""
    if column.endswith("bytes"):
        return formatting.size(value, lang)
    if value is True:
        return "✓"
    if value is False:
        return "—"
    if isinstance(value, int | float):
        return formatting.number(value, lang)
    if column in DATE_COLUMNS:
        return formatting.date(value, lang)
    if column in CODE_COLUMNS and value:
        return catalog(lang).pgettext(column, str(value))
    return "" if value is None else str(value)


def issue_said(issue: Any, lang: str) -> str | Markup:
    """What happened, in the reader's language. Issue messages are English sentences built by the collectors
    (or Graph's own words): a French report says what kind of problem it is, then quotes the original."""
    if lang == "en":
        return str(issue.message)
    _ = catalog(lang).gettext
    if issue.status in (401, 403):
        said = _("Permission not granted (or not consented) to the application.")
    elif issue.code == "DataNotAvailable":
        said = _("The report Graph returned lacks the column this figure needs.")
    elif issue.status == 429 or issue.code == "throttled":
        said = _("Graph kept throttling the requests beyond the wait limit.")
    elif issue.status is None:
        said = _("Graph could not be reached.")
    elif issue.status == 404:
        said = _("Graph found nothing at this address (deleted object or service not enabled).")
    elif issue.status == 400:
        said = _("Graph refused the request (the service may not be available to this tenant).")
    else:
        said = _("Graph answered with an error %(status)s.") % {"status": issue.status}
    original = Markup('<span translate="no">{}</span>').format(issue.message)  # escaped: tenant data may be in it
    return Markup("{} ({}{} {})").format(said, _("original message"), formatting.colon(lang), original)


def render(assessment: Assessment, lang: str = "en", brand: dict[str, Any] | None = None,
           progress: Progress | None = None) -> str:
    env = environment(lang)
    css = (templates_dir() / "report.css").read_text(encoding="utf-8")
    js = (templates_dir() / "report.js").read_text(encoding="utf-8")
    snapshot = assessment.snapshot
    brand = checked_brand(brand)
    colours = brand.get("colours", {})
    return env.get_template("report.html.j2").render(
        a=assessment, s=snapshot, lang=lang, css=css, js=js, version=__version__,
        brand=brand, brand_css=brand_css(colours), products=assessment.catalogue.products,
        charts=charts.render(assessment, lang, catalog(lang).gettext,
                             colours.get("accent") or colours.get("primary") or charts.DEFAULT_ACCENT),
        severities=SEVERITY_ORDER, weights=SEVERITY_WEIGHT, throughput=TRANSFER_BYTES_PER_DAY,
        used_products=list(dict.fromkeys(
            c for w in assessment.workloads for c in w.candidates if c in assessment.catalogue.products
        )),
        inventory_tables=[(name, catalog(lang).gettext(title), columns) for name, title, columns in INVENTORY_TABLES],
        table_limit=TABLE_LIMIT,
        workload_names={w.id: w.name.get(lang, w.id) for w in assessment.workloads},
        options={o.id: o for o in assessment.catalogue.options},
        fact_issues={f: issue_said(i, lang) for i in reversed(snapshot.issues) for f in i.facts},
        issue_said=lambda i: issue_said(i, lang),
        **_progress_context(assessment, lang, progress),
    )


_COLOUR = re.compile(r"#[0-9a-f]{6}")
_LOGO = re.compile(r"data:image/(png|jpeg|svg\+xml);base64,[A-Za-z0-9+/]+=*")


def checked_brand(brand: dict[str, Any] | None) -> dict[str, Any]:
    """The brand as the template may use it: colours that are #rrggbb and a logo that is an image data URI
    (brand.load makes them so; this guards callers that build the dict themselves)."""
    brand = dict(brand or {})
    colours: dict[str, Any] = brand["colours"] if isinstance(brand.get("colours"), dict) else {}
    brand["colours"] = {k: v for k, v in colours.items()
                        if k in ("primary", "accent") and isinstance(v, str) and _COLOUR.fullmatch(v)}
    if not (isinstance(brand.get("logo"), str) and _LOGO.fullmatch(brand["logo"])):
        brand.pop("logo", None)
    return brand


def brand_css(colours: dict[str, str]) -> str:
    """Brand colours over the defaults: primary colours headings, links and the cover; accent the rules."""
    rules = []
    if "primary" in colours:
        rules.append(f"--accent: {colours['primary']}; --primary: {colours['primary']};")
    if "accent" in colours:
        rules.append(f"--highlight: {colours['accent']};")
    return f":root {{ {' '.join(rules)} }}" if rules else ""


def _progress_context(assessment: Assessment, lang: str, progress: Progress | None) -> dict[str, Any]:
    """The Progress section (history, DESIGN §12): charts and figures when earlier runs exist."""
    if progress is None:
        return {"progress": None, "progress_charts": [], "progress_rows": []}
    from m365exit.report import progress as trend_charts

    gettext = catalog(lang).gettext
    names = {w.id: w.name.get(lang, w.id) for w in assessment.workloads}
    return {"progress": progress, "progress_charts": trend_charts.charts(progress, lang, gettext, names),
            "progress_rows": trend_charts.change_rows(progress, lang, gettext)}
