"""CSV exports: one file per table, UTF-8 with a BOM so Excel reads the accents right.

Excel splits a CSV with the list separator of its locale: a French Excel expects `;` and a decimal comma,
so the French files use them and the English ones use `,` and `.`. Numbers carry no thousands separator
and bytes stay whole numbers: a pipeline can read them back exactly.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from m365exit.report import tables
from m365exit.report.i18n import catalog
from m365exit.scoring import Assessment

# OWASP "CSV injection": a cell a spreadsheet would evaluate starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Tenant text that a spreadsheet would run as a formula, prefixed with a quote so it stays text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _field(value: tables.Value, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return catalog(lang).gettext("yes" if value else "no")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text.replace(".", ",") if lang == "fr" else text
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def render_table(table: tables.Table, lang: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";" if lang == "fr" else ",", lineterminator="\r\n")
    unit = catalog(lang).gettext("bytes")
    writer.writerow([neutralise(f"{c.header} ({unit})" if c.kind == "bytes" else c.header) for c in table.columns])
    for row in table.rows:
        writer.writerow([_field(v, lang) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def render(a: Assessment, lang: str) -> dict[str, bytes]:
    """File name (under csv/) → content, for every table, empty ones included: a pipeline finds each file."""
    return {f"csv/{t.id}.{lang}.csv": render_table(t, lang) for t in tables.build(a, lang)}
