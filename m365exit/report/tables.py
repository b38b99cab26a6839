"""An assessment as named tables with typed columns and headers in the report's language.

The one place that decides what a spreadsheet row holds: the CSV and XLSX exports (and the portfolio) render
these tables and never walk the assessment themselves. Values keep their type (int, float, bool, date, text);
how a type is written (a quoted CSV field, a numeric cell with a byte format) is the writer's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from m365exit.engine.model import localised
from m365exit.engine.sovereignty import HOSTING_LABELS, country_name
from m365exit.report.html import INVENTORY_TABLES
from m365exit.report.i18n import catalog
from m365exit.scoring import Assessment

Kind = Literal["text", "int", "float", "bool", "bytes", "money", "date"]
Value = str | int | float | bool | date | None


@dataclass(frozen=True)
class Column:
    key: str  # stable, language-independent
    header: str  # in the report's language
    kind: Kind


@dataclass(frozen=True)
class Table:
    id: str  # file and sheet identity: "workloads", "exchange.largest_mailboxes"
    title: str  # in the report's language
    short: str  # a sheet name: at most 31 characters
    columns: list[Column]
    rows: list[list[Value]]


# Short names for the inventory tables (a sheet name holds 31 characters at most).
SHORT_NAMES = {
    "identity.sso_apps": "SSO apps", "identity.ca_policies": "Conditional access", "identity.domains": "Domains",
    "exchange.largest_mailboxes": "Mailboxes", "sharepoint.templates": "Site templates",
    "sharepoint.largest_sites": "Sites", "teams.private_channels": "Private channels",
    "teams.apps": "Teams apps", "intune.devices_by_os": "Devices by OS", "purview.ediscovery_cases": "eDiscovery",
}
FINDING_STATUS = {"applies": "applies", "excepted": "exception", "not_assessed": "not assessed",
                  "disabled": "rule disabled"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def build(a: Assessment, lang: str) -> list[Table]:
    """Every table of the assessment, in reading order: results first, then the tenant's inventory."""
    _ = catalog(lang).gettext

    def table(tid: str, title: str, short: str, columns: list[tuple[str, str, Kind]],
              rows: list[list[Value]]) -> Table:
        return Table(tid, _(title), _(short)[:31], [Column(k, _(h), kind) for k, h, kind in columns], rows)

    products = a.catalogue.products
    names = {w.id: w.name.get(lang, w.id) for w in a.workloads}
    wave_of = {wid: n for n, wave in enumerate(a.waves, 1) for wid in wave}
    tables = [
        table("workloads", "Workloads", "Workloads", [
            ("workload", "Workload", "text"), ("id", "Identifier", "text"), ("readiness", "Readiness", "int"),
            ("status", "Status", "text"), ("blockers", "Blockers", "int"),
            ("effort_days", "Effort (person-days)", "float"), ("data_bytes", "Data to move", "bytes"),
            ("data_items", "Items to move", "int"), ("transfer_days", "Transfer (days)", "float"),
            ("wave", "Wave", "int"), ("candidates", "Replacement candidates", "text"),
        ], [[names[w.id], w.id, w.readiness, _(w.status), w.blockers,
             w.effort_days if w.readiness is not None else None, w.data_bytes, w.data_items, w.transfer_days,
             wave_of.get(w.id), ", ".join(products[c].name if c in products else c for c in w.candidates)]
            for w in a.workloads]),
        table("findings", "Findings", "Findings", [
            ("workload", "Workload", "text"), ("rule", "Rule", "text"), ("severity", "Severity", "text"),
            ("status", "Status", "text"), ("title", "Finding", "text"),
            ("effort_days", "Effort (person-days)", "float"), ("owner", "Owner", "text"),
            ("reason", "Reason", "text"), ("expires", "Until", "date"),
        ], [[names.get(f.workload, f.workload), f.rule_id, _(f.severity), _(FINDING_STATUS.get(f.status, f.status)),
             f.texts[lang]["title"], f.effort_days, f.exception.owner if f.exception else None,
             f.exception.reason if f.exception else None, f.exception.expires if f.exception else None]
            for f in a.findings if f.status != "clear"]),
        table("waves", "Migration plan", "Waves", [
            ("wave", "Wave", "int"), ("order", "Order", "int"), ("workload", "Workload", "text"),
            ("status", "Status", "text"),
        ], [[n, i, names[wid], _(a.workload(wid).status)]
            for n, wave in enumerate(a.waves, 1) for i, wid in enumerate(wave, 1)]),
        table("replacements", "Replacements", "Replacements", [
            ("product", "Product", "text"), ("licence", "Licence", "text"), ("osi", "OSI-approved", "bool"),
            ("steward", "Steward", "text"), ("country", "Country", "text"), ("maturity", "Maturity", "text"),
            ("protocols", "Open protocols", "text"), ("suites", "Suites", "text"),
        ], [[p.name, p.licence, p.osi, localised(p.steward, lang), country_name(p.country, lang), p.maturity,
             ", ".join(localised(x, lang) for x in p.protocols), ", ".join(p.suites)]
            for p in (products[pid] for pid in dict.fromkeys(
                c for w in a.workloads for c in w.candidates if c in products))]),
        table("sovereignty", "Sovereignty of the options", "Sovereignty", [
            ("product", "Product", "text"), ("operator", "Operator", "text"), ("hosting", "Hosting", "text"),
            ("level", "Level", "int"), ("seal", "SEAL", "text"), ("score", "Score", "float"),
            ("set_by", "Set by", "text"),
        ], [[products[r.product].name if r.product in products else r.product,
             localised(a.catalogue.operators[r.operator].name, lang) if r.operator in a.catalogue.operators
             else r.operator,
             HOSTING_LABELS[r.hosting][lang] if r.hosting in HOSTING_LABELS else r.hosting,
             r.level, r.seal, r.score, ", ".join(r.weakest)] for r in a.sovereignty]),
        table("licences", "Licences", "Licences", [
            ("subscription", "Subscription", "text"), ("sku", "SKU", "text"), ("purchased", "Purchased", "int"),
            ("assigned", "Assigned", "int"), ("price", "List price / month", "money"),
            ("monthly", "Spend / month", "money"),
        ], [[r.get("name") or r.get("sku"), r.get("sku"), r.get("purchased"), r.get("assigned"), r.get("price"),
             r.get("monthly")] for r in a.spend_rows]),
    ]
    tables += _inventory(a, lang)
    s = a.snapshot
    tables.append(table("issues", "Collection issues", "Collection issues", [
        ("workload", "Workload", "text"), ("endpoint", "Endpoint", "text"), ("http_status", "HTTP status", "int"),
        ("code", "Code", "text"), ("permission", "Permission", "text"), ("message", "What happened", "text"),
        ("facts", "Facts left absent", "text"),
    ], [[i.workload, i.endpoint, i.status, i.code, i.permission, i.message, ", ".join(i.facts)] for i in s.issues]))
    tables.append(table("facts", "Facts", "Facts", [
        ("fact", "Fact", "text"), ("value", "Value", "text"), ("source", "Source", "text"),
    ], [[name, value, s.provenance.get(name, "")] for name, value in sorted(s.facts.items())]))
    return tables


def _inventory(a: Assessment, lang: str) -> list[Table]:
    """Every per-object table of the snapshot: the known ones with their columns in report order, any other
    one (a table a newer collector adds) with its keys sorted. Licence rows already form the licences table."""
    _ = catalog(lang).gettext
    known = {name: (title, columns) for name, title, columns in INVENTORY_TABLES}
    tables = []
    for name in [n for n, _t, _c in INVENTORY_TABLES] + sorted(set(a.snapshot.tables) - set(known)):
        rows = a.snapshot.tables.get(name, [])
        if name == "licensing.skus" or (name not in known and not rows):
            continue
        title, keys = known.get(name, (name, sorted({k for r in rows for k in r})))
        columns = [Column(k, _(k), _kind(k, [r.get(k) for r in rows])) for k in keys]
        tables.append(Table(name, _(title), _(SHORT_NAMES.get(name, name))[:31], columns,
                            [[_value(r.get(c.key), c.kind) for c in columns] for r in rows]))
    return tables


def _kind(key: str, values: list[Any]) -> Kind:
    present = [v for v in values if v is not None and v != ""]
    if key.endswith("bytes"):
        return "bytes"
    if present and all(isinstance(v, bool) for v in present):
        return "bool"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "float"
    if present and all(isinstance(v, str) and _ISO_DATE.match(v) for v in present):
        return "date"
    return "text"


def _value(value: Any, kind: Kind) -> Value:
    """A snapshot value as its column's type; anything unexpected becomes text rather than a wrong number."""
    if value is None or value == "":
        return None
    if kind == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    if kind in ("int", "bytes") and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    return value if isinstance(value, str) else str(value)
