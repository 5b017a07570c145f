"""Masking identifiers in host logs: bound per context, global patterns, structlog and logging."""

from __future__ import annotations

import asyncio
import datetime
import io
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from unicodedata import normalize

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st
from structlog.testing import CapturingLogger

from safeguarding_workflow import InvalidInputError
from safeguarding_workflow._identifiers import looks_like_nhs_number
from safeguarding_workflow.personal import (
    MASK,
    Identifier,
    MaskingFilter,
    Person,
    Register,
    mask,
    mask_identifiers,
    masking,
)

#: Latin letters, with the accents names are written with.
LATIN = "abcdefghijklmnopqrstuvwxyzàáâãäåçèéêëìíîïñòóôõöùúûüýÿßøłœæ"
#: A fictional child and family, as a register would give them.
CHILD = "Zoë O'Brien"
SIBLING = "Zebedee Quillfeather"
NHS = "9434765919"  # a valid fictional test number
FAMILY = (CHILD, SIBLING, "12 Imaginary Lane", "Nowhere Primary Academy", "2015-03-14")


class TestBoundValues:
    @pytest.mark.parametrize(
        "text",
        [
            "Zoë O'Brien",
            "ZOE OBRIEN",
            "zoe o'brien",
            "Zoë O\u2019Brien",  # a typographic apostrophe
            "Zoe\u0308 O'Brien",  # the diaeresis as a combining mark
            "".join(
                chr(ord(c) + 0xFEE0) if c.isalpha() else c for c in "ZOE O'BRIEN"
            ),  # fullwidth forms (NFKD)
            "Zoë-O'Brien",
            "ZoëO'Brien",
        ],
    )
    def test_case_accent_and_apostrophe_variants(self, text: str) -> None:
        """A bound name is found however it is cased, accented or apostrophised."""
        with masking([CHILD]):
            assert f"seen {MASK}'s school" == mask(f"seen {text}'s school")

    @pytest.mark.parametrize(("bound", "written"), [("Séamus", "SEAMUS"), ("Seamus", "séamus")])
    def test_accents_inside_words(self, bound: str, written: str) -> None:
        """An accent inside a word, on either side, does not hide it."""
        with masking([bound]):
            assert f"to {MASK}." == mask(f"to {written}.")

    def test_a_trailing_combining_mark_goes_with_the_name(self) -> None:
        """A combining accent written after the last letter is masked with the name."""
        with masking(["Chloë"]):
            assert f"{MASK}!" == mask("Chloe\u0308!")

    @given(
        st.lists(st.text(alphabet=LATIN, min_size=1, max_size=8), min_size=1, max_size=3),
        st.sampled_from([" ", "-", "'", " \u2019"]),
    )
    def test_any_latin_name_in_any_case_and_accenting(self, words: list[str], sep: str) -> None:
        """A bound Latin name is masked as written, in upper or title case, and decomposed."""
        value = sep.join(words)
        with masking([value]):
            for written in (value, value.upper(), value.title(), normalize("NFD", value)):
                # Around it, text no Latin name can be part of (a word like "to" could).
                left = mask(f"# {written} #").replace(MASK, "")
                assert "#  #" == left, written

    def test_the_other_way_round(self) -> None:
        """A value bound without accents or apostrophes finds the written forms that have them."""
        with masking(["ZOE OBRIEN"]):
            assert f"{MASK}'s" == mask("Zoë O'Brien's")

    def test_inside_longer_strings_and_several_times(self) -> None:
        """Every occurrence is masked, inside words and lines."""
        with masking([SIBLING, "Nowhere Primary Academy"]):
            assert f"a:{MASK}/b {MASK}\nc {MASK}x" == mask(
                "a:zebedee quillfeather/b NOWHERE PRIMARY ACADEMY\nc Zebedee-Quillfeatherx"
            )

    def test_longest_value_first(self) -> None:
        """A full name is masked whole, not as its first name followed by the rest."""
        with masking(["Zebedee", SIBLING]):
            assert f"to {MASK}." == mask(f"to {SIBLING}.")

    def test_short_values_only_as_whole_words(self) -> None:
        """A nickname of fewer than four letters is masked as a word, not inside other words."""
        with masking(["Jo"]):
            assert f"{MASK}'s job, {MASK}." == mask("Jo's job, JO.")

    def test_dates_of_birth_in_day_first_forms(self) -> None:
        """A date bound as an ISO date is found as the UK writes it too."""
        forms = ["2015-03-14", "14/03/2015", "14.3.2015", "14th March 2015", "Mar 14, 2015"]
        with masking(["2015-03-14"]):
            assert [f"born {MASK}"] * len(forms) == [mask(f"born {f}") for f in forms]
            assert "on 15/03/2015 and 2015-03-15" == mask("on 15/03/2015 and 2015-03-15")

    def test_numbers_through_separators(self) -> None:
        """A bound number is found with one separator between its digits."""
        with masking(["0113 496 0000"]):
            assert f"call {MASK} or {MASK}" == mask("call 01134960000 or 0113-496-0000")

    def test_nothing_bound_nothing_matched(self) -> None:
        """Text without a bound value or a pattern comes back as the same object."""
        text = "command_stored case=case-1 step=notify_panel sequence=3"
        assert text is mask(text)
        with masking(FAMILY):
            assert text is mask(text)
            assert "Zoë Ball" == mask("Zoë Ball")

    def test_duck_typed_register(self) -> None:
        """Anything with values() binds them: the identifier register, a dict."""
        register = Register(
            "fictional-partnership",
            "case-1",
            [Person("p-1", "child")],
            [Identifier("e-1", "p-1", "name", SIBLING), Identifier("e-2", "p-1", "alias", "Zeb")],
        )
        with masking(register):
            assert f"{MASK} aka {MASK}" == mask(f"{SIBLING} aka Zeb")
        with masking({"name": SIBLING}):
            assert MASK == mask(SIBLING)

    @pytest.mark.parametrize("values", [SIBLING, b"Zebedee", 42, [SIBLING, 42], None])
    def test_bad_values_refused_without_echo(self, values: object) -> None:
        """A single string, a non-iterable or a non-string is refused; nothing is bound."""
        with pytest.raises(InvalidInputError) as caught, masking(values):  # type: ignore[arg-type]
            pass  # pragma: no cover - entering the block raises
        assert ("values", "invalid_input") == (caught.value.field, caught.value.code)
        assert "Zebedee" not in str(caught.value)
        assert SIBLING == mask(SIBLING)


class TestNesting:
    def test_nested_blocks_add_and_restore(self) -> None:
        """An inner block adds to the outer set; leaving it restores the outer set."""
        with masking([CHILD]):
            with masking([SIBLING]):
                assert f"{MASK} {MASK}" == mask(f"{CHILD} {SIBLING}")
            assert f"{MASK} {SIBLING}" == mask(f"{CHILD} {SIBLING}")
        assert f"{CHILD} {SIBLING}" == mask(f"{CHILD} {SIBLING}")

    def test_restored_when_the_block_raises(self) -> None:
        """A block left by an exception unbinds its values all the same."""
        with masking([CHILD]):
            with pytest.raises(RuntimeError), masking([SIBLING]):
                raise RuntimeError
            assert SIBLING == mask(SIBLING)
        assert CHILD == mask(CHILD)

    def test_an_inner_block_of_known_values_reuses_the_outer_pattern(self) -> None:
        """Binding values already bound compiles nothing new."""
        from safeguarding_workflow.personal._masking import _BOUND

        with masking(FAMILY):
            outer = _BOUND.get()
            with masking([CHILD]):
                assert outer is _BOUND.get()


class TestIsolation:
    def test_threads_see_only_their_own(self) -> None:
        """Two threads masking at once each mask their own case's values only."""
        both = threading.Barrier(2, timeout=10)
        seen: dict[str, tuple[str, str]] = {}

        def work(own: str, other: str) -> None:
            with masking([own]):
                both.wait()  # both blocks are open now
                seen[own] = (mask(own), mask(other))
                both.wait()

        threads = [
            threading.Thread(target=work, args=(CHILD, SIBLING)),
            threading.Thread(target=work, args=(SIBLING, CHILD)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert {CHILD: (MASK, SIBLING), SIBLING: (MASK, CHILD)} == seen

    def test_a_new_thread_does_not_inherit(self) -> None:
        """A thread started inside a block has nothing bound (threads start a new context)."""
        seen: list[str] = []
        with masking([CHILD]):
            thread = threading.Thread(target=lambda: seen.append(mask(CHILD)))
            thread.start()
            thread.join()
        assert [CHILD] == seen

    def test_asyncio_tasks_see_only_their_own(self) -> None:
        """Interleaved asyncio tasks each mask their own case's values only."""

        async def work(own: str, other: str) -> tuple[str, str]:
            with masking([own]):
                await asyncio.sleep(0)
                await asyncio.sleep(0)
                return mask(own), mask(other)

        async def main() -> list[tuple[str, str]]:
            return await asyncio.gather(work(CHILD, SIBLING), work(SIBLING, CHILD))

        assert [(MASK, SIBLING), (MASK, CHILD)] == asyncio.run(main())


class TestGlobalPatterns:
    @pytest.mark.parametrize(
        "written",
        [
            "9434765919",
            "943 476 5919",
            "943-476-5919",
            "943.476.5919",
            "nhs:943/476/5919",
            "٩٤٣٤٧٦٥٩١٩",  # Arabic-Indic digits
        ],
    )
    def test_nhs_numbers_in_any_written_form(self, written: str) -> None:
        """An NHS number is masked however it is written, nothing around it."""
        masked = mask(f"patient {written}, seen")
        assert "patient" in masked
        assert ", seen" in masked
        assert MASK in masked
        assert not looks_like_nhs_number(masked)

    def test_a_failed_check_digit_is_not_masked(self) -> None:
        """Ten digits whose check digit is wrong are left alone."""
        assert "ref 9434765918 and 943 476 5910" == mask("ref 9434765918 and 943 476 5910")

    def test_only_the_number_is_masked_in_a_longer_run(self) -> None:
        """Digits before an NHS number in the same run stay."""
        assert f"1 {MASK} x" == mask(f"1 {NHS} x")

    @given(st.text(alphabet="0123456789 -./x", max_size=40))
    def test_nhs_rule_is_the_identifier_rule(self, text: str) -> None:
        """Masking leaves no NHS number, and masks only where the id check finds one."""
        masked = mask(text)
        assert not looks_like_nhs_number(masked)
        assert (masked != text) == looks_like_nhs_number(text)

    @pytest.mark.parametrize(
        "postcode", ["LS1 4AP", "ls1 4ap", "SW1A 1AA", "sw1a1aa", "M1 1AE", "W1A 0AX", "GIR 0AA"]
    )
    def test_full_postcodes(self, postcode: str) -> None:
        """Full postcodes are masked in any case, with or without the space."""
        assert f"lives in {MASK}." == mask(f"lives in {postcode}.")

    @pytest.mark.parametrize(
        "text",
        [
            "QS1 4AP",  # Q never starts a postcode
            "Q1 4AP",
            "LJ1 4AP",  # J is never second
            "LS1 4CP",  # C is never in the inward code
            "LS1",  # an outward code alone
            "XLS1 4AP",  # inside a longer word
            "step 2 of 3",
            "2024-01-05 10:30",
        ],
    )
    def test_no_low_precision_patterns(self, text: str) -> None:
        """What is not a full postcode or an NHS number is left alone."""
        assert text == mask(text)


def event() -> dict[str, object]:
    """A host's event holding the fictional family's identifiers in every kind of place."""
    return {
        "event": f"visit by {SIBLING} failed",
        "case": "case-1",
        "sequence": 3,
        "people": [{"name": "ZEBEDEE QUILLFEATHER", "nhs": int(NHS)}, ("Nowhere Primary Academy",)],
        "tags": {"quillfeather zebedee", "ok"},
        "when": datetime.date(2024, 1, 5),
        "id": uuid.UUID(int=0),
    }


class TestProcessor:
    def test_every_key_and_nested_value(self) -> None:
        """The message and nested values are masked; the caller's containers are not changed."""
        given = event()
        people = given["people"]
        with masking([SIBLING, "Nowhere Primary Academy"]):
            masked = mask_identifiers(None, "info", given)
        assert {
            "event": f"visit by {MASK} failed",
            "case": "case-1",
            "sequence": 3,
            "people": [{"name": MASK, "nhs": MASK}, (MASK,)],
            "tags": {"quillfeather zebedee", "ok"},  # words in another order are another value
            "when": datetime.date(2024, 1, 5),
            "id": uuid.UUID(int=0),
        } == masked
        assert people == [
            {"name": "ZEBEDEE QUILLFEATHER", "nhs": int(NHS)},
            ("Nowhere Primary Academy",),
        ]

    def test_keys_and_objects_through_their_text(self) -> None:
        """Keys are masked, and an object whose repr shows an identifier becomes its masked repr."""

        class Note:
            def __repr__(self) -> str:
                return f"Note({SIBLING!r})"

        with masking([SIBLING]):
            masked = mask_identifiers(
                None, "info", {"event": "e", SIBLING: Note(), "error": ValueError(SIBLING)}
            )
        assert {"event": "e", MASK: f"Note('{MASK}')", "error": f"ValueError('{MASK}')"} == masked

    def test_unchanged_event_keeps_its_values(self) -> None:
        """With nothing to mask, the event's values are the very objects it held."""
        given = {**event(), "people": [{"name": "ZEBEDEE QUILLFEATHER"}, ("Puddleby",)]}
        before = dict(given)
        masked = mask_identifiers(None, "info", given)
        assert all(masked[k] is v for k, v in before.items())

    def test_exception_text_after_format_exc_info(self) -> None:
        """Exception text rendered by format_exc_info is masked."""
        try:
            raise ValueError(f"no school for {SIBLING} at 12 Imaginary Lane, LS1 4AP")
        except ValueError as error:
            rendered = structlog.processors.format_exc_info(None, "error", {"exc_info": error})
        with masking([SIBLING, "12 Imaginary Lane"]):
            masked = mask_identifiers(None, "error", rendered)
        assert f"no school for {MASK} at {MASK}, {MASK}" in masked["exception"]
        assert "Traceback" in masked["exception"]

    def test_exception_info_left_unrendered(self) -> None:
        """Placed before format_exc_info, the processor renders the exception as masked text."""
        try:
            raise ValueError(SIBLING)
        except ValueError:
            with masking([SIBLING]):
                masked = mask_identifiers(None, "error", {"event": "failed", "exc_info": True})
        assert "exc_info" not in masked
        assert f"ValueError: {MASK}" in masked["exception"]

    def test_dict_tracebacks(self) -> None:
        """Structured tracebacks (dict_tracebacks) are masked field by field."""
        try:
            raise KeyError(SIBLING)
        except KeyError as error:
            rendered = structlog.processors.dict_tracebacks(None, "error", {"exc_info": error})
        with masking([SIBLING]):
            masked = mask_identifiers(None, "error", rendered)
        assert SIBLING not in json.dumps(masked)
        assert f"'{MASK}'" == masked["exception"][0]["exc_value"]


def test_a_structlog_pipeline() -> None:
    """Wired into a structlog chain of its own, nothing identifying reaches the rendered line."""
    configured = structlog.is_configured()
    out = CapturingLogger()
    log = structlog.wrap_logger(
        out,
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.format_exc_info,
            mask_identifiers,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.JSONRenderer(),
        ],
    )
    with masking(FAMILY):
        log.info("visit", child=CHILD, school="Nowhere Primary Academy", nhs="943 476 5919")
        try:
            raise LookupError(f"{SIBLING} not found at 12 Imaginary Lane")
        except LookupError:
            log.exception("lookup failed", postcode="SW1A 1AA")
    log.info("after", child=CHILD)
    lines = [call.args[0] for call in out.calls]
    for value in (*FAMILY, "943 476 5919", "SW1A 1AA", "Zoë"):
        assert all(value not in line for line in lines[:2]), value
    assert MASK == json.loads(lines[0])["child"]
    assert CHILD == json.loads(lines[2])["child"]  # the block is over
    assert configured == structlog.is_configured()  # the global configuration is untouched


class TestLoggingFilter:
    @pytest.fixture(name="logged")
    def _logged(self) -> Iterator[tuple[logging.Logger, io.StringIO]]:
        """A logger of the test's own, whose handler carries the masking filter."""
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s %(detail)s"))
        handler.addFilter(MaskingFilter())
        logger = logging.getLogger("tests.personal.masking")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        try:
            yield logger, stream
        finally:
            logger.removeHandler(handler)

    def test_message_arguments_extra_and_exception(
        self, logged: tuple[logging.Logger, io.StringIO]
    ) -> None:
        """A name split between message and argument, extra fields, exceptions: all masked."""
        logger, stream = logged
        with masking(FAMILY):
            logger.info("Zebedee %s visited", "Quillfeather", extra={"detail": {"nhs": NHS}})
            try:
                raise ValueError(f"{CHILD} at 12 Imaginary Lane")
            except ValueError:
                logger.exception("failed for %s", "LS1 4AP", extra={"detail": "-"})
            logger.info("stack", stack_info=True, extra={"detail": "Nowhere Primary Academy"})
        text = stream.getvalue()
        for value in (*FAMILY, "Quillfeather", "Zebedee", NHS, "LS1 4AP", "Zoë"):
            assert value not in text, value
        assert f"INFO {MASK} visited {{'nhs': '{MASK}'}}" in text
        assert f"ValueError: {MASK} at {MASK}" in text
        assert "Stack (most recent call last)" in text

    def test_unmatched_records_are_kept_as_they_are(
        self, logged: tuple[logging.Logger, io.StringIO]
    ) -> None:
        """Records with nothing to mask print as they would without the filter."""
        logger, stream = logged
        logger.warning("case %s at step %d", "case-1", 3, extra={"detail": "x"})
        logger.warning("bad format %d", "not a number", extra={"detail": "x"})
        lines = stream.getvalue().splitlines()
        assert "WARNING case case-1 at step 3 x" == lines[0]
        assert lines[1].startswith("WARNING bad format %d ('not a number',)")
