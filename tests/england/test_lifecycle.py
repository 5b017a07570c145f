"""The England lifecycle: its states, its cast of roles and its guards."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest

import safeguarding_workflow as sw

from ..helpers import BARNSLEY, ROUTES, TENANT, Driver, death_in_barnsley


class TestEnglandLifecycle:
    def test_every_domain_state_is_there(self) -> None:
        """DOMAIN section 5 and the local review of section 4, as states."""
        expected = {
            "incident_recorded",
            "not_notifiable",
            "sos_and_ofsted_notified",
            "care_leaver_death_notified",
            "notified",
            "rapid_review",
            "withdrawn",
            "rapid_review_submitted",
            "national_review",
            "no_further_review",
            "local_review_commissioned",
            "review_in_progress",
            "report_draft",
            "report_final",
            "sent_to_panel_and_sos",
            "publication_deferred",
            "published_full",
            "published_improvements_only",
            "publication_removed",
            "closed",
        }
        assert expected == set(sw.england.LIFECYCLE.states)
        assert expected == set(ROUTES)
        assert (sw.england.LIFECYCLE.name, sw.england.LIFECYCLE.version) == ("england", "2")

    def test_roles(self) -> None:
        """R7's cast: who takes which kind of step."""
        life = sw.england.LIFECYCLE
        by_event = {s.event: set(s.roles) for s in life.steps}
        assert {"local_authority"} == by_event["notify_panel"]
        assert {"safeguarding_partners"} == by_event["commission_local_review"]
        assert {"reviewer"} == by_event["finalise_report"]
        assert {"panel"} == by_event["commission_national_review"]
        assert {"safeguarding_partners"} == by_event["publish_full"]


def test_england_guards_have_docstrings_with_rules() -> None:
    """Every England guard names the rules it encodes in its docstring or reasons."""
    from safeguarding_workflow.england._lifecycle import guard_names

    for name, guard in guard_names().items():
        assert callable(guard), name
    assert "panel_duty" in sw.england.LIFECYCLE.guards


def looked_after_death(**overrides: Any) -> sw.Incident:
    """A fictional looked-after child's death in Barnsley, known on Friday 5 January 2024."""
    return death_in_barnsley(
        children=[sw.Child(age=15, harm="death", looked_after_by=BARNSLEY)], **overrides
    )


def statuses(case: sw.Case) -> dict[str, str]:
    return {d.kind: d.status.value for d in case.deadlines}


class TestSuspicionAfterTheSecretaryOfStateNotification:
    """Item 15: a looked-after death notified before any suspicion does not trap the case."""

    def test_the_panel_duties_that_arise_can_be_met(self) -> None:
        """NOT-06, then DEC-04 suspicion: NOT-01, NOT-05 and RR-01 are recorded and met."""
        d = Driver()
        d.open(looked_after_death(abuse_or_neglect="not_suspected"))
        assert (
            "sos_and_ofsted_notified" == d.fire("notify_secretary_of_state_and_ofsted").case.state
        )
        d.clock.set(pendulum.datetime(2024, 1, 16, 12, tz="UTC"))
        suspected = looked_after_death(abuse_or_neglect_since=pendulum.date(2024, 1, 15))
        d.workflow.update_facts(TENANT, "case-1", suspected, actor="user-1")
        assert "notified" == d.fire("notify_panel", days=11).case.state
        d.fire("inform_safeguarding_partners")
        d.fire("start_rapid_review")
        case = d.fire("submit_rapid_review").case
        assert {
            "notify_secretary_of_state_and_ofsted": "met",
            "notify_panel": "met",
            "inform_safeguarding_partners": "met",
            "rapid_review": "met",
        } == statuses(case)
        assert ("rapid_review_submitted", case) == (case.state, sw.rebuild(d.history()))

    def test_closes_when_nothing_more_is_due(self) -> None:
        """NOT-06: the authority closes a looked-after death case; not while the Panel waits."""
        d = Driver()
        d.walk_to("sos_and_ofsted_notified")
        assert "closed" == d.fire("close", role="local_authority").case.state
        late = Driver()
        late.open(looked_after_death(abuse_or_neglect="not_suspected"))
        late.fire("notify_secretary_of_state_and_ofsted")
        late.workflow.update_facts(TENANT, "case-1", looked_after_death(), actor="user-1")
        with pytest.raises(sw.TransitionRefused) as info:
            late.fire("close", role="local_authority")
        assert ["deadlines_open"] == [r.code for r in info.value.reasons]
        with pytest.raises(sw.RoleNotPermitted):
            late.fire("close", role="safeguarding_partners")

    def test_care_leaver_under_18_then_suspicion(self) -> None:
        """NOT-07 then NOT-01: the Panel notification is available; no review bypasses it."""
        d = Driver()
        leaver = [sw.Child(age=17, harm="death", care_leaver_of=BARNSLEY)]
        d.open(death_in_barnsley(abuse_or_neglect="not_suspected", children=leaver))
        d.fire("notify_care_leaver_death")
        d.workflow.update_facts(TENANT, "case-1", death_in_barnsley(children=leaver), actor="u-1")
        with pytest.raises(sw.TransitionRefused) as info:
            d.fire("commission_local_review")
        assert ["panel_notification_pending"] == [r.code for r in info.value.reasons]
        case = d.fire("notify_panel").case
        assert ("notified", "met") == (case.state, statuses(case)["notify_panel"])

    def test_sos_and_ofsted_notified_is_not_terminal(self) -> None:
        """The states a case may end in: not notifiable, withdrawn, closed."""
        life = sw.england.LIFECYCLE
        assert {"not_notifiable", "withdrawn", "closed"} == set(life.terminal)
        assert {"notify_panel", "inform_safeguarding_partners", "close"} == {
            s.event for s in life.available("sos_and_ofsted_notified")
        }


class TestBothNotificationsInEitherOrder:
    """Item 16: a looked-after death with suspected abuse: SoS/Ofsted and Panel, either order."""

    def test_secretary_of_state_first(self) -> None:
        """NOT-06 on day 1, NOT-01 on day 2: each recorded at its true time, both on time."""
        d = Driver()
        d.open(looked_after_death())
        first = d.fire("notify_secretary_of_state_and_ofsted").case
        assert "sos_and_ofsted_notified" == first.state
        case = d.fire("notify_panel").case
        assert "notified" == case.state
        assert (pendulum.date(2024, 1, 6), pendulum.date(2024, 1, 7)) == (
            case.deadline("notify_secretary_of_state_and_ofsted").met_on,  # type: ignore[union-attr]
            case.deadline("notify_panel").met_on,  # type: ignore[union-attr]
        )
        assert {"met"} == {
            statuses(case)[k] for k in ("notify_panel", "notify_secretary_of_state_and_ofsted")
        }

    def test_panel_first(self) -> None:
        """NOT-01 on day 1, NOT-06 on day 2; a second SoS/Ofsted record is refused."""
        d = Driver()
        d.open(looked_after_death())
        d.fire("notify_panel")
        case = d.fire("notify_secretary_of_state_and_ofsted").case
        assert ("notified", pendulum.date(2024, 1, 7)) == (
            case.state,
            case.milestone("sos_and_ofsted_notified"),
        )
        with pytest.raises(sw.TransitionRefused) as info:
            d.fire("notify_secretary_of_state_and_ofsted")
        assert ["already_notified"] == [r.code for r in info.value.reasons]
