"""
The answer to a subject access request: everything a tenant holds about one person.

What `Workflow.subject_access` returns. Its JSON layout (``to_dict``) is documented in the
identifier register how-to and versioned by its ``format`` field. Its ``repr`` names the
request and counts, never a value, so a traceback printing locals cannot show it.
"""

from __future__ import annotations

import copy
from typing import Any

import attrs
import orjson

__all__ = ["SubjectAccessExport"]


@attrs.frozen(repr=False)
class SubjectAccessExport:
    """
    A subject access export: the person's register entries in clear, and what refers to them.

    One item per person matched in a case (the same person in three cases is three
    items, as each case holds them under its own opaque id). Each item carries the
    case id, the person's id and relationship, their register entries with values,
    the history records that refer to the person or one of their entries by opaque id
    (every record of the case when the person is the child the case is about), and
    the events of those records. The layout, version ``1``::

        {"format": "safeguarding-workflow/subject-access/1",
         "tenant_id": ..., "request_ref": ..., "generated_at": "...Z",
         "matched_on": ["date_of_birth", "name"],
         "people": [{"case_id": ..., "person_id": ..., "relationship": "child",
                     "entries": [{"entry_id": ..., "kind": "name", "value": ...}],
                     "records": [<HistoryRecord.to_dict()>, ...],
                     "events": [<CloudEvent.to_dict()>, ...]}]}

    Added in version 0.1.0.

    Attributes:
        tenant_id: The tenant searched.
        request_ref: The request's reference, as recorded in each case disclosed from.
        case_ids: The cases the person was found in, in order.

    """

    tenant_id: str
    request_ref: str
    case_ids: tuple[str, ...]
    _data: dict[str, Any] = attrs.field(alias="data", eq=False)

    def __repr__(self) -> str:
        return (
            f"SubjectAccessExport(tenant_id={self.tenant_id!r}, "
            f"request_ref={self.request_ref!r}, case_ids={self.case_ids!r}, "
            f"people={len(self._data['people'])}, entries=<masked>)"
        )

    __str__ = __repr__

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        printer.text(repr(self))

    def to_dict(self) -> dict[str, Any]:
        """
        The export in its documented JSON layout: a fresh copy each time.

        Added in version 0.1.0.
        """
        return copy.deepcopy(self._data)

    def to_json(self) -> str:
        """
        `to_dict()` as JSON text (UTF-8, keys in the layout's order).

        Added in version 0.1.0.
        """
        return orjson.dumps(self._data).decode("utf-8")
