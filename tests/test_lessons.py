"""Lessons of published exits: asked in the questionnaire, refused where they are not answers, shown in the report."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from m365exit import answers, pipeline
from m365exit.engine.loader import load_catalogue
from m365exit.facts import FACTS
from m365exit.snapshot import Snapshot
from tests.conftest import run_cli

LESSON_FACTS = [
    "exchange.target_platform_ready", "exchange.account_mapping_checked", "exchange.business_system_integrations",
    "programme.breach_plan", "programme.staff_representatives_consulted", "programme.critical_services",
    "programme.critical_fallback_planned", "programme.concurrent_changes", "programme.vendor_support_contracted",
    "programme.upstream_budget", "programme.support_task_force", "teams.pstn_lines_outside_teams",
    "licensing.seats_staying", "licensing.hybrid_costed",
]
# French typography: no plain space before : ; ! ? nor inside « », and none between a number and %.
BAD_FRENCH = re.compile(r" [:;!?»]|« |\d %")


def test_the_questionnaire_asks_every_lesson_in_both_languages() -> None:
    english, french = answers.template("en"), answers.template("fr")
    for name in LESSON_FACTS:
        assert FACTS[name].source == "answers"
        assert f"  {name}:" in english and f"  {name}:" in french
        assert answers.QUESTIONS_FR[name] in french
        assert not BAD_FRENCH.search(answers.QUESTIONS_FR[name]), name


def test_every_lesson_rule_reads_an_answer_and_cites_dated_sources() -> None:
    catalogue = load_catalogue([])
    lessons = [r for r in catalogue.rules if "lesson" in r.tags]
    assert len(lessons) >= 12
    for rule in lessons:
        assert any(FACTS[f].source == "answers" for f in rule.condition.facts()), rule.id
        assert all(ref.date is not None for ref in rule.references), rule.id
        assert {e.expect for e in rule.examples} >= {"applies", "clear", "not_assessed"}, rule.id
        for text in rule.texts["fr"].values():
            assert not BAD_FRENCH.search(text), (rule.id, BAD_FRENCH.search(text))


def test_the_snapshot_date_cannot_be_answered(demo_snapshot: Snapshot, tmp_path: Path) -> None:
    from m365exit import snapshot as snap

    path = tmp_path / "answers.yaml"
    path.write_text("facts:\n  snapshot.month: 202501\n", encoding="utf-8")
    snap.save(demo_snapshot, tmp_path / "s.json")
    result = run_cli("assess", str(tmp_path / "s.json"), "--answers", str(path), "--out", str(tmp_path / "o"))
    assert result.returncode == 5
    assert "answers.yaml:2" in result.stderr and "snapshot's date" in result.stderr
    assert not (tmp_path / "o").exists()


def test_the_report_shows_wave_durations_and_price_changes_in_french(demo_snapshot: Snapshot,
                                                                     tmp_path: Path) -> None:
    assessment, _ = pipeline.assess(demo_snapshot, tmp_path, pipeline.AssessOptions(lang="fr",
                                                                                    formats=("html", "md")))
    html = (tmp_path / "report.fr.html").read_text(encoding="utf-8")
    assert assessment.wave_weeks[0] == 1.0 and "(1 semaine à partir de la semaine 1, " in html  # singular
    assert "+8,3\u00a0% au 1er juillet 2026" in html  # Microsoft 365 E3 in the licence table
    assert "1\u202f700 personnes par semaine" in html
    summary = (tmp_path / "summary.fr.md").read_text(encoding="utf-8")
    assert "| Vague |" in summary and "Au rythme de 1\u202f700 personnes par semaine" in summary
    assert "de ce locataire\u00a0: Microsoft 365 E3 +8,3\u00a0% (1er juillet 2026)" in summary
    slow, _ = pipeline.assess(demo_snapshot, tmp_path / "slow", pipeline.AssessOptions(
        lang="fr", formats=("html",), users_per_week=300))
    weeks = f"{slow.wave_weeks[0]:.1f}".replace(".", ",")
    assert f"({weeks} semaines à partir de la semaine 1, " in (tmp_path / "slow" / "report.fr.html").read_text(
        encoding="utf-8")


def test_an_answered_lesson_changes_the_finding(demo_snapshot: Snapshot, tmp_path: Path) -> None:
    def status(value: Any) -> str:
        path = tmp_path / f"a-{value}.yaml"
        path.write_text(f"facts:\n  exchange.account_mapping_checked: {value}\n", encoding="utf-8")
        merged = answers.apply(demo_snapshot, answers.load(path))
        a = pipeline.evaluate(merged, pipeline.AssessOptions())
        return next(f.status for f in a.findings if f.rule_id == "account-mapping-unchecked")

    assert status("false") == "applies" and status("true") == "clear"
    a = pipeline.evaluate(demo_snapshot, pipeline.AssessOptions())
    assert next(f.status for f in a.findings if f.rule_id == "account-mapping-unchecked") == "not_assessed"
