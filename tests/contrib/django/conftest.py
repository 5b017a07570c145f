"""
Fixtures of the Django app's tests: where the test databases live, and threads' connections.

The settings (tests/django_settings.py) name two databases; before pytest-django creates
the session's test databases, the SQLite one is put in a temporary folder and the
PostgreSQL one on the session's throwaway server (started only when a collected test
uses it). A thread a test starts closes its Django connections when it ends.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest
import sqlalchemy as sa


def _uses_postgresql(items: Sequence[pytest.Item]) -> bool:
    """Whether a collected test is marked for the ``postgresql`` database."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        databases = () if marker is None else marker.kwargs.get("databases") or ()
        if databases == "__all__" or "postgresql" in databases:
            return True
    return False


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    django_db_modify_db_settings_parallel_suffix: None,
) -> None:
    """Point the test databases at a temporary SQLite file and the session's PostgreSQL."""
    from django.conf import settings

    folder = tmp_path_factory.mktemp("django")
    settings.DATABASES["default"]["NAME"] = str(folder / "unused.sqlite3")
    settings.DATABASES["default"]["TEST"]["NAME"] = str(folder / "tests.sqlite3")
    if _uses_postgresql(request.session.items):
        url = sa.engine.make_url(request.getfixturevalue("pg_url"))
        postgresql = settings.DATABASES["postgresql"]
        postgresql.update(HOST=url.host, PORT=str(url.port), USER=url.username)


@pytest.fixture(autouse=True)
def _threads_close_their_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """
    A thread started in the test closes its Django connections when it ends.

    Django keeps a connection per thread and leaves closing one a thread opened outside a
    request to whoever started the thread; a test's racing writers would otherwise keep
    theirs open past PostgreSQL's connection limit, and past the test database's drop.
    """
    from django.db import connections

    run = threading.Thread.run

    def run_then_close(self: threading.Thread) -> None:
        try:
            run(self)
        finally:
            connections.close_all()

    monkeypatch.setattr(threading.Thread, "run", run_then_close)
