"""`m365exit history list | show | diff | trend`, and the history options of assess, run and demo (DESIGN §12)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from m365exit import console
from m365exit.cli.app import State
from m365exit.errors import UsageError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from m365exit.history.diff import FactChange, RunDiff
    from m365exit.history.store import Store
    from m365exit.pipeline import HistoryOutcome

HistoryUrl = Annotated[str | None, typer.Option(
    "--history", envvar="M365EXIT_HISTORY",
    help="History store: an SQLite file path or postgresql://USER@HOST/DB (env M365EXIT_HISTORY).")]
FailOnRegression = Annotated[int | None, typer.Option(
    "--fail-on-regression", help="Exit 7 when overall readiness fell by more than N points since the previous run.")]
FailOn = Annotated[list[str] | None, typer.Option(
    "--fail-on", help="Exit 7 on a condition: new-blocker (a blocker the previous run did not have).")]
Tenant = Annotated[str | None, typer.Option(
    "--tenant", help="Tenant id or name (needed when the store holds several).")]

app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None)


def _open(url: str | None) -> Store:
    if not url:
        raise UsageError("No history store given.", "Pass --history PATH or a postgresql:// URL, "
                         "or set M365EXIT_HISTORY.")
    from m365exit.history import open_store

    return open_store(url)


def emit(document: BaseModel) -> None:
    from m365exit.history.documents import dumps

    sys.stdout.write(dumps(document))
    sys.stdout.flush()


def _num(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def _signed(value: float | None) -> str:
    return "—" if value is None else ("+" if value > 0 else "") + _num(value)


@app.command("list")
def list_runs(history: HistoryUrl = None, tenant: Tenant = None) -> None:
    """Runs, one line each: id, tenant, collected_at, overall readiness, blockers."""
    from m365exit.history.documents import RunList

    with _open(history) as store:
        runs = store.runs(tenant)
    if State.json:
        emit(RunList(runs=runs))
        return
    table = Table("run", "tenant", "collected_at", "readiness", "blockers", "effort (days)",
                  title=f"{len(runs)} run(s)")
    for r in runs:
        table.add_row(str(r.id), escape(r.tenant_name), r.collected_at.strftime("%Y-%m-%d %H:%M UTC"),
                      _num(r.readiness), _num(r.blockers), _num(r.effort_days))
    console.stdout.print(table)


@app.command()
def show(run: Annotated[int, typer.Argument(help="A run id from 'history list'.")], history: HistoryUrl = None) -> None:
    """One run: its scores per workload and the findings that apply."""
    from m365exit.history.documents import RunDocument

    with _open(history) as store:
        loaded = store.load(run)
    if State.json:
        emit(RunDocument(**loaded.model_dump()))
        return
    console.stdout.print(f"Run {loaded.id}: {loaded.tenant_name} ({loaded.tenant_id}), collected "
                         f"{loaded.collected_at:%Y-%m-%d %H:%M UTC}; readiness {_num(loaded.readiness)}/100, "
                         f"{loaded.blockers} blocker(s), {_num(loaded.effort_days)} person-days", markup=False)
    table = Table("workload", "readiness", "status", "blockers", "effort (days)")
    for w in loaded.workloads:
        table.add_row(w.id, _num(w.readiness), w.status, _num(w.blockers), _num(w.effort_days))
    console.stdout.print(table)
    applying = [f for f in loaded.findings if f.status == "applies"]
    findings = Table("rule", "workload", "severity", title=f"{len(applying)} finding(s) apply")
    for f in applying:
        findings.add_row(f.rule, f.workload, f.severity)
    console.stdout.print(findings)


def fact_table(changes: list[FactChange]) -> Table:
    table = Table("fact", "before", "after", "delta", title=f"{len(changes)} fact(s) moved")
    for c in changes:
        table.add_row(c.name, _num(c.before), _num(c.after), _signed(c.delta))
    return table


@app.command()
def diff(
    runs: Annotated[list[int] | None, typer.Argument(help="Two run ids; by default the tenant's last two runs.")
                    ] = None,
    history: HistoryUrl = None, tenant: Tenant = None,
) -> None:
    """What changed between two runs: facts with their delta, workloads, findings opened and closed."""
    from m365exit.history.diff import diff_runs

    with _open(history) as store:
        if runs:
            if len(runs) != 2:
                raise UsageError("history diff takes two run ids, or none.", "Example: m365exit history diff 3 4")
            before, after = store.load(runs[0]), store.load(runs[1])
        else:
            listed = store.runs(store.resolve_tenant(tenant))
            if len(listed) < 2:
                raise UsageError(f"The history store {store.url} holds {len(listed)} run(s) of this tenant: "
                                 "a diff needs two.", "Record another assessment with --history, then diff.")
            before, after = (store.load(r.id) for r in listed[-2:] if r.id is not None)
    change = diff_runs(before, after)
    if State.json:
        emit(change)
        return
    show_diff(change)


def show_diff(change: RunDiff) -> None:
    a, b = change.before, change.after
    console.stdout.print(f"{b.tenant_name}: run {a.id} ({a.collected_at:%Y-%m-%d}) → run {b.id} "
                         f"({b.collected_at:%Y-%m-%d}); readiness {_num(a.readiness)} → {_num(b.readiness)} "
                         f"({_signed(change.readiness_delta)})", markup=False)
    console.stdout.print(fact_table(change.facts))
    if change.workloads:
        table = Table("workload", "readiness before", "after", "status before", "after",
                      title=f"{len(change.workloads)} workload(s) changed")
        for w in change.workloads:
            table.add_row(w.id, _num(w.readiness_before), _num(w.readiness_after), w.status_before or "—",
                          w.status_after or "—")
        console.stdout.print(table)
    for title, items in (("finding(s) opened", change.findings_opened), ("finding(s) closed", change.findings_closed),
                         ("blocker(s) resolved", change.blockers_resolved)):
        table = Table("rule", "workload", "severity", "before", "now", title=f"{len(items)} {title}")
        for c in items:
            table.add_row(c.rule, c.workload, c.severity, c.status_before or "—", c.status_after or "—")
        console.stdout.print(table)


@app.command()
def trend(
    fact: Annotated[str | None, typer.Option("--fact", help="A fact name, e.g. exchange.mailboxes.")] = None,
    workload: Annotated[str | None, typer.Option("--workload", help="A workload id: its readiness over time.")
                        ] = None,
    history: HistoryUrl = None, tenant: Tenant = None,
) -> None:
    """The series of a fact, or of a workload's readiness, over the tenant's runs."""
    from m365exit.history.trend import trend as series

    if (fact is None) == (workload is None):
        raise UsageError("history trend takes --fact F or --workload W (one of them).",
                         "Example: m365exit history trend --fact exchange.mailboxes")
    with _open(history) as store:
        runs = [store.load(r.id) for r in store.runs(store.resolve_tenant(tenant)) if r.id is not None]
    result = series(runs, fact=fact, workload=workload)
    if all(p.value is None for p in result.points):  # most likely a typo: say so rather than print blanks
        what = f"the fact {fact!r}" if fact else f"a readiness for the workload {workload!r}"
        raise UsageError(f"No run of {result.tenant_name} has {what}.",
                         "Fact names are listed in docs/facts.md; workload ids by 'm365exit rules list'.")
    if State.json:
        emit(result)
        return
    table = Table("run", "collected_at", fact or f"{workload} readiness", title=escape(result.tenant_name))
    for p in result.points:
        table.add_row(str(p.run), p.collected_at.strftime("%Y-%m-%d %H:%M UTC"), _num(p.value))
    console.stdout.print(table)


def report_outcome(outcome: HistoryOutcome | None) -> None:
    """One line on stderr: where the run went and what it is compared with."""
    if outcome is None:
        return
    stored = "Recorded as run" if outcome.created else "Already recorded as run"
    line = f"{stored} {outcome.run_id} in {outcome.store_url}"
    previous = outcome.previous
    if previous is not None:
        line += (f"; previous run {previous.id} ({previous.collected_at:%Y-%m-%d}): readiness "
                 f"{_num(previous.readiness)} → {_num(outcome.current.readiness)}")
    console.info(line)
