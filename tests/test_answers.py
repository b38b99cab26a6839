"""Answers files: a questionnaire that round-trips, strict validation with file:line:key, measured data wins."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from m365exit import answers
from m365exit.errors import RulesError
from m365exit.facts import FACTS
from m365exit.snapshot import Snapshot
from tests.conftest import run_cli


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_blank_template_is_a_valid_empty_answers_file(tmp_path: Path, lang: str) -> None:
    path = tmp_path / "a.yaml"
    result = run_cli("answers", "template", "--lang", lang, "--out", str(path))
    assert result.returncode == 0, result.stderr
    text = path.read_text(encoding="utf-8")
    assert all(f"  {name}:" in text for name, fact in FACTS.items() if fact.source == "answers")
    assert answers.load(path).facts == {}
    if lang == "fr":
        assert "Formulaires InfoPath encore en service." in text


def test_filled_template_feeds_the_facts(tmp_path: Path) -> None:
    text = answers.template("en").replace("  powerplatform.flows:", "  powerplatform.flows: 140")
    text = text.replace("  purview.regulatory_retention:", "  purview.regulatory_retention: true")
    path = tmp_path / "a.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = answers.load(path)
    assert loaded.facts == {"powerplatform.flows": 140, "purview.regulatory_retention": True}

    snapshot = Snapshot(collected_at=datetime(2026, 11, 1, tzinfo=UTC), facts={"exchange.mailboxes": 10},
                        provenance={"exchange.mailboxes": "/reports/getMailboxUsageDetail"})
    merged = answers.apply(snapshot, loaded)
    assert merged.facts["powerplatform.flows"] == 140
    assert merged.provenance["powerplatform.flows"] == "answers:a.yaml"
    assert snapshot.facts == {"exchange.mailboxes": 10}  # the original is untouched


def test_measured_data_wins_over_an_estimate(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("facts:\n  exchange.mailboxes: 99\n  exchange.public_folders: 3\n", encoding="utf-8")
    snapshot = Snapshot(collected_at=datetime(2026, 11, 1, tzinfo=UTC), facts={"exchange.mailboxes": 10},
                        provenance={"exchange.mailboxes": "/reports/getMailboxUsageDetail"})
    merged = answers.apply(snapshot, answers.load(path))
    assert merged.facts["exchange.mailboxes"] == 10
    assert merged.facts["exchange.public_folders"] == 3


@pytest.mark.parametrize("body, where, needle", [
    ("facts:\n  powerplatform.flows: 3\n  powerplatform.flow: 2\n", ":3:", "unknown fact"),
    ("facts:\n  powerplatform.flows: many\n", ":2:", "expected a whole number"),
    ("facts:\n  purview.regulatory_retention: 1\n", ":2:", "expected true or false"),
    ("facts:\n  office.access_databases: -4\n", ":2:", "expected a whole number"),
    ("schema: m365exit.answers/1\nfact:\n  x: 1\n", ":2:", "unknown key 'fact'"),
    ("facts:\n  powerplatform.flows: 3\n  powerplatform.flows: 4\n", ":3:", "written twice"),
    ("facts: [1, 2\n", ":", "invalid YAML"),
])
def test_mistakes_name_file_line_and_key(tmp_path: Path, body: str, where: str, needle: str) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        answers.load(path)
    assert f"answers.yaml{where}" in caught.value.message
    assert needle in caught.value.message
    result = run_cli("answers", "validate", str(path))
    assert result.returncode == 5
    assert needle in result.stderr and "Traceback" not in result.stderr


def test_every_answerable_fact_has_a_french_question() -> None:
    assert [n for n, f in FACTS.items() if f.source == "answers" and n not in answers.QUESTIONS_FR] == []
    assert set(answers.QUESTIONS_FR) <= set(FACTS)
