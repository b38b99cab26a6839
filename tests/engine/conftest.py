from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from m365exit.engine import Catalogue, load_catalogue


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a YAML file into a fresh rules directory and return the directory."""

    def _write(name: str, text: str) -> Path:
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return tmp_path

    return _write


RULE = """
workload: {workload}
rules:
  - id: {id}
    severity: high
    condition: {{fact: exchange.mailboxes, gt: {threshold}}}
    effort: {{base: 2, per: [{{fact: exchange.mailboxes, days: 1, unit: 100}}]}}
    texts:
      en: {{title: T, why: W, action: A}}
      fr: {{title: T, why: W, action: A}}
    references: [{{title: R, url: "https://example.org/r"}}]
    examples:
      - {{facts: {{exchange.mailboxes: 1000}}, expect: applies, effort: 12}}
"""


def rule_file(rule_id: str = "my-rule", workload: str = "exchange", threshold: int = 0) -> str:
    return RULE.format(id=rule_id, workload=workload, threshold=threshold)
