"""`m365exit diff A B` without a store, and the published JSON Schemas of every history document."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from m365exit.history.documents import DOCUMENTS, schema_text
from tests.conftest import run_cli

from .conftest import Organisation, history

DOCS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def published(name: str) -> dict[str, object]:
    return dict(json.loads((DOCS / f"{name}.json").read_text()))


def test_diff_of_two_snapshots(organisation: Organisation) -> None:
    result = run_cli("--json", "diff", str(organisation.earlier), str(organisation.later))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, published("snapshot-diff"))
    assert {f["name"]: f["delta"] for f in document["facts"]} == organisation.deltas()
    assert document["before"]["collected_at"] == "2026-08-28T06:00:00+00:00"
    table = run_cli("diff", str(organisation.earlier), str(organisation.later))
    assert table.returncode == 0 and "exchange.mailbox" in table.stdout and "-40" in table.stdout
    same = run_cli("--json", "diff", str(organisation.later), str(organisation.later))
    assert json.loads(same.stdout)["facts"] == []


def test_diff_of_an_unreadable_snapshot(organisation: Organisation, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = run_cli("diff", str(organisation.earlier), str(broken))
    assert result.returncode == 6 and "not valid JSON" in result.stderr


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_published_schemas_are_current(name: str) -> None:
    """Regenerate with: PYTHONPATH=. python -m m365exit.history.documents docs/schemas"""
    assert (DOCS / f"{name}.json").read_text() == schema_text(name), f"docs/schemas/{name}.json is stale"


def test_history_documents_match_their_schemas(recorded: str) -> None:
    runs = history(recorded, "list")
    jsonschema.validate(runs, published("history-list"))
    jsonschema.validate(history(recorded, "show", str(runs["runs"][0]["id"])), published("history-run"))
    jsonschema.validate(history(recorded, "diff"), published("history-diff"))
    jsonschema.validate(history(recorded, "trend", "--fact", "exchange.mailboxes"), published("history-trend"))
