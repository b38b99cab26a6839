"""Schema v1: one row per run, with its facts, coverage, workload scores and findings.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def _run_fk() -> sa.Column[int]:
    return sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "runs",
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
    op.create_table(
        "run_facts", _run_fk(),
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),  # JSON: the exact value, whatever its type
    )
    op.create_table(
        "run_coverage", _run_fk(),
        sa.Column("fact", sa.String(200), primary_key=True),
        sa.Column("covered", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("unit", sa.String(40), nullable=False),
    )
    op.create_table(
        "run_workloads", _run_fk(),
        sa.Column("workload", sa.String(80), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),  # the catalogue's order, kept for display
        sa.Column("readiness", sa.Integer, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("blockers", sa.Integer, nullable=False),
        sa.Column("effort_days", sa.Float, nullable=False),
        sa.Column("data_bytes", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "run_findings", _run_fk(),
        sa.Column("rule", sa.String(120), primary_key=True),
        sa.Column("workload", sa.String(80), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    for table in ("run_findings", "run_workloads", "run_coverage", "run_facts", "runs"):
        op.drop_table(table)
