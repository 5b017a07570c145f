"""The store contract on the Django store: on SQLite and on PostgreSQL, on Django's connection."""

from __future__ import annotations

import itertools

import pytest

from safeguarding_workflow.contrib.django import DjangoStore
from safeguarding_workflow.testing import StoreContract

_prefixes = itertools.count()


class _OnDjango(StoreContract):
    """The contract on a fresh set of tables of the database *alias*, in committed transactions."""

    alias = "default"

    def make_store(self) -> DjangoStore:
        store = DjangoStore(self.alias, prefix=f"dj{next(_prefixes)}_")
        store.create_schema()
        return store


@pytest.mark.django_db(transaction=True)
class TestContractOnSQLite(_OnDjango):
    alias = "default"


@pytest.mark.django_db(transaction=True, databases=["postgresql"])
class TestContractOnPostgreSQL(_OnDjango):
    alias = "postgresql"
