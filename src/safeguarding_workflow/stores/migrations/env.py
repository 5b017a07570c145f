"""Alembic environment of the shipped migrations: online, on the configured URL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

config = context.config
prefix = config.get_main_option("sw_prefix") or "sw_"
schema = config.get_main_option("sw_schema") or None

engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "")
with engine.begin() as connection:
    if schema and connection.dialect.name == "postgresql":  # the version table lives there too
        connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    context.configure(
        connection=connection,
        version_table=f"{prefix}alembic_version",
        version_table_schema=schema,
    )
    context.run_migrations()
engine.dispose()
