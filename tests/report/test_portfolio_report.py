"""The cross-tenant report: offline, escaped, bilingual and deterministic, checked in headless Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from m365exit import pipeline
from m365exit.portfolio import summary
from m365exit.report import portfolio as report
from m365exit.snapshot import Snapshot

HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def rows(snapshot: Snapshot) -> list[summary.TenantRow]:
    assessment = pipeline.evaluate(snapshot, pipeline.AssessOptions())
    hostile = summary.row_of("agence-b", f"Agence {HOSTILE}", assessment, "agence-b/report.fr.html")
    plain = summary.row_of("agence-a", "Agence A", assessment, "agence-a/report.fr.html")
    failed = summary.failed_row("agence-c", "Agence C", f"The client secret was rejected {HOSTILE}.")
    return [hostile, failed, plain]


def test_document_compares_the_tenants(demo_snapshot: Snapshot) -> None:
    document = summary.document(rows(demo_snapshot))
    assert [t["id"] for t in document["tenants"]] == ["agence-a", "agence-b", "agence-c"]
    assert document["counts"] == {"ok": 2, "incomplete": 0, "failed": 1, "missing": 0}
    one = document["tenants"][0]
    assert document["totals"]["effort_days"] == round(2 * one["effort_days"], 1)
    assert document["totals"]["data_bytes"] == 2 * one["data_bytes"]
    shared = document["shared_blockers"]
    assert shared and all(b["tenants"] == ["agence-a", "agence-b"] for b in shared)  # both share every blocker


def test_same_rows_same_bytes(demo_snapshot: Snapshot, tmp_path: Path) -> None:
    first, second = tmp_path / "1", tmp_path / "2"
    for folder in (first, second):
        report.write(summary.document(rows(demo_snapshot)), folder, ["html", "xlsx"], "fr")
    for name in ("portfolio.json", "portfolio.fr.html", "portfolio.xlsx"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_french_portfolio_is_french_and_well_typeset(demo_snapshot: Snapshot, tmp_path: Path) -> None:
    from m365exit.report.i18n import catalog
    from tests.report.textcheck import typography_problems, untranslated, visible_text

    written = report.write(summary.document(rows(demo_snapshot)), tmp_path, ["html"], "fr")
    text = visible_text(written[1].read_text())
    assert typography_problems(text) == []
    assert untranslated(text, catalog("fr").entries()) == []


def test_workbook_compares_the_tenants_with_typed_cells(demo_snapshot: Snapshot, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    document = summary.document(rows(demo_snapshot))
    report.write(document, tmp_path, ["xlsx"], "fr")
    book = load_workbook(tmp_path / "portfolio.xlsx")
    assert book.sheetnames == ["Synthèse", "Locataires", "Points bloquants partagés"]
    sheet = book["Locataires"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Identifiant", "Locataire", "État"]
    by_id = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert sorted(by_id) == ["agence-a", "agence-b", "agence-c"]
    a = by_id["agence-a"]
    data = header.index("Données à migrer")
    assert a[data].data_type == "n" and a[data].value == document["tenants"][0]["data_bytes"]
    assert by_id["agence-b"][1].value == f"Agence {HOSTILE}"  # text, as given
    assert by_id["agence-c"][2].value == "en échec" and by_id["agence-c"][data].value is None
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    for ws in book.worksheets:
        assert not any(isinstance(c.value, str) and c.data_type == "f" for row in ws.iter_rows() for c in row)


@pytest.mark.browser
@pytest.mark.parametrize("lang, title", [("fr", "Portefeuille"), ("en", "Portfolio")])
def test_portfolio_report_in_chromium(demo_snapshot: Snapshot, tmp_path: Path, browser: Any, lang: str,
                                      title: str) -> None:
    written = report.write(summary.document(rows(demo_snapshot)), tmp_path, ["html"], lang)
    page = browser.new_page()
    requests: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(written[1].as_uri())
    assert [u for u in requests if not u.startswith("file://")] == []
    assert errors == [] and dialogs == []
    assert page.evaluate("window.__pwned") is None
    assert title in page.inner_text("h1")
    table = page.inner_text("#tenants")
    assert "Agence A" in table and HOSTILE in table and "Agence C" in table
    link = page.locator("#tenants a", has_text="Agence A")
    assert link.get_attribute("href") == "agence-a/report.fr.html"
    if lang == "fr":
        assert "en échec" in table and "Points bloquants les plus partagés" in page.inner_text("#blockers")
    page.close()
