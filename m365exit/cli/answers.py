"""`m365exit answers`: the questionnaire for what Graph cannot see."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from m365exit import answers as answers_mod
from m365exit import console, paths
from m365exit.cli.app import Lang, app
from m365exit.snapshot import write_atomic

answers_app = typer.Typer(help="The questionnaire for what Graph cannot see (Power Apps, InfoPath, telephony...).",
                          no_args_is_help=True)
app.add_typer(answers_app, name="answers")


@answers_app.command("template")
def template(
    lang: Lang = "en",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Write a commented answers file to fill in."""
    if out is not None:
        paths.output_file(out, "--out")
    text = answers_mod.template(lang)
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(out, text.encode("utf-8"), mode=0o644)
        console.info(f"Questionnaire written to {out}.")


@answers_app.command("validate")
def validate(path: Annotated[Path, typer.Argument(help="An answers file.")]) -> None:
    """Check an answers file: unknown facts and wrong values are named with their line."""
    loaded = answers_mod.load(path)
    console.info(f"{path}: {len(loaded.facts)} answer(s), valid.")
