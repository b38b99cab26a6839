"""The committed catalogue page and JSON Schema are generated; they must not go stale."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from m365exit.engine import Catalogue, catalogue_markdown, rules_json_schema
from m365exit.engine.docs import REGENERATE

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_catalogue_page_is_current(catalogue: Catalogue) -> None:
    committed = (DOCS / "catalogue.md").read_text(encoding="utf-8")
    assert committed == catalogue_markdown(catalogue), f"docs/catalogue.md is stale: run `{REGENERATE}`"


def test_rules_schema_is_current() -> None:
    committed = json.loads((DOCS / "rules-schema.json").read_text(encoding="utf-8"))
    assert committed == rules_json_schema(), f"docs/rules-schema.json is stale: run `{REGENERATE}`"


def test_catalogue_page_is_deterministic(catalogue: Catalogue) -> None:
    assert catalogue_markdown(catalogue) == catalogue_markdown(catalogue)


def test_schema_accepts_the_builtin_files_structurally() -> None:
    schema = rules_json_schema()
    assert "anyOf" in schema or "oneOf" in schema
    text = json.dumps(schema)
    for key in ("workload", "products", "operators", "exceptions", "condition", "examples", '"in"', '"not"'):
        assert key in text
    rules = Path(__file__).resolve().parents[2] / "rules"
    for path in rules.glob("*.yaml"):
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict)
