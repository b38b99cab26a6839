"""The shapes of the rule files, as pydantic models: strict types, unknown keys refused.

These models are what a rule author writes. They also generate the published JSON Schema
(`docs/rules-schema.json`) that editors use for completion and inline errors.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from m365exit.engine.operators import OPERATORS, FactValue

KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"
FACT = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"
Severity = Literal["blocker", "high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = ("blocker", "high", "medium", "low", "info")
Expect = Literal["applies", "clear", "not_assessed"]
Date = Annotated[datetime.date, Field(strict=False, description="ISO date, e.g. 2026-09-30")]
NonEmpty = Annotated[str, Field(min_length=1)]
FactName = Annotated[str, Field(pattern=FACT, description="a fact of the facts reference (docs/facts.md)")]
Id = Annotated[str, Field(pattern=KEBAB, description="kebab-case identifier")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


class Text(_Model):
    """The same short text in English and French."""

    en: NonEmpty
    fr: NonEmpty


Localised = NonEmpty | Text  # a proper name stays a string; words a reader must understand get both languages


def localised(value: str | Text, lang: str) -> str:
    """The text of a `Localised` value in `lang` (French or English)."""
    return value if isinstance(value, str) else (value.fr if lang == "fr" else value.en)


class RuleText(_Model):
    title: NonEmpty = Field(description="one line: the problem, stated for a CIO")
    why: NonEmpty = Field(description="why it matters: consequences, figures, precedent")
    action: NonEmpty = Field(description="what to do about it, concretely")


class RuleTexts(_Model):
    en: RuleText
    fr: RuleText


class Reference(_Model):
    title: NonEmpty
    url: Annotated[str, Field(pattern=r"^https?://\S+$")]
    date: Date | None = Field(default=None, description="publication date, or when the claim was checked")
    note: str | None = Field(default=None, description="e.g. 'secondary source' or 'not verified'")


class Condition(_Model):
    """A declarative test over facts. Exactly one of: `all`, `any`, `not`, or `fact` with one operator.

    With `over`, the fact is divided by another fact before the operator applies (a zero divisor makes
    the test false: there is nothing to compare).
    """

    all_: list[Condition] | None = Field(
        default=None, alias="all", min_length=1, description="true when every condition is true"
    )
    any_: list[Condition] | None = Field(
        default=None, alias="any", min_length=1, description="true when at least one condition is true"
    )
    not_: Condition | None = Field(default=None, alias="not", description="true when the condition is false")
    fact: FactName | None = None
    over: FactName | None = Field(default=None, description="divide the fact by this fact (a ratio)")
    eq: FactValue | None = None
    ne: FactValue | None = None
    gt: int | float | None = None
    ge: int | float | None = None
    lt: int | float | None = None
    le: int | float | None = None
    in_: list[int | float | str] | None = Field(default=None, alias="in", min_length=1)
    not_in: list[int | float | str] | None = Field(default=None, min_length=1)
    between: list[int | float] | None = Field(default=None, min_length=2, max_length=2)

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        forms = [
            name
            for name, value in (
                ("all", self.all_),
                ("any", self.any_),
                ("not", self.not_),
                ("fact", self.fact),
            )
            if value is not None
        ]
        ops = list(self.operators())
        if len(forms) != 1:
            raise ValueError(
                "a condition needs exactly one of 'all', 'any', 'not' or 'fact'"
                + (f" (found {', '.join(forms)})" if forms else "")
            )
        if self.fact is None:
            if ops or self.over is not None:
                raise ValueError(f"'{forms[0]}' cannot be combined with an operator or 'over'")
            return self
        if len(ops) != 1:
            raise ValueError(
                f"a test of '{self.fact}' needs exactly one operator of "
                f"{', '.join(OPERATORS)}" + (f" (found {', '.join(ops)})" if ops else "")
            )
        if self.between is not None and self.between[0] > self.between[1]:
            raise ValueError("'between' needs [low, high] with low ≤ high")
        return self

    def operators(self) -> dict[str, Any]:
        """The operators written on this leaf, by table name."""
        out: dict[str, Any] = {}
        for name in OPERATORS:
            value = getattr(self, name + "_" if name in ("in",) else name)
            if value is not None:
                out[name] = value
        return out

    def facts(self) -> list[str]:
        """Facts this condition reads, in order of appearance, without repeats."""
        out: list[str] = []
        for child in [*(self.all_ or []), *(self.any_ or []), *([self.not_] if self.not_ else [])]:
            out.extend(f for f in child.facts() if f not in out)
        for name in (self.fact, self.over):
            if name is not None and name not in out:
                out.append(name)
        return out


_declared = {name.rstrip("_") for name in Condition.model_fields} - {"all", "any", "not", "fact", "over"}
assert _declared == set(OPERATORS), f"Condition fields {_declared} and OPERATORS {set(OPERATORS)} disagree"


class EffortTerm(_Model):
    fact: FactName
    days: Annotated[float, Field(gt=0, description="person-days per `unit` of the fact")]
    unit: Annotated[float, Field(gt=0, description="how many of the fact one `days` covers")] = 1


class Effort(_Model):
    """Person-days = base + Σ days × fact / unit, then bounded by min and max. No expressions, no eval."""

    base: Annotated[float, Field(ge=0)] = 0
    per: list[EffortTerm] = Field(default_factory=list)
    min: Annotated[float, Field(ge=0)] | None = None
    max: Annotated[float, Field(ge=0)] | None = None
    basis: Text | None = Field(default=None, description="the assumption behind the figures, with its source")

    @model_validator(mode="after")
    def _bounds(self) -> Effort:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("'min' is greater than 'max'")
        return self


class Example(_Model):
    """Facts in, outcome out. Facts not listed are absent. Run by `m365exit rules test` and the test suite."""

    facts: dict[FactName, FactValue] = Field(default_factory=dict)
    absent: dict[FactName, NonEmpty] = Field(default_factory=dict, description="fact → why it is missing")
    expect: Expect
    effort: Annotated[float, Field(ge=0)] | None = Field(default=None, description="expected person-days")
    note: str | None = None


class RuleSpec(_Model):
    id: Id
    severity: Severity
    condition: Condition = Field(description="true means the problem is present: the finding applies")
    effort: Effort = Field(default_factory=Effort)
    texts: RuleTexts
    references: list[Reference] = Field(min_length=1)
    examples: list[Example] = Field(min_length=1, description="at least one; a rule without examples fails")
    products: list[Id] = Field(default_factory=list, description="replacements this finding concerns")
    tags: list[Id] = Field(default_factory=list, description="e.g. cross-cutting, licence, change")


class WorkloadFile(_Model):
    """`rules/<workload>.yaml`. In an overlay directory only `workload` and `rules` are required."""

    workload: Id
    name: Text | None = None
    summary: Text | None = Field(default=None, description="what the workload covers")
    order: int | None = Field(default=None, description="position in reports (ascending)")
    candidates: list[Id] | None = Field(default=None, description="replacement product ids, best first")
    depends_on: list[Id] | None = None
    facts: list[FactName] | None = Field(
        default=None,
        description="facts the workload needs; the first one measures usage and weights readiness",
    )
    data_facts: list[FactName] | None = Field(default=None, description="bytes and item counts to move")
    rules: list[RuleSpec] = Field(default_factory=list)


class MigrationTool(_Model):
    name: NonEmpty
    licence: str | None = None
    url: str | None = None
    note: str | None = None


TrapKind = Literal[
    "fair-code",
    "not-osi",
    "trademark-terms",
    "attribution-terms",
    "closed-enterprise-modules",
    "community-edition-limits",
    "licence-dispute",
    "origin-risk",
    "proprietary",
]


class LicenceTrap(_Model):
    kind: TrapKind
    note: NonEmpty


class Product(_Model):
    id: Id
    name: NonEmpty
    role: Literal["replacement", "baseline"] = Field(
        default="replacement", description="'baseline' marks what is being replaced, rated for comparison"
    )
    summary: Text
    licence: NonEmpty = Field(description="SPDX licence expression")
    osi: bool = Field(description="every licence in the expression is OSI-approved")
    steward: Localised = Field(description="who carries the project: a company, a foundation, a public body")
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 of the steward")]
    maturity: Literal["A", "B", "C"] = Field(
        description="A: public body in production at ≥10k seats; "
        "B: production-grade, smaller or partial; C: beta"
    )
    maturity_evidence: NonEmpty
    protocols: list[Localised] = Field(default_factory=list, description="open protocols and formats spoken")
    suites: list[str] = Field(default_factory=list)
    migration_tools: list[MigrationTool] = Field(default_factory=list)
    licence_traps: list[LicenceTrap] = Field(default_factory=list)
    mandatory_non_eu_services: list[Localised] = Field(
        default_factory=list, description="services outside the EU it cannot run without"
    )
    eu_support: bool = Field(description="commercial support or integrators established in the EU")
    unverified: list[str] = Field(default_factory=list, description="claims not yet checked against a source")
    sources: list[Reference] = Field(min_length=1)


class ProductsFile(_Model):
    """`rules/replacements.yaml`: every product the rules recommend."""

    products: list[Product]


HostingMode = Literal[
    "on-premises", "state-cloud", "eu-operator", "secnumcloud", "hyperscaler-eu-region", "non-eu"
]


class OperatorSpec(_Model):
    id: Id
    name: Localised
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    non_eu_control_pct: Annotated[float, Field(ge=0, le=100)] = Field(
        description="share of capital or votes held by non-EU entities "
        "(SecNumCloud: ≤24 % alone, ≤39 % together)"
    )
    certifications: list[str] = Field(
        default_factory=list, description="e.g. SecNumCloud, C5, ISO-27001, HDS"
    )
    eu_support: bool
    environment_reporting: bool | None = Field(
        default=None,
        description="publishes energy and water figures; null when unknown (objective not rated)",
    )
    unverified: list[str] = Field(default_factory=list)
    sources: list[Reference] = Field(default_factory=list)


class Hosting(_Model):
    mode: HostingMode
    customer_held_keys: bool = False
    offer: Localised | None = Field(
        default=None,
        description="the hosting offer relied on; for 'secnumcloud', the qualified offer as ANSSI lists it "
        "(a qualification belongs to an offer, not to a product or a company)",
    )
    sources: list[Reference] = Field(default_factory=list, description="where the hosting and its offer are stated")


class OptionSpec(_Model):
    id: Id
    product: Id
    operator: Id
    hosting: Hosting
    note: Text | None = None


class SovereigntyFile(_Model):
    """`rules/sovereignty.yaml`: operators and the (software × operator × hosting) options rated."""

    operators: list[OperatorSpec] = Field(default_factory=list)
    options: list[OptionSpec] = Field(default_factory=list)


class ExceptionSpec(_Model):
    rule: Id
    owner: NonEmpty
    reason: NonEmpty
    expires: Date


class OverridesFile(_Model):
    """`overrides.yaml` in a `--rules` directory: rules to switch off and accepted exceptions."""

    disabled: list[Id] = Field(default_factory=list)
    exceptions: list[ExceptionSpec] = Field(default_factory=list)


FILE_KINDS: dict[str, type[_Model]] = {
    "workload": WorkloadFile,
    "products": ProductsFile,
    "sovereignty": SovereigntyFile,
    "overrides": OverridesFile,
}


def file_kind(data: object) -> str | None:
    """Which kind of rule file a parsed YAML document is, from its top-level keys."""
    if not isinstance(data, dict):
        return None
    if "workload" in data:
        return "workload"
    if "products" in data:
        return "products"
    if "operators" in data or "options" in data:
        return "sovereignty"
    if "disabled" in data or "exceptions" in data:
        return "overrides"
    return None
