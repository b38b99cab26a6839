"""The organisation's two snapshots, three months apart, and history stores: SQLite and a real PostgreSQL.

PostgreSQL comes from M365EXIT_TEST_POSTGRES_URL (.ci/run starts a server and always sets it). Without it the
PostgreSQL tests are skipped on a workstation, and fail under CI: a missing server is never a silent pass.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.history.organisation import EARLIER, LATER, earlier_tenant, later_tenant


@dataclass
class Organisation:
    earlier: Path  # snapshot files
    later: Path
    earlier_truths: dict[str, Any]
    later_truths: dict[str, Any]
    tenant_id: str

    def deltas(self) -> dict[str, Any]:
        """The simulator's own deltas: later truth − earlier truth, for every fact that moved."""
        a, b = self.earlier_truths, self.later_truths
        return {k: b[k] - a[k] for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}


@pytest.fixture(scope="session")
def organisation(tmp_path_factory: pytest.TempPathFactory) -> Organisation:
    from m365exit import pipeline
    from m365exit import snapshot as snap
    from m365exit.auth import AuthSettings
    from m365exit.simulator import Simulator, SimulatorOptions

    folder = tmp_path_factory.mktemp("organisation")
    files, truths = [], []
    for name, tenant, when in (("earlier", earlier_tenant(), EARLIER), ("later", later_tenant(), LATER)):
        with Simulator(tenant, SimulatorOptions(empty_page_every=5), state_dir=folder / f"sim-{name}") as sim:
            snapshot = pipeline.collect(AuthSettings.from_env(sim.env()),
                                        pipeline.CollectOptions(ca_bundle=str(sim.ca_path)), clock=lambda w=when: w)
            truths.append(sim.truths)
        assert snapshot.facts == sim.truths, "the collection must be exact for the deltas to mean anything"
        path = folder / f"{name}.json.gz"
        snap.save(snapshot, path)
        files.append(path)
    return Organisation(files[0], files[1], truths[0], truths[1], snapshot.tenant.id)


def in_chromium(check: Callable[[Any], None]) -> None:
    """Run `check(browser)` with Debian's Chromium, driven by Playwright in a thread of its own: a sync
    Playwright runs one per thread, and tests/report may hold its session one in this thread."""
    from playwright.sync_api import sync_playwright

    from tests.report.conftest import CHROMIUM

    if CHROMIUM is None:
        pytest.fail("chromium is not installed: run 'apt-get install chromium' (.ci/run does)")
    failures: list[BaseException] = []

    def work() -> None:
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                try:
                    check(browser)
                finally:
                    browser.close()
        except BaseException as exc:  # re-raised in the test's own thread
            failures.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    if failures:
        raise failures[0]


def postgres_server() -> str:
    url = os.environ.get("M365EXIT_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("M365EXIT_TEST_POSTGRES_URL is not set under CI: .ci/run starts PostgreSQL and sets it")
        pytest.skip("M365EXIT_TEST_POSTGRES_URL is not set (.ci/run starts a PostgreSQL server and sets it)")
    return url


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new database on the test server, dropped afterwards."""
    import sqlalchemy as sa

    server = sa.make_url(postgres_server()).set(drivername="postgresql+psycopg")
    name = f"m365exit_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.fail(f"M365EXIT_TEST_POSTGRES_URL is set but the server cannot be used: {exc.orig}")
    try:
        yield server.set(database=name, drivername="postgresql").render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each history test runs against an SQLite file and a real PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "history" / "m365exit.sqlite")
    return str(request.getfixturevalue("postgres_url"))


def assess(snapshot: Path, out: Path, store: str, *extra: str, env: dict[str, str] | None = None) -> Any:
    return run_cli("--json", "assess", str(snapshot), "--out", str(out), "--history", store, *extra, env=env)


def history(store: str, *args: str) -> Any:
    result = run_cli("--json", "history", *args, "--history", store)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="session", params=BACKENDS)
def recorded_store(request: pytest.FixtureRequest, organisation: Organisation,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A store with both runs, three months ago then today, recorded by `assess --history` as processes;
    and the folder of their reports (earlier/, later/). Tests only read it, or record the same snapshots."""
    folder = tmp_path_factory.mktemp(f"recorded-{request.param}")
    with contextlib.ExitStack() as stack:
        url = (str(folder / "history" / "m365exit.sqlite") if request.param == "sqlite"
               else stack.enter_context(fresh_database()))
        for name, snapshot in (("earlier", organisation.earlier), ("later", organisation.later)):
            result = assess(snapshot, folder / name, url)
            assert result.returncode == 0, result.stderr
            assert json.loads(result.stdout)["history"]["recorded"] is True
        yield url, folder


@pytest.fixture
def recorded(recorded_store: tuple[str, Path]) -> str:
    return recorded_store[0]


@pytest.fixture
def reports(recorded_store: tuple[str, Path]) -> Path:
    return recorded_store[1]
