"""The run store: an SQLite file by default, PostgreSQL for a team or a portfolio (DESIGN §12).

The public API other parts build on (the portfolio's shared history among them):
    store = open_store(url)          # a path (SQLite) or an SQLAlchemy URL; migrates to the current schema
    store.record(run) -> Recorded    # one transaction; the same snapshot twice is stored once
    store.runs(tenant) / store.latest(tenant_id) / store.latest_per_tenant() / store.load(run_id)
    store.previous(run) / store.earlier(run)   # runs of the same tenant collected before `run`
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from m365exit.errors import UsageError
from m365exit.history import schema
from m365exit.history.models import Coverage, FindingRecord, Run, RunSummary, WorkloadRecord, utc

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "m365exit_schema_version"
_MIGRATION_LOCK = 0x6D333635  # pg_advisory lock id: shards starting together migrate one at a time
HINT = "Pass --history PATH (an SQLite file) or --history postgresql://USER@HOST/DB, or set M365EXIT_HISTORY."


class HistoryError(UsageError):
    """The store cannot be opened, is of an unknown schema, or lacks what was asked (exit 2)."""


@dataclass(frozen=True)
class Recorded:
    run_id: int
    created: bool  # False: this snapshot was already in the store


def engine_url(url: str) -> sa.URL:
    """A plain path is an SQLite file; postgresql:// uses psycopg 3 (the `postgres` extra)."""
    if "://" not in url:
        path = Path(url).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():  # it holds tenant facts: readable by its owner only
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        return sa.URL.create("sqlite", database=str(path))
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise HistoryError(f"The history URL {url!r} is not a database URL.", HINT) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def open_store(url: str) -> Store:
    parsed = engine_url(url)
    shown = parsed.render_as_string(hide_password=True)
    try:
        engine = sa.create_engine(parsed, pool_pre_ping=True)
    except ModuleNotFoundError:
        raise HistoryError(f"The driver for {shown} is not installed.",
                           "For PostgreSQL: pip install 'm365exit[postgres]' (psycopg 3).") from None
    except sa.exc.ArgumentError as exc:
        raise HistoryError(f"The history URL {shown} cannot be used: {exc}.", HINT) from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    store = Store(engine, shown)
    try:
        store.migrate()
    except BaseException:
        engine.dispose()
        raise
    return store


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _fact_number(value: object) -> float | None:
    return None if isinstance(value, bool) or not isinstance(value, int | float) else float(value)


class Store:
    def __init__(self, engine: Engine, shown_url: str) -> None:
        self.engine = engine
        self.url = shown_url  # password hidden: safe in messages

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[Connection]:
        try:
            with self.engine.begin() if write else self.engine.connect() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise HistoryError(f"The history store {self.url} cannot be used: {reason}.", HINT) from None

    # -- schema --------------------------------------------------------------------------------------

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self._connect() as conn:
            return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()

    def migrate(self, target: str = "head") -> None:
        """Bring the store to `target` (the current schema by default), in one transaction."""
        from alembic import command
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        known = {rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()}
        current = self.revision()
        if current is not None and current not in known:
            raise HistoryError(
                f"The history store {self.url} has schema revision {current}, newer than this m365exit knows "
                f"({schema.HEAD}).", "Upgrade m365exit to read it.")
        if current == schema.HEAD and target == "head":
            return
        with self._connect(write=True) as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            config.attributes["connection"] = conn
            command.upgrade(config, target)

    # -- writing -------------------------------------------------------------------------------------

    def record(self, run: Run) -> Recorded:
        """Store one assessment in one transaction: a process killed half-way leaves nothing."""
        existing = self._run_id_of(run.snapshot_digest)
        if existing is not None:
            return Recorded(existing, created=False)
        try:
            with self._connect(write=True) as conn:
                values = run.summary().model_dump(exclude={"id"})
                inserted = conn.execute(schema.runs.insert().values(**values)).inserted_primary_key
                assert inserted is not None
                run_id = int(inserted[0])
                rows: list[tuple[sa.Table, list[dict[str, Any]]]] = [
                    (schema.facts, [{"run_id": run_id, "name": n, "value": json.dumps(v), "number": _fact_number(v)}
                                    for n, v in run.facts.items()]),
                    (schema.coverage, [{"run_id": run_id, "fact": n, **c.model_dump()}
                                       for n, c in run.coverage.items()]),
                    (schema.workloads, [{"run_id": run_id, "workload": w.id, "position": i,
                                         **w.model_dump(exclude={"id"})} for i, w in enumerate(run.workloads)]),
                    (schema.findings, [{"run_id": run_id, **f.model_dump()} for f in run.findings]),
                ]
                for table, batch in rows:
                    if batch:
                        conn.execute(table.insert(), batch)
        except sa.exc.IntegrityError:  # another writer stored the same snapshot at the same moment
            existing = self._run_id_of(run.snapshot_digest)
            if existing is None:
                raise
            return Recorded(existing, created=False)
        return Recorded(run_id, created=True)

    def _run_id_of(self, digest: str) -> int | None:
        with self._connect() as conn:
            found = conn.execute(sa.select(schema.runs.c.id).where(schema.runs.c.snapshot_digest == digest)).scalar()
        return None if found is None else int(found)

    # -- reading -------------------------------------------------------------------------------------

    def tenants(self) -> list[tuple[str, str]]:
        """(tenant id, latest name) of every tenant in the store."""
        with self._connect() as conn:
            rows = conn.execute(sa.select(schema.runs.c.tenant_id, schema.runs.c.tenant_name)
                                .order_by(schema.runs.c.collected_at, schema.runs.c.id)).all()
        return sorted({r.tenant_id: r.tenant_name for r in rows}.items())

    def resolve_tenant(self, tenant: str | None) -> str:
        """A tenant id from an id, a name or nothing (when the store holds one tenant only)."""
        known = self.tenants()
        if tenant is not None:
            for tid, name in known:
                if tenant in (tid, name):
                    return tid
            raise HistoryError(f"The history store {self.url} has no run of tenant {tenant!r}.",
                               "'m365exit history list' shows the tenants it holds.")
        if not known:
            raise HistoryError(f"The history store {self.url} holds no run yet.",
                               "Record one with 'm365exit assess SNAPSHOT --history URL'.")
        if len(known) > 1:
            raise HistoryError(f"The history store {self.url} holds {len(known)} tenants.",
                               f"Pass --tenant, one of: {', '.join(t for t, _ in known)}.")
        return known[0][0]

    def runs(self, tenant: str | None = None) -> list[RunSummary]:
        """Runs in time order, of one tenant (id or name; an unknown one is an error) or of all."""
        return self._runs(None if tenant is None else self.resolve_tenant(tenant))

    def _runs(self, tenant_id: str | None) -> list[RunSummary]:
        query = sa.select(schema.runs).order_by(schema.runs.c.collected_at, schema.runs.c.id)
        if tenant_id is not None:
            query = query.where(schema.runs.c.tenant_id == tenant_id)
        with self._connect() as conn:
            return [_summary(row._mapping) for row in conn.execute(query)]

    def latest(self, tenant_id: str) -> RunSummary | None:
        """The tenant's most recent run, or None when it has none."""
        runs = self._runs(tenant_id)
        return runs[-1] if runs else None

    def latest_per_tenant(self) -> list[RunSummary]:
        """The most recent run of every tenant, by tenant id: what a cross-tenant report starts from."""
        latest: dict[str, RunSummary] = {}
        for run in self._runs(None):  # in time order: the last one seen wins
            latest[run.tenant_id] = run
        return [latest[t] for t in sorted(latest)]

    def load(self, run_id: int) -> Run:
        with self._connect() as conn:
            row = conn.execute(sa.select(schema.runs).where(schema.runs.c.id == run_id)).first()
            if row is None:
                raise HistoryError(f"The history store {self.url} has no run {run_id}.",
                                   "'m365exit history list' shows the runs it holds.")

            def rows(table: sa.Table, order: sa.Column[Any]) -> list[Any]:
                return list(conn.execute(sa.select(table).where(table.c.run_id == run_id).order_by(order)))

            return Run(
                **_summary(row._mapping).model_dump(),
                facts={r.name: json.loads(r.value) for r in rows(schema.facts, schema.facts.c.name)},
                coverage={r.fact: Coverage(covered=r.covered, total=r.total, unit=r.unit)
                          for r in rows(schema.coverage, schema.coverage.c.fact)},
                workloads=[WorkloadRecord(id=r.workload, readiness=r.readiness, status=r.status, blockers=r.blockers,
                                          effort_days=r.effort_days, data_bytes=r.data_bytes)
                           for r in rows(schema.workloads, schema.workloads.c.position)],
                findings=[FindingRecord(rule=r.rule, workload=r.workload, severity=r.severity, status=r.status)
                          for r in rows(schema.findings, schema.findings.c.rule)],
            )

    def earlier(self, run: Run, limit: int | None = None) -> list[Run]:
        """Runs of the same tenant collected before `run` (another snapshot), oldest first."""
        before = [r for r in self._runs(run.tenant_id)
                  if r.collected_at < run.collected_at and r.snapshot_digest != run.snapshot_digest]
        if limit is not None:
            before = before[-limit:]
        return [self.load(r.id) for r in before if r.id is not None]

    def previous(self, run: Run) -> Run | None:
        earlier = self.earlier(run, limit=1)
        return earlier[-1] if earlier else None


def _summary(row: Any) -> RunSummary:
    values = dict(row)
    values["collected_at"] = utc(values["collected_at"])
    return RunSummary.model_validate(values)
