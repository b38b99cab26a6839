"""Property tests: evaluation is pure (no mutation, same result twice) and order-independent."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from m365exit.engine import evaluate, load_catalogue
from m365exit.engine.evaluate import fact_kind
from m365exit.facts import FACTS

CATALOGUE = load_catalogue()
NAMES = sorted(FACTS)


def _value(name: str) -> st.SearchStrategy[object]:
    kind = fact_kind(name)
    if kind == "bool":
        return st.booleans()
    if kind == "text":
        return st.text(max_size=5)
    return st.one_of(
        st.integers(min_value=0, max_value=10**13), st.floats(min_value=0, max_value=1e6, allow_nan=False)
    )


facts_strategy = st.lists(st.sampled_from(NAMES), unique=True).flatmap(
    lambda names: st.fixed_dictionaries({n: _value(n) for n in names})
)
absent_strategy = st.dictionaries(st.sampled_from(NAMES), st.text(min_size=1, max_size=10), max_size=5)
days = st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2035, 1, 1))


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(facts=facts_strategy, absent=absent_strategy, today=days)
def test_evaluation_is_pure(facts, absent, today) -> None:
    before_facts, before_absent = copy.deepcopy(facts), copy.deepcopy(absent)
    first = evaluate(CATALOGUE, facts, absent=absent, today=today)
    second = evaluate(CATALOGUE, facts, absent=absent, today=today)
    assert first == second
    assert facts == before_facts and absent == before_absent
    for finding in first:
        assert finding.effort_days >= 0
        assert (finding.status == "not_assessed") == bool(finding.missing) or finding.status == "applies"
        if finding.status == "not_assessed":
            rule = CATALOGUE.rule(finding.rule_id)
            assert rule is not None and set(finding.missing) <= set(rule.condition_facts)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(facts=facts_strategy, seed=st.integers(0, 2**32 - 1))
def test_evaluation_is_order_independent(facts, seed) -> None:
    today = datetime.date(2026, 11, 29)
    rng = random.Random(seed)
    items = list(facts.items())
    rng.shuffle(items)
    shuffled_facts = dict(items)
    rules = list(CATALOGUE.rules)
    rng.shuffle(rules)
    shuffled_catalogue = dataclasses.replace(CATALOGUE, rules=rules)
    reference = {f.rule_id: f for f in evaluate(CATALOGUE, facts, today=today)}
    shuffled = {f.rule_id: f for f in evaluate(shuffled_catalogue, shuffled_facts, today=today)}
    assert reference == shuffled


@settings(max_examples=40)
@given(facts=facts_strategy)
def test_a_fact_absent_never_makes_a_rule_clear(facts) -> None:
    """Removing a fact a rule reads turns it into not_assessed, never into clear."""
    today = datetime.date(2026, 11, 29)
    for finding in evaluate(CATALOGUE, facts, today=today):
        rule = CATALOGUE.rule(finding.rule_id)
        assert rule is not None
        if any(f not in facts for f in rule.condition_facts):
            assert finding.status == "not_assessed"
