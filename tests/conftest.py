"""Shared fixtures: a simulated tenant served over HTTPS, and the CLI run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def demo_tenant():  # type: ignore[no-untyped-def]
    from m365exit.simulator import generate_tenant

    return generate_tenant("demo", 1)


@pytest.fixture(scope="session")
def sim(demo_tenant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """The demo tenant with empty pages now and then, as Graph does."""
    from m365exit.simulator import Simulator, SimulatorOptions

    with Simulator(demo_tenant, SimulatorOptions(empty_page_every=3), state_dir=tmp_path_factory.mktemp("sim")) as s:
        yield s


def clean_env(**extra: str) -> dict[str, str]:
    """The process environment without any credential the developer may have set, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AZURE_", "M365EXIT_")) and k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    env["HOME"] = env.get("HOME", "/tmp")
    env.update(extra)
    return env


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`m365exit ARGS` as a separate process: real argv parsing, real exit code, real stdout/stderr."""
    return subprocess.run(
        [sys.executable, "-m", "m365exit", *args], capture_output=True, text=True,
        env=env if env is not None else clean_env(), cwd=cwd, timeout=timeout, check=False,
    )


@pytest.fixture(scope="session")
def demo_snapshot(sim: Any) -> Any:
    """The demo tenant collected once, in process, for tests of what comes after collection."""
    from m365exit import pipeline
    from m365exit.auth import AuthSettings

    return pipeline.collect(AuthSettings.from_env(sim.env()), pipeline.CollectOptions(ca_bundle=str(sim.ca_path)))
