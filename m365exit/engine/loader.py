"""Load the rule catalogue: the built-in rules, then each `--rules` directory over them (later wins by id).

Loading is strict. Unknown keys, unknown facts, wrong types, duplicate ids, dangling references: each is
an error naming the file, the line and the key, raised as `RulesError` (exit code 5).
"""

from __future__ import annotations

import difflib
import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from m365exit.engine.evaluate import fact_kind
from m365exit.engine.model import (
    FILE_KINDS,
    OperatorSpec,
    OptionSpec,
    OverridesFile,
    Product,
    ProductsFile,
    RuleSpec,
    SovereigntyFile,
    WorkloadFile,
    file_kind,
)
from m365exit.engine.operators import OPERATORS, kind_of
from m365exit.engine.types import Catalogue, Rule, RuleException, Workload
from m365exit.engine.yamlsrc import Loc, Source, dotted, parse_yaml
from m365exit.errors import RulesError
from m365exit.facts import FACTS
from m365exit.resources import rules_dir

_LOADING = threading.Lock()

MAX_SHOWN = 25


class RuleLoadError(RulesError):
    """Every problem found, each naming file:line and key; the message is the first one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = len(problems) - 1
        rest = "\n".join(f"  {p}" for p in problems[1:MAX_SHOWN])
        hint = (f"{more} more problem(s):\n{rest}\n" if more else "") + (
            "Fix the rule files, then run `m365exit rules validate`; "
            "the JSON Schema in docs/rules-schema.json lets an editor check them as you type."
        )
        super().__init__(problems[0], hint=hint)


@dataclass
class _Problems:
    items: list[str] = field(default_factory=list)

    def add(self, src: Source, loc: Loc, message: str) -> None:
        key = dotted(loc)
        self.items.append(
            f"{src.where(loc)}: key '{key}': {message}" if key else f"{src.where(loc)}: {message}"
        )


def _suggest(name: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --- parsing and schema validation ----------------------------------------------------------------


def _input_loc(data: Any, loc: tuple[int | str, ...], error_type: str) -> Loc:
    """Keep the parts of a pydantic location that index the document (drop union and validator tags)."""
    out: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        in_dict = isinstance(current, dict) and isinstance(part, str) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if in_dict or in_list:
            out.append(part)
            current = current[part]
        elif isinstance(current, dict) and isinstance(part, str) and last and error_type == "missing":
            out.append(part)
    return tuple(out)


def _message(error: Any) -> str:
    kind, msg = error["type"], str(error["msg"])
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "is required"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return msg[0].lower() + msg[1:] if msg else kind


def _validate(src: Source, problems: _Problems) -> tuple[str, Any] | None:
    kind = file_kind(src.data)
    if kind is None:
        problems.items.append(
            f"{src.where(())}: not a rules file: expected a top-level 'workload' (a workload's rules), "
            "'products' (replacements), 'operators'/'options' (sovereignty) or 'disabled'/'exceptions' "
            "(overrides)"
        )
        return None
    try:
        return kind, FILE_KINDS[kind].model_validate(src.data)
    except ValidationError as exc:
        seen: dict[Loc, list[str]] = {}
        for error in exc.errors():
            loc = _input_loc(src.data, tuple(error["loc"]), error["type"])
            if error["type"] == "extra_forbidden" and loc and isinstance(loc[-1], str):
                parent = src.data
                for part in loc[:-1]:
                    parent = parent[part]
                allowed = _allowed_keys(FILE_KINDS[kind], loc[:-1], src.data)
                message = "unknown key" + (_suggest(loc[-1], allowed) if allowed else "")
            else:
                message = _message(error)
            if message not in seen.setdefault(loc, []):
                seen[loc].append(message)
        for loc, messages in seen.items():
            problems.add(src, loc, " or ".join(messages) if len(messages) < 4 else messages[0])
        return None


def _allowed_keys(model: type[Any], loc: Loc, data: Any) -> list[str]:
    """Field names (aliases) of the model found at `loc`, for did-you-mean hints."""
    current_model: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field_info = getattr(current_model, "model_fields", {}).get(part)
        if field_info is None:
            field_info = next(
                (f for f in getattr(current_model, "model_fields", {}).values() if f.alias == part), None
            )
        if field_info is None:
            return []
        current_model = _model_in(field_info.annotation)
        if current_model is None:
            return []
    fields = getattr(current_model, "model_fields", {})
    return [info.alias or name for name, info in fields.items()]


def _model_in(annotation: Any) -> Any:
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


# --- checks against the facts reference -----------------------------------------------------------


def _check_fact(src: Source, loc: Loc, name: str, problems: _Problems, numeric: bool = False) -> bool:
    if name not in FACTS:
        problems.add(
            src,
            loc,
            f"unknown fact '{name}'{_suggest(name, list(FACTS))}; facts come from the facts "
            "reference (m365exit/facts.py, docs/facts.md), answers facts included",
        )
        return False
    if numeric and fact_kind(name) != "number":
        problems.add(src, loc, f"fact '{name}' is a {FACTS[name].unit}, not a number")
        return False
    return True


def _check_condition(src: Source, loc: Loc, raw: dict[str, Any], problems: _Problems) -> None:
    for key in ("all", "any"):
        if key in raw:
            for index, child in enumerate(raw[key]):
                _check_condition(src, (*loc, key, index), child, problems)
            return
    if "not" in raw:
        _check_condition(src, (*loc, "not"), raw["not"], problems)
        return
    name = raw["fact"]
    if not _check_fact(src, (*loc, "fact"), name, problems):
        return
    kind = fact_kind(name)
    if "over" in raw:
        if not _check_fact(src, (*loc, "over"), raw["over"], problems, numeric=True):
            return
        if kind != "number":
            problems.add(src, (*loc, "over"), f"'over' divides numbers, and '{name}' is a {FACTS[name].unit}")
            return
    for op_name, operator in OPERATORS.items():
        if op_name not in raw:
            continue
        if kind not in operator.kinds:
            problems.add(
                src,
                (*loc, op_name),
                f"operator '{op_name}' does not apply to '{name}', "
                f"a {FACTS[name].unit} fact (it takes {', '.join(sorted(operator.kinds))})",
            )
            continue
        argument = raw[op_name]
        values = argument if isinstance(argument, list) else [argument]
        for value in values:
            if kind_of(value) != kind:
                problems.add(
                    src,
                    (*loc, op_name),
                    f"{value!r} cannot be compared with '{name}', a {FACTS[name].unit} fact",
                )
                break


def _check_workload(src: Source, raw: dict[str, Any], problems: _Problems) -> None:
    for key in ("facts", "data_facts"):
        for index, name in enumerate(raw.get(key) or []):
            _check_fact(src, (key, index), name, problems, numeric=key == "data_facts")
    for r_index, rule in enumerate(raw.get("rules") or []):
        base: Loc = ("rules", r_index)
        _check_condition(src, (*base, "condition"), rule["condition"], problems)
        for t_index, term in enumerate((rule.get("effort") or {}).get("per") or []):
            _check_fact(src, (*base, "effort", "per", t_index, "fact"), term["fact"], problems, numeric=True)
        for e_index, example in enumerate(rule["examples"]):
            for name, value in (example.get("facts") or {}).items():
                loc = (*base, "examples", e_index, "facts", name)
                if _check_fact(src, loc, name, problems) and kind_of(value) != fact_kind(name):
                    problems.add(src, loc, f"{value!r} is not a valid value for a {FACTS[name].unit} fact")
            for name in example.get("absent") or {}:
                _check_fact(src, (*base, "examples", e_index, "absent", name), name, problems)


# --- layers and merging ---------------------------------------------------------------------------


@dataclass
class _Layer:
    files: list[tuple[Source, str, Any]] = field(default_factory=list)


def _files(directory: Path) -> list[Path]:
    if directory.is_file():
        return [directory]
    if not directory.is_dir():
        raise RulesError(
            f"{directory}: rules directory not found.",
            hint="--rules takes a directory of YAML rule files (or one file).",
        )
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _parse_layer(directory: Path, problems: _Problems) -> _Layer:
    layer = _Layer()
    for path in _files(directory):
        try:
            src = parse_yaml(path)
        except RulesError as exc:
            problems.items.append(exc.message)
            continue
        validated = _validate(src, problems)
        if validated is None:
            continue
        kind, model = validated
        if kind == "workload":
            _check_workload(src, src.data, problems)
        layer.files.append((src, kind, model))
    return layer


@dataclass
class _Draft:
    workloads: dict[str, dict[str, Any]] = field(default_factory=dict)
    workload_src: dict[str, tuple[Source, Loc]] = field(default_factory=dict)
    field_src: dict[tuple[str, str], Source] = field(
        default_factory=dict
    )  # (workload, key) → file that set it
    rules: dict[str, tuple[str, RuleSpec, Source, Loc]] = field(default_factory=dict)
    products: dict[str, tuple[Product, Source, Loc]] = field(default_factory=dict)
    operators: dict[str, OperatorSpec] = field(default_factory=dict)
    options: dict[str, tuple[OptionSpec, Source, Loc]] = field(default_factory=dict)
    disabled: dict[str, tuple[Source, Loc]] = field(default_factory=dict)
    exceptions: dict[str, tuple[RuleException, Source, Loc]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def _once(
    seen: dict[str, tuple[Source, Loc]], key: str, src: Source, loc: Loc, what: str, problems: _Problems
) -> bool:
    """Within one layer an id may be defined once; report the second definition."""
    if key in seen:
        first_src, first_loc = seen[key]
        problems.add(src, loc, f"duplicate {what} '{key}' (already defined at {first_src.where(first_loc)})")
        return False
    seen[key] = (src, loc)
    return True


def _merge(draft: _Draft, layer: _Layer, problems: _Problems) -> None:
    seen: dict[str, dict[str, tuple[Source, Loc]]] = {
        k: {} for k in ("workload", "rule", "product", "operator", "option", "exception", "disabled")
    }
    for src, _kind, model in layer.files:
        draft.files.append(src.name)
        if isinstance(model, WorkloadFile):
            wid = model.workload
            if not _once(seen["workload"], wid, src, ("workload",), "workload", problems):
                continue
            entry = draft.workloads.setdefault(wid, {})
            for key in ("name", "summary", "order", "candidates", "depends_on", "facts", "data_facts"):
                value = getattr(model, key)
                if value is not None:
                    entry[key] = value
                    draft.field_src[(wid, key)] = src
            draft.workload_src.setdefault(wid, (src, ("workload",)))
            for index, spec in enumerate(model.rules):
                loc: Loc = ("rules", index, "id")
                if _once(seen["rule"], spec.id, src, loc, "rule id", problems):
                    draft.rules[spec.id] = (wid, spec, src, ("rules", index))
        elif isinstance(model, ProductsFile):
            for index, product in enumerate(model.products):
                if _once(seen["product"], product.id, src, ("products", index, "id"), "product id", problems):
                    draft.products[product.id] = (product, src, ("products", index))
        elif isinstance(model, SovereigntyFile):
            for index, operator in enumerate(model.operators):
                if _once(
                    seen["operator"], operator.id, src, ("operators", index, "id"), "operator id", problems
                ):
                    draft.operators[operator.id] = operator
            for index, option in enumerate(model.options):
                if _once(seen["option"], option.id, src, ("options", index, "id"), "option id", problems):
                    draft.options[option.id] = (option, src, ("options", index))
        elif isinstance(model, OverridesFile):
            for index, rule_id in enumerate(model.disabled):
                if _once(seen["disabled"], rule_id, src, ("disabled", index), "disabled rule", problems):
                    draft.disabled[rule_id] = (src, ("disabled", index))
            for index, exc in enumerate(model.exceptions):
                loc = ("exceptions", index)
                if _once(seen["exception"], exc.rule, src, (*loc, "rule"), "exception for rule", problems):
                    record = RuleException(exc.rule, exc.owner, exc.reason, exc.expires, src.where(loc))
                    draft.exceptions[exc.rule] = (record, src, loc)


def _finish(draft: _Draft, problems: _Problems) -> Catalogue:
    workloads: list[Workload] = []
    for wid, entry in draft.workloads.items():
        src, loc = draft.workload_src[wid]
        for key in ("name", "summary", "facts"):
            if key not in entry:
                problems.add(
                    src,
                    loc,
                    f"workload '{wid}' has no '{key}' in any rules directory "
                    "(a new workload needs name, summary and facts)",
                )
        for index, product in enumerate(entry.get("candidates", [])):
            if product not in draft.products:
                problems.add(
                    draft.field_src[(wid, "candidates")],
                    ("candidates", index),
                    f"unknown product '{product}'"
                    f"{_suggest(product, list(draft.products))}; products live in replacements.yaml",
                )
        for index, dep in enumerate(entry.get("depends_on", [])):
            if dep not in draft.workloads or dep == wid:
                problems.add(
                    draft.field_src[(wid, "depends_on")],
                    ("depends_on", index),
                    f"unknown workload '{dep}'{_suggest(dep, list(draft.workloads))}",
                )
        name, summary = entry.get("name"), entry.get("summary")
        workloads.append(
            Workload(
                id=wid,
                name=name.model_dump() if name else {"en": wid, "fr": wid},
                summary=summary.model_dump() if summary else {"en": "", "fr": ""},
                candidates=list(entry.get("candidates", [])),
                depends_on=list(entry.get("depends_on", [])),
                facts=list(entry.get("facts", [])),
                data_facts=list(entry.get("data_facts", [])),
                order=entry.get("order", 1000),
                where=src.where(loc),
            )
        )
    _check_cycles(workloads, draft, problems)
    workloads.sort(key=lambda w: (w.order, w.id))
    rank = {w.id: i for i, w in enumerate(workloads)}
    rules: list[Rule] = []
    for wid, spec, src, loc in draft.rules.values():
        for index, product in enumerate(spec.products):
            if product not in draft.products:
                problems.add(
                    src,
                    (*loc, "products", index),
                    f"unknown product '{product}'{_suggest(product, list(draft.products))}",
                )
        rules.append(
            Rule(
                id=spec.id,
                workload=wid,
                severity=spec.severity,
                condition=spec.condition,
                effort=spec.effort,
                texts=spec.texts.model_dump(),
                references=list(spec.references),
                examples=list(spec.examples),
                products=list(spec.products),
                tags=list(spec.tags),
                where=src.where(loc),
            )
        )
    rules.sort(key=lambda r: rank.get(r.workload, len(rank)))  # stable: file order within a workload
    for option, src, loc in draft.options.values():
        if option.product not in draft.products:
            problems.add(
                src,
                (*loc, "product"),
                f"unknown product '{option.product}'{_suggest(option.product, list(draft.products))}",
            )
        if option.operator not in draft.operators:
            problems.add(
                src,
                (*loc, "operator"),
                f"unknown operator '{option.operator}'{_suggest(option.operator, list(draft.operators))}",
            )
    for rule_id, (src, loc) in draft.disabled.items():
        if rule_id not in draft.rules:
            problems.add(
                src, loc, f"cannot disable unknown rule '{rule_id}'{_suggest(rule_id, list(draft.rules))}"
            )
    for rule_id, (_, src, loc) in draft.exceptions.items():
        if rule_id not in draft.rules:
            problems.add(
                src,
                (*loc, "rule"),
                f"exception for unknown rule '{rule_id}'{_suggest(rule_id, list(draft.rules))}",
            )
    return Catalogue(
        workloads=workloads,
        products={pid: p for pid, (p, _, _) in draft.products.items()},
        rules=rules,
        exceptions=[e for e, _, _ in draft.exceptions.values()],
        disabled=list(draft.disabled),
        operators=dict(draft.operators),
        options=[o for o, _, _ in draft.options.values()],
        files=list(draft.files),
    )


def _check_cycles(workloads: list[Workload], draft: _Draft, problems: _Problems) -> None:
    graph = {w.id: w.depends_on for w in workloads}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in graph.get(node, []):
            if state.get(dep) == 1:
                src, _ = draft.workload_src[node]
                cycle = (
                    " → ".join([*path[path.index(dep) :], node, dep]) if dep in path else f"{node} → {dep}"
                )
                problems.add(src, ("depends_on",), f"dependency cycle {cycle}")
            elif dep in graph and state.get(dep) is None:
                visit(dep, [*path, node])
        state[node] = 2

    for node in sorted(graph):
        if state.get(node) is None:
            visit(node, [])


def load_catalogue(extra_dirs: Sequence[Path] = (), *, builtin: bool = True) -> Catalogue:
    """The built-in catalogue, then each directory in `extra_dirs` layered over it (later wins by id).

    Raises `RuleLoadError` (a `RulesError`, exit code 5) listing every problem with file:line and key.
    Parsing the YAML costs about a second; a portfolio assesses many tenants with the same files, so a loaded
    catalogue is reused while none of its files changed (name, size and modification time).
    """
    directories = ([rules_dir()] if builtin else []) + [Path(d) for d in extra_dirs]
    layers = tuple((d, _files_state(d)) for d in directories)
    with _LOADING:  # tenants assessed at once wait for one parse, rather than each parsing the same files
        return _load_cached(layers)


def _files_state(directory: Path) -> tuple[tuple[str, int, int], ...]:
    try:
        found = sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in found)
    except OSError:
        return ()  # unreadable: _parse_layer says why


@functools.lru_cache(maxsize=8)
def _load_cached(layers: tuple[tuple[Path, tuple[tuple[str, int, int], ...]], ...]) -> Catalogue:
    return _load([d for d, _state in layers])


def _load(directories: list[Path]) -> Catalogue:
    problems = _Problems()
    draft = _Draft()
    if not directories:
        raise RulesError("No rules to load.", hint="Pass a rules directory or keep the built-in catalogue.")
    for directory in directories:
        layer = _parse_layer(directory, problems)
        _merge(draft, layer, problems)
    catalogue = _finish(draft, problems)
    if problems.items:
        raise RuleLoadError(problems.items)
    return catalogue


def with_overrides(
    catalogue: Catalogue, *, disabled: Sequence[str] = (), exceptions: Sequence[RuleException] = ()
) -> Catalogue:
    """A copy of the catalogue with more rules disabled or excepted (used by tests and pipelines)."""
    kept = [e for e in catalogue.exceptions if e.rule not in {x.rule for x in exceptions}]
    return replace(
        catalogue, disabled=sorted({*catalogue.disabled, *disabled}), exceptions=[*kept, *exceptions]
    )
