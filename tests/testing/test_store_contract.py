"""The shipped store contract: it can fail, runs under unittest, and needs no pytest."""

from __future__ import annotations

import subprocess
import sys
import unittest

import pytest

import safeguarding_workflow as sw
from safeguarding_workflow.testing import StoreContract

from ..stores.test_custom import DictStore, Row


class _IgnoresVersion(DictStore):
    """Appends whatever version the case is at: a lost update waiting to happen."""

    def append(self, case: sw.Case, record: sw.HistoryRecord, expected_version: int) -> None:
        current = self.get(case.tenant_id, case.case_id).version
        super().append(case, record, current)


class _ForgetsKeys(DictStore):
    """Never finds the record of an idempotency key."""

    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> sw.HistoryRecord | None:
        return None


class _KeysPerCase(DictStore):
    """Finds the record of an idempotency key only on the case the command names."""

    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> sw.HistoryRecord | None:
        record = super().find(tenant_id, case_id, idempotency_key)
        return record if record is not None and record.case_id == case_id else None


class _Reversed(DictStore):
    """Returns a history newest first."""

    def history(self, tenant_id: str, case_id: str) -> tuple[sw.HistoryRecord, ...]:
        return super().history(tenant_id, case_id)[::-1]


class _Overwrites(DictStore):
    """Creates over an existing case instead of refusing."""

    def create(self, case: sw.Case, record: sw.HistoryRecord) -> None:
        self._cases(case.tenant_id).pop(case.case_id, None)
        super().create(case, record)


class _Mixes(DictStore):
    """Files every tenant's cases together, by case id alone."""

    def _cases(self, tenant_id: str) -> dict[str, tuple[sw.Case, list[Row]]]:
        return super()._cases("everyone")


def _failures(store_class: type[sw.CaseStore]) -> dict[str, type[BaseException]]:
    """Each contract test the store fails, with what it raised."""

    class Contract(StoreContract):
        def make_store(self) -> sw.CaseStore:
            return store_class()

    failed: dict[str, type[BaseException]] = {}
    for name in sorted(n for n in dir(Contract) if n.startswith("test_")):
        try:
            getattr(Contract(), name)()
        except Exception as error:
            failed[name] = type(error)
    return failed


def test_the_contract_holds_for_a_good_store() -> None:
    """Run directly, every contract test passes on a store that keeps the contract."""
    assert {} == _failures(DictStore)


@pytest.mark.parametrize(
    ("store_class", "must_fail"),
    [
        (
            _IgnoresVersion,
            {
                "test_stale_append_is_refused_and_stores_nothing",
                "test_append_ahead_of_the_case_is_refused",
                "test_a_conflict_in_the_transaction_stores_nothing",
            },
        ),
        (
            _ForgetsKeys,
            {
                "test_find_returns_the_record_of_a_key",
                "test_load_returns_the_case_and_the_record_of_a_key",
                "test_idempotent_retry_returns_the_first_outcome",
                "test_a_retry_in_another_form_returns_the_first_outcome",
                "test_a_key_reused_by_another_command_is_refused",
                "test_a_key_is_one_command_across_the_tenants_cases",
            },
        ),
        (
            _KeysPerCase,
            {
                "test_find_returns_the_record_of_a_key",
                "test_append_refuses_a_second_record_under_a_key",
                "test_a_key_is_one_command_across_the_tenants_cases",
            },
        ),
        (_Reversed, {"test_history_is_in_order", "test_walk_rebuild_verify"}),
        (_Overwrites, {"test_create_twice_is_refused"}),
        (_Mixes, {"test_tenants_are_isolated"}),
    ],
)
def test_the_contract_fails_a_broken_store(
    store_class: type[sw.CaseStore], must_fail: set[str]
) -> None:
    """A store that breaks one promise fails the contract tests that check it."""
    failed = _failures(store_class)
    assert set() == must_fail - set(failed)


def test_an_ignored_version_fails_with_an_assertion() -> None:
    """The stale-append test fails a store that ignores expected_version with AssertionError."""

    class Contract(StoreContract):
        def make_store(self) -> sw.CaseStore:
            return _IgnoresVersion()

    with pytest.raises(AssertionError, match="expected ConcurrencyConflict; nothing was raised"):
        Contract().test_stale_append_is_refused_and_stores_nothing()


def test_a_wrong_outcome_fails_with_both_values() -> None:
    """An inequality fails with the expected and the actual value in the message."""

    class Contract(StoreContract):
        def make_store(self) -> sw.CaseStore:
            return _Reversed()

    with pytest.raises(AssertionError, match=r"expected \[1, 2, 3"):
        Contract().test_history_is_in_order()


def test_make_store_is_required() -> None:
    """A contract without make_store cannot be instantiated."""

    class Incomplete(StoreContract):
        pass

    with pytest.raises(TypeError, match="make_store"):
        Incomplete()  # type: ignore[abstract]


def test_the_contract_runs_under_unittest() -> None:
    """Mixed into unittest.TestCase, the contract runs under unittest's runner and passes."""

    class TestDict(StoreContract, unittest.TestCase):
        def make_store(self) -> sw.CaseStore:
            return DictStore()

    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(TestDict).run(result)
    tests = sum(1 for name in dir(StoreContract) if name.startswith("test_"))
    assert (tests, [], []) == (result.testsRun, result.failures, result.errors)


def test_importing_needs_no_pytest() -> None:
    """The testing module imports with pytest unavailable, and does not load it."""
    code = (
        "import sys\n"
        "class NoPytest:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('pytest', '_pytest'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, NoPytest())\n"
        "import safeguarding_workflow.testing as t\n"
        "print(' '.join(sorted(t.__all__)), 'pytest' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    *names, loaded = result.stdout.split()
    assert "False" == loaded
    assert {"Captured", "FrozenClock", "StoreContract", "capture"} <= set(names)
