"""
A Django app: the store on Django's own database connection, migrations, a read-only admin.

Add ``"safeguarding_workflow.contrib.django"`` to ``INSTALLED_APPS`` and run ``manage.py
migrate`` to create the library's tables; give the `Workflow`
a `DjangoStore`, and a command run inside ``transaction.atomic()``
commits or rolls back with the host's own writes, its subscribers told through
``transaction.on_commit``. The admin lists cases, deadlines and history, read-only.
See the how-to page "Use it in a Django project".

Needs Django 5.0 or later: ``pip install 'safeguarding-workflow[django]'``.

Added in version 0.1.0.
"""

from __future__ import annotations

try:
    import django  # noqa: F401 - the extra's one requirement, checked first
except ImportError as error:  # pragma: no cover - the tests run with Django installed
    raise ImportError(
        "safeguarding_workflow.contrib.django needs Django: "
        "pip install 'safeguarding-workflow[django]'"
    ) from error

from ._store import DjangoStore

__all__ = ["DjangoStore"]
