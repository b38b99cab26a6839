"""`m365exit portfolio run | report`: many tenants in one run, and the cross-tenant report (DESIGN §13)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from m365exit import console, paths
from m365exit.cli.app import Formats, Lang, Period, State, Strict, format_list
from m365exit.errors import ExitCode, IncompleteError, M365ExitError, PortfolioError, UsageError

app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None)

Out = Annotated[Path, typer.Option("--out", help="Folder for the tenants and the portfolio report.")]
History = Annotated[str | None, typer.Option("--history", envvar="M365EXIT_HISTORY",
                                             help="History store: an SQLite path or a postgresql:// URL.")]


@app.command("run")
def run(
    portfolio: Annotated[Path, typer.Argument(help="The portfolio file (YAML) listing the tenants.")],
    out: Out = Path("m365exit-portfolio"),
    concurrency: Annotated[int, typer.Option("--concurrency", help="Tenants collected at the same time.")] = 4,
    processes: Annotated[int | None, typer.Option(
        "--processes", help="Worker processes the tenants are spread over (default: one per core, at most "
                            "--concurrency; 1: all in this process).")] = None,
    shard: Annotated[str | None, typer.Option("--shard", help="K/N: run only shard K of N (a CI matrix).")] = None,
    history: History = None,
    lang: Lang = "en",
    fmt: Formats = "html,json,md",
    period: Period = "D30",
    strict: Strict = False,
    fresh: Annotated[bool, typer.Option("--fresh", help="Start every tenant afresh, discarding checkpoints.")
                     ] = False,
) -> None:
    """Collect, assess and report every tenant of the portfolio, N at a time; one failure never stops the rest."""
    from m365exit.portfolio import runner, spec, summary
    from m365exit.report import portfolio as report

    if concurrency < 1:
        raise UsageError("--concurrency takes a number of tenants of 1 or more.", "Example: --concurrency 4")
    if processes is not None and processes < 1:
        raise UsageError("--processes takes a number of processes of 1 or more.", "Example: --processes 2")
    paths.input_file(portfolio, "PORTFOLIO")
    paths.output_dir(out, "--out")
    loaded = spec.load(portfolio)
    tenants = loaded.tenants
    if shard:
        index, count = spec.parse_shard(shard)
        tenants = loaded.shard(index, count)
    spec.check_environment(tenants)  # before any sign-in, and only for this shard's tenants
    if history:  # opened (and migrated) once, before the tenants write to it side by side
        from m365exit import pipeline

        pipeline.check_history_options(pipeline.AssessOptions(history=history), connect=True)
    formats = format_list(fmt)
    options = runner.RunOptions(formats=formats, lang=lang, period=period, concurrency=concurrency, history=history,
                                 fresh=fresh, processes=processes or os.cpu_count() or 1)
    with console.board([t.id for t in tenants]) as board:
        events = runner.Events(
            started=lambda t, steps: board.start(t.id, steps),
            step=lambda t, label: board.step(t.id, label),
            finished=lambda row: board.finish(row.id, row.status if not row.error else f"failed: {row.error}",
                                              row.status != "failed"),
        )
        outcome = runner.run(tenants, out, options, events)
    document = summary.document(outcome.rows)
    written = report.write(document, out, formats, lang)
    _finish(document, written, strict, unexpected=outcome.unexpected)


@app.command("report")
def report_(
    history: Annotated[str | None, typer.Option("--history", envvar="M365EXIT_HISTORY",
                                                help="The shared history store the shards wrote to.")] = None,
    portfolio: Annotated[Path | None, typer.Option(
        "--portfolio", help="The portfolio file: its ids and names, and tenants that have no run yet.")] = None,
    out: Out = Path("m365exit-portfolio"),
    lang: Lang = "en",
    fmt: Formats = "html,json",
) -> None:
    """The cross-tenant report from a history store: the latest run of each tenant (after sharded runs)."""
    from m365exit.portfolio import assemble
    from m365exit.report import portfolio as report

    if not history:
        raise UsageError("portfolio report reads a history store: give --history URL or set M365EXIT_HISTORY.",
                         "The same store the 'portfolio run --shard K/N --history URL' jobs wrote to.")
    if portfolio is not None:
        paths.input_file(portfolio, "--portfolio")
    paths.output_dir(out, "--out")
    document = assemble.from_history(history, portfolio, out, lang)
    written = report.write(document, out, format_list(fmt), lang)
    _finish(document, written, strict=False, unexpected=[], failures_fail=False)


def _finish(document: dict[str, object], written: list[Path], strict: bool, unexpected: list[str],
            failures_fail: bool = True) -> None:
    tenants = document["tenants"]
    assert isinstance(tenants, list)
    failed = [t for t in tenants if t["status"] in ("failed", "missing")]
    incomplete = [t for t in tenants if t["status"] == "incomplete"]
    if State.json:
        console.stdout.print_json(data=document)
    else:
        for t in failed:
            console.warn(f"{t['id']}: {t['error']}")
        console.info(f"{len(tenants) - len(failed)} of {len(tenants)} tenant(s) assessed; "
                     f"{len(incomplete)} with collection issues, {len(failed)} failed or missing.")
        html = next((p for p in written if p.suffix == ".html"), None)
        console.stdout.print(f"Portfolio report: {html or written[0]}")
    if unexpected:
        raise M365ExitError(f"Unexpected error while assessing {', '.join(unexpected)}.",
                            "The other tenants were written. Run that tenant alone with 'm365exit --debug run' "
                            "and report the problem.", ExitCode.UNEXPECTED)
    if failed and failures_fail:
        raise PortfolioError(f"{len(failed)} of {len(tenants)} tenant(s) failed, first: {failed[0]['id']}: "
                             f"{failed[0]['error']}", "The others were written; portfolio.json says which and why.")
    if strict and incomplete:
        raise IncompleteError(f"{len(incomplete)} tenant(s) were collected with issues, first: {incomplete[0]['id']}.",
                              "Their reports were still written; 'm365exit doctor' lists missing permissions.")
