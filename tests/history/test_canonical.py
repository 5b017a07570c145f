"""Canonical JSON: the fast path is byte-identical to rfc8785 wherever it is taken."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

import safeguarding_workflow as sw
from safeguarding_workflow.history._canonical import _fast_ok, canonical_json

SAFE = 2**53 - 1
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-SAFE, max_value=SAFE),
    st.text(),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.text(alphabet=st.characters(max_codepoint=127)), children, max_size=5),
    ),
    max_leaves=30,
)


@given(values)
def test_fast_path_is_rfc8785(value: object) -> None:
    """On every value of the record set the fast path gives rfc8785's bytes."""
    try:
        expected = rfc8785.dumps(value)  # type: ignore[arg-type]
    except rfc8785.CanonicalizationError:
        assert not _fast_ok(value)
        return
    assert _fast_ok(value)
    assert expected == canonical_json(value)


@given(st.dictionaries(st.text(min_size=1), st.integers(), min_size=1, max_size=5))
def test_non_ascii_keys_go_through_rfc8785(value: dict[str, int]) -> None:
    """Keys outside ASCII are sorted by UTF-16 code units: rfc8785 decides."""
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        return
    assert expected == canonical_json(value)


def test_outside_the_set() -> None:
    """Floats go through rfc8785; what JSON cannot hold raises the library's error."""
    assert canonical_json(1.5) == b"1.5"
    assert canonical_json({"a": [1e21]}) == b'{"a":[1e+21]}'
    for bad in (2**60, "\ud800", {1: 2}, float("nan"), object()):
        with pytest.raises(sw.InvalidInputError) as info:
            canonical_json(bad)
        assert info.value.field == "record"


def test_every_record_of_every_route_is_rfc8785() -> None:
    """The trusted fast path: every record the lifecycle writes on every route is rfc8785's."""
    import json

    from ..helpers import ROUTES, Driver

    for state in ROUTES:
        d = Driver()
        d.walk_to(state)
        for record in d.history():
            assert rfc8785.dumps(json.loads(record.body)) == record.body


def test_default_event_ids_are_uuid5() -> None:
    """The hand-computed event id equals uuid.uuid5 of tenant/case/sequence."""
    import uuid

    ids = sw.DefaultIds()
    for tenant, case, seq in [("t", "c", 1), ("fictional-partnership", "case-9", 12345)]:
        expected = uuid.uuid5(sw._workflow.EVENT_ID_NAMESPACE, f"{tenant}/{case}/{seq}")
        assert str(expected) == ids.event_id(tenant, case, seq)
