"""
Unmanaged models over the library's tables, for the read-only admin.

The app's migration creates the tables with the library's own schema code (the store's
``sw_`` tables); these models only read them. Django never creates, alters or flushes
them (``managed = False``) and gives them only the *view* permission. The tables hold no
personal data by design: opaque ids, states, dates, rule ids and the hash chain.

Django wants one primary-key column, and the tables' keys span several: a case row's
``head`` (the hash of its last record, which names its tenant and case) and a history
row's ``event_id`` are unique, so they serve; a deadline row's key is its tenant, case and
kind together, so its model names ``case_id`` and the admin lists deadlines without
opening any one of them.

Added in version 0.1.0.
"""

from __future__ import annotations

from typing import Final

from django.db import models

#: The prefix of the tables the app's migration creates and these models read.
PREFIX: Final = "sw_"


class CaseRow(models.Model):
    """
    A case's row: its latest version, state, lifecycle and head, and its snapshot.

    Added in version 0.1.0.
    """

    tenant_id = models.CharField(max_length=64)
    case_id = models.CharField(max_length=128)
    version = models.IntegerField()
    head = models.CharField(max_length=64, primary_key=True)
    state = models.CharField(max_length=64)
    lifecycle = models.CharField(max_length=64)
    snapshot = models.TextField()
    local_authority = models.CharField(max_length=16, null=True)
    local_authority_given = models.CharField(max_length=16, null=True)

    class Meta:
        """Unmanaged: the library's schema code owns the table; only viewing is permitted."""

        managed = False
        db_table = f"{PREFIX}cases"
        default_permissions = ("view",)
        ordering = ("tenant_id", "case_id")
        verbose_name = "case"

    def __str__(self) -> str:
        return f"{self.tenant_id} / {self.case_id}"


class DeadlineRow(models.Model):
    """
    One deadline of a case: its kind, status, due date and the rules it comes from.

    Added in version 0.1.0.
    """

    tenant_id = models.CharField(max_length=64)
    case_id = models.CharField(max_length=128, primary_key=True)  # see the module docstring
    kind = models.CharField(max_length=64)
    status = models.CharField(max_length=16)
    due = models.DateField(null=True)
    rule_ids = models.CharField(max_length=256)
    projected = models.BooleanField()

    class Meta:
        """Unmanaged: the library's schema code owns the table; only viewing is permitted."""

        managed = False
        db_table = f"{PREFIX}deadlines"
        default_permissions = ("view",)
        ordering = ("due", "tenant_id", "case_id", "kind")
        verbose_name = "deadline"

    def __str__(self) -> str:
        return f"{self.tenant_id} / {self.case_id}: {self.kind}"


class HistoryRow(models.Model):
    """
    One record of a case's append-only history: its step, its link and hash, its body.

    Added in version 0.1.0.
    """

    tenant_id = models.CharField(max_length=64)
    case_id = models.CharField(max_length=128)
    sequence = models.IntegerField()
    event_id = models.CharField(max_length=64, primary_key=True)
    kind = models.CharField(max_length=32)
    event = models.CharField(max_length=64)
    prev = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    schema_version = models.IntegerField()
    idempotency_key = models.CharField(max_length=128, null=True)
    body = models.TextField()

    class Meta:
        """Unmanaged: the library's schema code owns the table; only viewing is permitted."""

        managed = False
        db_table = f"{PREFIX}history"
        default_permissions = ("view",)
        ordering = ("tenant_id", "case_id", "sequence")
        verbose_name = "history record"

    def __str__(self) -> str:
        return f"{self.tenant_id} / {self.case_id} #{self.sequence}"
