"""
NHS numbers in any written form are refused wherever an id or reference is accepted (R9).

The detector is tested against python-stdnum's NHS number validator (`stdnum.gb.nhs`),
both ways: every valid number in every written form is found, and text in which stdnum
finds no valid number is not flagged. The oracle here reads the text its own way: the
digit characters in order, ten at a time, with no letter between them.
"""

from __future__ import annotations

import sys
import unicodedata
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.gb import nhs

import safeguarding_workflow as sw
from safeguarding_workflow._identifiers import (
    OPAQUE_ID,
    OPAQUE_REF,
    check_opaque_id,
    check_reference,
    looks_like_nhs_number,
)
from safeguarding_workflow.stores import IdempotentConsumer, OutboxRelay, SqlStore

from .helpers import BARNSLEY, TENANT, Driver, death_in_barnsley

#: Every digit character of every script, by its value: str.isdigit and unicodedata.digit agree.
DIGITS: dict[int, list[str]] = {value: [] for value in range(10)}
for _code in range(sys.maxunicode + 1):
    _value = unicodedata.digit(chr(_code), None)
    if _value is not None:
        DIGITS[_value].append(chr(_code))

#: The separators people write NHS numbers with, and every other character that is
#: neither a letter nor a digit.
SEPARATORS = " -.:/"
any_separator = st.one_of(
    st.sampled_from(SEPARATORS),
    st.characters(exclude_categories=("Cs",)).filter(lambda c: not c.isalnum()),
)
letters = st.text(st.characters(exclude_categories=("Cs",)).filter(str.isalpha), max_size=6)

#: Ten ASCII digits, any.
any_ten = st.text("0123456789", min_size=10, max_size=10)


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    """A valid NHS number, per stdnum: nine digits and the one tenth digit stdnum accepts."""
    nine = draw(st.text("0123456789", min_size=9, max_size=9))
    valid = [nine + str(last) for last in range(10) if nhs.is_valid(nine + str(last))]
    assume(valid)  # no tenth digit works for one nine in eleven
    return valid[0]


@st.composite
def written(draw: st.DrawFn, number: str, *, scripts: bool = True) -> str:
    """*number* as someone might write it: any script's digits, any separators, or none."""
    parts = []
    for index, digit in enumerate(number):
        if index:
            gap = draw(st.sampled_from(["", "", "same", "any"]))
            if gap == "same":
                parts.append(draw(st.text(SEPARATORS, min_size=1, max_size=3)))
            elif gap == "any":
                parts.append(draw(st.text(any_separator, min_size=1, max_size=3)))
        ascii_only = not scripts or draw(st.booleans())
        parts.append(digit if ascii_only else draw(st.sampled_from(DIGITS[int(digit)])))
    return "".join(parts)


def oracle(text: str) -> bool:
    """Whether stdnum finds a valid NHS number in ten consecutive digits with no letter between."""
    positions = [i for i, c in enumerate(text) if c.isdigit()]
    for start in range(len(positions) - 9):
        first, last = positions[start], positions[start + 9]
        if any(c.isalpha() for c in text[first : last + 1]):
            continue
        digits = "".join(str(unicodedata.digit(text[p])) for p in positions[start : start + 10])
        if nhs.is_valid(digits):
            return True
    return False


class TestDetector:
    @given(data=st.data(), number=valid_numbers())
    def test_every_valid_number_in_every_form_is_found(
        self, data: st.DataObject, number: str
    ) -> None:
        """A number stdnum validates is found, however written and whatever surrounds it."""
        text = data.draw(written(number))
        before, after = data.draw(st.text()), data.draw(st.text())
        assert (True, True) == (nhs.is_valid(number), looks_like_nhs_number(before + text + after))

    @given(data=st.data(), number=st.one_of(valid_numbers(), any_ten))
    def test_agrees_with_stdnum_both_ways(self, data: st.DataObject, number: str) -> None:
        """Ten digits, written any way between letters: found exactly when stdnum validates them."""
        text = data.draw(letters) + data.draw(written(number)) + data.draw(letters)
        expected = nhs.is_valid(number)
        assert expected == (nhs.checksum(number) == 0)
        assert expected == looks_like_nhs_number(text)

    @given(number=st.one_of(valid_numbers(), any_ten), separator=st.sampled_from(SEPARATORS))
    def test_agrees_with_stdnums_own_formats(self, number: str, separator: str) -> None:
        """Numbers as stdnum.format writes them (``943 476 5919`` and so on) read the same."""
        text = nhs.format(number, separator=separator)
        assert nhs.is_valid(number) == looks_like_nhs_number(text)

    @given(
        st.text(
            st.one_of(
                st.sampled_from("0123456789" * 4 + SEPARATORS + "_abcXYZ"),
                st.sampled_from([c for value in DIGITS.values() for c in value[:8]]),
                st.characters(exclude_categories=("Cs",)),
            ),
            max_size=40,
        )
    )
    def test_random_text_is_flagged_only_with_a_valid_number(self, text: str) -> None:
        """Text in which stdnum finds no valid number is not flagged, and the reverse."""
        assert oracle(text) == looks_like_nhs_number(text)

    @given(st.from_regex(OPAQUE_ID, fullmatch=True))
    def test_random_ids_without_a_number_are_accepted(self, text: str) -> None:
        """An opaque id that holds no valid number (per stdnum) is accepted as it is."""
        assume(not oracle(text))
        assert text == check_opaque_id(text, "id")

    @given(st.uuids())
    def test_uuid_hex_is_flagged_only_with_a_valid_number(self, value: uuid.UUID) -> None:
        """uuids, hex or hyphenated: their letters split the digits; flagged only as stdnum says."""
        assert (oracle(value.hex), oracle(str(value))) == (
            looks_like_nhs_number(value.hex),
            looks_like_nhs_number(str(value)),
        )

    @pytest.mark.parametrize(
        "text",
        [
            "943 476 5919",
            "943-476-5919",
            "943.476.5919",
            "943:476:5919",
            "943/476/5919",
            "943 - 476.59:19",
            "94 34 76 59 19",
            "943_476_5919",
            "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669",  # Arabic-Indic
            "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",  # fullwidth
            "943 \u096a\u096d\u096c 5919",  # Devanagari in the middle
            "NHS no. 943 476 5919 (child)",
            "nhs:9434765919x",
            "ref-1-9434765919",
            "194347659190",  # inside a longer run of digits
        ],
    )
    def test_written_forms_are_found(self, text: str) -> None:
        """The fictional number 943 476 5919 is found in each written form."""
        assert True is looks_like_nhs_number(text)

    @pytest.mark.parametrize(
        "text",
        [
            "case-1",
            "2024-01-05",
            "2024-01-05T10:30:00Z",
            "20240105",
            "SIN 2025/031",
            "LCSPR 2024/07",
            "943 476 5918",  # wrong check digit
            "943a476b5919",  # letters between the digits: not one number
            "E08000016",
            "6f1b2c1e-6a55-5b7e-9a43-0b3c9f1d2e10",
        ],
    )
    def test_ordinary_ids_are_not_flagged(self, text: str) -> None:
        """Ids, dates, references and GSS codes that hold no NHS number are not flagged."""
        assert False is looks_like_nhs_number(text)

    def test_default_case_ids_are_never_refused(self) -> None:
        """DefaultIds' uuid hex case ids always pass the check they are made to pass."""
        ids = sw.DefaultIds()
        assert [] == [c for _ in range(2000) if looks_like_nhs_number(c := ids.case_id("t"))]


#: The fictional number written in forms an opaque id can hold.
IN_IDS = ["943-476-5919", "943.476.5919", "943:476:5919", "nhs_943_476_5919", "x-9434765919-y"]

#: The fictional number written in forms only an opaque reference can hold (spaces, slashes).
IN_REFS = ["943 476 5919", "943/476/5919", "SIN 943/476/5919", "nhs 943 476-5919", "9434/765919"]

#: The fields that take references (spaces and slashes allowed): the rest take ids.
REFERENCE_FIELDS = frozenset(
    {"Command.idempotency_key", "payload.notification_ref", "correct.reason_ref"}
)

#: The fields that are the host's configuration: refused with a ConfigurationError.
CONFIGURATION_FIELDS = frozenset({"TenantSettings.tenant_id"})


def _refusals(d: Driver, nhs_id: str, sql: SqlStore) -> dict[str, Callable[[], Any]]:
    """Every place an id or reference is accepted, each given *nhs_id*, by the field named."""
    at = d.when.add(days=1)
    d.clock.set(at.add(hours=1))
    w = d.workflow

    def command(**fields: Any) -> sw.Command:
        base: dict[str, Any] = {
            "tenant_id": TENANT,
            "case_id": "case-1",
            "event": "notify_panel",
            "actor": "user-1",
            "role": "local_authority",
            "occurred_at": at,
            "payload": {"notification_ref": "n-1"},
        }
        return sw.Command(**{**base, **fields})

    return {
        "Command.tenant_id": lambda: command(tenant_id=nhs_id),
        "Command.case_id": lambda: command(case_id=nhs_id),
        "Command.actor": lambda: command(actor=nhs_id),
        "Command.role": lambda: command(role=nhs_id),
        "Command.idempotency_key": lambda: command(idempotency_key=nhs_id),
        "payload.notification_ref": lambda: w.fire(
            command(case_id="case-2", payload={"notification_ref": nhs_id})
        ),
        "open.actor": lambda: w.open(
            TENANT, death_in_barnsley(), local_authority=BARNSLEY, actor=nhs_id
        ),
        "open.case_id": lambda: w.open(
            TENANT, death_in_barnsley(), local_authority=BARNSLEY, actor="u", case_id=nhs_id
        ),
        "open.role": lambda: w.open(
            TENANT, death_in_barnsley(), local_authority=BARNSLEY, actor="u", role=nhs_id
        ),
        "correct.actor": lambda: w.correct(
            TENANT,
            "case-1",
            corrects=2,
            occurred_at=at,
            actor=nhs_id,
            role="local_authority",
            reason_ref="r-1",
        ),
        "correct.role": lambda: w.correct(
            TENANT,
            "case-1",
            corrects=2,
            occurred_at=at,
            actor="u",
            role=nhs_id,
            reason_ref="r-1",
        ),
        "correct.reason_ref": lambda: w.correct(
            TENANT,
            "case-1",
            corrects=2,
            occurred_at=at,
            actor="u",
            role="local_authority",
            reason_ref=nhs_id,
        ),
        "update_facts.actor": lambda: w.update_facts(
            TENANT, "case-1", death_in_barnsley(), actor=nhs_id
        ),
        "update_facts.role": lambda: w.update_facts(
            TENANT, "case-1", death_in_barnsley(), actor="u", role=nhs_id
        ),
        "recompute_deadlines.actor": lambda: w.recompute_deadlines(TENANT, "case-1", actor=nhs_id),
        "TenantSettings.tenant_id": lambda: sw.TenantSettings(nhs_id),
        "OutboxRelay.relay_id": lambda: OutboxRelay(
            sql, lambda e: None, clock=d.clock, relay_id=nhs_id
        ),
        "IdempotentConsumer.consumer": lambda: IdempotentConsumer.for_store(
            lambda e: None, sql, nhs_id
        ),
    }


@pytest.mark.parametrize("nhs_id", IN_IDS + IN_REFS)
def test_every_id_field_refuses_an_nhs_number(nhs_id: str, tmp_path: Path) -> None:
    """Each id, reference, key and role refuses the number with a library error, unechoed."""
    d = Driver()
    d.open()
    d.fire("notify_panel")
    d.open(case_id="case-2")
    escaped: dict[str, str] = {}
    sql = SqlStore.sqlite(str(tmp_path / "ids.db"))
    for name, attempt in _refusals(d, nhs_id, sql).items():
        expected = sw.ConfigurationError if name in CONFIGURATION_FIELDS else sw.InvalidInputError
        try:
            attempt()
        except expected as error:
            if nhs_id in f"{error} {error!r}":
                escaped[name] = "echoed"
            elif nhs_id in IN_REFS and name in REFERENCE_FIELDS and "NHS" not in error.message:
                escaped[name] = "refused for its form, not as a number"
        except Exception as error:  # any other outcome is the failure reported
            escaped[name] = type(error).__name__
        else:
            escaped[name] = "accepted"
    sql.engine.dispose()
    assert {} == escaped
    assert (2, 1) == (d.case().version, d.case("case-2").version)  # nothing was stored


def test_a_payload_list_of_references_refuses_an_nhs_number() -> None:
    """A ``refs`` payload field refuses a number in any of its references."""
    d = Driver()
    d.walk_to("rapid_review_submitted")
    with pytest.raises(sw.InvalidInputError) as info:
        d.fire("decide_no_further_review", learning_refs=["learning-1", "943-476-5919"])
    assert "payload.learning_refs" == info.value.field


def test_a_correction_checks_its_role_like_any_command() -> None:
    """correct() refuses a malformed role as an input error, as Command does."""
    d = Driver()
    d.open()
    d.fire("notify_panel")
    with pytest.raises(sw.InvalidInputError) as info:
        d.workflow.correct(
            TENANT,
            "case-1",
            corrects=2,
            occurred_at=pendulum.datetime(2024, 1, 5, 11, tz="UTC"),
            actor="user-1",
            role=["local_authority"],  # type: ignore[arg-type]
            reason_ref="r-1",
        )
    assert "role" == info.value.field


#: What a reference may hold between digit groups (and an id, but for the space and slash).
REFERENCE_SEPARATORS = " -.:/_"


@st.composite
def reference_forms(draw: st.DrawFn, number: str) -> str:
    """*number* inside a reference: any separators a reference allows between its digits."""
    parts = []
    for index, digit in enumerate(number):
        if index and draw(st.booleans()):
            gap = draw(st.text(REFERENCE_SEPARATORS, min_size=1, max_size=2))
            parts.append(gap.replace("  ", " "))
        parts.append(digit)
    prefix = draw(st.sampled_from(["", "SIN ", "nhs/", "ref-", "LCSPR 2024/", "x "]))
    suffix = draw(st.sampled_from(["", " a", "/b", "-01", ".x"]))
    return prefix + "".join(parts) + suffix


class TestReferences:
    @pytest.mark.parametrize(
        "text",
        ["SIN 2025/031", "LCSPR 2024/07", "panel/2025/12", "CSPR 7 2024", "case-1", "a/b c.d:e_1"],
    )
    def test_reference_numbers_as_written_are_accepted(self, text: str) -> None:
        """Spaces and slashes, as real reference numbers use them, are accepted as they are."""
        assert text == check_reference(text, "ref")

    @pytest.mark.parametrize(
        "text",
        [
            " SIN 1",
            "SIN 1 ",
            "SIN  1",
            "SIN\t1",
            "SIN\n1",
            "/SIN",
            "",
            "x" * 129,
            "SIN 1" + "1" * 124,
            "a\u00a0b",
            5,
            "Zebedee Quillfeather",
            "SIN one/two",
            "note 12 about Zebedee",
        ],
    )
    def test_malformed_references_are_refused(self, text: object) -> None:
        """Spaces at the ends or in pairs, other whitespace, words, too long: refused."""
        with pytest.raises(sw.InvalidInputError) as info:
            check_reference(text, "reason_ref")
        echoed = bool(str(text)) and str(text) in info.value.message
        assert ("reason_ref", False) == (info.value.field, echoed)

    @pytest.mark.parametrize("text", ["SIN 2025/031", "a/b"])
    def test_ids_keep_their_narrower_form(self, text: str) -> None:
        """Ids (tenants, cases, actors, roles) still refuse spaces and slashes."""
        with pytest.raises(sw.InvalidInputError):
            check_opaque_id(text, "case_id")
        assert OPAQUE_ID.fullmatch(text) is None

    @given(data=st.data(), number=valid_numbers())
    def test_no_nhs_number_form_passes_as_a_reference(
        self, data: st.DataObject, number: str
    ) -> None:
        """A valid number written with any separators a reference allows is refused as a number."""
        text = data.draw(reference_forms(number))
        assume(OPAQUE_REF.fullmatch(text) is not None)
        with pytest.raises(sw.InvalidInputError) as info:
            check_reference(text, "ref")
        assert "NHS number" in info.value.message

    @given(data=st.data(), number=valid_numbers())
    def test_no_nhs_number_form_passes_anywhere(self, data: st.DataObject, number: str) -> None:
        """Written any way (any script, any separators), a valid number is no reference or id."""
        text = data.draw(written(number))
        for check in (check_reference, check_opaque_id):
            with pytest.raises(sw.InvalidInputError):
                check(text, "ref")

    @given(st.from_regex(OPAQUE_REF, fullmatch=True))
    def test_random_references_without_a_number_are_accepted(self, text: str) -> None:
        """A reference that holds no valid number (per stdnum) is accepted as it is."""
        assume(len(text) <= 128 and not oracle(text))
        assert text == check_reference(text, "ref")

    def test_references_reach_the_record_as_given(self) -> None:
        """A payload reference, a correction's reason and an idempotency key keep their spaces."""
        d = Driver()
        d.open()
        command = d.command("notify_panel", notification_ref="SIN 2025/031")
        d.workflow.fire(sw.Command(**{**_fields(command), "idempotency_key": "req 2025/031"}))
        d.clock.set(d.when.add(days=1))
        out = d.workflow.correct(
            TENANT,
            "case-1",
            corrects=2,
            occurred_at=d.when.subtract(minutes=5),
            actor="user-1",
            role="local_authority",
            reason_ref="NOTE 2025/7",
        )
        step, correction = d.history()[1].data, out.record.data if out.record else {}
        assert ("SIN 2025/031", "req 2025/031", "NOTE 2025/7") == (
            step["payload"]["notification_ref"],
            d.history()[1].idempotency_key,
            correction["payload"]["reason_ref"],
        )


def _fields(command: sw.Command) -> dict[str, Any]:
    """A command's fields, to build it again with one changed."""
    return {
        "tenant_id": command.tenant_id,
        "case_id": command.case_id,
        "event": command.event,
        "actor": command.actor,
        "role": command.role,
        "occurred_at": command.occurred_at,
        "payload": dict(command.payload),
    }
