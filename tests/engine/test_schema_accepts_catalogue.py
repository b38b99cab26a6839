"""The JSON Schema published for editors accepts every built-in rule file and rejects a typo."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from m365exit.resources import rules_dir

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "rules-schema.json").read_text(encoding="utf-8"))
FILES = sorted(rules_dir().glob("*.yaml"))


def validator() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(SCHEMA)
    cls.check_schema(SCHEMA)
    return cls(SCHEMA, format_checker=cls.FORMAT_CHECKER)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_schema_accepts_builtin_file(path: Path) -> None:
    # YAML dates load as datetime.date; the schema (like the files) expects ISO strings.
    data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
    errors = sorted(validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, f"{path.name}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_schema_rejects_an_unknown_key() -> None:
    data = json.loads(json.dumps(yaml.safe_load((rules_dir() / "exchange.yaml").read_text()), default=str))
    data["rules"][0]["severty"] = "high"
    assert list(validator().iter_errors(data))
