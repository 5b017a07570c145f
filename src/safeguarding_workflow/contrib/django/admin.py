"""
A read-only admin for cases, deadlines and history: no adding, changing or deleting.

Every page reads the library's tables through the app's unmanaged models; nothing in it
writes to them. A case links to its deadlines and its history. The tables hold no
personal data by design, so neither do the pages. History is append-only in the
database as well (its triggers refuse UPDATE and DELETE), whatever a page might try.

Added in version 0.1.0.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from .models import CaseRow, DeadlineRow, HistoryRow


class ReadOnlyAdmin(admin.ModelAdmin):
    """
    An admin that shows and never writes: no add, change or delete permission, no actions.

    Added in version 0.1.0.
    """

    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Nobody adds: rows come only from the library's commands."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Nobody changes a row: a case moves on only through a command."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Nobody deletes a row (history is append-only; a case is never removed here)."""
        return False


def _filtered(model: str, row: CaseRow, label: str) -> str:
    """A link to the list of *model*'s rows of *row*'s case."""
    url = reverse(f"admin:safeguarding_workflow_{model}_changelist")
    query = urlencode({"tenant_id": row.tenant_id, "case_id": row.case_id})
    link: str = format_html('<a href="{}?{}">{}</a>', url, query, label)  # marked safe
    return link


@admin.register(CaseRow)
class CaseRowAdmin(ReadOnlyAdmin):
    """
    Cases: their state, version and lifecycle, with links to their deadlines and history.

    Added in version 0.1.0.
    """

    list_display = (
        "case_id",
        "tenant_id",
        "state",
        "version",
        "lifecycle",
        "local_authority",
        "deadlines",
        "history",
    )
    list_filter = ("tenant_id", "state", "lifecycle")
    search_fields = ("=case_id",)
    fields = ("tenant_id", "case_id", "state", "version", "lifecycle", "head", "snapshot")

    @admin.display(description="local authority")
    def local_authority(self, row: CaseRow) -> str:
        """The authority code the case's snapshot records."""
        try:
            return str(json.loads(row.snapshot).get("local_authority") or "")
        except (ValueError, AttributeError):  # not the library's snapshot: shown as unknown
            return ""

    @admin.display(description="deadlines")
    def deadlines(self, row: CaseRow) -> str:
        """A link to the case's deadlines."""
        return _filtered("deadlinerow", row, "deadlines")

    @admin.display(description="history")
    def history(self, row: CaseRow) -> str:
        """A link to the case's history records."""
        return _filtered("historyrow", row, "history")


@admin.register(DeadlineRow)
class DeadlineRowAdmin(ReadOnlyAdmin):
    """
    Deadlines: listed and filtered, never opened one by one (their key spans three columns).

    Added in version 0.1.0.
    """

    list_display = ("case_id", "tenant_id", "kind", "status", "due", "rule_ids", "projected")
    list_display_links = None
    list_filter = ("status", "kind", "projected", "tenant_id")
    search_fields = ("=case_id",)

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> None:
        """No page for one deadline: ``case_id`` alone names none (see the models)."""
        return


@admin.register(HistoryRow)
class HistoryRowAdmin(ReadOnlyAdmin):
    """
    History records, in order within each case; a record's page shows its body and hashes.

    Added in version 0.1.0.
    """

    list_display = ("case_id", "tenant_id", "sequence", "kind", "event", "event_id")
    list_filter = ("kind", "event", "tenant_id")
    search_fields = ("=case_id", "=event_id")
    fields = (
        "tenant_id",
        "case_id",
        "sequence",
        "event_id",
        "kind",
        "event",
        "idempotency_key",
        "schema_version",
        "prev",
        "hash",
        "body",
    )
