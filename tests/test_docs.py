"""Generated reference pages stay in step with the code."""

from __future__ import annotations

from pathlib import Path

from m365exit import factsdoc
from m365exit.collectors import load_all
from m365exit.facts import FACTS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_facts_reference_is_current() -> None:
    committed = (DOCS / "facts.md").read_text(encoding="utf-8")
    assert committed == factsdoc.markdown(), "docs/facts.md is stale: python -m m365exit.factsdoc > docs/facts.md"


def test_every_graph_fact_has_a_collector_and_every_declared_fact_is_known() -> None:
    declared = {f for c in load_all().values() for s in c.sources for f in s.facts}
    graph_facts = {name for name, fact in FACTS.items() if fact.source in ("graph", "report")}
    assert graph_facts - declared == set()
    assert declared - set(FACTS) == set()
