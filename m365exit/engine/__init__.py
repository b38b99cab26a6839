"""The rules engine: strict loading of the YAML catalogue, pure evaluation, sovereignty rating.

Pure: imports pydantic and PyYAML only (never graph, auth, collectors, requests, rich or jinja2).
"""

from m365exit.engine.docs import catalogue_markdown, rules_json_schema
from m365exit.engine.evaluate import ExampleResult, assess, evaluate, run_examples, trace
from m365exit.engine.loader import RuleLoadError, load_catalogue, with_overrides
from m365exit.engine.model import SEVERITIES, Condition, Effort, Product
from m365exit.engine.operators import OPERATORS, FactValue
from m365exit.engine.sovereignty import OBJECTIVES, Option, SovereigntyRating, rate, rate_all
from m365exit.engine.types import (
    STATUSES,
    Catalogue,
    EffortDriver,
    ExceptionRecord,
    Finding,
    Rule,
    RuleException,
    Workload,
)

__all__ = [
    "OBJECTIVES",
    "OPERATORS",
    "SEVERITIES",
    "STATUSES",
    "Catalogue",
    "Condition",
    "Effort",
    "EffortDriver",
    "ExampleResult",
    "ExceptionRecord",
    "FactValue",
    "Finding",
    "Option",
    "Product",
    "Rule",
    "RuleException",
    "RuleLoadError",
    "SovereigntyRating",
    "Workload",
    "assess",
    "catalogue_markdown",
    "evaluate",
    "load_catalogue",
    "rate",
    "rate_all",
    "rules_json_schema",
    "run_examples",
    "trace",
    "with_overrides",
]
