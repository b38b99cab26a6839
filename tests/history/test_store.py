"""The store itself: one transaction per run (SIGKILL half-way leaves nothing), a store written at schema v1
opens and migrates, and a store it cannot read is one clear sentence, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from m365exit import pipeline
from m365exit import snapshot as snap
from m365exit.history import open_store, run_from_assessment
from m365exit.history.store import HistoryError
from tests.conftest import run_cli

from .conftest import Organisation
from .make_v1_store import write_v1

FIXTURE_V1 = Path(__file__).parent / "fixtures" / "store-v1.sqlite"
ROOT = Path(__file__).resolve().parents[2]


def run_of(snapshot: Path):  # type: ignore[no-untyped-def]
    return run_from_assessment(pipeline.evaluate(snap.load(snapshot), pipeline.AssessOptions()))


def counts(url: str) -> dict[str, int]:
    with open_store(url) as store, store.engine.connect() as conn:
        return {t: int(conn.execute(sa.select(sa.func.count()).select_from(sa.table(t))).scalar_one())
                for t in ("runs", "run_facts", "run_workloads", "run_findings", "run_coverage")}


KILLED_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import sqlalchemy as sa
    from m365exit import pipeline, snapshot as snap
    from m365exit.history import open_store, run_from_assessment

    url, snapshot, marker = sys.argv[1:4]
    run = run_from_assessment(pipeline.evaluate(snap.load(Path(snapshot)), pipeline.AssessOptions()))
    store = open_store(url)

    @sa.event.listens_for(store.engine, "after_cursor_execute")
    def pause(conn, cursor, statement, *args):
        if "run_findings" in statement and statement.lstrip().upper().startswith("INSERT"):
            Path(marker).write_text("facts, workloads and findings written; not committed")
            time.sleep(600)  # killed here, inside the transaction

    store.record(run)
""")


def test_a_process_killed_mid_write_leaves_nothing(organisation: Organisation, store_url: str,
                                                   tmp_path: Path) -> None:
    with open_store(store_url) as store:
        first = store.record(run_of(organisation.earlier))
    before = counts(store_url)
    marker = tmp_path / "inside-transaction"
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, store_url, str(organisation.later), str(marker)],
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE)
    try:
        for _ in range(600):
            if marker.exists() or child.poll() is not None:
                break
            time.sleep(0.1)
        assert marker.exists(), child.stderr.read().decode() if child.stderr else "writer never got there"
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        if child.stderr:
            child.stderr.close()
    assert counts(store_url) == before  # not one row of the killed run
    with open_store(store_url) as store:
        assert [r.id for r in store.runs()] == [first.run_id]
        again = store.record(run_of(organisation.later))  # and the store still takes writes
        assert again.created and len(store.runs()) == 2


def test_recording_the_same_run_twice_stores_it_once(organisation: Organisation, store_url: str) -> None:
    run = run_of(organisation.later)
    with open_store(store_url) as store:
        a, b = store.record(run), store.record(run)
        assert a.created and not b.created and a.run_id == b.run_id
        loaded = store.load(a.run_id)
        assert loaded.facts == organisation.later_truths and type(loaded.facts["exchange.storage_bytes"]) is int
        assert loaded.findings == run.findings and loaded.workloads == run.workloads
        assert store.latest(organisation.tenant_id) == loaded.summary()
        assert store.latest("another-tenant") is None


def test_latest_run_per_tenant(organisation: Organisation, store_url: str) -> None:
    earlier, later = run_of(organisation.earlier), run_of(organisation.later)
    other = earlier.model_copy(update={"tenant_id": "another-tenant", "tenant_name": "Autre", "snapshot_digest": "x"})
    with open_store(store_url) as store:
        for run in (later, other, earlier):  # recorded out of time order
            store.record(run)
        latest = store.latest_per_tenant()
        assert [(r.tenant_id, r.collected_at) for r in latest] == [
            ("another-tenant", earlier.collected_at), (organisation.tenant_id, later.collected_at)]
        first = store.runs(organisation.tenant_id)[0]
        assert store.previous(store.load(latest[1].id or 0)) == store.load(first.id or 0)
        with pytest.raises(HistoryError, match="holds 2 tenants"):
            store.resolve_tenant(None)


@pytest.mark.postgres
def test_shards_opening_a_new_postgresql_store_together(postgres_url: str) -> None:
    """Portfolio shards start at once against an empty database: one migrates, the others wait, none fails."""
    code = "import sys; from m365exit.history import open_store; s = open_store(sys.argv[1]); print(s.revision())"
    children = [subprocess.Popen([sys.executable, "-c", code, postgres_url], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
                for _ in range(4)]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0] * 4, outputs
    assert [out.strip() for out, _ in outputs] == ["0002"] * 4


def check_migrated(url: str, organisation: Organisation) -> None:
    with open_store(url) as store:
        assert store.revision() == "0002"
        runs = store.runs()
        assert [r.collected_at.date().isoformat() for r in runs] == ["2026-08-28", "2026-11-28"]
        assert store.load(runs[0].id or 0).facts == organisation.earlier_truths
        with store.engine.connect() as conn:  # v2's number column, filled in for the runs v1 wrote
            numbers = dict(conn.execute(sa.text(
                "SELECT run_id, number FROM run_facts WHERE name = 'exchange.mailboxes' ORDER BY run_id")).all())
        assert list(numbers.values()) == [organisation.earlier_truths["exchange.mailboxes"],
                                          organisation.later_truths["exchange.mailboxes"]]


def test_a_store_written_at_schema_v1_opens_and_migrates(organisation: Organisation, tmp_path: Path) -> None:
    store_file = tmp_path / "store-v1.sqlite"
    shutil.copyfile(FIXTURE_V1, store_file)
    engine = sa.create_engine(f"sqlite:///{store_file}")
    with engine.connect() as conn:  # the fixture really is v1: no number column
        assert conn.execute(sa.text("SELECT version_num FROM m365exit_schema_version")).scalar_one() == "0001"
        assert "number" not in {c["name"] for c in sa.inspect(conn).get_columns("run_facts")}
    engine.dispose()
    check_migrated(str(store_file), organisation)
    change = run_cli("--json", "history", "diff", "--history", str(store_file))  # and the commands read it
    assert change.returncode == 0, change.stderr
    assert {f["name"]: f["delta"] for f in json.loads(change.stdout)["facts"]} == organisation.deltas()


@pytest.mark.postgres
def test_a_postgresql_store_at_schema_v1_migrates(organisation: Organisation, postgres_url: str,
                                                  tmp_path: Path) -> None:
    copy = tmp_path / "v1.sqlite"
    shutil.copyfile(FIXTURE_V1, copy)
    with open_store(str(copy)) as old:  # the fixture's runs, written into PostgreSQL the way v1 wrote them
        runs = [old.load(r.id or 0) for r in old.runs()]
    write_v1(postgres_url, runs)
    check_migrated(postgres_url, organisation)


def test_a_store_from_a_newer_m365exit_is_refused_clearly(organisation: Organisation, tmp_path: Path) -> None:
    store_file = tmp_path / "newer.sqlite"
    open_store(str(store_file)).close()
    engine = sa.create_engine(f"sqlite:///{store_file}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE m365exit_schema_version SET version_num = '0099'"))
    engine.dispose()
    result = run_cli("history", "list", "--history", str(store_file))
    assert result.returncode == 2
    assert "schema revision 0099, newer than this m365exit knows" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_postgresql_is_one_sentence_without_the_password(tmp_path: Path) -> None:
    result = run_cli("history", "list", "--history", "postgresql://reader:s3cret-pw@127.0.0.1:9/history")
    assert result.returncode == 2, result.stderr
    assert "cannot be used" in result.stderr and "s3cret-pw" not in result.stderr
    assert "Traceback" not in result.stderr


def test_the_sqlite_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "history.sqlite"
    open_store(str(path)).close()
    assert path.stat().st_mode & 0o777 == 0o600
