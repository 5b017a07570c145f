"""The app's public names, its configuration errors, and the library importing no Django."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import OperationalError, ProgrammingError

import safeguarding_workflow as sw
from safeguarding_workflow.contrib import django as contrib
from safeguarding_workflow.contrib.django import _store, admin, apps, models


def test_all_is_pinned() -> None:
    """The app exports exactly its store."""
    assert ["DjangoStore"] == contrib.__all__


def test_every_public_object_is_documented() -> None:
    """The store, the app config, the models and the admins each say when they were added."""
    objects = [
        contrib.DjangoStore,
        apps.SafeguardingWorkflowConfig,
        models.CaseRow,
        models.DeadlineRow,
        models.HistoryRow,
        admin.ReadOnlyAdmin,
        admin.CaseRowAdmin,
        admin.DeadlineRowAdmin,
        admin.HistoryRowAdmin,
    ]
    for obj in objects:
        assert "Added in version 0.1.0." in (inspect.getdoc(obj) or ""), obj.__name__
    for name in ("sql", "create_schema", "transaction", "after_commit", "heads", "case_ids"):
        assert "Added in version 0.1.0." in (
            inspect.getdoc(getattr(contrib.DjangoStore, name)) or ""
        )


def test_importing_the_library_imports_no_django() -> None:
    """``import safeguarding_workflow`` (and its stores) loads no Django module."""
    code = (
        "import sys, safeguarding_workflow, safeguarding_workflow.stores;"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert (0, "[]\n", "") == (result.returncode, result.stdout, result.stderr)


@pytest.mark.parametrize("using", ["no-such-database", 3])
def test_an_unknown_database_is_refused(using: object) -> None:
    """A store on an alias Django does not know is a ConfigurationError naming ``using``."""
    with pytest.raises(sw.ConfigurationError) as refused:
        contrib.DjangoStore(using)  # type: ignore[arg-type]
    assert ("configuration_error", "using") == (refused.value.code, refused.value.field)
    assert "no-such-database" not in str(refused.value)


def test_django_errors_become_the_librarys() -> None:
    """A lock is a conflict; any other database error a StoreError naming only its kind."""
    with pytest.raises(sw.ConcurrencyConflict), _store._translated():
        raise OperationalError("database is locked")
    with pytest.raises(sw.StoreError) as refused, _store._translated():
        raise ProgrammingError("relation 'fictional-case-7' does not exist")
    assert "fictional-case-7" not in str(refused.value)
    assert "ProgrammingError" in str(refused.value)


def test_the_app_passes_djangos_system_checks() -> None:
    """``manage.py check`` finds nothing wrong with the app's models and admin."""
    call_command("check", "safeguarding_workflow", fail_level="WARNING", verbosity=0)
