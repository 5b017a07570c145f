"""The history: golden hash layout, R3 tamper detection, export/import, rebuild."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import safeguarding_workflow as sw

from ..helpers import Driver

DOCS = Path(__file__).parent.parent.parent / "docs" / "explanation" / "history.md"
#: The worked example's hash, as the docs print it (record schema 2).
GOLDEN_HASH = "5f82489147e65ae7adcfa0c39c8c7e07c8768626e259b283ac7d5e543a34e5d5"
#: The worked example's ``state_digest``: the case it produces, committed.
GOLDEN_STATE_DIGEST = "699a9a53c8ff094b7382fad0c5887c03950a50e80feb58e79db1ba771adccb03"
#: The same step as a record of schema 1 (no ``state_digest``), as the docs print it.
GOLDEN_V1_PREV = "55eff8f956e516fb9be6a26ac11988b98f03c8e2847e3108dce2256b02e1f656"
GOLDEN_V1_HASH = "aa15450c4d318bf4e0ae856e6ec260b9c7c7d10d7c20e109e5954c5b609daf68"
#: The history a release of record schema 1 wrote: two fictional cases, 16 records.
V1_EXPORT = Path(__file__).parent.parent / "fixtures" / "history-v1.json"


def walk(state: str = "closed") -> tuple[Driver, tuple[sw.HistoryRecord, ...]]:
    d = Driver()
    d.walk_to(state)
    return d, d.history()


HISTORY = walk()[1]


class TestLayout:
    def test_golden_worked_example(self) -> None:
        """The documented worked example is the library's real second record, byte for byte."""
        _, history = walk("notified")
        record = history[1]
        assert GOLDEN_HASH == record.hash
        page = DOCS.read_text()
        assert GOLDEN_HASH in page
        assert record.prev in page
        assert sw.GENESIS == history[0].prev == "0" * 64
        assert b"sw-history-v1\n" == sw.HASH_PREFIX

    def test_golden_state_digest(self) -> None:
        """The worked example's state is the case the step produced, byte for byte."""
        import hashlib

        from safeguarding_workflow._records import state_json

        d, history = walk("notified")
        state = state_json(d.case())
        assert GOLDEN_STATE_DIGEST == history[1].data["state_digest"]
        assert GOLDEN_STATE_DIGEST == hashlib.sha256(state).hexdigest()
        page = DOCS.read_text()
        assert GOLDEN_STATE_DIGEST in page
        assert f"these\n{len(state):,} bytes of canonical state" in page
        namespace: dict[str, object] = {}
        for block in page.split("```python\n")[1:]:
            exec(block.split("```")[0], namespace)
        assert state == namespace["state"]
        assert history[1].body == namespace["body"]

    def test_golden_v1_record_still_verifies(self) -> None:
        """A schema 1 record keeps its documented hash; a v1 history verifies and rebuilds."""
        page = DOCS.read_text()
        assert GOLDEN_V1_HASH in page
        assert GOLDEN_V1_PREV in page
        records = sw.history_from_json(V1_EXPORT.read_text())
        case_1 = [r for r in records if r.case_id == "case-1"]
        assert (GOLDEN_V1_PREV, GOLDEN_V1_HASH) == (case_1[1].prev, case_1[1].hash)
        assert {1} == {r.data["schema"] for r in records}
        assert sw.verify(case_1).ok
        assert "closed" == sw.rebuild(case_1).state

    def test_hash_is_sha256_of_the_documented_bytes(self) -> None:
        """Recomputed with hashlib alone, every record's hash matches."""
        import hashlib

        prev = "0" * 64
        for record in HISTORY:
            body = json.dumps(
                json.loads(record.body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode()
            assert record.body == body
            expected = hashlib.sha256(b"sw-history-v1\n" + prev.encode() + b"\n" + body)
            assert expected.hexdigest() == record.hash
            prev = record.hash

    def test_records_carry_no_free_text(self) -> None:
        """History records hold opaque ids and codes; the facts hold ages, not birth dates."""
        opened = HISTORY[0].data
        child = opened["changes"]["facts"]["children"][0]
        assert {"age", "harm", "normally_resident_in", "looked_after_by", "care_leaver_of"} == set(
            child
        )


def tamper(records: tuple[sw.HistoryRecord, ...], data: st.DataObject) -> list[sw.HistoryRecord]:
    """One random change: a byte flipped, a record deleted, inserted, duplicated or moved."""
    records_list = list(records)
    kind = data.draw(st.sampled_from(["byte", "delete", "insert", "swap", "duplicate", "prev"]))
    i = data.draw(st.integers(min_value=0, max_value=len(records_list) - 1))
    r = records_list[i]
    if kind == "byte":
        body = bytearray(r.body)
        j = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
        body[j] = (body[j] + data.draw(st.integers(min_value=1, max_value=255))) % 256
        records_list[i] = sw.HistoryRecord(
            r.tenant_id,
            r.case_id,
            r.sequence,
            r.event_id,
            r.kind,
            r.event,
            r.prev,
            bytes(body),
            r.hash,
        )
    elif kind == "prev":
        records_list[i] = sw.HistoryRecord(
            r.tenant_id,
            r.case_id,
            r.sequence,
            r.event_id,
            r.kind,
            r.event,
            "f" * 64,
            r.body,
            r.hash,
        )
    elif kind == "delete":
        del records_list[i]
    elif kind == "insert":
        other = walk("notified")[1][1]
        records_list.insert(i, other)
    elif kind == "duplicate":
        records_list.insert(i, r)
    else:
        j = data.draw(
            st.integers(min_value=0, max_value=len(records_list) - 1).filter(lambda j: j != i)
        )
        records_list[i], records_list[j] = records_list[j], records_list[i]
    return records_list


@settings(max_examples=1200)
@given(data=st.data())
def test_r3_every_change_is_detected(data: st.DataObject) -> None:
    """R3: byte changes, deletions, insertions, duplicates and reorderings are all detected."""
    head = sw.ChainHead(
        HISTORY[-1].tenant_id, HISTORY[-1].case_id, HISTORY[-1].sequence, HISTORY[-1].hash
    )
    changed = tamper(HISTORY, data)
    result = sw.verify(changed, head)
    assert not result.ok
    assert result.position is not None
    assert 1 <= result.position <= len(HISTORY) + 1
    assert result.problem in {
        "altered",
        "missing",
        "inserted",
        "reordered",
        "broken_link",
        "truncated",
        "foreign",
        "malformed",
    }


@given(keep=st.integers(min_value=1, max_value=len(HISTORY) - 1))
def test_r3_truncated_tail_against_kept_head(keep: int) -> None:
    """A tail cut off is invisible without a head, and detected with one, at the cut."""
    head = sw.ChainHead("t", "c", HISTORY[-1].sequence, HISTORY[-1].hash)
    assert sw.verify(HISTORY[:keep]).ok
    result = sw.verify(HISTORY[:keep], head)
    assert (False, "truncated", keep + 1) == (result.ok, result.problem, result.position)


def test_rewritten_tail_against_kept_head() -> None:
    """A history longer than its head must still contain the head's record."""
    _d, history = walk("rapid_review")
    head = sw.ChainHead("t", "c", 2, "0" * 64)
    assert (False, "altered", 2) == (
        sw.verify(history, head).ok,
        sw.verify(history, head).problem,
        sw.verify(history, head).position,
    )
    last = sw.ChainHead("t", "c", len(history), "1" * 64)
    assert "altered" == sw.verify(history, last).problem
    ok = sw.ChainHead("t", "c", 2, history[1].hash)
    assert sw.verify(history, ok).ok


class TestExportImport:
    def test_round_trip(self) -> None:
        """Export, import (verified), and rebuild the same case."""
        d, history = walk()
        text = sw.history_to_json(history)
        imported = sw.history_from_json(text)
        assert [r.hash for r in history] == [r.hash for r in imported]
        assert d.case() == sw.rebuild(imported)

    def test_import_refuses_a_tampered_export(self) -> None:
        """An edited value in an export is found, with its position."""
        document = json.loads(sw.history_to_json(HISTORY))
        document["records"][3]["record"]["role"] = "panel"
        with pytest.raises(sw.HistoryIntegrityError) as info:
            sw.history_from_json(json.dumps(document))
        assert (4, "altered", "history_integrity") == (
            info.value.position,
            info.value.problem,
            info.value.code,
        )

    @pytest.mark.parametrize(
        "text",
        [
            "not json",
            "[]",
            json.dumps({"format": "other"}),
            json.dumps({"format": "safeguarding-workflow/history", "version": 2, "records": []}),
            json.dumps({"format": "safeguarding-workflow/history", "version": 1}),
            json.dumps(
                {
                    "format": "safeguarding-workflow/history",
                    "version": 1,
                    "records": [{"prev": "x"}],
                }
            ),
        ],
    )
    def test_malformed_exports(self, text: str) -> None:
        """Malformed or newer exports raise InvalidInputError."""
        with pytest.raises(sw.InvalidInputError):
            sw.history_from_json(text)


class TestRebuild:
    def test_rebuild_equals_the_live_case(self) -> None:
        """A case rebuilt from its history alone equals the stored case."""
        d, history = walk()
        assert d.case() == sw.rebuild(history)

    def test_rebuild_refuses_broken_or_foreign_input(self) -> None:
        """Broken chains, histories without an opening and newer schemas are refused."""
        with pytest.raises(sw.HistoryIntegrityError):
            sw.rebuild(HISTORY[1:])
        with pytest.raises(sw.InvalidInputError):
            sw.rebuild(())

    def test_newer_schema_is_refused(self) -> None:
        """A record written by a newer release is refused clearly."""
        data = HISTORY[0].data
        data["schema"] = sw.history.SCHEMA_VERSION + 1
        record = sw.HistoryRecord.seal(data, sw.GENESIS)
        with pytest.raises(sw.InvalidInputError, match="newer than this release"):
            sw.rebuild((record,))

    def test_malformed_record_is_refused(self) -> None:
        """A verifying chain whose content is malformed raises InvalidInputError."""
        data = HISTORY[0].data
        del data["changes"]["facts"]
        record = sw.HistoryRecord.seal(data, sw.GENESIS)
        with pytest.raises(sw.InvalidInputError, match="malformed"):
            sw.rebuild((record,))


def test_trailing_data_in_a_rehashed_body_is_refused() -> None:
    """A body with data after the record is malformed even when its hash was recomputed."""
    first = HISTORY[0]
    body = first.body + b' {"x":1}'
    forged = sw.HistoryRecord(
        first.tenant_id,
        first.case_id,
        1,
        first.event_id,
        first.kind,
        first.event,
        sw.GENESIS,
        body,
        sw.record_hash(sw.GENESIS, body),
    )
    with pytest.raises(sw.HistoryIntegrityError) as info:
        sw.rebuild((forged,))
    assert (1, "malformed") == (info.value.position, info.value.problem)
    assert "malformed" == sw.verify((forged,)).problem
