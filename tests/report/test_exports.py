"""Exports in process: the published schema, branding in the workbook and the PDF, the French of the tables."""

from __future__ import annotations

import base64
import json
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from m365exit import pipeline, report
from m365exit import snapshot as snap
from m365exit.report import csv_export, schema, tables

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "snapshot.json"
# A 1×1 red PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==")
BRAND = {"organisation": "Cabinet Conseil Numérique", "author": "Camille Martin", "client": "Ville de Rennes",
         "confidentiality": "Diffusion restreinte", "logo": "data:image/png;base64," + base64.b64encode(PNG).decode(),
         "colours": {"primary": "#1f4e79", "accent": "#c00000"}}


def test_published_assessment_schema_is_current() -> None:
    committed = (ROOT / "docs" / "assessment-schema.json").read_text(encoding="utf-8")
    assert committed == schema.text(), (
        "docs/assessment-schema.json is stale: python -m m365exit.report.schema > docs/assessment-schema.json")
    assert json.loads(committed)["properties"]["schema"]["const"] == "m365exit.assessment/1"


@pytest.mark.parametrize("text", ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_quotes_what_a_spreadsheet_would_evaluate(text: str) -> None:
    assert csv_export.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Équipe = projet", "a-b", "", "'already"])
def test_neutralise_leaves_plain_text(text: str) -> None:
    assert csv_export.neutralise(text) == text


def test_every_table_header_is_french_in_the_french_tables() -> None:
    assessment = pipeline.evaluate(snap.load(GOLDEN), pipeline.AssessOptions())
    english = tables.build(assessment, "en")
    french = tables.build(assessment, "fr")
    assert [t.id for t in english] == [t.id for t in french]
    same = {"type", "sso", "site", "sites", "Licence", "Licences", "Score", "Source", "Suites", "SEAL", "SKU",
            "Code", "eDiscovery", "standard", "distribution", "Services", "Sites"}
    untranslated = sorted({e.header for et, ft in zip(english, french, strict=True)
                           for e, f in zip(et.columns, ft.columns, strict=True) if e.header == f.header} - same)
    assert untranslated == []
    assert sorted({et.short for et, ft in zip(english, french, strict=True) if et.short == ft.short} - same) == []


def test_brand_shows_in_the_workbook_summary_and_the_pdf_header(tmp_path: Path) -> None:
    assessment = pipeline.evaluate(snap.load(GOLDEN), pipeline.AssessOptions(lang="fr"))
    report.write(assessment, tmp_path, ["xlsx", "pdf"], "fr", BRAND)
    book = openpyxl.load_workbook(tmp_path / "tables.fr.xlsx")
    summary = {r[0].value: r[1].value for r in book["Synthèse"].iter_rows(min_row=2) if r[0].value}
    assert summary["Locataire"] == "Ville de Rennes"
    assert summary["Préparé par"] == "Cabinet Conseil Numérique" and summary["Auteur"] == "Camille Martin"
    assert summary["Confidentialité"] == "Diffusion restreinte"
    assert book["Services"]["A1"].fill.fgColor.rgb == "FF1F4E79"
    with zipfile.ZipFile(tmp_path / "tables.fr.xlsx") as z:
        assert z.read("xl/media/image1.png") == PNG
    page_two = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(tmp_path / "report.fr.pdf"), "-"],
                              capture_output=True, text=True, check=True, timeout=60).stdout
    assert "Ville de Rennes" in page_two and "Cabinet Conseil Numérique · Diffusion restreinte" in page_two
    info = subprocess.run(["pdfinfo", str(tmp_path / "report.fr.pdf")], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    assert "Camille Martin" in info


def test_hostile_tenant_name_stays_text_in_the_pdf_header(tmp_path: Path) -> None:
    """The running header is CSS generated from tenant text: a quote or a brace must not end the string."""
    source = snap.load(GOLDEN)
    source.tenant.display_name = 'Agence"; } @page { @top-left { content: "pwned'
    assessment = pipeline.evaluate(source, pipeline.AssessOptions())
    report.write(assessment, tmp_path, ["pdf"], "en")
    page_two = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(tmp_path / "report.en.pdf"), "-"],
                              capture_output=True, text=True, check=True, timeout=60).stdout
    assert source.tenant.display_name in page_two
