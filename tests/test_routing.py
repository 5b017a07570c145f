"""
Errors a host can route.

Misconfiguration apart from bad input, one error for an unknown tenant whichever method
meets it, and corrections that name their step by event id.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from typing import Any

import pendulum
import pytest

import safeguarding_workflow as sw

from .helpers import BARNSLEY, TENANT, Driver, death_in_barnsley

#: A tenant the driver's workflow has no settings for.
NOWHERE = "fictional-unconfigured"


class TestConfigurationIsNotBadInput:
    def test_configuration_error_is_no_input_error(self) -> None:
        """A misconfiguration is neither an InvalidInputError nor a ValueError (no 422)."""
        assert (False, False, True) == (
            issubclass(sw.ConfigurationError, sw.InvalidInputError),
            issubclass(sw.ConfigurationError, ValueError),
            issubclass(sw.ConfigurationError, sw.SafeguardingWorkflowError),
        )

    def test_a_handler_of_bad_input_does_not_catch_a_misconfiguration(self) -> None:
        """A host's ``except InvalidInputError`` (its 422) lets a bad setting through."""
        caught: list[str] = []

        def as_a_host_would() -> None:
            try:
                sw.TenantSettings("t", packs="england")  # type: ignore[arg-type]
            except sw.InvalidInputError as error:  # pragma: no cover - the failure
                caught.append(error.code)

        with pytest.raises(sw.ConfigurationError):
            as_a_host_would()
        assert [] == caught

    def test_unknown_tenant_is_a_configuration_error_with_its_own_code(self) -> None:
        """UnknownTenantError: a ConfigurationError, code unknown_tenant, field tenant_id."""
        with pytest.raises(sw.UnknownTenantError) as info:
            Driver().workflow.settings(NOWHERE)
        assert (True, "unknown_tenant", "tenant_id", False) == (
            isinstance(info.value, sw.ConfigurationError),
            info.value.code,
            info.value.field,
            NOWHERE in str(info.value),
        )


def _command(event: str = "notify_panel", tenant: str = NOWHERE) -> sw.Command:
    return sw.Command(
        tenant,
        "case-1",
        event,
        actor="user-1",
        role="local_authority",
        occurred_at=pendulum.datetime(2024, 1, 5, 10, tz="UTC"),
        payload={"notification_ref": "n-1"},
    )


def _calls(workflow: sw.Workflow, case: sw.Case) -> dict[str, Callable[[], object]]:
    """Every public method of Workflow that names a tenant, called with an unconfigured one."""
    foreign = sw.Case(**{**_fields(case), "tenant_id": NOWHERE})
    at = pendulum.datetime(2024, 1, 5, 11, tz="UTC")
    calls: dict[str, Callable[[], object]] = {
        "settings": lambda: workflow.settings(NOWHERE),
        "calendar": lambda: workflow.calendar(NOWHERE),
        "case": lambda: workflow.case(NOWHERE, "case-1"),
        "history": lambda: workflow.history(NOWHERE, "case-1"),
        "deadline_fingerprint": lambda: workflow.deadline_fingerprint(NOWHERE, "case-1"),
        "open": lambda: workflow.open(
            NOWHERE, death_in_barnsley(), local_authority=BARNSLEY, actor="user-1"
        ),
        "fire": lambda: workflow.fire(_command()),
        "fire_with_retry": lambda: workflow.fire_with_retry(
            NOWHERE, "case-1", lambda c: _command()
        ),
        "correct": lambda: workflow.correct(
            NOWHERE,
            "case-1",
            corrects=2,
            occurred_at=at,
            actor="user-1",
            role="local_authority",
            reason_ref="note-1",
        ),
        "update_facts": lambda: workflow.update_facts(
            NOWHERE, "case-1", death_in_barnsley(), actor="user-1"
        ),
        "recompute_deadlines": lambda: workflow.recompute_deadlines(
            NOWHERE, "case-1", actor="user-1"
        ),
        "add_identifiers": lambda: workflow.add_identifiers(NOWHERE, "case-1", (), actor="user-1"),
        "rectify": lambda: workflow.rectify(
            NOWHERE, "case-1", "e-1", "x", actor="user-1", reason_ref="r-1"
        ),
        "register": lambda: workflow.register(NOWHERE, "case-1"),
        "masking": lambda: workflow.masking(NOWHERE, "case-1").__enter__(),
        "record_leak_check": lambda: workflow.record_leak_check(
            NOWHERE,
            "case-1",
            None,
            document_ref="doc-1",
            actor="user-1",  # type: ignore[arg-type]
        ),
        "clear_findings": lambda: workflow.clear_findings(
            NOWHERE, "case-1", digest="0" * 64, clearances={"name@0": "r-1"}, actor="user-1"
        ),
        "retention": lambda: workflow.retention(NOWHERE, "case-1"),
        "migrate": lambda: workflow.migrate(sw.england.MIGRATION_1_TO_2, NOWHERE, actor="user-1"),
        "place_legal_hold": lambda: workflow.place_legal_hold(
            NOWHERE, "case-1", hold_ref="HOLD 1", actor="user-1"
        ),
        "lift_legal_hold": lambda: workflow.lift_legal_hold(
            NOWHERE, "case-1", hold_ref="HOLD 1", actor="user-1"
        ),
        "dispose": lambda: workflow.dispose(NOWHERE, "case-1", actor="user-1"),
        "subject_access": lambda: workflow.subject_access(
            NOWHERE, request_ref="SAR 1", actor="user-1", person_id="p-1"
        ),
    }
    optional: dict[str, Callable[[], object]] = {
        "check": lambda: workflow.check(_command()),  # type: ignore[attr-defined]
        "available": lambda: workflow.available(foreign, ["local_authority"]),  # type: ignore[attr-defined]
        "overdue": lambda: workflow.overdue(NOWHERE),  # type: ignore[attr-defined]
        "due_soon": lambda: workflow.due_soon(NOWHERE, working_days=5),  # type: ignore[attr-defined]
    }
    calls.update({name: call for name, call in optional.items() if hasattr(workflow, name)})
    return calls


def _fields(case: sw.Case) -> dict[str, Any]:
    return {a.name: getattr(case, a.name) for a in case.__attrs_attrs__}  # type: ignore[attr-defined]


#: Public methods that take no tenant.
NO_TENANT = frozenset({"configure"})


def _public_methods() -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(sw.Workflow, inspect.isfunction)
        if not name.startswith("_")
    }


class TestUnknownTenant:
    def test_every_method_is_covered(self) -> None:
        """The table below calls every public method of Workflow that takes a tenant."""
        d = Driver()
        assert _public_methods() - NO_TENANT == set(_calls(d.workflow, d.open()))

    @pytest.mark.parametrize("shared", [False, True], ids=["no_case", "shared_store"])
    @pytest.mark.parametrize("store", ["memory", "sqlite"])
    def test_every_method_raises_the_same_error(
        self, store: str, shared: bool, tmp_path: Any
    ) -> None:
        """
        Each method meets an unconfigured tenant with UnknownTenantError, code and field alike.

        Whether the store holds no case of that tenant, or holds one (a shared database:
        another workflow serves the tenant), so a method that looked the case up first
        would find it, and one that checked the tenant after storing would store.
        """
        sql = sw.stores.SqlStore.sqlite(str(tmp_path / "t.db")) if store == "sqlite" else None
        d = Driver(store=sql)
        case = d.open()
        other = sw.Workflow(
            sw.england.PACK,
            clock=d.clock,
            settings=[sw.TenantSettings(NOWHERE)],
            store=d.workflow.store,
        )
        if shared:
            other.open(
                NOWHERE, death_in_barnsley(), local_authority=BARNSLEY, actor="u", case_id="case-1"
            )
        before = other.history(NOWHERE, "case-1") if shared else ()
        calls = _calls(d.workflow, case)
        seen = _outcomes({n: c for n, c in calls.items() if shared or n not in CASE_FIRST})
        expected = ("UnknownTenantError", "unknown_tenant", "tenant_id", False)
        assert dict.fromkeys(seen, expected) == seen
        assert before == (other.history(NOWHERE, "case-1") if shared else ())
        if sql is not None:
            sql.engine.dispose()

    def test_methods_taking_a_command_check_the_tenant_first(self) -> None:
        """Fire and check meet an unconfigured tenant with no stored case as the rest do."""
        d = Driver()
        case = d.open()
        calls = _calls(d.workflow, case)
        seen = _outcomes({n: c for n, c in calls.items() if n in CASE_FIRST})
        expected = ("UnknownTenantError", "unknown_tenant", "tenant_id", False)
        assert dict.fromkeys(seen, expected) == seen

    def test_a_tenant_that_is_not_text_is_bad_input(self) -> None:
        """A tenant id of another type is an input error, as a case id of another type is."""
        with pytest.raises(sw.InvalidInputError) as info:
            Driver().workflow.settings(5)  # type: ignore[arg-type]
        assert "tenant_id" == info.value.field


#: Methods that read the case before the tenant's settings (when no case is stored under
#: the tenant they answer CaseNotFoundError): the command path, checked apart above.
CASE_FIRST = frozenset({"fire", "check"})


def _outcomes(
    calls: dict[str, Callable[[], object]],
) -> dict[str, tuple[str, str, str | None, bool]]:
    """What each call raised: class, code, field, and whether the tenant id was echoed."""
    seen: dict[str, tuple[str, str, str | None, bool]] = {}
    for name, call in calls.items():
        try:
            call()
        except Exception as error:
            seen[name] = (
                type(error).__name__,
                getattr(error, "code", ""),
                getattr(error, "field", None),
                NOWHERE in f"{error} {error!r}",
            )
        else:  # pragma: no cover - the failure
            seen[name] = ("accepted", "", None, False)
    return seen


class TestCorrectByEventId:
    @staticmethod
    def _driver() -> Driver:
        d = Driver()
        d.open()
        d.fire("notify_panel")
        d.fire("inform_safeguarding_partners")
        return d

    def _correct(self, d: Driver, corrects: int | str) -> sw.Outcome:
        d.clock.set(d.when.add(days=1))
        return d.workflow.correct(
            TENANT,
            "case-1",
            corrects=corrects,
            occurred_at=d.when.subtract(hours=12),
            actor="user-1",
            role="local_authority",
            reason_ref="note-1",
        )

    def test_an_event_id_names_the_step_as_its_sequence_does(self) -> None:
        """Correcting by a record's event id stores what correcting by its sequence stores."""
        by_id, by_sequence = self._driver(), self._driver()
        event_id = by_id.history()[2].event_id
        a, b = self._correct(by_id, event_id), self._correct(by_sequence, 3)
        assert a.record is not None
        assert b.record is not None
        assert (a.case, a.record.body, 3) == (
            b.case,
            b.record.body,
            a.record.data["payload"]["corrects"],
        )

    def test_the_cloud_event_id_is_the_record_id(self) -> None:
        """The id of the CloudEvent a step emitted names that step."""
        d = self._driver()
        event = d.events[1]
        out = self._correct(d, event.id)
        assert out.record is not None
        assert 2 == out.record.data["payload"]["corrects"]

    def test_ids_the_factory_does_not_predict_are_found_in_the_history(self) -> None:
        """With random event ids (a factory of the host's), the id is looked up in the history."""

        class RandomIds:
            def __init__(self) -> None:
                self.n = 0

            def case_id(self, tenant_id: str) -> str:
                return "case-1"

            def event_id(self, tenant_id: str, case_id: str, sequence: int) -> str:
                self.n += 1
                return f"evt-{self.n}"

        d = Driver()
        d.workflow.ids = RandomIds()
        d.open()
        d.fire("notify_panel")
        d.fire("inform_safeguarding_partners")
        out = self._correct(d, d.history()[2].event_id)
        assert out.record is not None
        assert 3 == out.record.data["payload"]["corrects"]

    @pytest.mark.parametrize("which", ["opening", "other_case", "unknown", "empty", "long"])
    def test_ids_that_name_no_step_of_the_case_are_refused(self, which: str) -> None:
        """The opening record, another case's step, an unknown id: refused, nothing stored."""
        d = self._driver()
        d.open(case_id="case-2")
        d.fire("notify_panel", case_id="case-2")
        event_id = {
            "opening": d.history()[0].event_id,
            "other_case": d.history("case-2")[1].event_id,
            "unknown": "00000000-0000-5000-8000-000000000000",
            "empty": "",
            "long": "x" * 129,
        }[which]
        before = d.history()
        with pytest.raises(sw.InvalidInputError) as info:
            self._correct(d, event_id)
        assert ("corrects", False, before) == (
            info.value.field,
            bool(event_id) and event_id in str(info.value),
            d.history(),
        )


#: Gateshead's code before its 2013 recode, and the code in force since.
GATESHEAD_OLD, GATESHEAD = "E08000020", "E08000037"


def _in_gateshead() -> sw.Incident:
    """A fictional death in Gateshead, known in January 2024 (after the recode)."""
    return death_in_barnsley(
        location=sw.Location.england(GATESHEAD),
        children=[sw.Child(age=4, harm="death", normally_resident_in=GATESHEAD)],
    )


class TestGivenAuthorityCode:
    def test_a_recoded_code_is_kept_beside_the_code_in_force(self) -> None:
        """Opened with Gateshead's old code, the case holds the new one and the one given."""
        d = Driver()
        out = d.workflow.open(
            TENANT, _in_gateshead(), local_authority=" e08000020 ", actor="u", case_id="c"
        )
        assert (GATESHEAD, GATESHEAD_OLD, (GATESHEAD, GATESHEAD_OLD)) == (
            out.case.local_authority,
            out.case.local_authority_given,
            out.case.authority_codes,
        )
        assert out.event is not None
        assert (GATESHEAD, GATESHEAD_OLD) == (
            out.event.data["local_authority"],
            out.event.data["local_authority_given"],
        )

    @pytest.mark.parametrize("given", [GATESHEAD, "Gateshead", "390"])
    def test_the_code_in_force_a_name_or_a_dfe_number_keep_nothing_more(self, given: str) -> None:
        """Given the code in force, a name or a DfE number, the case holds no second code."""
        d = Driver()
        case = d.workflow.open(
            TENANT, _in_gateshead(), local_authority=given, actor="u", case_id="c"
        ).case
        assert (GATESHEAD, None, (GATESHEAD,)) == (
            case.local_authority,
            case.local_authority_given,
            case.authority_codes,
        )
        assert "local_authority_given" not in d.history("c")[0].data["changes"]["case"]

    def test_the_given_code_survives_storage_and_rebuild(self, tmp_path: Any) -> None:
        """A SQL store reads it back (its snapshot checked), and the history rebuilds it."""
        sql = sw.stores.SqlStore.sqlite(str(tmp_path / "la.db"))
        d = Driver(store=sql)
        d.workflow.open(
            TENANT, _in_gateshead(), local_authority=GATESHEAD_OLD, actor="u", case_id="c"
        )
        d.fire("notify_panel", case_id="c")
        again = sw.stores.SqlStore(sql.engine)  # a cold store: nothing kept in memory
        case = again.get(TENANT, "c")
        history = again.history(TENANT, "c")
        assert (GATESHEAD_OLD, case, True) == (
            case.local_authority_given,
            sw.rebuild(history),
            sw.verify(history).ok,
        )
        sql.engine.dispose()

    @pytest.mark.parametrize("engine", ["memory", "sqlite", "postgresql"])
    def test_the_overdue_rows_carry_both_codes(
        self, engine: str, tmp_path: Any, request: pytest.FixtureRequest
    ) -> None:
        """A host keyed on the old code finds the case's overdue deadlines by it, on any store."""
        store: sw.stores.SqlStore | None = None
        if engine == "sqlite":
            store = sw.stores.SqlStore.sqlite(str(tmp_path / "la.db"))
        elif engine == "postgresql":
            url = request.getfixturevalue("pg_url")
            store = sw.stores.SqlStore.postgresql(url, prefix=f"la{uuid.uuid4().hex[:10]}_")
        d = Driver(store=store)
        d.workflow.open(
            TENANT, _in_gateshead(), local_authority=GATESHEAD_OLD, actor="u", case_id="c"
        )
        d.workflow.open(  # given the code in force: no second code
            TENANT, _in_gateshead(), local_authority=GATESHEAD, actor="u", case_id="d"
        )
        rows = d.workflow.overdue(TENANT, pendulum.date(2024, 3, 1))
        assert {("c", GATESHEAD, GATESHEAD_OLD), ("d", GATESHEAD, None)} == {
            (r.case_id, r.local_authority, r.local_authority_given) for r in rows
        }
        if store is not None:
            store.engine.dispose()

    def test_a_snapshot_without_the_field_still_decodes(self) -> None:
        """Cases stored before the field existed (no key in their JSON) read as None."""
        from safeguarding_workflow._codec import case_from_json, case_to_json

        case = Driver().open()
        data = case_to_json(case)
        assert "local_authority_given" not in data
        assert case == case_from_json(data)
        with pytest.raises(sw.InvalidInputError):
            case_from_json({**data, "local_authority_given": 5})
