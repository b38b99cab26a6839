"""`serve()`: run the simulator in the foreground until interrupted (the CLI wraps it)."""

from __future__ import annotations

import gc
import shlex
import sys
import threading
from pathlib import Path
from typing import TextIO

from m365exit.simulator.generator import generate_tenant
from m365exit.simulator.server import Simulator, SimulatorOptions, write_state


def serve(
    size: str = "demo",
    port: int = 0,
    state_dir: Path | None = None,
    options: SimulatorOptions | None = None,
    seed: int = 1,
    *,
    out: TextIO | None = None,
    stop_event: threading.Event | None = None,
) -> int:
    """Start the simulator, write ca.pem and truths.json to state_dir, print `export` lines, serve.

    The lines are shell-quoted, so `eval "$(m365exit simulator serve ... | grep ^export)"` is safe.
    Returns 0 when stopped by Ctrl-C (or `stop_event`, for tests).
    """
    out = out or sys.stdout
    state = Path(state_dir) if state_dir is not None else Path.cwd() / ".m365exit-simulator"
    state.mkdir(parents=True, exist_ok=True)
    tenant = generate_tenant(size, seed)
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
        try:
            while not event.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0
