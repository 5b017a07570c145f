"""
The kept-recent-cases cache: cases this process stored or read lately, with their snapshot text.

A read whose row holds the very text kept with a case takes that case instead of decoding
the JSON again. The cache is one per store, shared by all its views (see `SqlStore.bound`),
and needs no database: it is consulted only with the snapshot text a row holds, compared
in full, so a case changed elsewhere is never served from it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import orjson

from ..._case import Case
from ..._codec import case_from_json
from ...exceptions import CaseNotFoundError, InvalidInputError


class _Recent:
    """
    Cases this process stored or read lately, each with its snapshot text.

    A read whose row holds the very same text takes the kept case instead of
    decoding the text again. The text is compared in full, so a case changed by
    another process, or a write that rolled back, is never served from here; and
    cases are immutable values, equal to what their text decodes to (their times
    are kept in UTC), so sharing them is safe.
    """

    __slots__ = ("_items", "_lock", "_size")

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[tuple[str, str], tuple[str, Case]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def case(self, tenant_id: str, case_id: str, row: Any) -> Case:
        """The case in a ``cases`` row's snapshot; CaseNotFoundError for no row."""
        if row is None:
            raise CaseNotFoundError("no case with this tenant and id", field="case_id")
        text = row[0]
        kept = self._items.get((tenant_id, case_id))
        if kept is not None and kept[0] == text:
            return kept[1]
        try:
            case = case_from_json(orjson.loads(text))
        except (ValueError, TypeError):
            raise InvalidInputError("a stored case is malformed", field="case") from None
        if case.tenant_id != tenant_id or case.case_id != case_id:
            raise InvalidInputError("a stored case is malformed", field="case")
        self.keep(case, text)
        return case

    def keep(self, case: Case, text: str) -> None:
        """Keep *case* with its snapshot *text*, forgetting the oldest beyond the size."""
        key = (case.tenant_id, case.case_id)
        with self._lock:
            self._items[key] = (text, case)
            self._items.move_to_end(key)
            if len(self._items) > self._size:
                self._items.popitem(last=False)
