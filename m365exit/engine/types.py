"""The catalogue and findings as the rest of m365exit sees them (scoring, report, CLI)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from m365exit.engine.model import (
    Condition,
    Effort,
    Example,
    OperatorSpec,
    OptionSpec,
    Product,
    Reference,
    Severity,
)
from m365exit.engine.operators import FactValue

Status = Literal["applies", "clear", "not_assessed", "excepted", "disabled"]
STATUSES: tuple[Status, ...] = ("applies", "clear", "not_assessed", "excepted", "disabled")
Texts = dict[str, dict[str, str]]  # {"en": {"title", "why", "action"}, "fr": {...}}


@dataclass(frozen=True)
class Workload:
    id: str
    name: dict[str, str]
    summary: dict[str, str]
    candidates: list[str]
    depends_on: list[str]
    facts: list[str]
    data_facts: list[str]
    order: int = 1000
    where: str = ""

    @property
    def usage_fact(self) -> str | None:
        """The fact that measures how much the workload is used (weights readiness)."""
        return self.facts[0] if self.facts else None


@dataclass(frozen=True)
class Rule:
    id: str
    workload: str
    severity: Severity
    condition: Condition
    effort: Effort
    texts: Texts
    references: list[Reference]
    examples: list[Example]
    products: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    where: str = ""  # "rules/exchange.yaml:14"

    @property
    def condition_facts(self) -> list[str]:
        return self.condition.facts()

    @property
    def effort_facts(self) -> list[str]:
        return [term.fact for term in self.effort.per]

    @property
    def facts_read(self) -> list[str]:
        """Every fact the rule reads: its condition's, then its effort's."""
        out = list(self.condition_facts)
        out.extend(f for f in self.effort_facts if f not in out)
        return out


@dataclass(frozen=True)
class RuleException:
    rule: str
    owner: str
    reason: str
    expires: datetime.date
    where: str = ""


@dataclass(frozen=True)
class ExceptionRecord:
    """An exception as it stands on the day of the snapshot. An expired one no longer applies."""

    owner: str
    reason: str
    expires: datetime.date
    expired: bool


class EffortDriver(NamedTuple):
    fact: str
    per_unit: float  # person-days per one unit of the fact
    value: float
    days: float


@dataclass(frozen=True)
class Finding:
    rule_id: str
    workload: str
    severity: Severity
    status: Status
    effort_days: float  # only when status is "applies"; 0 otherwise
    effort_drivers: list[EffortDriver]
    missing: dict[str, str]  # fact → why it is absent
    exception: ExceptionRecord | None
    texts: Texts
    references: list[Reference]
    effort_base: float = 0.0
    effort_bound: float | None = None  # the min or max that capped the sum, if one did
    effort_complete: bool = True  # False when an effort fact was missing (the sum leaves it out)
    values: dict[str, FactValue] = field(default_factory=dict)  # the facts read that were present
    products: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Catalogue:
    workloads: list[Workload]
    products: dict[str, Product]
    rules: list[Rule]
    exceptions: list[RuleException] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    operators: dict[str, OperatorSpec] = field(default_factory=dict)
    options: list[OptionSpec] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def workload(self, workload_id: str) -> Workload | None:
        return next((w for w in self.workloads if w.id == workload_id), None)

    def rules_for(self, workload_id: str) -> list[Rule]:
        return [r for r in self.rules if r.workload == workload_id]

    def exception_for(self, rule_id: str) -> RuleException | None:
        return next((e for e in self.exceptions if e.rule == rule_id), None)
