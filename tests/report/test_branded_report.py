"""A branded report in headless Chromium: a hostile SVG logo shows, and does nothing else."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from m365exit import brand, pipeline
from m365exit.snapshot import Snapshot
from tests.test_brand import EXFIL, GOOD, HOSTILE_SVG, brand_file


def hostile_brand(tmp_path: Path) -> dict[str, Any]:
    return brand.load(brand_file(tmp_path / "brand", GOOD.format(logo="logo.svg"), HOSTILE_SVG))


@pytest.mark.browser
def test_a_hostile_logo_stays_inert_in_chromium(demo_snapshot: Snapshot, tmp_path: Path, browser: Any) -> None:
    path = brand_file(tmp_path / "brand", GOOD.format(logo="logo.svg"), HOSTILE_SVG)
    _, written = pipeline.assess(demo_snapshot, tmp_path / "r", pipeline.AssessOptions(formats=["html"], brand=path))
    # The sanitised logo on its own, as a document (where scripts would run), and the hostile original too:
    # the original must trip the same watchers, or they would prove nothing.
    logo = base64.b64decode(hostile_brand(tmp_path)["logo"].split(",", 1)[1])
    (tmp_path / "clean.svg").write_bytes(logo)
    (tmp_path / "hostile.svg").write_text(HOSTILE_SVG)

    def visit(url: str) -> tuple[list[str], list[str], list[str], Any]:
        page = browser.new_page()
        dialogs: list[str] = []
        requests: list[str] = []
        errors: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url, wait_until="domcontentloaded")  # a leaking request would never finish loading
        page.wait_for_timeout(500)
        return dialogs, [u for u in requests if not u.startswith(("file:", "data:"))], errors, page

    dialogs, requests, errors, page = visit((tmp_path / "hostile.svg").as_uri())
    assert dialogs and any(EXFIL in u for u in requests)
    page.close()
    for target in (tmp_path / "clean.svg", written[0]):
        dialogs, requests, errors, page = visit(target.as_uri())
        assert (dialogs, requests, errors) == ([], [], []), target.name
        if target == written[0]:
            assert page.evaluate("[...document.images].map(i => i.naturalWidth)") == [240]  # the logo shows
            assert page.inner_text(".confidentiality") == "DIFFUSION RESTREINTE"
            assert "Agence de l'eau <b>Loire</b>" in page.inner_text("header")  # client, escaped
            assert "Prepared by Marie Martin" in page.inner_text("header")
            colour = page.evaluate("getComputedStyle(document.querySelector('.kicker')).color")
            assert colour == "rgb(106, 27, 154)"  # the brand's primary colour
            assert page.locator("svg.chart").count() == 4
            page.screenshot(path=str(tmp_path / "branded.png"))
        page.close()
