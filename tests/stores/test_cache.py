"""The SQL store's kept-cases cache: bounded in bytes as well as in count (issue 9, item 14)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import safeguarding_workflow as sw
from safeguarding_workflow._codec import case_to_json
from safeguarding_workflow.stores import SqlStore
from safeguarding_workflow.stores._sql._cache import CACHE_BYTES, ENTRY_FACTOR, _Recent

from ..helpers import TENANT, Driver


def cost(case: sw.Case) -> int:
    """What one kept case counts against the budget: its snapshot's length, times the factor."""
    return ENTRY_FACTOR * len(orjson.dumps(case_to_json(case)))


def test_default_budget_is_documented() -> None:
    """The default budget is 16 MiB: 1,024 ordinary cases fit; a few huge ones cannot crowd it."""
    assert 16 * 1024 * 1024 == CACHE_BYTES


def test_kept_cases_stay_within_the_byte_budget(tmp_path: Path) -> None:
    """Opening ten cases with room for three keeps the three newest, within the budget."""
    first = Driver()
    sample = first.open()
    budget = 3 * cost(sample) + cost(sample) // 2
    store = SqlStore.sqlite(str(tmp_path / "cache.db"), cache_bytes=budget)
    d = Driver(store=store)
    for n in range(10):
        d.open(case_id=f"case-{n}")
    recent = store._shared.recent
    assert (3, True) == (len(recent), recent.bytes <= budget)
    assert [f"case-{n}" for n in (7, 8, 9)] == [case_id for _, case_id in recent.kept()]
    assert "case-0" == d.workflow.case(TENANT, "case-0").case_id  # a forgotten case still reads
    store.engine.dispose()


def test_a_case_larger_than_the_budget_is_not_kept(tmp_path: Path) -> None:
    """A case whose snapshot alone exceeds the budget is read from its row every time."""
    store = SqlStore.sqlite(str(tmp_path / "small.db"), cache_bytes=100)
    d = Driver(store=store)
    d.open()
    assert (0, 0) == (len(store._shared.recent), store._shared.recent.bytes)
    assert 1 == d.workflow.case(TENANT, "case-1").version
    store.engine.dispose()


def test_a_replaced_case_counts_once() -> None:
    """Keeping a case again replaces its entry: the bytes count its newest snapshot only."""
    recent = _Recent(1024, 10_000)
    d = Driver()
    case = d.open()
    text = orjson.dumps(case_to_json(case)).decode()
    recent.keep(case, text)
    recent.keep(case, text)
    assert (1, ENTRY_FACTOR * len(text)) == (len(recent), recent.bytes)


@pytest.mark.parametrize("value", [-1, 1.5, True, "16MiB"])
def test_bad_budgets_are_refused(tmp_path: Path, value: object) -> None:
    """A budget must be a whole number of bytes, 0 or more (0 keeps nothing)."""
    with pytest.raises(sw.ConfigurationError) as info:
        SqlStore.sqlite(str(tmp_path / "bad.db"), cache_bytes=value)  # type: ignore[arg-type]
    assert "cache_bytes" == info.value.field
