"""Guards: plain callables, composed with all_, any_ and not_, with readable reprs."""

from __future__ import annotations

from typing import ClassVar

from safeguarding_workflow.guards import (
    ALLOW,
    GuardResult,
    Reason,
    all_,
    any_,
    not_,
    payload_present,
    refuse,
)

NO = Reason("no", "refused for the test", ("NOT-01",), ("Children Act 2004 s16C(1)(a)",))


def yes(case: object, ctx: object) -> GuardResult:
    return ALLOW


def no(case: object, ctx: object) -> GuardResult:
    return GuardResult(False, (NO,))


class Ctx:
    payload: ClassVar[dict[str, object]] = {"present": "x", "empty": "", "false": False}


def test_all_reports_every_refusal() -> None:
    """all_ allows only when all allow, and lists every reason."""
    assert all_(yes, yes)(None, None).allowed  # type: ignore[arg-type]
    assert (NO, NO) == all_(no, yes, no)(None, None).reasons  # type: ignore[arg-type]


def test_any_allows_on_one() -> None:
    """any_ allows when one allows; refused, it lists every reason."""
    assert any_(no, yes)(None, None).allowed  # type: ignore[arg-type]
    assert (NO, NO) == any_(no, no)(None, None).reasons  # type: ignore[arg-type]


def test_not_inverts_with_its_reason() -> None:
    """not_ refuses with its own reason when the inner guard allows."""
    assert (NO,) == not_(yes, NO)(None, None).reasons  # type: ignore[arg-type]
    assert not_(no, NO)(None, None).allowed  # type: ignore[arg-type]


def test_reprs_are_readable() -> None:
    """Composed guards show what they are made of."""
    guard = all_(payload_present("present"), any_(yes, not_(no, NO)))
    assert "all_(payload_present('present'), any_(" in repr(guard)
    assert "not_(" in repr(guard)


def test_payload_present() -> None:
    """payload_present refuses a missing, empty or false field, citing its rules."""
    assert payload_present("present")(None, Ctx())  # type: ignore[arg-type]
    for field in ("missing", "empty", "false"):
        result = payload_present(field, rule_ids=("LR-03",))(None, Ctx())  # type: ignore[arg-type]
        assert (False, ("LR-03",)) == (result.allowed, result.reasons[0].rule_ids)


def test_refuse_builds_one_reason() -> None:
    """refuse() is a one-reason refusal, falsy."""
    result = refuse("code", "message", rule_ids=["RR-01"], citations=["c"])
    assert not result
    assert (Reason("code", "message", ("RR-01",), ("c",)),) == result.reasons
