"""Alembic environment: migrations run on the connection escrutinio hands over."""

from __future__ import annotations

from alembic import context

from escrutinio.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("escrutinio migrations run through escrutinio.store.database.migrate()")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
