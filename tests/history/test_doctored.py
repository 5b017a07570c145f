"""
Doctored exports, heads and records: only library errors escape, and nothing doctored passes.

An attacker (or a careless tool) edits an export: a value of the wrong type, ``"seq":
true``, a hash in other digits, a body that is not an object, deep nesting, a key
removed or added, a huge integer, NaN. Whatever `history_from_json`, `verify`,
`rebuild` and `load_signed_heads` make of it, they raise only library errors, and
what they accept is byte for byte what was exported (or, when the attacker also
recomputed the hashes, a chain whose records have exactly the types the layout says).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

import safeguarding_workflow as sw
from safeguarding_workflow.history._canonical import canonical_json

from ..helpers import TENANT, Driver


def _histories() -> tuple[sw.HistoryRecord, ...]:
    d = Driver()
    d.walk_to("rapid_review", case_id="case-1")
    d.walk_to("notified", case_id="case-2")
    return (*d.history("case-1"), *d.history("case-2"))


RECORDS = _histories()
DOCUMENT: dict[str, Any] = json.loads(sw.history_to_json(RECORDS))
#: Each case's chain as exported: (prev, body, hash) of each record, in order.
CHAINS: dict[tuple[str, str], list[tuple[str, bytes, str]]] = {}
for _record in RECORDS:
    CHAINS.setdefault((_record.tenant_id, _record.case_id), []).append(
        (_record.prev, _record.body, _record.hash)
    )
KEY = Ed25519PrivateKey.generate()
HEADS = [
    sw.ChainHead(TENANT, case, len(chain), chain[-1][2]) for (_, case), chain in CHAINS.items()
]
SIGNED: dict[str, Any] = json.loads(
    sw.sign_heads(HEADS, KEY, signed_at="2024-02-01T00:00:00.000000Z")
)

#: A value that deserialises as nesting this deep: put in as a marker, spliced in as text.
_DEEP = "\u2063deep:"


def deep(depth: int) -> str:
    return f"{_DEEP}{depth}"


def dumps(document: object) -> str:
    """The document as JSON text, NaN allowed, markers spliced in as deep nesting."""
    text = json.dumps(document, allow_nan=True, ensure_ascii=True)
    marker = json.dumps(_DEEP, ensure_ascii=True)[:-1]
    while marker in text:
        start = text.index(marker)
        end = text.index('"', start + 1)
        depth = int(text[start + len(marker) : end])
        text = text[:start] + "[" * depth + "]" * depth + text[end + 1 :]
    return text


hashes = st.sampled_from(
    [
        "\u0660" * 64,  # Arabic-Indic zeros
        "\uff10" * 64,  # fullwidth zeros
        "0" * 63,
        "0" * 65,
        "G" * 64,
        RECORDS[0].hash.upper(),
        RECORDS[1].hash,
        RECORDS[0].hash + "\n",
    ]
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, 2, -1, 2**53, 2**53 + 1, 10**30, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    hashes,
    # Depths about each limit: orjson's (255), Python's recursion limit, the parser's.
    st.one_of(st.integers(1, 300), st.integers(250, 1500), st.integers(1, 100_000)).map(deep),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def doctor(document: Any, data: st.DataObject) -> Any:
    """One change somewhere in a copy of *document*: a value replaced, removed or added."""
    document = copy.deepcopy(document)
    parent: Any = None
    key: Any = None
    node = document
    # Mostly inside a record, where the layout is richest; sometimes anywhere.
    start = data.draw(st.sampled_from(["record", "record", "record", "item", "anywhere"]))
    if start != "anywhere" and isinstance(document.get("records"), list):
        items = document["records"]
        parent, key = items, data.draw(st.integers(0, len(items) - 1))
        node = items[key]
        if start == "record":
            parent, key, node = node, "record", node["record"]
    for _ in range(data.draw(st.integers(min_value=0, max_value=4))):
        if isinstance(node, dict) and node:
            child = data.draw(st.sampled_from(sorted(node)))
        elif isinstance(node, list) and node:
            child = data.draw(st.integers(min_value=0, max_value=len(node) - 1))
        else:
            break
        parent, key, node = node, child, node[child]
    action = data.draw(st.sampled_from(["replace", "remove", "add"]))
    if action == "add" and isinstance(node, dict):
        node[data.draw(st.text(max_size=6))] = data.draw(values)
    elif action == "add" and isinstance(node, list):
        node.insert(data.draw(st.integers(0, len(node))), data.draw(values))
    elif parent is None:
        return data.draw(values)
    elif action == "remove":
        del parent[key]
    else:
        parent[key] = data.draw(values)
    return document


def rehash(document: Any) -> Any:
    """The attacker's next step: every chain's links and hashes recomputed over the edits."""
    items = document.get("records") if isinstance(document, dict) else None
    if not isinstance(items, list):
        return document
    prevs: dict[tuple[str, str], str] = {}
    for item in items:
        record = item.get("record") if isinstance(item, dict) else None
        if not isinstance(record, dict):
            continue
        try:
            body = canonical_json(record)
        except (sw.InvalidInputError, RecursionError):
            continue
        case = (repr(record.get("tenant")), repr(record.get("case")))
        prev = prevs.get(case, sw.GENESIS)
        item["prev"], item["hash"] = prev, sw.record_hash(prev, body)
        prevs[case] = item["hash"]
    return document


def accepted_or_library_error(text: str) -> tuple[sw.HistoryRecord, ...] | None:
    try:
        return sw.history_from_json(text)
    except sw.SafeguardingWorkflowError:
        return None


def rebuilt_or_library_error(records: tuple[sw.HistoryRecord, ...]) -> None:
    by_case: dict[tuple[str, str], list[sw.HistoryRecord]] = {}
    for record in records:
        by_case.setdefault((record.tenant_id, record.case_id), []).append(record)
    for chain in by_case.values():
        with contextlib.suppress(sw.SafeguardingWorkflowError):
            sw.rebuild(chain)


@settings(max_examples=300)
@given(data=st.data())
def test_a_doctored_export_is_refused_unless_it_is_what_was_exported(data: st.DataObject) -> None:
    """Library errors only; an accepted chain is byte for byte a prefix of one exported."""
    records = accepted_or_library_error(dumps(doctor(DOCUMENT, data)))
    if records is None:
        return
    accepted: dict[tuple[str, str], list[tuple[str, bytes, str]]] = {}
    for record in records:
        accepted.setdefault((record.tenant_id, record.case_id), []).append(
            (record.prev, record.body, record.hash)
        )
    for case, chain in accepted.items():
        assert CHAINS[case][: len(chain)] == chain
    rebuilt_or_library_error(records)


@settings(max_examples=300)
@given(data=st.data())
def test_a_doctored_and_rehashed_export_passes_only_with_the_layouts_types(
    data: st.DataObject,
) -> None:
    """With the hashes recomputed, what passes still has exactly the record layout's types."""
    records = accepted_or_library_error(dumps(rehash(doctor(DOCUMENT, data))))
    if records is None:
        return
    positions: dict[tuple[str, str], int] = {}
    for record in records:
        case = (record.tenant_id, record.case_id)
        positions[case] = positions.get(case, 0) + 1
        body = json.loads(record.body)
        assert type(body) is dict
        assert (positions[case], case) == (body["seq"], (body["tenant"], body["case"]))
        assert type(body["seq"]) is int
        assert all(type(body[k]) is str for k in ("tenant", "case", "id", "kind", "event"))
    rebuilt_or_library_error(records)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("seq",), True),
        (("seq",), 1.0),
        (("seq",), "1"),
        (("tenant",), 7),
        (("case",), None),
        (("id",), ["x"]),
        (("idempotency_key",), 5),
    ],
)
def test_wrong_types_with_recomputed_hashes_are_refused(path: tuple[str, ...], value: Any) -> None:
    """``"seq": true`` and its kind pass for no record, even with every hash recomputed."""
    document = copy.deepcopy(DOCUMENT)
    document["records"][0]["record"][path[0]] = value
    with pytest.raises(sw.InvalidInputError):
        sw.history_from_json(dumps(rehash(document)))


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        json.dumps({**DOCUMENT, "records": [deep(1)]}).replace(json.dumps(deep(1)), "[" * 99_999),
        dumps({**DOCUMENT, "records": [{**DOCUMENT["records"][0], "record": deep(50_000)}]}),
        dumps(
            {
                **DOCUMENT,
                "records": [
                    {
                        **DOCUMENT["records"][0],
                        "record": {**DOCUMENT["records"][0]["record"], "payload": deep(900)},
                    }
                ],
            }
        ),
    ],
    ids=["document", "unclosed", "record", "payload"],
)
def test_deep_nesting_is_a_library_error(text: str) -> None:
    """Nesting too deep to parse or canonicalise is a library error, never a RecursionError."""
    with pytest.raises(sw.SafeguardingWorkflowError):
        sw.history_from_json(text)


@settings(max_examples=200)
@given(data=st.data(), resign=st.booleans())
def test_doctored_signed_heads(data: st.DataObject, resign: bool) -> None:
    """Library errors only; unsigned edits never pass, re-signed ones only with exact types."""
    document = doctor(SIGNED, data)
    if resign and isinstance(document, dict):
        document.pop("signature", None)
        try:
            signed = canonical_json(document)
        except (sw.InvalidInputError, RecursionError):
            signed = None
        if signed is not None:
            document["signature"] = base64.b64encode(KEY.sign(signed)).decode()
    try:
        heads = sw.load_signed_heads(dumps(document), KEY.public_key())
    except sw.SafeguardingWorkflowError:
        return
    if not resign:
        assert HEADS == sorted(heads, key=lambda h: (h.tenant_id, h.case_id))
    for head in heads:
        assert (str, str, int, str) == tuple(
            type(v) for v in (head.tenant_id, head.case_id, head.sequence, head.hash)
        )
        assert head.sequence >= 1


FIELDS = (
    "tenant_id",
    "case_id",
    "sequence",
    "event_id",
    "kind",
    "event",
    "prev",
    "body",
    "hash",
    "idempotency_key",
)
#: Case 1's chain, as imported from its export.
CASE_1 = sw.history_from_json(sw.history_to_json(RECORDS[:3]))


@settings(max_examples=300)
@given(
    index=st.integers(0, len(CASE_1) - 1),
    field=st.sampled_from(FIELDS),
    value=st.one_of(values, st.binary(max_size=8)),
)
def test_doctored_record_fields(index: int, field: str, value: Any) -> None:
    """A record with a field swapped (a doctored store row) verifies only if nothing changed."""
    original = CASE_1[index]
    changed = sw.HistoryRecord(**{**{f: getattr(original, f) for f in FIELDS}, field: value})
    chain = [*CASE_1[:index], changed, *CASE_1[index + 1 :]]
    result = sw.verify(chain)
    # Compared with their types: True == 1 in Python, but a sequence of True is not record 1.
    same = all(
        (type(getattr(original, f)), getattr(original, f))
        == (type(getattr(changed, f)), getattr(changed, f))
        for f in FIELDS
    )
    assert same == result.ok
    try:
        rebuilt = sw.rebuild(chain)
    except sw.SafeguardingWorkflowError:
        assert not result.ok
    else:
        assert result.ok
        assert CASE_1[-1].hash == rebuilt.head
