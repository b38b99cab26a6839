from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from m365exit import pipeline
from m365exit.auth import AuthSettings
from m365exit.simulator import Simulator
from m365exit.snapshot import Snapshot

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def demo_snapshot(sim: Simulator) -> Snapshot:
    settings = AuthSettings.from_env(sim.env())
    return pipeline.collect(settings, pipeline.CollectOptions(ca_bundle=str(sim.ca_path)))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; the tests need it and CI installs it."""
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: run 'apt-get install chromium' (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic",
        ])
        yield browser
        browser.close()
