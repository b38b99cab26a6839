"""Overlays end to end: exceptions and disabled rules change the scores and are listed in the report."""

from __future__ import annotations

import json
from pathlib import Path

from m365exit import pipeline
from m365exit import snapshot as snap
from m365exit.snapshot import Snapshot
from tests.conftest import run_cli

OVERRIDES = """\
disabled: [dynamic-groups]
exceptions:
  - rule: sso-apps-re-registration
    owner: "Jeanne Martin (DSI) <script>x</script>"
    reason: Applications re-homed by the ProConnect programme.
    expires: 2099-12-31
  - rule: guest-accounts
    owner: Paul Durand (RSSI)
    reason: Guests leave with the partner project.
    expires: 2020-01-31
"""


def test_overlay_decisions_in_scores_json_and_report(demo_snapshot: Snapshot, tmp_path: Path) -> None:
    overlay = tmp_path / "our-rules"
    overlay.mkdir()
    (overlay / "overrides.yaml").write_text(OVERRIDES, encoding="utf-8")
    path = tmp_path / "snapshot.json.gz"
    snap.save(demo_snapshot, path)

    plain = run_cli("--json", "assess", str(path), "--out", str(tmp_path / "plain"))
    decided = run_cli("--json", "assess", str(path), "--out", str(tmp_path / "decided"), "--rules", str(overlay),
                      "--lang", "fr")
    assert plain.returncode == 0 and decided.returncode == 0, decided.stderr

    before = json.loads((tmp_path / "plain" / "assessment.json").read_text())
    after = json.loads((tmp_path / "decided" / "assessment.json").read_text())
    decisions = {d["rule"]: d for d in after["decisions"]}
    assert decisions["dynamic-groups"]["status"] == "disabled"
    assert decisions["sso-apps-re-registration"] == {
        "rule": "sso-apps-re-registration", "workload": "identity", "status": "excepted",
        "owner": "Jeanne Martin (DSI) <script>x</script>",
        "reason": "Applications re-homed by the ProConnect programme.", "expires": "2099-12-31", "expired": False,
    }
    assert decisions["guest-accounts"]["status"] == "applies" and decisions["guest-accounts"]["expired"] is True

    identity_before = next(w for w in before["workloads"] if w["id"] == "identity")
    identity_after = next(w for w in after["workloads"] if w["id"] == "identity")
    assert identity_after["readiness"] > identity_before["readiness"]  # a high finding excepted, a low disabled
    assert identity_after["effort_days"] < identity_before["effort_days"]

    html = (tmp_path / "decided" / "report.fr.html").read_text(encoding="utf-8")
    assert "Décisions enregistrées" in html and "dérogation échue" in html and "règle désactivée" in html
    assert "Jeanne Martin (DSI) &lt;script&gt;x&lt;/script&gt;" in html
    assert "Dérogation échue le 31/01/2020" in html  # dates in French, never ISO


def test_invalid_overlay_is_exit_5_with_file_and_line(demo_snapshot: Snapshot, tmp_path: Path) -> None:
    overlay = tmp_path / "bad"
    overlay.mkdir()
    (overlay / "overrides.yaml").write_text("disabled: [no-such-rule]\n", encoding="utf-8")
    path = tmp_path / "s.json"
    snap.save(demo_snapshot, path)
    result = run_cli("assess", str(path), "--out", str(tmp_path / "out"), "--rules", str(overlay))
    assert result.returncode == 5
    assert "overrides.yaml:1" in result.stderr and "no-such-rule" in result.stderr
    assert not (tmp_path / "out").exists()


def test_assessment_is_unchanged_by_an_empty_overlay(demo_snapshot: Snapshot, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    base = pipeline.evaluate(demo_snapshot, pipeline.AssessOptions())
    layered = pipeline.evaluate(demo_snapshot, pipeline.AssessOptions(rules_dirs=[empty]))
    assert [(f.rule_id, f.status, f.effort_days) for f in base.findings] == \
        [(f.rule_id, f.status, f.effort_days) for f in layered.findings]
