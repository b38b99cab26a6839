"""The XLSX workbook: a summary sheet first, then one sheet per table with typed cells.

XlsxWriter rather than openpyxl: it writes every zip entry with a fixed 1980 timestamp and takes the document
dates from us, so the same snapshot gives the same bytes. Tenant text is only ever written with
`write_string` (never `write`, which would turn "=..." into a formula), and the workbook is opened with
strings_to_formulas off as a second guard; text that looks like a formula also gets Excel's quote prefix, so
editing the cell does not bring the formula to life.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from datetime import UTC, date, datetime
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from m365exit import __version__
from m365exit.report import tables
from m365exit.report.csv_export import FORMULA_STARTS
from m365exit.report.i18n import catalog
from m365exit.scoring import Assessment

_UNITS = {"en": ("MB", "GB", "TB"), "fr": ("Mo", "Go", "To")}
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_DATA_URI = re.compile(r"^data:image/(png|jpeg);base64,(.+)$", re.DOTALL)
MAX_WIDTH = 60


def bytes_format(lang: str) -> str:
    """Bytes stay whole numbers in the cell; the format shows them in MB, GB or TB (decimal units)."""
    mb, gb, tb = _UNITS[lang]
    return f'[>=1000000000000]#,##0.0,,,," {tb}";[>=1000000000]#,##0.0,,," {gb}";#,##0.0,," {mb}"'


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook, lang: str, brand: dict[str, Any]) -> None:
        colours = brand.get("colours") or {}
        primary = colours.get("primary") if isinstance(colours.get("primary"), str) else None
        fill = primary if primary and _HEX.match(primary) else "#000091"
        self.header = book.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": fill,
                                       "text_wrap": True, "valign": "top"})
        self.title = book.add_format({"bold": True, "font_size": 16})
        self.label = book.add_format({"bold": True})
        self.text = book.add_format({})
        self.quoted = book.add_format({"quote_prefix": True})
        self.int = book.add_format({"num_format": "#,##0"})
        self.float = book.add_format({"num_format": "#,##0.0"})
        self.money = book.add_format({"num_format": '#,##0.00 "€"'})
        self.bytes = book.add_format({"num_format": bytes_format(lang)})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = book.add_format({"num_format": "yyyy-mm-dd hh:mm", "align": "left"})

    def number(self, kind: tables.Kind, value: float) -> Format:
        if kind == "bytes":
            return self.bytes
        if kind == "money":
            return self.money
        return self.float if isinstance(value, float) or kind == "float" else self.int


def write_cell(sheet: Worksheet, row: int, col: int, value: tables.Value | datetime, kind: tables.Kind,
               f: _Formats) -> int:
    """Write one typed cell; returns the width its text needs."""
    if value is None or value == "":
        sheet.write_blank(row, col, None)
        return 0
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
        return 5
    if isinstance(value, int | float):
        sheet.write_number(row, col, value, f.number(kind, value))
        return 11 if kind == "bytes" else len(f"{value:,.1f}" if isinstance(value, float) else f"{value:,}") + 1
    if isinstance(value, datetime):
        sheet.write_datetime(row, col, value.astimezone(UTC).replace(tzinfo=None), f.datetime)
        return 16
    if isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), f.date)
        return 10
    sheet.write_string(row, col, value, f.quoted if value.startswith(FORMULA_STARTS) else f.text)
    return max((len(line) for line in value.splitlines()), default=0)


def _sheet_names(items: list[tables.Table], summary: str) -> list[str]:
    """Unique sheet names without the characters Excel refuses, at most 31 characters each."""
    used = {summary.lower()}
    names = []
    for t in items:
        base = re.sub(r"[\[\]:*?/\\]", "-", t.short)[:31] or t.id[:31]
        name, n = base, 2
        while name.lower() in used:
            name = f"{base[:27]} ({n})"
            n += 1
        used.add(name.lower())
        names.append(name)
    return names


def _table_sheet(sheet: Worksheet, table: tables.Table, f: _Formats) -> None:
    widths = [len(c.header) + 2 for c in table.columns]
    for col, column in enumerate(table.columns):
        sheet.write_string(0, col, column.header, f.header)
    for r, row in enumerate(table.rows, 1):
        for col, (value, column) in enumerate(zip(row, table.columns, strict=True)):
            widths[col] = max(widths[col], write_cell(sheet, r, col, value, column.kind, f) + 2)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(max(width, 8), MAX_WIDTH))
    sheet.freeze_panes(1, 0)
    if table.columns:
        sheet.autofilter(0, 0, max(len(table.rows), 1), len(table.columns) - 1)


SummaryRow = tuple[str, tables.Value | datetime, tables.Kind]


def _summary_rows(a: Assessment, lang: str, brand: dict[str, Any]) -> list[SummaryRow]:
    _ = catalog(lang).gettext
    s = a.snapshot
    name = brand.get("client") or s.tenant.display_name or s.tenant.default_domain or s.tenant.id
    return [
        (_("Tenant"), str(name), "text"),
        (_("Domain"), s.tenant.default_domain or None, "text"),
        (_("Collected"), s.collected_at, "text"),
        (_("period"), s.period, "text"),
        (_("Overall readiness"), a.readiness, "int"),
        (_("Effort (person-days)"), a.effort_days, "float"),
        (_("Data to move"), a.data_bytes, "bytes"),
        (_("Transfer (days)"), a.transfer_days, "float"),
        (_("Licence spend per month (list prices)"), a.spend_monthly, "money"),
        (_("Collection issues"), len(s.issues), "int"),
    ]


def _summary(sheet: Worksheet, title: str, rows: list[SummaryRow], lang: str, brand: dict[str, Any], f: _Formats,
             contents: list[tuple[str, tables.Table]]) -> None:
    _ = catalog(lang).gettext
    sheet.write_string(0, 0, title, f.title)
    rows = list(rows)
    for key, label in (("organisation", "Prepared by"), ("author", "Author"),
                       ("confidentiality", "Confidentiality")):
        if isinstance(brand.get(key), str) and brand[key]:
            rows.append((_(label), brand[key], "text"))
    rows.append(("m365exit", __version__, "text"))
    width = 12
    for r, (label, value, kind) in enumerate(rows, 2):
        sheet.write_string(r, 0, label, f.label)
        width = max(width, write_cell(sheet, r, 1, value, kind, f))
    start = len(rows) + 3
    sheet.write_string(start, 0, _("Sheets"), f.label)
    for r, (sheet_name, table) in enumerate(contents, start + 1):
        sheet.write_url(r, 0, f"internal:'{sheet_name}'!A1", string=sheet_name)
        sheet.write_string(r, 1, table.title)
        sheet.write_number(r, 2, len(table.rows), f.int)
        width = max(width, len(table.title))
    sheet.set_column(0, 0, max(len(label) for label, _v, _k in rows) + 4)
    sheet.set_column(1, 1, min(width + 2, MAX_WIDTH))
    logo = _logo(brand.get("logo"))
    if logo is not None:
        sheet.insert_image(0, 3, "logo", {"image_data": io.BytesIO(logo), "x_scale": 0.5, "y_scale": 0.5,
                                          "object_position": 3})


def _logo(uri: object) -> bytes | None:
    """A PNG or JPEG brand logo (an SVG one shows in the HTML and PDF, which can draw it)."""
    match = _DATA_URI.match(uri) if isinstance(uri, str) else None
    if not match:
        return None
    try:
        return base64.b64decode(match.group(2), validate=True)
    except (binascii.Error, ValueError):
        return None


def render(a: Assessment, lang: str, brand: dict[str, Any] | None = None) -> bytes:
    brand = brand or {}
    _ = catalog(lang).gettext
    tenant = a.snapshot.tenant
    name = brand.get("client") or tenant.display_name or tenant.default_domain or tenant.id
    return workbook(tables.build(a, lang), lang, title=_("Microsoft 365 exit readiness"), subject=str(name),
                    created=a.snapshot.collected_at, summary=_summary_rows(a, lang, brand), brand=brand)


def workbook(items: list[tables.Table], lang: str, *, title: str, subject: str, created: datetime,
             summary: list[SummaryRow], brand: dict[str, Any] | None = None) -> bytes:
    """A summary sheet, then one sheet per table; the same tables and date give the same bytes."""
    brand = brand or {}
    _ = catalog(lang).gettext
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    book.set_properties({
        "title": f"{title} — {subject}", "author": str(brand.get("author") or "m365exit"),
        "company": str(brand.get("organisation") or ""), "created": created.astimezone(UTC).replace(tzinfo=None),
        "comments": f"m365exit {__version__}",
    })
    f = _Formats(book, lang, brand)
    summary_name = _("Summary")[:31]
    first = book.add_worksheet(summary_name)
    names = _sheet_names(items, summary_name)
    for sheet_name, table in zip(names, items, strict=True):
        _table_sheet(book.add_worksheet(sheet_name), table, f)
    _summary(first, title, summary, lang, brand, f, list(zip(names, items, strict=True)))
    first.activate()
    book.close()
    return buffer.getvalue()
