"""`serve()`: run the simulator in the foreground until interrupted (the CLI wraps it)."""

from __future__ import annotations

import gc
import json
import shlex
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from m365exit.simulator.faults import Faults
from m365exit.simulator.generator import generate_tenant
from m365exit.simulator.server import Simulator, SimulatorOptions, write_state


def serve(
    size: str = "demo",
    port: int = 0,
    state_dir: Path | None = None,
    options: SimulatorOptions | None = None,
    seed: int = 1,
    *,
    refuse_teams: int = 0,
    deleted_teams: int = 0,
    out: TextIO | None = None,
    stop_event: threading.Event | None = None,
) -> int:
    """Start the simulator, write ca.pem and truths.json to state_dir, print `export` lines, serve.

    The lines are shell-quoted, so `eval "$(m365exit simulator serve ... | grep ^export)"` is safe.
    `refuse_teams` teams answer 403 on their channels and `deleted_teams` more answer 404 to every per-team
    read, as if deleted since the listing (a partial fan-out, DESIGN §5 coverage); truths.json keeps the
    whole tenant's figures. Returns 0 when stopped by Ctrl-C (or `stop_event`, for tests).
    """
    out = out or sys.stdout
    state = Path(state_dir) if state_dir is not None else Path.cwd() / ".m365exit-simulator"
    state.mkdir(parents=True, exist_ok=True)
    tenant = generate_tenant(size, seed)
    options = options or SimulatorOptions()
    if refuse_teams or deleted_teams:
        picked = [t.id for t in tenant.teams[1:1 + refuse_teams + deleted_teams]]  # the first team stays whole
        faults = replace(options.faults or Faults(), refuse=frozenset(picked[:refuse_teams]),
                         deleted=frozenset(picked[refuse_teams:]))
        options = replace(options, faults=faults)
    sim = Simulator(tenant, options, state_dir=state, port=port)
    # The tenant's millions of objects live as long as the process: keep the cyclic collector from walking
    # them again on every full collection (at 100,000 users that made serialising pages twice as slow).
    gc.freeze()
    with sim:
        write_state(sim, state)
        for name, value in sim.env().items():
            out.write(f"export {name}={shlex.quote(value)}\n")
        out.write(
            f"# {tenant.display_name} ({size}, seed {seed}): {len(tenant.users)} users; "
            f"truths in {state / 'truths.json'}; Ctrl-C to stop\n"
        )
        out.flush()
        event = stop_event or threading.Event()
        if threading.current_thread() is threading.main_thread():  # SIGTERM stops as cleanly as Ctrl-C
            signal.signal(signal.SIGTERM, lambda *_: event.set())
        try:
            while not event.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        write_request_log(sim, state)
    return 0


def write_request_log(sim: Simulator, state: Path) -> None:
    """requests.json: every request served, so a test in another process can count and time them."""
    rows = [{"time": e.time, "origin": e.origin, "method": e.method, "path": e.path, "status": e.status,
             "inner": e.inner} for e in list(sim.request_log)]
    (state / "requests.json").write_text(json.dumps(rows), encoding="utf-8")
