"""The report: same bytes for the same input, tenant data inert, and a page that works in a real browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from m365exit import pipeline
from m365exit import snapshot as snap
from m365exit.report import exports
from m365exit.snapshot import Snapshot

HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def hostile(snapshot: Snapshot) -> Snapshot:
    copy = snapshot.model_copy(deep=True)
    copy.tenant.display_name = f"Agence {HOSTILE}"
    copy.tables["identity.sso_apps"] = [
        {"name": f"=HYPERLINK(\"http://evil\") {HOSTILE}", "app_id": "x", "sso": "saml", "enabled": True},
    ]
    return copy


def test_same_snapshot_same_bytes(demo_snapshot: Snapshot, tmp_path: Path) -> None:
    path = tmp_path / "s.json.gz"
    snap.save(demo_snapshot, path)
    outputs = []
    for n, source in enumerate([demo_snapshot, snap.load(path)]):
        out = tmp_path / f"r{n}"
        for lang in ("en", "fr"):
            pipeline.assess(source, out, pipeline.AssessOptions(lang=lang))
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outputs[0] == outputs[1]
    assert set(outputs[0]) == {"report.en.html", "report.fr.html", "assessment.json", "summary.en.md",
                               "summary.fr.md"}


def test_report_is_self_contained(demo_snapshot: Snapshot, tmp_path: Path) -> None:
    _, written = pipeline.assess(demo_snapshot, tmp_path, pipeline.AssessOptions(formats=["html"]))
    html = written[0].read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="(https?:)?//', html.replace('rel="noreferrer"', "").split("<main>")[0])
    assert "<link" not in html and "@import" not in html
    assert "Content-Security-Policy" in html


def test_tenant_markup_is_escaped(demo_snapshot: Snapshot, tmp_path: Path) -> None:
    _, written = pipeline.assess(hostile(demo_snapshot), tmp_path, pipeline.AssessOptions(formats=["html", "md"]))
    html = written[0].read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__pwned=2&lt;/script&gt;" in html
    markdown = written[1].read_text(encoding="utf-8")
    assert "<img" not in markdown


def test_every_report_string_has_a_french_translation() -> None:
    from m365exit.report.html import INVENTORY_TABLES
    from m365exit.report.i18n import catalog
    from m365exit.resources import templates_dir

    source = (templates_dir() / "report.html.j2").read_text() + Path(exports.__file__).read_text()
    ids = set(re.findall(r'_\("((?:[^"\\]|\\.)*)"', source)) | {t for _, t, _ in INVENTORY_TABLES}
    ids |= {"ready", "needs-work", "blocked", "not-assessed", "blocker", "high", "medium", "low"}
    ids |= {col for _, _, columns in INVENTORY_TABLES for col in columns}
    french = catalog("fr")
    same_in_french = {"Licence", "Licences", "Source", "Suites", "Score", "cloud", "sso", "type", "site", "sites",
                      "standard", "distribution"}
    missing = sorted(i for i in ids if french.gettext(i) == i and i not in same_in_french)
    assert missing == []


@pytest.mark.browser
def test_report_in_chromium(demo_snapshot: Snapshot, tmp_path: Path, browser: Any) -> None:
    _, written = pipeline.assess(hostile(demo_snapshot), tmp_path, pipeline.AssessOptions(formats=["html"], lang="fr"))
    page = browser.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(written[0].as_uri())
    assert [u for u in requests if not u.startswith("file://")] == []  # air-gapped: nothing fetched
    assert errors == []
    assert page.evaluate("window.__pwned") is None  # the hostile names stayed text
    assert HOSTILE in page.inner_text("header")
    assert page.inner_text("h1") == "Préparation à la sortie de Microsoft 365"
    brief = page.inner_text("ul.brief")
    blockers = [f for f in pipeline.evaluate(hostile(demo_snapshot), pipeline.AssessOptions()).findings
                if f.severity == "blocker" and f.status == "applies"]
    assert f"{len(blockers)} points bloquants appellent une décision" in brief  # plural forms, never "(s)"
    assert all(f.texts["fr"]["title"] in brief for f in blockers)
    overall = int(page.text_content(".gauge-value") or "-1")
    assert 0 <= overall <= 100

    # Sorting: click "Charge (jours-homme)" twice → descending by effort.
    table = page.locator("#workloads table")
    header = table.locator("th", has_text="Charge")
    header.click()
    header.click()
    values = [float(v) for v in table.locator("tbody tr td:nth-child(5)").evaluate_all(
        "cells => cells.map(c => c.dataset.sort)")]
    assert values == sorted(values, reverse=True) and len(values) > 3
    page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
    page.close()


@pytest.mark.browser
def test_report_prints_to_pdf(demo_snapshot: Snapshot, tmp_path: Path, browser: Any) -> None:
    _, written = pipeline.assess(demo_snapshot, tmp_path, pipeline.AssessOptions(formats=["html"]))
    page = browser.new_page()
    page.goto(written[0].as_uri())
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    page.close()
