"""The report's Progress section and the Markdown 'since last run' lines, from a store holding earlier runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from m365exit import pipeline
from m365exit import snapshot as snap
from m365exit.history.models import WorkloadRecord, run_from_assessment
from m365exit.history.trend import Progress
from m365exit.report import html
from m365exit.report.i18n import catalog

from .conftest import Organisation, assess, in_chromium

HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def fr_count(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


@pytest.mark.browser
def test_progress_section_in_chromium(recorded: str, organisation: Organisation, tmp_path: Path) -> None:
    result = assess(organisation.later, tmp_path / "fr", recorded, "--lang", "fr")
    assert result.returncode == 0, result.stderr
    in_chromium(lambda browser: check_progress_section(browser, organisation, tmp_path))


def check_progress_section(browser: Any, organisation: Organisation, tmp_path: Path) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((tmp_path / "fr" / "report.fr.html").as_uri())
    assert errors == []
    section = page.locator("section#progress")
    assert section.is_visible() and page.inner_text("section#progress h2") == "Progression"
    assert page.locator("nav.toc a[href='#progress']").count() == 1
    figures = section.locator("figure.progress-chart")
    assert figures.count() == 4
    for i in range(4):
        box = figures.nth(i).locator("svg[role=img]").bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 80  # drawn, not collapsed
    # Readiness per workload: one line per assessed workload, two points each (three months ago, today).
    lines = section.locator("#progress-readiness g.series polyline")
    assert lines.count() > 5
    assert all(len(p.split()) == 2 for p in lines.evaluate_all("ls => ls.map(l => l.getAttribute('points'))"))
    rows = {r[0]: r[1:] for r in section.locator("table.progress-figures tbody tr").evaluate_all(
        "rs => rs.map(r => [...r.cells].map(c => c.innerText))")}
    before, after = organisation.earlier_truths, organisation.later_truths
    assert rows["Boîtes aux lettres"] == [fr_count(before["exchange.mailboxes"]), fr_count(after["exchange.mailboxes"]),
                                          "−" + fr_count(before["exchange.mailboxes"] - after["exchange.mailboxes"])]
    dots = section.locator("#progress-mailboxes circle title").evaluate_all("ts => ts.map(t => t.textContent)")
    assert dots == [f"Boîtes aux lettres\u00a0: {fr_count(v)}"
                    for v in (before["exchange.mailboxes"], after["exchange.mailboxes"])]
    page.screenshot(path=str(tmp_path / "progress.png"), full_page=True)
    page.close()


def test_since_last_run_in_the_markdown_summary(recorded: str, reports: Path, organisation: Organisation,
                                                tmp_path: Path) -> None:
    md = (reports / "later" / "summary.en.md").read_text()
    assert "## Since last run (28 Aug 2026)" in md
    before, after = organisation.earlier_truths["exchange.mailboxes"], organisation.later_truths["exchange.mailboxes"]
    assert f"- Mailboxes: {before} → {after} (−{before - after})" in md
    assert "since last run" not in (reports / "earlier" / "summary.en.md").read_text().lower()  # first run
    assert "section id=\"progress\"" not in (reports / "earlier" / "report.en.html").read_text()
    assess(organisation.later, tmp_path / "fr", recorded, "--lang", "fr")
    french = (tmp_path / "fr" / "summary.fr.md").read_text()
    assert "## Depuis la dernière évaluation (28/08/2026)" in french
    assert f"- Boîtes aux lettres\u00a0: {before} → {after} (−{before - after})" in french


def test_same_snapshot_and_store_same_bytes(recorded: str, reports: Path, organisation: Organisation,
                                            tmp_path: Path) -> None:
    """The later run is already stored now: assessing it again draws the same Progress, byte for byte."""
    assert assess(organisation.later, tmp_path / "again", recorded).returncode == 0
    for name in ("report.en.html", "summary.en.md", "assessment.json"):
        assert (tmp_path / "again" / name).read_bytes() == (reports / "later" / name).read_bytes(), name


@pytest.mark.browser
def test_stored_values_are_inert_in_the_charts(organisation: Organisation, tmp_path: Path) -> None:
    """A store is data too (a shared PostgreSQL): workload ids read from it are escaped like tenant data."""
    assessment = pipeline.evaluate(snap.load(organisation.later), pipeline.AssessOptions())
    current = run_from_assessment(assessment)
    earlier = current.model_copy(update={
        "id": 1, "collected_at": current.collected_at.replace(month=8),
        "workloads": [WorkloadRecord(id=HOSTILE, readiness=40, status="needs-work", blockers=0, effort_days=1,
                                     data_bytes=0)]})
    page_html = html.render(assessment, "en", progress=Progress(runs=[earlier, current]))
    assert HOSTILE not in page_html and "&lt;img src=x" in page_html
    path = tmp_path / "r.html"
    path.write_text(page_html)

    def check(browser: Any) -> None:
        page = browser.new_page()
        page.goto(path.as_uri())
        assert page.evaluate("window.__pwned") is None
        assert HOSTILE in page.inner_text("section#progress")
        page.close()

    in_chromium(check)


def test_progress_strings_have_french_translations() -> None:
    from m365exit.report import exports, progress
    from m365exit.resources import templates_dir

    template = (templates_dir() / "report.html.j2").read_text()
    block = template[template.index("Progress since earlier runs"):template.index('<section id="workloads">')]
    since = Path(exports.__file__).read_text()
    since = since[since.index("def since_last_run"):]
    pattern = r"""_\((["'])((?:(?!\1).)+)\1"""
    ids = {m[1] for source in (block, since, Path(progress.__file__).read_text()) for m in re.findall(pattern, source)}
    assert len(ids) > 15
    french = catalog("fr")
    assert sorted(i for i in ids if french.gettext(i) == i) == []
    assert french.gettext(":") == "\u00a0:"  # French typography: a no-break space before the colon
