"""Alembic environment: migrations run on the connection m365exit opened (never from alembic.ini)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table="m365exit_schema_version", render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
