"""
Alembic migrations of the SQL store's tables, shipped with the library.

Run them with `upgrade()`, or from the host's
own Alembic setup: add ``safeguarding_workflow:stores/migrations/versions`` to its
``version_locations`` and upgrade the ``safeguarding_workflow@head`` branch. The
table prefix and PostgreSQL schema come from the Alembic options ``sw_prefix`` and
``sw_schema``.

Added in version 0.1.0.
"""

from __future__ import annotations

from alembic import command, context
from alembic.config import Config

__all__ = ["config", "downgrade", "upgrade"]


def config(url: str, *, prefix: str = "sw_", schema: str | None = None) -> Config:
    """
    An Alembic configuration for the shipped migrations on database *url*.

    Added in version 0.1.0.
    """
    cfg = Config()
    cfg.set_main_option("script_location", "safeguarding_workflow:stores/migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.set_main_option("sw_prefix", prefix)
    cfg.set_main_option("sw_schema", schema or "")
    return cfg


def upgrade(url: str, *, prefix: str = "sw_", schema: str | None = None) -> None:
    """
    Bring the store's tables on *url* up to this release's schema.

    Added in version 0.1.0.
    """
    command.upgrade(config(url, prefix=prefix, schema=schema), "safeguarding_workflow@head")


def downgrade(url: str, revision: str, *, prefix: str = "sw_", schema: str | None = None) -> None:
    """
    Take the store's tables on *url* back to *revision* (``"base"`` removes them).

    Added in version 0.1.0.
    """
    command.downgrade(config(url, prefix=prefix, schema=schema), revision)


def run_options() -> tuple[str, str | None]:
    """
    The table prefix and PostgreSQL schema of the migration run in progress.

    Read by the shipped revisions from the Alembic options ``sw_prefix`` and
    ``sw_schema`` (see `config()`); ``sw_`` and no schema when they are not set.

    Added in version 0.1.0.
    """
    options = context.config
    prefix = options.get_main_option("sw_prefix") or "sw_"
    return prefix, options.get_main_option("sw_schema") or None
