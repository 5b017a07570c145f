"""The dry run (`Workflow.check`, `Workflow.available`), roles from the host and its authoriser."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import safeguarding_workflow as sw
from safeguarding_workflow.guards import Reason
from tests.helpers import BARNSLEY, PAYLOADS, ROLES, ROUTES, TENANT, Driver, death_in_barnsley

LIFECYCLE = sw.england.LIFECYCLE
ALL_ROLES = sorted({role for step in LIFECYCLE.steps for role in step.roles})
ALL_EVENTS = sorted(LIFECYCLE.events)


def _stored(driver: Driver, case_id: str = "case-1") -> tuple[int, int]:
    """The case's version and its number of history records."""
    return driver.case(case_id).version, len(driver.history(case_id))


def _codes(reasons: tuple[Reason, ...]) -> list[str]:
    return [r.code for r in reasons]


# -- check ------------------------------------------------------------------------------------


def test_check_of_a_command_fire_would_take_is_empty_and_stores_nothing() -> None:
    driver = Driver()
    driver.open()
    command = driver.command("notify_panel")
    before = _stored(driver)
    assert driver.workflow.check(command) == ()
    assert _stored(driver) == before
    assert driver.events[-1].type.endswith("opened")  # no event either
    driver.workflow.fire(command)
    assert _stored(driver) == (before[0] + 1, before[1] + 1)


@pytest.mark.parametrize(
    ("event", "overrides", "code"),
    [
        ("no_such_step_anywhere", {}, "unknown_event"),
        ("close", {}, "step_not_available"),
        ("notify_panel", {"role": "reviewer"}, "role_not_permitted"),
        ("notify_panel", {"payload": {"notification_ref": 7}}, "payload_invalid"),
        ("notify_panel", {"days": 400}, "occurred_at_invalid"),
        ("notify_panel", {"expected_version": 5}, "concurrency_conflict"),
    ],
)
def test_check_names_each_kind_of_refusal(event: str, overrides: dict[str, Any], code: str) -> None:
    driver = Driver()
    driver.open()
    command = driver.command(event if event in PAYLOADS else "notify_panel")
    fields: dict[str, Any] = {"event": event}
    if "role" in overrides:
        fields["role"] = overrides["role"]
    if "payload" in overrides:
        fields["payload"] = overrides["payload"]
    if "days" in overrides:  # in the future: the clock stays an hour after the command
        fields["occurred_at"] = command.occurred_at.add(days=overrides["days"])
    if "expected_version" in overrides:
        fields["expected_version"] = overrides["expected_version"]
    command = _evolve(command, **fields)
    before = _stored(driver)
    reasons = driver.workflow.check(command)
    assert _codes(reasons) == [code]
    assert _stored(driver) == before
    with pytest.raises(sw.SafeguardingWorkflowError):
        driver.workflow.fire(command)
    assert _stored(driver) == before


def _evolve(command: sw.Command, **fields: Any) -> sw.Command:
    values = {
        "actor": command.actor,
        "role": command.role,
        "occurred_at": command.occurred_at,
        "payload": command.payload,
        "expected_version": command.expected_version,
        "idempotency_key": command.idempotency_key,
        "roles": command.roles,
    }
    event = fields.pop("event", command.event)
    values.update(fields)
    return sw.Command(command.tenant_id, command.case_id, event, **values)


def test_check_gathers_every_refusal_where_fire_stops_at_the_first() -> None:
    driver = Driver()
    driver.open()
    command = _evolve(
        driver.command("notify_panel"),
        role="reviewer",
        payload={"notification_ref": 7},
        expected_version=9,
    )
    assert _codes(driver.workflow.check(command)) == [
        "concurrency_conflict",
        "role_not_permitted",
        "payload_invalid",
    ]
    with pytest.raises(sw.ConcurrencyConflict):
        driver.workflow.fire(command)


def test_check_reports_a_guards_reasons_with_their_rules() -> None:
    driver = Driver()
    driver.walk_to("rapid_review_submitted")
    command = driver.command("commission_local_review", rationale_ref=None)
    reasons = driver.workflow.check(command)
    assert reasons
    assert all(r.rule_ids for r in reasons)
    with pytest.raises(sw.TransitionRefused) as refused:
        driver.workflow.fire(command)
    assert refused.value.reasons == reasons


def test_an_unknown_event_is_bad_input_and_an_unavailable_step_a_refusal() -> None:
    driver = Driver()
    driver.open()
    with pytest.raises(sw.UnknownEventError) as unknown:
        driver.workflow.fire(_evolve(driver.command("notify_panel"), event="not_a_step_at_all"))
    assert isinstance(unknown.value, sw.InvalidInputError)
    assert not isinstance(unknown.value, sw.TransitionRefused)
    assert unknown.value.code == "unknown_event"
    assert unknown.value.field == "event"
    assert "not_a_step_at_all" not in str(unknown.value)
    with pytest.raises(sw.StepNotAvailable) as unavailable:
        driver.workflow.fire(driver.command("close"))
    assert unavailable.value.code == "step_not_available"


def test_check_of_a_repeated_command_and_of_a_reused_key() -> None:
    driver = Driver()
    driver.open()
    command = _evolve(driver.command("notify_panel"), idempotency_key="key-1")
    driver.workflow.fire(command)
    assert driver.workflow.check(command) == ()  # fire would return the first outcome
    other = _evolve(command, payload={"notification_ref": "another"})
    assert _codes(driver.workflow.check(other)) == ["idempotency_key_reused"]


def test_check_of_a_missing_case_or_an_unknown_tenant_raises() -> None:
    driver = Driver()
    driver.open()
    with pytest.raises(sw.CaseNotFoundError):
        driver.workflow.check(driver.command("notify_panel", case_id="no-such-case"))
    with pytest.raises(sw.InvalidInputError):
        driver.workflow.check("notify_panel")  # type: ignore[arg-type]


# -- check and fire cannot disagree -----------------------------------------------------------

_STATES = sorted(ROUTES)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    state=st.sampled_from(_STATES),
    event=st.sampled_from([*ALL_EVENTS, "not_a_step"]),
    roles=st.one_of(
        st.sampled_from(ALL_ROLES).map(lambda r: {"role": r}),
        st.sets(st.sampled_from(ALL_ROLES), min_size=1).map(lambda rs: {"roles": rs}),
    ),
    payload=st.sampled_from(["usual", "empty", "broken"]),
    when=st.sampled_from(["next_day", "future", "before_last"]),
    version=st.sampled_from(["none", "right", "wrong"]),
    authorise=st.sampled_from([None, True, False]),
)
def test_check_is_empty_exactly_when_fire_takes_the_command(
    state: str,
    event: str,
    roles: dict[str, Any],
    payload: str,
    when: str,
    version: str,
    authorise: bool | None,
) -> None:
    driver = Driver()
    case = driver.walk_to(state)
    if authorise is not None:
        driver.workflow.authoriser = lambda actor, held, case, step: authorise
    body: dict[str, Any] = {
        "usual": dict(PAYLOADS.get(event, {})),
        "empty": {},
        "broken": {"notification_ref": 7, "rationale_ref": 7},
    }[payload]
    if event == "plan_publication" and payload == "usual":
        body["planned_publication_on"] = driver.when.add(days=40).date().isoformat()
    at = {
        "next_day": driver.when.add(days=31),
        "future": driver.when.add(days=400),
        "before_last": driver.when.subtract(days=1),
    }[when]
    driver.clock.set(driver.when.add(days=32))
    command = sw.Command(
        TENANT,
        "case-1",
        event,
        actor="user-1",
        occurred_at=at,
        payload=body,
        expected_version={"none": None, "right": case.version, "wrong": case.version + 3}[version],
        **roles,
    )
    before = _stored(driver)
    reasons = driver.workflow.check(command)
    assert _stored(driver) == before
    try:
        driver.workflow.fire(command)
    except (sw.TransitionRefused, sw.InvalidInputError, sw.ConcurrencyConflict):
        assert reasons, "fire refused a command check found nothing wrong with"
        assert _stored(driver) == before
    else:
        assert reasons == (), "fire took a command check refused"


# -- available --------------------------------------------------------------------------------


def test_available_lists_the_steps_of_the_state_for_the_users_roles() -> None:
    driver = Driver()
    case = driver.walk_to("notified")
    driver.clock.set(driver.when.add(days=1))
    options = driver.workflow.available(case, {"safeguarding_partners"})
    assert [o.event for o in options] == [s.event for s in LIFECYCLE.available("notified")]
    by_event = {o.event: o for o in options}
    assert by_event["start_rapid_review"].allowed
    assert by_event["start_rapid_review"].role == "safeguarding_partners"
    la_only = by_event["inform_safeguarding_partners"]
    assert la_only.role is None
    assert _codes(la_only.reasons)[0] == "role_not_permitted"
    assert not la_only.enabled


def test_a_step_refused_only_for_its_payload_is_enabled_and_lists_what_it_needs() -> None:
    driver = Driver()
    case = driver.open(
        facts=death_in_barnsley(
            children=[sw.Child(age=4, harm="harm_not_serious", normally_resident_in=BARNSLEY)]
        )
    )
    driver.clock.set(driver.when.add(days=1))
    options = {o.event: o for o in driver.workflow.available(case, {"local_authority"})}
    no_notification = options["decide_not_notifiable"]
    assert _codes(no_notification.reasons) == ["payload_invalid"]
    assert no_notification.enabled
    assert not no_notification.allowed
    assert no_notification.required == ("rationale_ref",)
    filled = driver.workflow.available(
        case,
        {"local_authority"},
        payloads={"decide_not_notifiable": {"rationale_ref": "note-1"}},
    )
    assert {o.event: o for o in filled}["decide_not_notifiable"].allowed


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    state=st.sampled_from(_STATES),
    roles=st.sets(st.sampled_from(ALL_ROLES), min_size=1),
    with_payloads=st.booleans(),
)
def test_available_agrees_with_fire_step_by_step(
    state: str, roles: set[str], with_payloads: bool
) -> None:
    driver = Driver()
    case = driver.walk_to(state)
    at = driver.when.add(days=31)
    driver.clock.set(at.add(hours=1))
    payloads: dict[str, dict[str, Any]] = {}
    if with_payloads:
        for step in LIFECYCLE.available(state):
            payloads[step.event] = dict(PAYLOADS.get(step.event, {}))
            if step.event == "plan_publication":
                payloads[step.event]["planned_publication_on"] = at.add(days=30).date().isoformat()
    options = driver.workflow.available(case, roles, occurred_at=at, payloads=payloads)
    for option in options:
        trial = Driver()
        trial.walk_to(state)
        trial.clock.set(at.add(hours=1))
        command = sw.Command(
            TENANT,
            "case-1",
            option.event,
            actor="anonymous",
            roles=roles,
            occurred_at=at,
            payload=payloads.get(option.event),
        )
        try:
            outcome = trial.workflow.fire(command)
        except (sw.TransitionRefused, sw.InvalidInputError):
            assert not option.allowed
        else:
            assert option.allowed
            assert outcome.record is not None
            assert outcome.record.data["role"] == option.role


def test_available_checks_its_arguments() -> None:
    driver = Driver()
    case = driver.open()
    with pytest.raises(sw.InvalidInputError) as error:
        driver.workflow.available(case, set())
    assert error.value.field == "roles"
    with pytest.raises(sw.InvalidInputError):
        driver.workflow.available("case-1", {"local_authority"})  # type: ignore[arg-type]
    with pytest.raises(sw.InvalidInputError) as error:
        driver.workflow.available(case, {"local_authority"}, payloads={"close": {}})
    assert error.value.field == "payloads"
    driver.workflow.authoriser = lambda actor, roles, case, step: True
    with pytest.raises(sw.InvalidInputError) as error:
        driver.workflow.available(case, {"local_authority"})
    assert error.value.field == "actor"


# -- roles from the host's users --------------------------------------------------------------


def test_a_command_with_the_actors_roles_acts_in_the_first_that_may() -> None:
    driver = Driver()
    driver.open()
    command = _evolve(
        driver.command("notify_panel"),
        role=None,
        roles={"safeguarding_partners", "local_authority"},
    )
    outcome = driver.workflow.fire(command)
    assert outcome.record is not None
    assert outcome.record.data["role"] == "local_authority"
    # a retry under the same key, with the same roles, is the same command
    keyed = _evolve(
        driver.command("start_rapid_review"),
        role=None,
        roles={"safeguarding_partners", "reviewer"},
        idempotency_key="k-2",
    )
    first = driver.workflow.fire(keyed)
    assert driver.workflow.fire(keyed).record == first.record


def test_roles_none_of_which_may_take_the_step_are_refused() -> None:
    driver = Driver()
    driver.open()
    command = _evolve(driver.command("notify_panel"), role=None, roles={"reviewer", "panel"})
    with pytest.raises(sw.RoleNotPermitted) as refused:
        driver.workflow.fire(command)
    assert refused.value.field == "roles"
    assert _stored(driver) == (1, 1)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "Command.role"),
        ({"roles": set()}, "Command.roles"),
        ({"roles": "local_authority"}, "Command.roles"),
        ({"roles": {"local_authority", 7}}, "Command.roles"),
        ({"role": "reviewer", "roles": {"local_authority"}}, "Command.role"),
        ({"roles": {"9434765919"}}, "Command.roles"),
    ],
)
def test_a_commands_roles_are_checked(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(sw.InvalidInputError) as error:
        sw.Command(
            TENANT,
            "case-1",
            "notify_panel",
            actor="user-1",
            occurred_at=pendulum.datetime(2024, 1, 6, tz="UTC"),
            **fields,
        )
    assert error.value.field == field
    assert "9434765919" not in str(error.value)


def test_opening_follows_the_same_rule_for_roles() -> None:
    driver = Driver()
    outcome = driver.workflow.open(
        TENANT,
        death_in_barnsley(),
        local_authority=BARNSLEY,
        actor="user-1",
        case_id="case-9",
        roles={"reviewer", "local_authority"},
    )
    assert outcome.record is not None
    assert outcome.record.data["role"] == "local_authority"
    with pytest.raises(sw.RoleNotPermitted):
        driver.workflow.open(
            TENANT,
            death_in_barnsley(),
            local_authority=BARNSLEY,
            actor="user-1",
            case_id="case-10",
            roles={"reviewer"},
        )
    with pytest.raises(sw.CaseNotFoundError):
        driver.workflow.case(TENANT, "case-10")


# -- the host's authoriser --------------------------------------------------------------------


def test_an_authoriser_is_asked_with_the_actor_roles_case_and_step() -> None:
    asked: list[tuple[Any, ...]] = []

    def authoriser(actor: str, roles: frozenset[str], case: sw.Case, step: str) -> bool:
        asked.append((actor, roles, case.case_id, case.local_authority, step))
        return case.local_authority == BARNSLEY

    driver = Driver()
    driver.workflow.authoriser = authoriser
    driver.open()
    driver.fire("notify_panel")
    assert asked == [
        ("user-1", frozenset({"local_authority"}), "case-1", BARNSLEY, "open"),
        ("user-1", frozenset({"local_authority"}), "case-1", BARNSLEY, "notify_panel"),
    ]


def test_an_authorisers_refusal_is_a_refusal_and_stores_nothing() -> None:
    driver = Driver()
    driver.open()
    driver.workflow.authoriser = lambda actor, roles, case, step: step != "notify_panel"
    command = driver.command("notify_panel")
    assert _codes(driver.workflow.check(command)) == ["not_authorised"]
    with pytest.raises(sw.NotAuthorised) as refused:
        driver.workflow.fire(command)
    assert isinstance(refused.value, sw.RoleNotPermitted)
    assert refused.value.code == "not_authorised"
    assert _codes(refused.value.reasons) == ["not_authorised"]
    assert _stored(driver) == (1, 1)
    options = {
        o.event: o
        for o in driver.workflow.available(driver.case(), {"local_authority"}, actor="user-1")
    }
    assert _codes(options["notify_panel"].reasons) == ["not_authorised"]


def test_an_authoriser_refuses_opening_correcting_and_new_facts() -> None:
    driver = Driver()
    driver.open()
    driver.fire("notify_panel")
    driver.workflow.authoriser = lambda actor, roles, case, step: False
    with pytest.raises(sw.NotAuthorised):
        driver.workflow.open(
            TENANT, death_in_barnsley(), local_authority=BARNSLEY, actor="u-2", case_id="case-2"
        )
    with pytest.raises(sw.CaseNotFoundError):
        driver.workflow.case(TENANT, "case-2")
    with pytest.raises(sw.NotAuthorised):
        driver.workflow.correct(
            TENANT,
            "case-1",
            corrects=2,
            occurred_at=driver.when.subtract(hours=1),
            actor="user-1",
            role="local_authority",
            reason_ref="note-1",
        )
    with pytest.raises(sw.NotAuthorised):
        driver.workflow.update_facts(TENANT, "case-1", death_in_barnsley(), actor="user-1")
    assert _stored(driver) == (2, 2)


def test_an_authoriser_must_answer_a_bool() -> None:
    driver = Driver()
    driver.open()
    driver.workflow.authoriser = lambda actor, roles, case, step: "yes"  # type: ignore[assignment,return-value]
    with pytest.raises(sw.ConfigurationError) as error:
        driver.workflow.fire(driver.command("notify_panel"))
    assert error.value.field == "authoriser"
    assert _stored(driver) == (1, 1)
    with pytest.raises(sw.ConfigurationError):
        sw.Workflow(sw.england.PACK, clock=driver.clock, settings=[], authoriser="no")  # type: ignore[arg-type]


def test_roles_in_the_authoriser_are_all_the_actor_holds() -> None:
    seen: list[frozenset[str]] = []
    driver = Driver()
    driver.open()
    driver.workflow.authoriser = lambda actor, roles, case, step: seen.append(roles) is None
    driver.workflow.fire(
        _evolve(driver.command("notify_panel"), role=None, roles={"local_authority", "panel"})
    )
    assert seen == [frozenset({"local_authority", "panel"})]


def test_roles_of_the_lifecycle_are_what_the_tests_assume() -> None:
    assert ROLES["notify_panel"] == "local_authority"
    assert "panel" in ALL_ROLES
    assert "reviewer" in ALL_ROLES
