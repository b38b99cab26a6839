"""Reports and exports of an assessment. The only package that imports jinja2."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from m365exit.errors import UsageError
from m365exit.report import csv_export, exports, html, pdf, xlsx
from m365exit.scoring import Assessment
from m365exit.snapshot import write_atomic

if TYPE_CHECKING:
    from m365exit.history.trend import Progress

FORMATS = ("html", "json", "csv", "xlsx", "md", "pdf")


def write(assessment: Assessment, out: Path, formats: Sequence[str], lang: str,
          brand: dict[str, Any] | None = None, progress: Progress | None = None) -> list[Path]:
    """Render every format in memory first, then write each atomically: no half-written report."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"Unknown report format {unknown[0]!r}.", f"Choose among: {', '.join(FORMATS)}.")
    rendered: dict[str, bytes] = {}
    page = html.render(assessment, lang, brand, progress=progress) if {"html", "pdf"} & set(formats) else ""
    for fmt in formats:
        if fmt == "html":
            rendered[f"report.{lang}.html"] = page.encode("utf-8")
        elif fmt == "json":
            rendered["assessment.json"] = exports.to_json(assessment).encode("utf-8")
        elif fmt == "md":
            rendered[f"summary.{lang}.md"] = exports.to_markdown(assessment, lang, progress=progress).encode("utf-8")
        elif fmt == "csv":
            rendered.update(csv_export.render(assessment, lang))
        elif fmt == "xlsx":
            rendered[f"tables.{lang}.xlsx"] = xlsx.render(assessment, lang, brand)
        elif fmt == "pdf":
            rendered[f"report.{lang}.pdf"] = pdf.render(assessment, lang, page, brand)
    written = []
    for name, data in rendered.items():
        path = out / name
        write_atomic(path, data, mode=0o644)
        written.append(path)
    return written
