"""`m365exit assess`: evaluate a snapshot against the rules and write the reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from m365exit import __version__, console, paths, pipeline
from m365exit import snapshot as snap
from m365exit.cli.app import (
    Brand,
    FailUnder,
    Formats,
    Lang,
    OutDir,
    Pseudonymize,
    PseudonymizeKey,
    PseudonymizeResources,
    RulesDirs,
    State,
    app,
    format_list,
    key_exists,
    note_new_key,
    wants_pseudonyms,
)
from m365exit.cli.history import FailOn, FailOnRegression, HistoryUrl, report_outcome
from m365exit.pipeline import HistoryOutcome
from m365exit.scoring import USERS_PER_WEEK, USERS_PER_WEEK_SOURCE, Assessment

Prices = Annotated[Path | None, typer.Option("--prices", help="A price table replacing the built-in list prices.")]
UsersPerWeek = Annotated[float, typer.Option(
    "--users-per-week", help=f"People moved per week, which sets each wave's duration ({USERS_PER_WEEK_SOURCE}).")]


def finish(assessment: Assessment, written: list[Path], fail_under: int | None,
           history: HistoryOutcome | None = None) -> None:
    """Print where the reports are (stdout carries JSON under --json), then apply the threshold."""
    html = next((p for p in written if p.suffix == ".html"), None)
    if State.json:
        console.stdout.print_json(data={
            "readiness": assessment.readiness, "effort_days": assessment.effort_days,
            "blocked": [w.id for w in assessment.workloads if w.status == "blocked"],
            "files": [str(p) for p in written],
            **({"history": {"run": history.run_id, "recorded": history.created,
                            "previous": history.previous.id if history.previous else None}} if history else {}),
        })
    else:
        console.info(f"Overall readiness: {assessment.readiness if assessment.readiness is not None else '-'}/100")
        for path in written:
            if path != html:
                console.info(f"  {path}")
        if html:
            console.stdout.print(f"Report: {html}")
        report_outcome(history)
    pipeline.check_threshold(assessment, fail_under, history)


@app.command()
def assess(
    snapshot: Annotated[Path, typer.Argument(help="A snapshot written by collect, import or demo.")],
    out: OutDir = Path("m365exit-report"),
    rules: RulesDirs = None,
    fmt: Formats = "html,json,md",
    lang: Lang = "en",
    prices: Prices = None,
    fail_under: FailUnder = None,
    answers: Annotated[Path | None, typer.Option("--answers", help="Facts people supply (see 'answers template').")
                       ] = None,
    brand: Brand = None,
    pseudonymize: Pseudonymize = False,
    pseudonymize_key: PseudonymizeKey = None,
    pseudonymize_resources: PseudonymizeResources = False,
    users_per_week: UsersPerWeek = USERS_PER_WEEK,
    history: HistoryUrl = None,
    fail_on_regression: FailOnRegression = None,
    fail_on: FailOn = None,
) -> None:
    """Evaluate a snapshot against the rules and write the reports (offline; no Graph access)."""
    options = pipeline.AssessOptions(
        rules_dirs=rules or [], formats=format_list(fmt), lang=lang,
        prices=prices, fail_under=fail_under, answers=answers, brand=brand, users_per_week=users_per_week,
        pseudonymize=wants_pseudonyms(pseudonymize, pseudonymize_key, pseudonymize_resources),
        pseudonymize_key=pseudonymize_key, pseudonymize_resources=pseudonymize_resources,
        history=history, fail_on_regression=fail_on_regression, fail_on=fail_on or [],
    )
    paths.output_dir(out, "--out")
    loaded = snap.load(snapshot)
    unknown = loaded.unknown_facts()
    if unknown:
        console.warn(f"{snapshot}: {len(unknown)} fact(s) unknown to m365exit {__version__}, kept but read by no "
                     f"rule: {', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}. A newer version wrote them.")
    existed = key_exists(pseudonymize_key)
    assessment, written, recorded = pipeline.assess_recorded(loaded, out, options)
    note_new_key(options.pseudonymize, pseudonymize_key, existed)
    finish(assessment, written, fail_under, recorded)
