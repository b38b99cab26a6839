"""The tables at the current schema revision, for queries. Migrations define their own (they must not move)."""

from __future__ import annotations

import sqlalchemy as sa

HEAD = "0002"
metadata = sa.MetaData()


def _run_fk() -> sa.Column[int]:
    return sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)


runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("tenant_name", sa.String(400), nullable=False),
    sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("snapshot_digest", sa.String(64), nullable=False, unique=True),
    sa.Column("tool_version", sa.String(40), nullable=False),
    sa.Column("rules_digest", sa.String(40), nullable=False),
    sa.Column("readiness", sa.Integer, nullable=True),
    sa.Column("blockers", sa.Integer, nullable=False),
    sa.Column("effort_days", sa.Float, nullable=False),
    sa.Column("data_bytes", sa.BigInteger, nullable=False),
    sa.Column("spend_monthly", sa.Float, nullable=False),
    sa.Column("paid_seats", sa.BigInteger, nullable=False),
)
facts = sa.Table(
    "run_facts", metadata, _run_fk(),
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("number", sa.Float, nullable=True),  # v2
)
coverage = sa.Table(
    "run_coverage", metadata, _run_fk(),
    sa.Column("fact", sa.String(200), primary_key=True),
    sa.Column("covered", sa.Integer, nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("unit", sa.String(40), nullable=False),
)
workloads = sa.Table(
    "run_workloads", metadata, _run_fk(),
    sa.Column("workload", sa.String(80), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("readiness", sa.Integer, nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("blockers", sa.Integer, nullable=False),
    sa.Column("effort_days", sa.Float, nullable=False),
    sa.Column("data_bytes", sa.BigInteger, nullable=False),
)
findings = sa.Table(
    "run_findings", metadata, _run_fk(),
    sa.Column("rule", sa.String(120), primary_key=True),
    sa.Column("workload", sa.String(80), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
)
