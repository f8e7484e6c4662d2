"""Alembic environment: the engine comes from ``scheduler.migrate``."""

from __future__ import annotations

from alembic import context

from scheduler.db import make_engine, metadata

config = context.config
engine = config.attributes.get("engine") or make_engine(
    config.get_main_option("sqlalchemy.url") or "sqlite:///duban.db"
)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
