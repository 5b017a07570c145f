"""The England lifecycle: its states, its cast of roles and its guards."""

from __future__ import annotations

import safeguarding_workflow as sw

from ..helpers import ROUTES


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
            "closed",
        }
        assert expected == set(sw.england.LIFECYCLE.states)
        assert expected == set(ROUTES)
        assert (sw.england.LIFECYCLE.name, sw.england.LIFECYCLE.version) == ("england", "1")

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
