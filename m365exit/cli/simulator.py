"""`m365exit simulator serve`: the local Graph + Entra simulator in the foreground (DESIGN §2, §9).

It prints, as shell `export` lines, what a client needs (tenant, client id and secret, Graph and authority
URLs, REQUESTS_CA_BUNDLE) and writes ca.pem and truths.json (the tenant's expected facts and the minimal
request plan) to --state-dir. Ctrl-C stops it cleanly with exit code 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="The local Microsoft Graph simulator (HTTPS on loopback).")


@app.command()
def serve(
    size: Annotated[str, typer.Option("--size", help="demo (about 1,200 users), s, m, l or xl.")] = "demo",
    port: Annotated[int, typer.Option("--port", help="Graph + Entra port on 127.0.0.1 (0: any free port).")] = 0,
    state_dir: Annotated[Path, typer.Option("--state-dir", help="Where ca.pem and truths.json are written.")] = Path(
        ".m365exit-simulator"),
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated tenant.")] = 1,
    latency_ms: Annotated[int, typer.Option("--latency-ms", help="Added to every response.")] = 0,
    variant: Annotated[list[str] | None, typer.Option(
        "--variant", help="A real-tenant variant, repeatable: no-intune, no-p1, usgov, china.")] = None,
    deny: Annotated[list[str] | None, typer.Option(
        "--deny", metavar="PERMISSION", help="A permission the token will not carry (repeatable).")] = None,
    throttle: Annotated[bool, typer.Option(
        "--throttle", help="Apply the documented per-service Graph limits.")] = False,
    time_scale: Annotated[float, typer.Option(
        "--time-scale", help="With --throttle: multiply windows and Retry-After (0.001: 10 min = 0.6 s).")] = 1.0,
    storm: Annotated[float, typer.Option(
        "--storm", help="With --throttle: share of requests throttled at random (0-1).")] = 0.0,
    decimal_retry_after: Annotated[bool, typer.Option(
        "--decimal-retry-after", help="Retry-After in decimal seconds (2.128) rather than whole ones.")] = False,
    fault_rate: Annotated[float, typer.Option(
        "--fault-rate", help="Share of requests hit by a 5xx, reset, slow or truncated response (0-1).")] = 0.0,
    empty_page_every: Annotated[int, typer.Option(
        "--empty-page-every", help="An empty page with a nextLink after every N pages (0: never).")] = 3,
    refuse_teams: Annotated[int, typer.Option(
        "--refuse-teams", help="N teams answer 403 on their channels while the others answer.")] = 0,
    deleted_teams: Annotated[int, typer.Option(
        "--deleted-teams", help="N teams answer 404 to every per-team read, as if deleted since the listing.")] = 0,
) -> None:
    """Serve a generated tenant over HTTPS; print the `export` lines a client needs; Ctrl-C stops it (exit 0)."""
    from m365exit import paths
    from m365exit.simulator import SIZES, SimulatorOptions
    from m365exit.simulator import serve as run
    from m365exit.simulator.faults import VARIANTS, Faults, Throttling

    if size not in SIZES:
        raise typer.BadParameter(f"choose one of {', '.join(SIZES)}", param_hint="--size")
    paths.output_dir(state_dir, "--state-dir")
    unknown = [v for v in variant or [] if v not in VARIANTS]
    if unknown:
        raise typer.BadParameter(f"unknown {unknown[0]!r}; choose among {', '.join(VARIANTS)}", param_hint="--variant")
    for name, value in (("--storm", storm), ("--fault-rate", fault_rate)):
        if not 0.0 <= value <= 1.0:
            raise typer.BadParameter("a share between 0 and 1", param_hint=name)
    for name, count in (("--refuse-teams", refuse_teams), ("--deleted-teams", deleted_teams)):
        if count < 0:
            raise typer.BadParameter("a number of teams, 0 or more", param_hint=name)
    options = SimulatorOptions(
        deny_permissions=frozenset(deny or []),
        latency_ms=latency_ms,
        empty_page_every=empty_page_every,
        variants=tuple(variant or []),
        throttling=Throttling(time_scale=time_scale, storm=storm, decimal_retry_after=decimal_retry_after,
                              seed=seed) if throttle or storm else None,
        faults=Faults(rate=fault_rate, seed=seed) if fault_rate else None,
    )
    code = run(size, port, state_dir, options, seed, refuse_teams=refuse_teams, deleted_teams=deleted_teams)
    raise typer.Exit(code)
