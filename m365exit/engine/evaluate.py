"""Evaluate rules against facts. Pure: no I/O, no clock, no global state; the same inputs give the same
findings, whatever the order of the facts.

A rule whose condition reads a fact that is absent (or holds a value of the wrong kind) is
"not_assessed", with the reason for each missing fact; it never passes silently.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from m365exit.engine.model import Condition
from m365exit.engine.operators import OPERATORS, FactValue, Kind, kind_of
from m365exit.engine.types import (
    Catalogue,
    EffortDriver,
    ExceptionRecord,
    Finding,
    Rule,
    Status,
)
from m365exit.facts import FACTS

_UNIT_KIND: dict[str, Kind] = {
    "count": "number",
    "bytes": "number",
    "ratio": "number",
    "days": "number",
    "bool": "bool",
    "text": "text",
}


def fact_kind(name: str) -> Kind | None:
    fact = FACTS.get(name)
    return _UNIT_KIND[fact.unit] if fact is not None else None


def default_reason(name: str) -> str:
    fact = FACTS.get(name)
    if fact is not None and fact.source == "answers":
        return "not answered: Graph cannot see it; add it to the answers file (m365exit answers template)"
    return "not in the snapshot"


def _read(
    name: str,
    facts: Mapping[str, FactValue],
    absent: Mapping[str, str],
    missing: dict[str, str],
    present: dict[str, FactValue],
) -> None:
    if name in missing or name in present:
        return
    if name not in facts:
        missing[name] = absent.get(name) or default_reason(name)
        return
    value = facts[name]
    kind, expected = kind_of(value), fact_kind(name)
    if kind is None or (expected is not None and kind != expected):
        missing[name] = f"the value {value!r} is not a valid {expected or 'fact value'}"
        return
    present[name] = value


def _leaf_value(cond: Condition, facts: Mapping[str, FactValue]) -> FactValue | None:
    """The value a leaf tests: the fact, or the fact divided by `over` (None when the divisor is 0)."""
    assert cond.fact is not None
    value = facts[cond.fact]
    if cond.over is None:
        return value
    divisor = facts[cond.over]
    assert isinstance(value, int | float) and isinstance(divisor, int | float)
    return None if divisor == 0 else value / divisor


def holds(cond: Condition, facts: Mapping[str, FactValue]) -> bool:
    """Whether a condition is true. Every fact it reads must be present and of the right kind."""
    if cond.all_ is not None:
        return all(holds(child, facts) for child in cond.all_)
    if cond.any_ is not None:
        return any(holds(child, facts) for child in cond.any_)
    if cond.not_ is not None:
        return not holds(cond.not_, facts)
    value = _leaf_value(cond, facts)
    if value is None:
        return False
    ((name, argument),) = cond.operators().items()
    return OPERATORS[name].test(value, argument)


@dataclass(frozen=True)
class Outcome:
    status: Status  # applies, clear or not_assessed
    missing: dict[str, str]
    values: dict[str, FactValue]
    effort_days: float = 0.0
    effort_base: float = 0.0
    effort_drivers: tuple[EffortDriver, ...] = ()
    effort_bound: float | None = None
    effort_complete: bool = True


def assess(rule: Rule, facts: Mapping[str, FactValue], absent: Mapping[str, str] | None = None) -> Outcome:
    """One rule against facts: applies, clear or not_assessed, and its effort when it applies."""
    absent = absent or {}
    missing: dict[str, str] = {}
    present: dict[str, FactValue] = {}
    for name in rule.condition_facts:
        _read(name, facts, absent, missing, present)
    if missing:
        return Outcome("not_assessed", missing, present)
    if not holds(rule.condition, present):
        return Outcome("clear", {}, present)
    effort_missing: dict[str, str] = {}
    for name in rule.effort_facts:
        _read(name, facts, absent, effort_missing, present)
    drivers: list[EffortDriver] = []
    total = float(rule.effort.base)
    for term in rule.effort.per:
        value = present.get(term.fact)
        if value is None:
            continue
        assert isinstance(value, int | float)
        days = term.days * float(value) / term.unit
        drivers.append(EffortDriver(term.fact, term.days / term.unit, float(value), round(days, 4)))
        total += days
    bound: float | None = None
    if rule.effort.max is not None and total > rule.effort.max:
        total = bound = rule.effort.max
    if rule.effort.min is not None and total < rule.effort.min:
        total = bound = rule.effort.min
    return Outcome(
        "applies",
        effort_missing,
        present,
        round(total, 2),
        float(rule.effort.base),
        tuple(drivers),
        bound,
        not effort_missing,
    )


def _finding(rule: Rule, status: Status, outcome: Outcome, record: ExceptionRecord | None) -> Finding:
    applies = status == "applies"
    return Finding(
        rule_id=rule.id,
        workload=rule.workload,
        severity=rule.severity,
        status=status,
        effort_days=outcome.effort_days if applies else 0.0,
        effort_drivers=list(outcome.effort_drivers) if applies else [],
        missing=dict(outcome.missing),
        exception=record,
        texts=rule.texts,
        references=list(rule.references),
        effort_base=outcome.effort_base if applies else 0.0,
        effort_bound=outcome.effort_bound if applies else None,
        effort_complete=outcome.effort_complete,
        values=dict(outcome.values),
        products=list(rule.products),
        tags=list(rule.tags),
    )


def evaluate(
    catalogue: Catalogue,
    facts: Mapping[str, FactValue],
    *,
    absent: Mapping[str, str] | None = None,
    today: datetime.date,
) -> list[Finding]:
    """Every rule of the catalogue against the facts, in catalogue order.

    `absent` maps a fact to why it is missing (the snapshot's issues); `today` is the snapshot's date,
    which decides whether an exception has expired (it still applies on its `expires` day).
    """
    absent = absent or {}
    disabled = set(catalogue.disabled)
    findings: list[Finding] = []
    for rule in catalogue.rules:
        spec = catalogue.exception_for(rule.id)
        record = (
            None
            if spec is None
            else ExceptionRecord(spec.owner, spec.reason, spec.expires, expired=today > spec.expires)
        )
        if rule.id in disabled:
            findings.append(_finding(rule, "disabled", Outcome("clear", {}, {}), record))
            continue
        outcome = assess(rule, facts, absent)
        status: Status = outcome.status
        if status == "applies" and record is not None and not record.expired:
            status = "excepted"
        findings.append(_finding(rule, status, outcome, record))
    return findings


@dataclass(frozen=True)
class ExampleResult:
    rule_id: str
    index: int
    ok: bool
    message: str
    where: str


def run_examples(rule: Rule) -> list[ExampleResult]:
    """Check each example of a rule: its status, and its effort when one is given."""
    results: list[ExampleResult] = []
    for index, example in enumerate(rule.examples):
        outcome = assess(rule, example.facts, example.absent)
        problems: list[str] = []
        if outcome.status != example.expect:
            detail = f" (missing: {', '.join(outcome.missing)})" if outcome.missing else ""
            problems.append(f"expected {example.expect}, got {outcome.status}{detail}")
        if example.effort is not None and abs(outcome.effort_days - example.effort) > 0.01:
            problems.append(f"expected effort {example.effort:g} days, got {outcome.effort_days:g}")
        results.append(ExampleResult(rule.id, index, not problems, "; ".join(problems) or "ok", rule.where))
    return results


def trace(
    cond: Condition, facts: Mapping[str, FactValue], depth: int = 0
) -> list[tuple[int, str, bool | None]]:
    """A readable evaluation of a condition: (depth, text, result), result None when not assessable."""
    lines: list[tuple[int, str, bool | None]] = []
    assessable = all(
        f in facts and kind_of(facts[f]) == (fact_kind(f) or kind_of(facts[f])) for f in cond.facts()
    )
    result = holds(cond, facts) if assessable else None
    if cond.all_ is not None or cond.any_ is not None:
        lines.append((depth, "all of:" if cond.all_ is not None else "any of:", result))
        for child in cond.all_ or cond.any_ or []:
            lines.extend(trace(child, facts, depth + 1))
        return lines
    if cond.not_ is not None:
        lines.append((depth, "not:", result))
        lines.extend(trace(cond.not_, facts, depth + 1))
        return lines
    ((name, argument),) = cond.operators().items()
    left = cond.fact if cond.over is None else f"{cond.fact} / {cond.over}"
    shown = "unknown"
    if assessable:
        value = _leaf_value(cond, facts)
        shown = (
            "undefined (divisor is 0)"
            if value is None
            else (f"{value:.4g}" if isinstance(value, float) else repr(value))
        )
    lines.append((depth, f"{left} {OPERATORS[name].symbol} {argument!r}   [value: {shown}]", result))
    return lines
