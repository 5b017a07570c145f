"""The register's value types: checked values, masked reprs, and changes as new registers."""

from __future__ import annotations

import io
import logging
import traceback

import attrs
import hypothesis.vendor.pretty
import pytest
import rich.console
import rich.pretty
import rich.traceback
import structlog
from hypothesis import given

import safeguarding_workflow as sw
from safeguarding_workflow.personal import (
    MAX_ENTRIES,
    MAX_VALUE_LENGTH,
    Identifier,
    IdentifierKind,
    Person,
    Register,
    Relationship,
)

from .strategies import CHILD_NAME, NHS_NUMBER, family, registers


def identifier_values(register: Register) -> list[str]:
    """Every value of the register and a few other written forms of them."""
    return [*register.values(), "Zebedee", "Quillfeather", "943 476 5919", "Puddleby"]


class TestMaskedRepr:
    def test_identifier_repr_and_str(self) -> None:
        """An entry shows its ids and kind, and masks its value, in repr and str."""
        entry = Identifier("e-1", "p-1", "name", CHILD_NAME)
        expected = "Identifier(entry_id='e-1', person_id='p-1', kind=<name>, value=<masked>)"
        assert expected == repr(entry)
        assert expected == str(entry)
        assert expected == f"{entry}"
        assert CHILD_NAME == entry.value

    def test_register_repr_and_str(self) -> None:
        """A register's repr and str hold none of its values, however nested."""
        register = family()
        shown = [
            repr(register),
            str(register),
            repr([register]),
            repr({"register": register, "entries": register.entries}),
            str((register.entries[0],)),
            rich.pretty.pretty_repr(register),
            rich.pretty.pretty_repr({"entry": register.entries[3]}),
            hypothesis.vendor.pretty.pretty(register),
            hypothesis.vendor.pretty.pretty([register.entries[0]]),
        ]
        for text in shown:
            assert "value=<masked>" in text
            for value in identifier_values(register):
                assert value not in text, text

    def test_exception_repr_and_traceback(self) -> None:
        """An exception holding entries, and a traceback with locals, show no value."""
        register = family()

        def fail(entry: Identifier) -> None:
            held = register  # noqa: F841 - a local for the traceback renderers to show
            raise ValueError(entry, register)

        with pytest.raises(ValueError, match="masked") as info:
            fail(register.entries[0])
        rendered = io.StringIO()
        console = rich.console.Console(file=rendered, width=200)
        console.print(
            rich.traceback.Traceback.from_exception(
                info.type, info.value, info.tb, show_locals=True
            )
        )
        texts = [
            repr(info.value),
            str(info.value),
            "".join(traceback.format_exception(info.value)),
            rendered.getvalue(),
        ]
        assert "value=<masked>" in rendered.getvalue()
        for text in texts:
            for value in identifier_values(register):
                assert value not in text, value

    def test_log_lines_show_no_value(self, caplog: pytest.LogCaptureFixture) -> None:
        """A log line formatting an entry, through logging or structlog, shows no value."""
        register = family()
        with caplog.at_level(logging.INFO):
            logging.getLogger("host").info("entry %s in %r", register.entries[0], register)
        try:
            with structlog.testing.capture_logs() as captured:
                structlog.get_logger().info("changed", register=register)
        finally:
            structlog.reset_defaults()  # capture_logs leaves structlog marked configured
        rendered = structlog.dev.ConsoleRenderer(colors=False)(None, "info", dict(captured[0]))
        for text in (caplog.text, str(rendered)):
            for value in identifier_values(register):
                assert value not in text

    def test_person_repr(self) -> None:
        """A person holds no identifier; its repr shows the opaque id and relationship."""
        assert "child" in repr(Person("p-1", "child"))


class TestValues:
    @pytest.mark.parametrize(
        ("kind", "given", "stored"),
        [
            ("name", f"  {CHILD_NAME}\t", CHILD_NAME),
            ("alias", "Zeb", "Zeb"),
            ("date_of_birth", "2016-02-29", "2016-02-29"),
            ("nhs_number", "943 476 5919", NHS_NUMBER),
            ("nhs_number", "943-476-5919", NHS_NUMBER),
            ("postcode", "zz99zz", "ZZ9 9ZZ"),
            ("postcode", "m1  1ae", "M1 1AE"),
            ("postcode", "GIR 0AA", "GIR 0AA"),
            ("address", "1 Nowhere Lane\nPuddleby", "1 Nowhere Lane\nPuddleby"),
            ("school", "Puddleby Nursery", "Puddleby Nursery"),
            ("fact", "plays the euphonium", "plays the euphonium"),
        ],
    )
    def test_normal_forms(self, kind: str, given: str, stored: str) -> None:
        """Values are stored in one form per kind."""
        assert stored == Identifier("e-1", "p-1", kind, given).value

    @pytest.mark.parametrize(
        ("kind", "value"),
        [
            ("name", ""),
            ("name", "   "),
            ("name", "Zebedee\nQuillfeather"),
            ("name", "Zebedee\x00Quillfeather"),
            ("alias", "Zeb\ud800"),
            ("name", "Z" * (MAX_VALUE_LENGTH + 1)),
            ("name", 9434765919),
            ("date_of_birth", "2015-02-30"),
            ("date_of_birth", "14/03/2015"),
            ("date_of_birth", "2015-3-14"),
            ("nhs_number", "9434765918"),
            ("nhs_number", "943476591"),
            ("nhs_number", "94347659190"),
            ("nhs_number", "943.476.5919"),
            ("nhs_number", "٩٤٣٤٧٦٥٩١٩"),
            ("postcode", "Quillfeather"),
            ("postcode", "ZZ9"),
            ("postcode", "99 9ZZ"),
        ],
    )
    def test_refused_without_echo(self, kind: str, value: object) -> None:
        """A malformed value is refused naming the field, never echoing the value."""
        with pytest.raises(sw.InvalidInputError) as info:
            Identifier("e-1", "p-1", kind, value)  # type: ignore[arg-type]
        assert "Identifier.value" == info.value.field
        shown = f"{info.value} {info.value!r} {info.value.message}"
        for part in (str(value).strip(), "Zebedee", "Quillfeather", "943", "2015"):
            assert not part or part not in shown

    def test_max_length_is_allowed(self) -> None:
        """A value of exactly the longest length is taken."""
        assert MAX_VALUE_LENGTH == len(Identifier("e", "p", "fact", "x" * MAX_VALUE_LENGTH).value)

    @pytest.mark.parametrize(
        ("build", "field"),
        [
            (lambda: Identifier("Zebedee Quillfeather", "p", "name", "Zeb"), "Identifier.entry_id"),
            (lambda: Identifier("e", NHS_NUMBER, "name", "Zeb"), "Identifier.person_id"),
            (lambda: Identifier("e", "p", "shoe_size", "Zeb"), "Identifier.kind"),
            (lambda: Person("943-476-5919", "child"), "Person.person_id"),
            (lambda: Person("p", "neighbour"), "Person.relationship"),
            (lambda: Register("Zebedee Quillfeather", "c"), "Register.tenant_id"),
            (lambda: Register("t", "", []), "Register.case_id"),
            (lambda: Register("t", "c", "Zebedee"), "Register.people"),
            (lambda: Register("t", "c", [Person("p", "child")] * 2), "Register.people"),
            (lambda: Register("t", "c", [], [object()]), "Register.entries"),
        ],
    )
    def test_bad_ids_and_kinds(self, build: object, field: str) -> None:
        """Ids are opaque (no names, no NHS numbers), kinds and relationships known."""
        with pytest.raises(sw.InvalidInputError) as info:
            build()  # type: ignore[operator]
        assert field == info.value.field
        assert "Zebedee" not in str(info.value)
        assert "943" not in str(info.value)

    def test_kinds_and_relationships(self) -> None:
        """The kinds and relationships the issue names, as strings."""
        assert [k.value for k in IdentifierKind] == [
            "name",
            "alias",
            "date_of_birth",
            "address",
            "postcode",
            "school",
            "nhs_number",
            "fact",
        ]
        assert [r.value for r in Relationship] == [
            "child",
            "parent",
            "sibling",
            "other_family_member",
        ]

    def test_frozen_and_slotted(self) -> None:
        """The value types cannot be changed in place and have no __dict__."""
        entry = family().entries[0]
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            entry.value = "x"  # type: ignore[misc]
        for value in (entry, family(), family().people[0]):
            assert not hasattr(value, "__dict__")


class TestRegister:
    def test_lookups(self) -> None:
        """A person's entries, an entry by id, a person by id."""
        register = family()
        assert ["e-6", "e-7", "e-8"] == [e.entry_id for e in register.entries_of("p-mother")]
        assert () == register.add_person(Person("p-gran", "other_family_member")).entries_of(
            "p-gran"
        )
        assert "e-4" == register.entry("e-4").entry_id
        assert Relationship.SIBLING is register.person("p-brother").relationship
        for call in (
            lambda: register.entries_of("p-nobody"),
            lambda: register.entry("e-99"),
            lambda: register.person("p-nobody"),
        ):
            with pytest.raises(sw.InvalidInputError):
                call()

    def test_add_and_replace_return_new_registers(self) -> None:
        """Changes return a new register and leave the old one as it was."""
        register = family()
        added = register.add_person(Person("p-gran", "other_family_member")).add_entries(
            Identifier("e-10", "p-gran", "name", "Hortensia Quillfeather"),
            Identifier("e-11", "p-gran", "alias", "Granny Q"),
        )
        assert 9 == len(register.entries)
        assert ["e-10", "e-11"] == [e.entry_id for e in added.entries[-2:]]
        corrected = added.replace_entry(Identifier("e-2", "p-child", "alias", "Zebby"))
        assert "Zebby" == corrected.entry("e-2").value
        assert "Zeb" == added.entry("e-2").value
        assert [e.entry_id for e in added.entries] == [e.entry_id for e in corrected.entries]

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            (lambda r: r.add_entries(Identifier("e-1", "p-child", "alias", "Z")), "entries"),
            (lambda r: r.add_entries(Identifier("e-10", "p-gran", "alias", "Z")), "person_id"),
            (lambda r: r.add_person(Person("p-child", "sibling")), "people"),
            (lambda r: r.replace_entry(Identifier("e-99", "p-child", "alias", "Z")), "entry_id"),
            (lambda r: r.replace_entry(Identifier("e-1", "p-gran", "alias", "Z")), "person_id"),
            (lambda r: r.replace_entry("e-1"), "entry"),
        ],
    )
    def test_refused_changes(self, change: object, field: str) -> None:
        """An entry id taken, an unknown person or entry: refused, naming the field."""
        with pytest.raises(sw.InvalidInputError) as info:
            change(family())  # type: ignore[operator]
        assert info.value.field is not None
        assert info.value.field.endswith(field)

    def test_values_longest_first_each_once(self) -> None:
        """values() gives every identifying string once, longest first."""
        register = family().add_entries(Identifier("e-10", "p-brother", "alias", "Zeb"))
        values = register.values()
        assert len(values) == len(set(values)) == 9
        assert set(values) == {e.value for e in register.entries}
        assert [len(v) for v in values] == sorted((len(v) for v in values), reverse=True)
        assert "Zebedee Quillfeather" in values
        assert NHS_NUMBER in values

    def test_size_bound(self) -> None:
        """A register holds at most MAX_ENTRIES entries."""
        people = [Person("p", "child")]
        entries = [Identifier(f"e-{n}", "p", "fact", "x") for n in range(MAX_ENTRIES + 1)]
        assert MAX_ENTRIES == len(Register("t", "c", people, entries[:-1]).entries)
        with pytest.raises(sw.InvalidInputError):
            Register("t", "c", people, entries)

    @given(registers())
    def test_generated_registers_rebuild_equal(self, register: Register) -> None:
        """Building a register from its own parts gives an equal register, with masked reprs."""
        rebuilt = Register(
            register.tenant_id,
            register.case_id,
            [Person(p.person_id, p.relationship.value) for p in register.people],
            [Identifier(e.entry_id, e.person_id, e.kind.value, e.value) for e in register.entries],
        )
        assert register == rebuilt
        assert repr(register).count("<masked>") == len(register.entries)
