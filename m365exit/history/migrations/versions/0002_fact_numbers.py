"""Schema v2: numeric facts queryable in SQL, and runs found by tenant and time without a full scan.

v1 kept each fact only as JSON text, so a dashboard or a portfolio query over PostgreSQL could not sum or
chart a fact without parsing it. v2 adds `run_facts.number` (null for text and booleans), filled in for
the runs v1 stored, and an index on runs (tenant_id, collected_at) for "previous run of this tenant".

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def _number(text: str) -> float | None:
    value = json.loads(text)
    return None if isinstance(value, bool) or not isinstance(value, int | float) else float(value)


def upgrade() -> None:
    with op.batch_alter_table("run_facts") as batch:
        batch.add_column(sa.Column("number", sa.Float, nullable=True))
    op.create_index("ix_runs_tenant_collected", "runs", ["tenant_id", "collected_at"])
    op.create_index("ix_run_facts_name", "run_facts", ["name"])
    facts = sa.table("run_facts", sa.column("run_id", sa.Integer), sa.column("name", sa.String),
                     sa.column("value", sa.Text), sa.column("number", sa.Float))
    bind = op.get_bind()
    rows = bind.execute(sa.select(facts.c.run_id, facts.c.name, facts.c.value)).all()
    updates = [{"r": r.run_id, "n": r.name, "v": _number(r.value)} for r in rows]
    updates = [u for u in updates if u["v"] is not None]
    if updates:
        bind.execute(
            facts.update().where(facts.c.run_id == sa.bindparam("r"), facts.c.name == sa.bindparam("n"))
            .values(number=sa.bindparam("v")),
            updates,
        )


def downgrade() -> None:
    op.drop_index("ix_run_facts_name", "run_facts")
    op.drop_index("ix_runs_tenant_collected", "runs")
    with op.batch_alter_table("run_facts") as batch:
        batch.drop_column("number")
