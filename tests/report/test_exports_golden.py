"""Golden files: HTML, JSON, Markdown and CSV of a fixed snapshot, compared byte for byte.

tests/golden/snapshot.json was collected from the simulator, given a fixed collection time and a few hostile
rows (a formula-like app name, markup in a team name, a tab-led eDiscovery case). When an intended change
alters a report, regenerate and review the diff:

    M365EXIT_UPDATE_GOLDEN=1 pytest tests/report/test_exports_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from m365exit import pipeline
from m365exit import snapshot as snap

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("M365EXIT_UPDATE_GOLDEN") == "1"
CASES = [("en", ["json", "md", "csv"]), ("fr", ["html", "json", "md", "csv"])]


def rendered(tmp_path: Path, lang: str, formats: list[str]) -> dict[str, bytes]:
    out = tmp_path / lang
    pipeline.assess(snap.load(GOLDEN / "snapshot.json"), out, pipeline.AssessOptions(lang=lang, formats=formats))
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("lang", "formats"), CASES, ids=[lang for lang, _ in CASES])
def test_outputs_match_the_golden_files(tmp_path: Path, lang: str, formats: list[str]) -> None:
    files = rendered(tmp_path, lang, formats)
    folder = GOLDEN / lang
    if UPDATE:
        for stale in folder.rglob("*"):
            if stale.is_file():
                stale.unlink()
        for name, data in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
    committed = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    assert sorted(files) == sorted(committed), "a report file appeared or vanished: M365EXIT_UPDATE_GOLDEN=1"
    differing = [name for name in files if files[name] != committed[name]]
    assert differing == [], f"{differing} differ from tests/golden/{lang}: review, then M365EXIT_UPDATE_GOLDEN=1"


def test_golden_csv_keeps_hostile_text_inert() -> None:
    """What the golden files hold, read as a person would: quoted formulas, markup kept as text."""
    apps = (GOLDEN / "fr" / "csv" / "identity.sso_apps.fr.csv").read_bytes()
    assert apps.startswith(b"\xef\xbb\xbf")
    assert "'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")" in apps.decode("utf-8")
    channels = (GOLDEN / "en" / "csv" / "teams.private_channels.en.csv").read_text(encoding="utf-8-sig")
    assert "'-2+3 <b>Équipe</b>" in channels
    cases = (GOLDEN / "en" / "csv" / "purview.ediscovery_cases.en.csv").read_text(encoding="utf-8-sig")
    assert "\"'\tTab, \"\"quoted\"\"; semi\"" in cases
    html = (GOLDEN / "fr" / "report.fr.html").read_text(encoding="utf-8")
    assert "<b>Équipe</b>" not in html and "&lt;b&gt;Équipe&lt;/b&gt;" in html
