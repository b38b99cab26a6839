"""`m365exit rules validate | list | explain ID | test [DIR]`.

Mounted by m365exit/cli/__init__.py. Commands raise m365exit.errors exceptions (RulesError: exit 5,
SnapshotError: exit 6, UsageError: exit 2); they never call sys.exit themselves.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from m365exit.engine import Catalogue, assess, load_catalogue, run_examples, trace
from m365exit.engine.operators import FactValue
from m365exit.engine.yamlsrc import parse_yaml
from m365exit.errors import RulesError, SnapshotError, UsageError

app = typer.Typer(help="Validate, list, explain and test the rule catalogue.", no_args_is_help=True)

RulesDirs = Annotated[
    list[Path] | None,
    typer.Option(
        "--rules", help="Rules directory layered over the built-in catalogue (repeatable; later wins by id)."
    ),
]
Lang = Annotated[str, typer.Option("--lang", help="Language of texts: en or fr.")]


def _load(rules: list[Path] | None) -> Catalogue:
    return load_catalogue(rules or [])


def _lang(lang: str) -> str:
    if lang not in ("en", "fr"):
        raise UsageError(f"Unknown language '{lang}'.", hint="Use --lang en or --lang fr.")
    return lang


def _failures(catalogue: Catalogue) -> list[str]:
    return [
        f"{r.where}: rule '{r.rule_id}' example {r.index + 1}: {r.message}"
        for rule in catalogue.rules
        for r in run_examples(rule)
        if not r.ok
    ]


@app.command()
def validate(rules: RulesDirs = None) -> None:
    """Load the catalogue strictly and run every rule's examples."""
    catalogue = _load(rules)
    failures = _failures(catalogue)
    if failures:
        raise RulesError(
            failures[0], hint="\n".join([*failures[1:], "Run `m365exit rules test` for details."])
        )
    examples = sum(len(r.examples) for r in catalogue.rules)
    typer.echo(
        f"OK: {len(catalogue.workloads)} workloads, {len(catalogue.products)} products, "
        f"{len(catalogue.rules)} rules, {examples} examples, {len(catalogue.files)} files."
    )


@app.command("list")
def list_rules(
    rules: RulesDirs = None,
    workload: Annotated[str | None, typer.Option("--workload", help="Only this workload.")] = None,
    lang: Lang = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List rules: id, workload, severity, title."""
    catalogue = _load(rules)
    lang = _lang(lang)
    if workload is not None and catalogue.workload(workload) is None:
        known = ", ".join(w.id for w in catalogue.workloads)
        raise UsageError(f"Unknown workload '{workload}'.", hint=f"Known workloads: {known}.")
    selected = [r for r in catalogue.rules if workload is None or r.workload == workload]
    disabled = set(catalogue.disabled)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "workload": r.workload,
                        "severity": r.severity,
                        "title": r.texts[lang]["title"],
                        "disabled": r.id in disabled,
                        "facts": r.facts_read,
                    }
                    for r in selected
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for r in selected:
        flag = " (disabled)" if r.id in disabled else ""
        typer.echo(f"{r.id:40} {r.workload:16} {r.severity:8} {r.texts[lang]['title']}{flag}")


def _read_facts(path: Path) -> tuple[dict[str, FactValue], dict[str, str], datetime.date | None]:
    """Facts, absent reasons and date from a snapshot, or from a plain YAML/JSON mapping of facts."""
    from m365exit import snapshot as snap

    if path.name.endswith((".json", ".json.gz")):
        loaded = snap.load(path)
        return dict(loaded.facts), loaded.absent_reasons(), loaded.collected_at.date()
    data: Any = parse_yaml(path).data
    if not isinstance(data, dict):
        raise SnapshotError(f"{path}: expected a snapshot or a mapping of facts.")
    facts = data.get("facts", data)
    return {k: v for k, v in facts.items() if isinstance(v, int | float | str)}, {}, None


@app.command()
def explain(
    rule_id: Annotated[str, typer.Argument(metavar="ID")],
    snapshot: Annotated[
        Path | None, typer.Option("--snapshot", "--facts", help="Snapshot or facts file to evaluate on.")
    ] = None,
    rules: RulesDirs = None,
    lang: Lang = "en",
) -> None:
    """Show a rule, its sources and, with --snapshot, how it evaluates."""
    catalogue = _load(rules)
    lang = _lang(lang)
    rule = catalogue.rule(rule_id)
    if rule is None:
        import difflib

        close = difflib.get_close_matches(rule_id, [r.id for r in catalogue.rules], n=3)
        raise UsageError(
            f"Unknown rule '{rule_id}'.",
            hint=f"Did you mean: {', '.join(close)}?" if close else "See `m365exit rules list`.",
        )
    text = rule.texts[lang]
    echo = typer.echo
    echo(f"{rule.id}  [{rule.severity}]  workload: {rule.workload}  ({rule.where})")
    echo(f"\n{text['title']}\n\n{text['why']}\n\n→ {text['action']}\n")
    echo("Condition (true means the finding applies):")
    for depth, line, _ in trace(rule.condition, {}):
        echo("  " * (depth + 1) + line.split("   [value")[0])
    terms = [f"{t.days:g} × {t.fact}" + ("" if t.unit == 1 else f" / {t.unit:g}") for t in rule.effort.per]
    echo(
        f"Effort: {' + '.join([f'{rule.effort.base:g}', *terms])} person-days"
        + (f", at most {rule.effort.max:g}" if rule.effort.max is not None else "")
    )
    if rule.effort.basis:
        echo(f"  basis: {getattr(rule.effort.basis, lang)}")
    echo("References:")
    for ref in rule.references:
        echo(
            f"  - {ref.title} <{ref.url}>"
            + (f" ({ref.date})" if ref.date else "")
            + (f" [{ref.note}]" if ref.note else "")
        )
    if rule.products:
        echo("Products: " + ", ".join(catalogue.products[p].name for p in rule.products))
    if snapshot is None:
        return
    facts, absent, day = _read_facts(snapshot)
    outcome = assess(rule, facts, absent)
    echo(f"\nOn {snapshot}: {outcome.status}")
    for depth, line, result in trace(rule.condition, facts):
        mark = {True: "true", False: "false", None: "not assessable"}[result]
        echo("  " * (depth + 1) + f"{line}  → {mark}")
    for name, reason in outcome.missing.items():
        echo(f"  missing {name}: {reason}")
    if outcome.status == "applies":
        echo(f"Effort: {outcome.effort_days:g} person-days (base {outcome.effort_base:g})")
        for d in outcome.effort_drivers:
            echo(f"  {d.fact} = {d.value:g} × {d.per_unit:g} = {d.days:g}")
        if outcome.effort_bound is not None:
            echo(f"  bounded to {outcome.effort_bound:g}")
    exc = catalogue.exception_for(rule.id)
    if exc is not None:
        state = "expired" if day is not None and day > exc.expires else "in force"
        echo(f"Exception ({state}): {exc.owner}, until {exc.expires}: {exc.reason}")
    if rule.id in catalogue.disabled:
        echo("This rule is disabled by an overrides file.")


@app.command("test")
def test_rules(
    directory: Annotated[
        Path | None,
        typer.Argument(metavar="[DIR]", help="Rules directory to test over the built-in catalogue."),
    ] = None,
) -> None:
    """Run every rule's examples (the built-in catalogue, plus DIR if given)."""
    catalogue = load_catalogue([directory] if directory else [])
    results = [r for rule in catalogue.rules for r in run_examples(rule)]
    failed = [r for r in results if not r.ok]
    for r in failed:
        typer.echo(f"FAIL {r.where}: {r.rule_id} example {r.index + 1}: {r.message}")
    if failed:
        raise RulesError(
            f"{len(failed)} of {len(results)} rule examples failed.",
            hint="Fix the rule or its examples; the lines above name each one.",
        )
    typer.echo(f"{len(results)} examples passed ({len(catalogue.rules)} rules).")
