"""`m365exit demo`: the whole pipeline against the built-in simulated tenant, over real HTTPS."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from m365exit import paths, pipeline
from m365exit.auth import AuthSettings
from m365exit.cli.app import (
    Brand,
    Lang,
    OutDir,
    Pseudonymize,
    PseudonymizeKey,
    app,
    key_exists,
    note_new_key,
    wants_pseudonyms,
)
from m365exit.cli.assess import finish
from m365exit.cli.collect import Fresh, collect_into
from m365exit.cli.history import FailOn, FailOnRegression, HistoryUrl


@app.command()
def demo(
    out: OutDir = Path("m365exit-demo"),
    lang: Lang = "en",
    size: Annotated[str, typer.Option("--size", help="demo (about 1,200 users), s, m, l or xl.")] = "demo",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated tenant.")] = 1,
    fresh: Fresh = False,
    brand: Brand = None,
    pseudonymize: Pseudonymize = False,
    pseudonymize_key: PseudonymizeKey = None,
    history: HistoryUrl = None,
    fail_on_regression: FailOnRegression = None,
    fail_on: FailOn = None,
) -> None:
    """Collect from a simulated French public body and write its report: no tenant or account needed."""
    from m365exit.simulator import SIZES, Simulator, SimulatorOptions, generate_tenant

    if size not in SIZES:
        raise typer.BadParameter(f"choose one of {', '.join(SIZES)}", param_hint="--size")
    snapshot_path = out / "snapshot.json.gz"
    paths.output_dir(out, "--out")
    paths.output_file(snapshot_path, "--out")
    history_options = pipeline.AssessOptions(lang=lang, brand=brand, history=history,
                                             fail_on_regression=fail_on_regression, fail_on=fail_on or [])
    pipeline.check_history_options(history_options, connect=True)
    with tempfile.TemporaryDirectory(prefix="m365exit-sim-") as state:
        tenant = generate_tenant(size, seed)
        with Simulator(tenant, SimulatorOptions(empty_page_every=7), state_dir=Path(state)) as sim:
            settings = AuthSettings.from_env(sim.env())
            options = pipeline.CollectOptions(ca_bundle=str(sim.ca_path), source_label="simulator",
                                              pseudonymize=wants_pseudonyms(pseudonymize, pseudonymize_key, False),
                                              pseudonymize_key=pseudonymize_key)
            existed = key_exists(pseudonymize_key)
            snapshot, _ = collect_into(settings, options, snapshot_path, strict=False, fresh=fresh,
                                       label="Collecting (simulator)")
    note_new_key(options.pseudonymize, pseudonymize_key, existed)
    assessment, written, recorded = pipeline.assess_recorded(snapshot, out, history_options)
    finish(assessment, written, None, recorded)
