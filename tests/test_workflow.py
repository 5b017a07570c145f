"""The workflow: commands, refusals, roles (R7), deadlines, corrections, events after storage."""

from __future__ import annotations

import threading
import uuid

import jsonschema
import pendulum
import pytest

import safeguarding_workflow as sw
from safeguarding_workflow.testing._england import record_published_check

from .helpers import BARNSLEY, PAYLOADS, ROUTES, TENANT, Driver, death_in_barnsley

D = pendulum.date


def snapshot(driver: Driver, case_id: str = "case-1") -> tuple[sw.Case, tuple[bytes, ...]]:
    return driver.case(case_id), tuple(r.body for r in driver.history(case_id))


class TestOpening:
    def test_open_assesses_and_records(self) -> None:
        """Opening assesses the facts: deadlines from the duties, one opening record."""
        d = Driver()
        case = d.open()
        assert (case.state, case.version) == ("incident_recorded", 1)
        assert {
            "notify_panel": D(2024, 1, 12),
            "inform_safeguarding_partners": D(2024, 1, 12),
            "rapid_review": D(2024, 1, 26),
        } == {x.kind: x.due for x in case.deadlines}
        assert (case.lifecycle, case.lifecycle_version, case.rule_pack, case.rule_pack_version) == (
            "england",
            "2",
            "england",
            "1",
        )
        assert len(d.events) == 1
        assert d.events[0].type == "org.safeguarding-workflow.opened.opened"

    def test_open_refusals_store_nothing(self) -> None:
        """Bad input at opening raises library errors and stores nothing."""
        d = Driver()
        with pytest.raises(sw.RoleNotPermitted):
            d.workflow.open(
                TENANT,
                death_in_barnsley(),
                local_authority=BARNSLEY,
                actor="user-1",
                role="safeguarding_partners",
                case_id="c",
            )
        with pytest.raises(sw.InvalidInputError):
            d.workflow.open(
                TENANT,
                death_in_barnsley(),
                local_authority=BARNSLEY,
                actor="a name with spaces",
                case_id="c",
            )
        with pytest.raises(sw.InvalidInputError, match="NHS number"):
            d.workflow.open(
                TENANT,
                death_in_barnsley(),
                local_authority=BARNSLEY,
                actor="user-1",
                case_id="9434765919",
            )
        with pytest.raises(sw.ConfigurationError):
            d.workflow.open(
                "other-tenant",
                death_in_barnsley(),
                local_authority=BARNSLEY,
                actor="user-1",
                case_id="c",
            )
        with pytest.raises(sw.InvalidInputError):  # the awareness is in the future
            d.workflow.open(
                TENANT,
                death_in_barnsley(la_aware_at=pendulum.datetime(2024, 2, 1, tz="UTC")),
                local_authority=BARNSLEY,
                actor="user-1",
                case_id="c",
            )
        with pytest.raises(sw.CaseNotFoundError):
            d.case("c")
        d.open()
        with pytest.raises(sw.CaseExistsError):
            d.open()

    def test_default_ids(self) -> None:
        """Case ids are random; event ids are uuid5 of tenant, case and sequence."""
        d = Driver()
        out = d.workflow.open(TENANT, death_in_barnsley(), local_authority=BARNSLEY, actor="user-1")
        assert len(out.case.case_id) == 32
        expected = uuid.uuid5(sw._workflow.EVENT_ID_NAMESPACE, f"{TENANT}/{out.case.case_id}/1")
        assert str(expected) == out.record.event_id  # type: ignore[union-attr]


class TestSteps:
    def test_full_walk_meets_every_deadline(self) -> None:
        """Incident to closure: every deadline met, the chain verifies, one event per record."""
        d = Driver()
        case = d.walk_to("closed")
        assert {"met"} == {x.status for x in case.deadlines}
        assert {
            "notify_panel",
            "inform_safeguarding_partners",
            "rapid_review",
            "local_review_publication",
            "send_report_to_panel_and_sos",
        } == {x.kind for x in case.deadlines}
        history = d.history()
        assert sw.verify(history).ok
        assert len(history) == len(d.events) == case.version
        assert case == sw.rebuild(history)

    def test_refusal_carries_reasons_and_changes_nothing(self) -> None:
        """A guard refusal raises TransitionRefused with reasons, rule ids and citations."""
        d = Driver()
        d.walk_to("rapid_review")
        before = snapshot(d)
        with pytest.raises(sw.TransitionRefused) as info:
            d.fire("submit_rapid_review", decision="local_review", rationale_ref=None)
        error = info.value
        assert (error.code, error.event) == ("transition_refused", "submit_rapid_review")
        assert [r.code for r in error.reasons] == ["payload_missing"]
        assert {"RR-02", "RR-04"} == set(error.rule_ids)
        assert before == snapshot(d)

    def test_step_not_available(self) -> None:
        """An event that is not a step from the current state is refused, naming those that are."""
        d = Driver()
        d.open()
        with pytest.raises(sw.StepNotAvailable, match="available: notify_panel") as info:
            d.fire("publish_full")
        assert info.value.code == "step_not_available"

    def test_occurred_at_rules(self) -> None:
        """occurred_at may be neither in the future nor before the previous step."""
        d = Driver()
        d.open()
        before = snapshot(d)
        command = d.command("notify_panel")
        d.clock.set(command.occurred_at.subtract(minutes=1))
        with pytest.raises(sw.InvalidInputError, match="future"):
            d.workflow.fire(command)
        early = sw.Command(
            TENANT,
            "case-1",
            "notify_panel",
            actor="user-1",
            role="local_authority",
            occurred_at=pendulum.datetime(2024, 1, 4, tz="UTC"),
            payload=PAYLOADS["notify_panel"],
        )
        with pytest.raises(sw.InvalidInputError, match="previous step"):
            d.workflow.fire(early)
        assert before == snapshot(d)

    def test_late_step_is_recorded_with_its_real_time(self) -> None:
        """A step entered on Thursday that happened on Tuesday meets its deadline by Tuesday."""
        d = Driver()
        d.open()
        tuesday = pendulum.datetime(2024, 1, 9, 15, tz="Europe/London")
        d.clock.set(pendulum.datetime(2024, 1, 11, 9, tz="UTC"))
        out = d.workflow.fire(
            sw.Command(
                TENANT,
                "case-1",
                "notify_panel",
                actor="user-1",
                role="local_authority",
                occurred_at=tuesday,
                payload=PAYLOADS["notify_panel"],
            )
        )
        panel = out.case.deadline("notify_panel")
        assert panel is not None
        assert ("met", D(2024, 1, 9), 2) == (panel.status, panel.met_on, panel.met_by)
        data = out.record.data  # type: ignore[union-attr]
        assert (data["occurred_at"], data["recorded_at"]) == (
            "2024-01-09T15:00:00.000000Z",
            "2024-01-11T09:00:00.000000Z",
        )

    def test_missed_deadline_is_met_late(self) -> None:
        """Notified after the fifth working day: met_late."""
        d = Driver()
        d.open()
        out = d.fire("notify_panel", days=10)
        assert out.case.deadline("notify_panel").status == "met_late"  # type: ignore[union-attr]

    def test_bad_payloads(self) -> None:
        """Unknown fields, free text and malformed values are refused with the field named."""
        d = Driver()
        d.open()
        for payload, field in [
            ({"notes": "free text"}, "payload"),
            ({"notification_ref": "has spaces, like a name"}, "payload.notification_ref"),
            ({"notification_ref": 12}, "payload.notification_ref"),
        ]:
            with pytest.raises(sw.InvalidInputError) as info:
                d.workflow.fire(
                    sw.Command(
                        TENANT,
                        "case-1",
                        "notify_panel",
                        actor="user-1",
                        role="local_authority",
                        occurred_at=d.when.add(hours=1),
                        payload=payload,
                    )
                )
            assert field == info.value.field

    def test_stale_version_conflicts(self) -> None:
        """A command decided on an old version gets ConcurrencyConflict; nothing stored."""
        d = Driver()
        d.open()
        d.fire("notify_panel")
        before = snapshot(d)
        command = d.command("start_rapid_review")
        stale = sw.Command(
            command.tenant_id,
            command.case_id,
            command.event,
            actor=command.actor,
            role=command.role,
            occurred_at=command.occurred_at,
            payload=command.payload,
            expected_version=1,
        )
        with pytest.raises(sw.ConcurrencyConflict) as info:
            d.workflow.fire(stale)
        assert info.value.code == "concurrency_conflict"
        assert before == snapshot(d)

    def test_racing_threads_have_one_winner(self) -> None:
        """R1 in memory: eight threads fire on version 2; exactly one wins."""
        d = Driver()
        d.open()
        d.fire("notify_panel")
        command = d.command("start_rapid_review")
        commands = [
            sw.Command(
                TENANT,
                "case-1",
                command.event,
                actor=f"user-{i}",
                role=command.role,
                occurred_at=command.occurred_at,
                expected_version=2,
            )
            for i in range(8)
        ]
        results: list[str] = []
        barrier = threading.Barrier(8)

        def run(c: sw.Command) -> None:
            barrier.wait()
            try:
                d.workflow.fire(c)
                results.append("won")
            except sw.ConcurrencyConflict:
                results.append("conflict")

        threads = [threading.Thread(target=run, args=(c,)) for c in commands]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert (results.count("won"), results.count("conflict")) == (1, 7)
        assert len(d.history()) == 3
        assert sw.verify(d.history()).ok


class TestRoles:
    """R7: every step, attempted by every role that may not take it, is refused."""

    def test_every_step_with_every_other_role(self) -> None:
        """Each state reached, each available step tried with each forbidden role."""
        life = sw.england.LIFECYCLE
        roles = [*sorted(life.roles), "public"]
        tried = 0
        for state in ROUTES:
            d = Driver()
            d.walk_to(state)
            before = snapshot(d)
            for step in life.available(state):
                for role in roles:
                    if role in step.roles:
                        continue
                    with pytest.raises(sw.RoleNotPermitted) as info:
                        d.fire(step.event, role=role)
                    assert info.value.field == "role"
                    tried += 1
            assert before == snapshot(d)
        assert tried > 60


class TestBranches:
    def test_looked_after_death_without_abuse(self) -> None:
        """NOT-06: SoS and Ofsted notified, the case ends; no rapid review."""
        d = Driver()
        case = d.walk_to("sos_and_ofsted_notified")
        assert [(x.kind, x.status) for x in case.deadlines] == [
            ("notify_secretary_of_state_and_ofsted", "met")
        ]

    def test_looked_after_death_with_abuse_either_notification_first(self) -> None:
        """NOT-06 with NOT-01: the SoS notification may come first; the Panel's follows it."""
        d = Driver()
        d.open(
            death_in_barnsley(children=[sw.Child(age=3, harm="death", looked_after_by=BARNSLEY)])
        )
        first = d.fire("notify_secretary_of_state_and_ofsted")
        assert first.case.state == "sos_and_ofsted_notified"
        out = d.fire("notify_panel")
        assert out.case.state == "notified"
        assert out.case.deadline("notify_secretary_of_state_and_ofsted").status == "met"  # type: ignore[union-attr]

    def test_care_leaver_then_voluntary_review(self) -> None:
        """NOT-07: a care leaver's death; the partners may still commission a review."""
        d = Driver()
        d.walk_to("care_leaver_death_notified")
        out = d.fire("commission_local_review")
        assert out.case.state == "local_review_commissioned"

    def test_not_notifiable_only_without_duties(self) -> None:
        """NOT-03: the not-notifiable ending is refused while duties arise."""
        d = Driver()
        d.open()
        with pytest.raises(sw.TransitionRefused) as info:
            d.fire("decide_not_notifiable")
        assert [r.code for r in info.value.reasons] == ["duties_arise"]
        assert Driver().walk_to("not_notifiable").state == "not_notifiable"

    def test_withdrawal_cancels_open_deadlines(self) -> None:
        """RR-01: withdrawn when the criteria turn out not to be met; open deadlines cancelled."""
        d = Driver()
        case = d.walk_to("withdrawn")
        assert {x.kind: x.status.value for x in case.deadlines} == {
            "notify_panel": "met",
            "inform_safeguarding_partners": "cancelled",
            "rapid_review": "cancelled",
        }

    def test_national_review(self) -> None:
        """RR-05, RR-06: the Panel takes the case; the case closes when the Panel reports."""
        d = Driver()
        d.walk_to("national_review")
        assert d.fire("close_national_review").case.state == "closed"

    def test_no_further_review_needs_learning(self) -> None:
        """LR-03: a decision of no further review records its rationale and learning."""
        d = Driver()
        d.walk_to("rapid_review_submitted")
        with pytest.raises(sw.TransitionRefused) as info:
            d.fire("decide_no_further_review", learning_refs=[])
        assert {"LR-03", "RR-02"} <= set(info.value.rule_ids)
        assert d.fire("decide_no_further_review").case.state == "no_further_review"
        assert d.fire("close").case.state == "closed"

    def test_commissioning_needs_every_criterion(self) -> None:
        """LR-01: each reg 11 criterion answered, and the rationale recorded (LR-03)."""
        d = Driver()
        d.walk_to("rapid_review_submitted")
        with pytest.raises(sw.TransitionRefused) as info:
            d.fire("commission_local_review", recurrent_themes=None, rationale_ref=None)
        assert [r.code for r in info.value.reasons] == [
            "criteria_not_considered",
            "payload_missing",
        ]
        assert (
            "Child Safeguarding Practice Review and Relevant Agency (England) Regulations "
            "2018, reg 11" in info.value.reasons[0].citations
        )

    def test_six_month_deadline(self) -> None:
        """LR-06: six calendar months from the decision; a non-working due day is flagged."""
        d = Driver()
        case = d.walk_to("local_review_commissioned")
        deadline = case.deadline("local_review_publication")
        assert deadline is not None
        assert (D(2024, 1, 10), D(2024, 7, 10), False) == (
            deadline.anchor_on,
            deadline.due,
            deadline.non_working_day,
        )
        cal = d.workflow.calendar(TENANT)
        sunday = deadline.computed(cal, D(2024, 1, 14))
        assert (D(2024, 7, 14), True) == (sunday.due, sunday.non_working_day)

    def test_reviewer_independence(self) -> None:
        """LR-04: no appointment without declared independence and terms of reference."""
        d = Driver()
        d.walk_to("local_review_commissioned")
        with pytest.raises(sw.TransitionRefused, match="independence"):
            d.fire("appoint_reviewer", independence_declared=False)
        d.fire("appoint_reviewer")
        d.fire("submit_draft")
        assert d.fire("return_for_changes").case.state == "review_in_progress"

    def test_publication_dates(self) -> None:
        """LR-08: planned date gives the send deadline; publishing too soon is refused."""
        d = Driver()
        d.walk_to("report_final")
        with pytest.raises(sw.TransitionRefused) as info:
            d.fire("send_to_panel_and_sos")
        assert [r.code for r in info.value.reasons] == ["publication_not_planned"]
        planned = d.fire("plan_publication", planned_publication_on="2024-03-15").case
        send = planned.deadline("send_report_to_panel_and_sos")
        assert send is not None
        assert (D(2024, 3, 6), None) == (send.due, send.met_on)
        d.fire("send_to_panel_and_sos")  # 2024-01-20... a day after finalising
        record_published_check(d.workflow, TENANT, "case-1")  # LR-07's check, on the record
        with pytest.raises(sw.TransitionRefused, match="earliest publication date") as refused:
            d.fire("publish_full", days=1)
        assert {"LR-08", "WD-02"} == set(refused.value.rule_ids)
        assert d.fire("publish_full", days=14).case.state == "published_full"

    def test_improvements_only_needs_justification(self) -> None:
        """LR-09: publishing the improvements only needs a justification."""
        d = Driver()
        d.walk_to("sent_to_panel_and_sos")
        with pytest.raises(sw.TransitionRefused):
            d.fire("publish_improvements_only", days=20, justification_ref=None)
        d.fire("defer_publication")
        out = d.fire("publish_improvements_only", days=20)
        assert out.case.state == "published_improvements_only"

    def test_replanning_after_sending_rejudges_the_send(self) -> None:
        """Moving publication earlier after sending can make the send late (LR-08)."""
        d = Driver()
        case = d.walk_to("sent_to_panel_and_sos")
        sent_on = case.milestone("sent_to_panel_and_sos")
        assert sent_on is not None
        out = d.fire("plan_publication", planned_publication_on=sent_on.add(days=3).isoformat())
        assert out.case.deadline("send_report_to_panel_and_sos").status == "met_late"  # type: ignore[union-attr]

    def test_close_refused_while_deadlines_open(self) -> None:
        """A case with open deadlines cannot close."""
        d = Driver()
        d.open()
        d.fire("notify_panel")
        d.fire("start_rapid_review")
        d.fire("submit_rapid_review")
        d.fire("decide_no_further_review")
        with pytest.raises(sw.TransitionRefused, match="inform_safeguarding_partners"):
            d.fire("close")

    def test_extra_publication_guard_seam(self) -> None:
        """Host guards run on both publication steps after the LR-08 check."""

        def leak_check(case: sw.Case, ctx: sw.GuardContext) -> sw.guards.GuardResult:
            return sw.guards.refuse("leak", "the report names a child", rule_ids=("LR-07",))

        d = Driver(pack=sw.england.pack(extra_publication_guards=(leak_check,)))
        d.walk_to("sent_to_panel_and_sos")
        record_published_check(d.workflow, TENANT, "case-1")
        with pytest.raises(sw.TransitionRefused) as info:
            d.fire("publish_full", days=20)
        assert [r.code for r in info.value.reasons] == ["leak"]


class TestAnchorsAndRecomputation:
    def test_notification_sent_anchor(self) -> None:
        """RR-03 anchored on the notification: no due date until it is sent (DEC-05)."""
        d = Driver(
            settings=sw.TenantSettings(
                TENANT, packs=[sw.england.Settings(rapid_review_anchor="notification_sent")]
            )
        )
        case = d.open()
        review = case.deadline("rapid_review")
        assert review is not None
        assert (review.due, review.anchor_event) == (None, "notification_sent")
        out = d.fire("notify_panel", days=3)  # Monday 8 January 2024
        review = out.case.deadline("rapid_review")
        assert review is not None
        assert (D(2024, 1, 8), D(2024, 1, 29)) == (review.anchor_on, review.due)

    def test_correction_of_occurred_at(self) -> None:
        """A correction appends a record; the step's deadline and milestone follow it."""
        d = Driver(
            settings=sw.TenantSettings(
                TENANT, packs=[sw.england.Settings(rapid_review_anchor="notification_sent")]
            )
        )
        d.open()
        late = d.fire("notify_panel", days=10).case
        assert late.deadline("notify_panel").status == "met_late"  # type: ignore[union-attr]
        d.clock.set(d.when.add(hours=2))
        really = pendulum.datetime(2024, 1, 9, 11, tz="Europe/London")
        out = d.workflow.correct(
            TENANT,
            "case-1",
            corrects=2,
            occurred_at=really,
            actor="user-2",
            role="local_authority",
            reason_ref="memo-7",
        )
        panel = out.case.deadline("notify_panel")
        review = out.case.deadline("rapid_review")
        assert panel is not None
        assert review is not None
        assert ("met", D(2024, 1, 9)) == (panel.status, panel.met_on)
        assert (D(2024, 1, 9), D(2024, 1, 30)) == (review.anchor_on, review.due)
        assert D(2024, 1, 9) == out.case.milestone("notification_sent")
        data = out.record.data  # type: ignore[union-attr]
        assert (data["kind"], data["payload"]["corrects"]) == ("correction", 2)
        assert len(d.history()) == 3
        assert out.case == sw.rebuild(d.history())

    def test_correction_refusals(self) -> None:
        """Corrections keep order, need a step record and a role that may take the step."""
        d = Driver()
        d.open()
        d.fire("notify_panel")
        d.fire("start_rapid_review")
        before = snapshot(d)
        at = pendulum.datetime(2024, 1, 5, 11, tz="UTC")
        cases = [
            ({"corrects": 1}, sw.InvalidInputError),  # the opening record is not a step
            ({"corrects": 9}, sw.InvalidInputError),
            ({"corrects": 2, "role": "panel"}, sw.RoleNotPermitted),
            (
                {"corrects": 2, "occurred_at": pendulum.datetime(2024, 1, 20, tz="UTC")},
                sw.InvalidInputError,
            ),  # after the next step
            (
                {"corrects": 2, "occurred_at": pendulum.datetime(2024, 1, 4, tz="UTC")},
                sw.InvalidInputError,
            ),  # before awareness
        ]
        for overrides, error in cases:
            kwargs = {
                "corrects": 2,
                "occurred_at": at,
                "actor": "user-2",
                "role": "local_authority",
                "reason_ref": "memo-1",
                **overrides,
            }
            with pytest.raises(error):
                d.workflow.correct(TENANT, "case-1", **kwargs)  # type: ignore[arg-type]
        assert before == snapshot(d)

    def test_facts_updated_when_abuse_is_suspected_later(self) -> None:
        """DEC-04: a looked-after death, abuse suspected later: Panel duties appear, recorded."""
        d = Driver()
        no_abuse = death_in_barnsley(
            abuse_or_neglect="not_suspected",
            children=[sw.Child(age=15, harm="death", looked_after_by=BARNSLEY)],
        )
        d.open(no_abuse)
        d.clock.set(pendulum.datetime(2024, 1, 16, 12, tz="UTC"))
        suspected = death_in_barnsley(
            children=no_abuse.children, abuse_or_neglect_since=D(2024, 1, 15)
        )
        out = d.workflow.update_facts(TENANT, "case-1", suspected, actor="user-1")
        assert D(2024, 1, 22) == out.case.deadline("notify_panel").due  # type: ignore[union-attr]
        assert (
            D(2024, 1, 12)
            == out.case.deadline(  # type: ignore[union-attr]
                "notify_secretary_of_state_and_ofsted"
            ).due
        )
        assert out.record.kind == "facts_updated"  # type: ignore[union-attr]
        assert out.case == sw.rebuild(d.history())
        with pytest.raises(sw.RoleNotPermitted):
            d.workflow.update_facts(TENANT, "case-1", suspected, actor="u", role="panel")

    def test_host_added_holiday_recomputes(self) -> None:
        """DEC-02: a proclaimed day moves open deadlines, recorded; a second run records nothing."""
        d = Driver()
        d.open()
        addition = sw.HolidayAddition(D(2024, 1, 10), "Proclaimed bank holiday (fictional)")
        d.workflow.configure(sw.TenantSettings(TENANT, calendar_additions=[addition]))
        out = d.workflow.recompute_deadlines(TENANT, "case-1", actor="scheduler")
        assert D(2024, 1, 15) == out.case.deadline("notify_panel").due  # type: ignore[union-attr]
        assert out.record.data["changes"]["calendar_additions"] == ["2024-01-10"]  # type: ignore[union-attr]
        again = d.workflow.recompute_deadlines(TENANT, "case-1", actor="scheduler")
        assert (again.record, again.event) == (None, None)
        assert out.case == sw.rebuild(d.history())


class TestEvents:
    def test_subscribers_run_after_storage(self) -> None:
        """When a subscriber runs, the store already holds the case at the event's sequence."""
        seen: list[tuple[int, int]] = []
        d: Driver

        def check(event: sw.CloudEvent) -> None:
            seen.append((event.data["seq"], d.case().version))

        d = Driver(subscribers=(check,))
        d.walk_to("rapid_review")
        assert seen == [(1, 1), (2, 2), (3, 3)]

    def test_pack_subscribers_run_first(self) -> None:
        """Subscribers given to the pack (per lifecycle) run before the workflow's own."""
        order: list[str] = []
        pack = sw.england.pack(subscribers=(lambda e: order.append("pack"),))
        Driver(pack=pack, subscribers=(lambda e: order.append("workflow"),)).open()
        assert ["pack", "workflow"] == order

    def test_failing_subscriber_is_logged_and_does_not_undo(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A subscriber that raises is logged without its message; the command stands."""

        def boom(event: sw.CloudEvent) -> None:
            raise RuntimeError("Zebedee Quillfeather")

        d = Driver(subscribers=(boom,))
        with caplog.at_level("WARNING", logger="safeguarding_workflow"):
            d.open()
        assert d.case().version == 1
        assert [r.sw_event for r in caplog.records] == ["subscriber_failed"]  # type: ignore[attr-defined]
        assert "Zebedee" not in caplog.text
        assert "RuntimeError" in caplog.text

    def test_events_match_the_published_schema(self) -> None:
        """Every event of a full walk validates against the package's JSON Schema."""
        d = Driver()
        d.walk_to("closed")
        d.workflow.correct(
            TENANT,
            "case-1",
            corrects=2,
            occurred_at=pendulum.datetime(2024, 1, 6, 9, tz="UTC"),
            actor="user-1",
            role="local_authority",
            reason_ref="m-1",
        )
        schema = sw.event_schema()
        jsonschema.Draft202012Validator.check_schema(schema)
        for event in d.events:
            jsonschema.validate(event.to_dict(), schema)
        first = d.events[0].to_dict()
        assert ("1.0", "case-1", f"urn:safeguarding-workflow:{TENANT}:england") == (
            first["specversion"],
            first["subject"],
            first["source"],
        )

    def test_no_hook_can_change_a_record(self) -> None:
        """Changing an event's data changes neither the event nor the stored record."""

        def vandal(event: sw.CloudEvent) -> None:
            event.data["event"] = "tampered"
            with pytest.raises(AttributeError):
                event.id = "x"  # type: ignore[misc]

        d = Driver(subscribers=(vandal,))
        d.walk_to("notified")
        assert sw.verify(d.history()).ok
        assert d.events[-1].data["event"] == "notify_panel"

    def test_event_data_is_taken_from_the_stored_record(self) -> None:
        """The event carries the record's ids, step and times; its hash stays in the history."""
        d = Driver()
        d.walk_to("notified")
        record = d.history()[-1].data
        data = d.events[-1].data
        assert (record["id"], record["seq"], record["event"], record["occurred_at"]) == (
            data["id"],
            data["seq"],
            data["event"],
            data["occurred_at"],
        )
        assert {"hash", "prev", "record"}.isdisjoint(data)
