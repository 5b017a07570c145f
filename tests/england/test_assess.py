"""The England rule pack: a table test for every rule of DOMAIN sections 1-3 and NOT-11."""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import safeguarding_workflow as sw
from safeguarding_workflow.testing import FrozenClock

from ..strategies import aware_times

D = pendulum.date
BARNSLEY, LEEDS, SHEFFIELD = "E08000016", "E08000035", "E08000019"
CARDIFF, GLASGOW, EDINBURGH = "W06000015", "S12000049", "S12000036"
SURREY = "E10000030"
#: Fictional codes for Surrey's announced successors: ONS has published none yet (DEC-14).
EAST_SURREY, WEST_SURREY = "E06000901", "E06000902"
WT2018 = "Working Together to Safeguard Children 2018, ch.4"
WT2023 = "Working Together to Safeguard Children 2023, ch.5"
GOVUK_OLD = "GOV.UK, Report a serious child safeguarding incident"
GOVUK_NEW = "GOV.UK, Report the death or serious harm of a child or care leaver"


def at(y: int, m: int, d: int, hour: int = 10) -> pendulum.DateTime:
    return pendulum.datetime(y, m, d, hour, tz="Europe/London")


def child(**kw: object) -> sw.Child:
    return sw.Child(**{"age": 4, "harm": "death", "normally_resident_in": BARNSLEY, **kw})  # type: ignore[arg-type]


def incident(**kw: object) -> sw.Incident:
    base: dict[str, object] = {
        "children": [child()],
        "location": sw.Location.england(BARNSLEY),
        "abuse_or_neglect": "suspected",
        "la_aware_at": at(2023, 12, 22),
    }
    return sw.Incident(**{**base, **kw})  # type: ignore[arg-type]


def kinds(a: sw.Assessment) -> list[str]:
    return [d.kind.value for d in a.duties]


def codes(a: sw.Assessment) -> list[str]:
    return [f.code for f in a.findings]


class TestPanelNotification:
    def test_death_in_own_area(self) -> None:
        """NOT-01, NOT-04, NOT-05, NOT-11, RR-01, RR-03: dates, DEC-06 bases, DEC-07 citations."""
        a = sw.england.assess(incident(), local_authority=BARNSLEY)
        assert kinds(a) == ["inform_safeguarding_partners", "notify_panel", "rapid_review"]
        panel = a.duty("notify_panel")
        assert panel is not None
        assert D(2024, 1, 3) == panel.due
        assert panel.rule_ids == ("NOT-01", "NOT-04", "NOT-11")
        assert panel.citations == (
            "Children Act 2004 s16C(1)(a)",
            WT2023,
            GOVUK_OLD,
        )
        assert (panel.basis, panel.timescale_basis) == ("statute", "statutory_guidance")
        assert panel.verification == sw.Verification.I  # NOT-11 is an interpretation (DEC-08)
        assert panel.responsible.role == "local_authority"
        assert panel.responsible.area == BARNSLEY
        assert panel.children == (0,)
        assert panel.projected is False
        assert ("la_aware_and_abuse_or_neglect_known", D(2023, 12, 22)) == (
            panel.anchor.event,
            panel.anchor.on,
        )
        partners = a.duty("inform_safeguarding_partners")
        assert partners is not None
        assert D(2024, 1, 3) == partners.due
        assert (
            partners.basis,
            partners.timescale_basis,
        ) == ("statutory_guidance", "statutory_guidance")
        review = a.duty("rapid_review")
        assert review is not None
        assert D(2024, 1, 17) == review.due
        assert review.responsible.role == "safeguarding_partners"
        assert "RR-03" in review.rule_ids
        assert a.findings == ()
        assert (
            a.rule_pack,
            a.local_authority,
            a.calendar,
        ) == ("england", BARNSLEY, "England and Wales")

    def test_working_together_edition_follows_the_date(self) -> None:
        """Anchors before 15 December 2023 cite WT2018 ch.4; from then, WT2023 ch.5."""
        before = sw.england.assess(incident(la_aware_at=at(2023, 12, 14)), local_authority=BARNSLEY)
        on = sw.england.assess(incident(la_aware_at=at(2023, 12, 15)), local_authority=BARNSLEY)
        assert WT2018 in before.duties[0].citations
        assert WT2023 in on.duties[0].citations

    def test_outside_england_normally_resident_here(self) -> None:
        """NOT-02, DEF-05: harmed in Wales, normally resident (an input fact) in Barnsley."""
        i = incident(
            location=sw.Location.wales(CARDIFF),
            la_aware_at=at(2019, 6, 3),
            children=[child(harm="serious_harm")],
        )
        a = sw.england.assess(i, local_authority=BARNSLEY)
        panel = a.duty("notify_panel")
        assert panel is not None
        assert panel.rule_ids == ("NOT-02", "NOT-04", "NOT-11")
        assert panel.citations[:2] == ("Children Act 2004 s16C(1)(b)", WT2018)
        assert D(2019, 6, 10) == panel.due

    @pytest.mark.parametrize(
        "location",
        [sw.Location.scotland(GLASGOW), sw.Location.northern_ireland(), sw.Location.outside_uk()],
    )
    def test_elsewhere_outside_england(self, location: sw.Location) -> None:
        """NOT-02 covers Scotland, Northern Ireland and abroad alike."""
        a = sw.england.assess(incident(location=location), local_authority=BARNSLEY)
        assert "NOT-02" in a.duties[0].rule_ids or "NOT-02" in a.duties[1].rule_ids

    def test_outside_england_resident_elsewhere(self) -> None:
        """NOT-03(ii): Leeds has no duty; the finding names Barnsley."""
        i = incident(location=sw.Location.wales(CARDIFF))
        a = sw.england.assess(i, local_authority=LEEDS)
        assert kinds(a) == []
        assert codes(a) == ["duty_lies_elsewhere"]
        assert a.findings[0].authority == BARNSLEY
        assert a.findings[0].rule_ids == ("NOT-02", "NOT-03")

    def test_outside_england_no_english_home(self) -> None:
        """NOT-03(ii): nobody in England must notify when no child lives in England."""
        i = incident(location=sw.Location.wales(), children=[child(normally_resident_in=CARDIFF)])
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert (kinds(a), codes(a)) == ([], ["no_english_authority"])

    def test_in_england_but_another_area(self) -> None:
        """NOT-03(iii), NOT-10: in Leeds, the duty lies with Leeds, not the home authority."""
        i = incident(location=sw.Location.england(LEEDS))
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert kinds(a) == []
        assert (codes(a), a.findings[0].authority) == (["duty_lies_elsewhere"], LEEDS)

    def test_area_authority_collaborates_with_home(self) -> None:
        """NOT-10: Leeds notifies and leads, collaborating with Barnsley; NOT-05 other areas."""
        i = incident(location=sw.Location.england(LEEDS))
        a = sw.england.assess(i, local_authority=LEEDS)
        assert codes(a) == ["collaborate_with_home_authority"]
        assert a.findings[0].authority == BARNSLEY
        partners = a.duty("inform_safeguarding_partners")
        assert partners is not None
        assert tuple(p.area for p in partners.recipients) == (LEEDS, BARNSLEY)

    def test_no_abuse_or_neglect(self) -> None:
        """NOT-03(i), DEF-01: no abuse or neglect suspected, nothing notifiable."""
        a = sw.england.assess(incident(abuse_or_neglect="not_suspected"), local_authority=BARNSLEY)
        assert (kinds(a), codes(a)) == ([], ["not_notifiable_no_abuse_or_neglect"])

    def test_harm_not_serious(self) -> None:
        """NOT-03(iv), DEF-02: harm judged not serious is not notifiable."""
        i = incident(children=[child(harm="harm_not_serious")], abuse_or_neglect="known")
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert (kinds(a), codes(a)) == ([], ["not_notifiable_harm_not_serious"])

    def test_only_the_local_authority_notifies(self) -> None:
        """NOT-09: the Panel duty rests with the authority; partners hold the rapid review."""
        a = sw.england.assess(incident(), local_authority=BARNSLEY)
        assert a.duty("notify_panel").responsible.role == "local_authority"  # type: ignore[union-attr]
        assert a.duty("rapid_review").responsible.role == "safeguarding_partners"  # type: ignore[union-attr]

    def test_rapid_review_content_and_sending(self) -> None:
        """RR-02, RR-04: the rapid review decides next steps and goes to the Panel."""
        review = sw.england.assess(incident(), local_authority=BARNSLEY).duty("rapid_review")
        assert review is not None
        assert {"RR-01", "RR-02", "RR-03", "RR-04"} <= set(review.rule_ids)
        assert tuple(p.role for p in review.recipients) == (
            "child_safeguarding_practice_review_panel",
        )

    def test_several_children_one_notification(self) -> None:
        """NOT-08: one notification for the incident; more than four go in free text."""
        kids = [child(age=n) for n in range(5)]
        a = sw.england.assess(incident(children=kids), local_authority=BARNSLEY)
        panel = a.duty("notify_panel")
        assert panel is not None
        assert "NOT-08" in panel.rule_ids
        assert panel.children == (0, 1, 2, 3, 4)
        assert kinds(a).count("notify_panel") == 1
        assert codes(a) == ["more_children_than_form_holds"]

    def test_form_count_is_of_the_children_the_notification_concerns(self) -> None:
        """NOT-08: five children, four concerned (one harm not serious): no free-text finding."""
        kids = [child(age=n) for n in range(4)] + [child(age=9, harm="harm_not_serious")]
        a = sw.england.assess(incident(children=kids), local_authority=BARNSLEY)
        panel = a.duty("notify_panel")
        assert panel is not None
        assert ((0, 1, 2, 3), []) == (panel.children, codes(a))
        assert "NOT-08" in panel.rule_ids

    def test_one_child_concerned_is_not_several(self) -> None:
        """NOT-08: two children, only one concerned: the notification is about one child."""
        kids = [child(), child(age=6, harm="harm_not_serious")]
        panel = sw.england.assess(incident(children=kids), local_authority=BARNSLEY).duty(
            "notify_panel"
        )
        assert panel is not None
        assert ((0,), ("NOT-01", "NOT-04", "NOT-11")) == (panel.children, panel.rule_ids)

    def test_local_authority_by_name(self) -> None:
        """The assessing authority may be given by name."""
        a = sw.england.assess(incident(la_aware_at=at(2024, 6, 3)), local_authority="barnsley")
        assert a.local_authority == BARNSLEY


class TestAnchors:
    """NOT-11, DEC-04, DEC-05, RR-03."""

    def test_london_date_counts(self) -> None:
        """Aware at 23:30 UTC on Sunday 30 June 2024 is Monday 1 July in London."""
        i = incident(la_aware_at=dt.datetime(2024, 6, 30, 23, 30, tzinfo=dt.UTC))
        panel = sw.england.assess(i, local_authority=BARNSLEY).duty("notify_panel")
        assert panel is not None
        assert D(2024, 7, 8) == panel.due

    def test_suspicion_arising_later_moves_the_clock(self) -> None:
        """DEC-04: abuse suspected on 11 March, after awareness on 1 March."""
        i = incident(la_aware_at=at(2024, 3, 1), abuse_or_neglect_since=D(2024, 3, 11))
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert (D(2024, 3, 18), D(2024, 4, 3)) == (
            a.duty("notify_panel").due,
            a.duty("rapid_review").due,
        )  # type: ignore[union-attr]

    def test_partners_aware_later_never_moves_the_rapid_review(self) -> None:
        """DEC-04 revised: a later partners-aware date is kept as a fact, with a finding only."""
        i = incident(
            la_aware_at=at(2024, 3, 1),
            abuse_or_neglect_since=D(2024, 3, 11),
            partners_aware_on=D(2024, 3, 20),
        )
        a = sw.england.assess(i, local_authority=BARNSLEY)
        review = a.duty("rapid_review")
        assert review is not None
        assert (D(2024, 4, 3), "la_aware_and_abuse_or_neglect_known", D(2024, 3, 11)) == (
            review.due,
            review.anchor.event,
            review.anchor.on,
        )
        assert D(2024, 3, 18) == a.duty("notify_panel").due  # type: ignore[union-attr]
        assert D(2024, 3, 20) == i.partners_aware_on
        assert (["partners_aware_later_than_authority"], ("DEC-04",)) == (
            codes(a),
            a.findings[0].rule_ids,
        )

    def test_partners_aware_earlier_is_ignored(self) -> None:
        """DEC-04: only a later partners' date replaces the authority's."""
        i = incident(la_aware_at=at(2024, 3, 11), partners_aware_on=D(2024, 3, 11))
        review = sw.england.assess(i, local_authority=BARNSLEY).duty("rapid_review")
        assert review is not None
        assert D(2024, 4, 3) == review.due

    def test_notification_sent_anchor_waits(self) -> None:
        """RR-03 with anchor notification_sent: no due date until sent (DEC-05)."""
        settings = sw.TenantSettings(
            "t1", packs=[sw.england.Settings(rapid_review_anchor="notification_sent")]
        )
        i = incident(la_aware_at=at(2024, 3, 11))
        review = sw.england.assess(i, local_authority=BARNSLEY, settings=settings).duty(
            "rapid_review"
        )
        assert review is not None
        assert (review.due, review.waits_for) == (None, "notification_sent")
        sent = sw.england.assess(
            i, local_authority=BARNSLEY, settings=settings, notification_sent_on=D(2024, 3, 13)
        ).duty("rapid_review")
        assert sent is not None
        assert (D(2024, 4, 5), None) == (sent.due, sent.waits_for)
        assert "DEC-05" in sent.rule_ids

    def test_waiting_duties_sort_last(self) -> None:
        """Duties are ordered by due date, those without one last."""
        settings = sw.TenantSettings(
            "t1", packs=[sw.england.Settings(rapid_review_anchor="notification_sent")]
        )
        a = sw.england.assess(incident(), local_authority=BARNSLEY, settings=settings)
        assert a.duties[-1].kind == "rapid_review"


class TestLookedAfterAndCareLeavers:
    def test_looked_after_death_without_abuse(self) -> None:
        """NOT-06, DEF-04: notify SoS and Ofsted whether or not abuse is suspected; no RR."""
        i = incident(
            abuse_or_neglect="not_suspected",
            location=sw.Location.england(LEEDS),
            children=[child(looked_after_by=BARNSLEY)],
            la_aware_at=at(2024, 3, 27),
        )
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert kinds(a) == ["notify_secretary_of_state_and_ofsted"]
        duty = a.duties[0]
        assert D(2024, 4, 5) == duty.due  # over Easter 2024
        assert (duty.basis, duty.timescale_basis) == ("statute", "statutory_guidance")
        assert "Children Act 1989 Sch 2 para 20(1)(a)" in duty.citations
        assert tuple(p.role for p in duty.recipients) == ("secretary_of_state", "ofsted")
        assert duty.verification == sw.Verification.R  # the Ofsted limb is unchecked
        assert "no_rapid_review_for_looked_after_death_alone" in codes(a)

    def test_looked_after_elsewhere(self) -> None:
        """NOT-06: the looking-after authority notifies; others get a finding."""
        i = incident(abuse_or_neglect="not_suspected", children=[child(looked_after_by=LEEDS)])
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert kinds(a) == []
        assert "looked_after_elsewhere" in codes(a)
        assert LEEDS in [f.authority for f in a.findings]

    def test_looked_after_death_with_abuse(self) -> None:
        """NOT-06 with NOT-01: the Panel duties and the SoS/Ofsted duty together."""
        i = incident(children=[child(looked_after_by=BARNSLEY)])
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert kinds(a) == [
            "inform_safeguarding_partners",
            "notify_panel",
            "notify_secretary_of_state_and_ofsted",
            "rapid_review",
        ]

    def test_looked_after_harm_is_not_a_death(self) -> None:
        """NOT-06 covers deaths only."""
        i = incident(
            abuse_or_neglect="not_suspected",
            children=[child(harm="serious_harm", looked_after_by=BARNSLEY)],
        )
        assert kinds(sw.england.assess(i, local_authority=BARNSLEY)) == []

    def test_care_leaver_death(self) -> None:
        """NOT-07, DEC-09: a care leaver of 21; guidance, five working days, status I."""
        i = incident(
            abuse_or_neglect="not_suspected",
            la_aware_at=at(2024, 2, 1),
            children=[child(age=21, care_leaver_of=BARNSLEY, normally_resident_in=None)],
        )
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert kinds(a) == ["notify_secretary_of_state_and_ofsted"]
        duty = a.duties[0]
        assert (D(2024, 2, 8), ("NOT-07", "DEC-09")) == (duty.due, duty.rule_ids)
        assert (
            duty.basis,
            duty.timescale_basis,
            duty.verification,
        ) == ("statutory_guidance", "advisory", sw.Verification.I)
        assert sw.Basis.ADVISORY == duty.timescale_basis
        assert (WT2023, GOVUK_OLD) == duty.citations

    @pytest.mark.parametrize(
        ("person", "code", "rule_ids"),
        [
            (  # a care leaver past 24 (NOT-07)
                {"age": 25, "care_leaver_of": BARNSLEY},
                "care_leaver_aged_25_or_more",
                ("DEC-13", "NOT-07", "DEF-03"),
            ),
            ({"age": 18}, "adult_not_a_care_leaver", ("DEC-13", "DEF-03")),  # DEF-03
            ({"age": 40}, "adult_not_a_care_leaver", ("DEC-13", "DEF-03")),
            (  # looked after is a status of children: at 19 it is out of scope too (DEF-04)
                {"age": 19, "looked_after_by": BARNSLEY},
                "adult_not_a_care_leaver",
                ("DEC-13", "DEF-03"),
            ),
        ],
    )
    def test_people_outside_the_rules_scope(
        self, person: dict[str, object], code: str, rule_ids: tuple[str, ...]
    ) -> None:
        """DEC-13, DEF-03, NOT-07: a person outside the rules' scope gets a finding, no duty."""
        i = incident(children=[child(**person)], la_aware_at=at(2024, 2, 1))
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert [] == kinds(a)
        found = [f for f in a.findings if f.code == code]
        assert [(code, rule_ids)] == [(f.code, f.rule_ids) for f in found]
        assert "children[0]" in found[0].message

    def test_out_of_scope_person_beside_a_child(self) -> None:
        """DEC-13: the child's duties arise; the adult beside them gets a finding only."""
        i = incident(children=[child(), child(age=30, normally_resident_in=None)])
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert ["inform_safeguarding_partners", "notify_panel", "rapid_review"] == kinds(a)
        assert {(0,)} == {d.children for d in a.duties}
        assert ["adult_not_a_care_leaver"] == codes(a)
        assert "children[1]" in a.findings[0].message

    def test_care_leaver_before_wt2023(self) -> None:
        """NOT-07 arrived with WT2023: earlier deaths give a finding, not a duty."""
        i = incident(
            abuse_or_neglect="not_suspected",
            la_aware_at=at(2023, 6, 1),
            children=[child(age=21, care_leaver_of=BARNSLEY)],
        )
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert kinds(a) == []
        assert codes(a) == [
            "not_notifiable_no_abuse_or_neglect",
            "care_leaver_notification_not_in_force",
        ]
        assert ("NOT-07", "DEC-11") == a.findings[1].rule_ids

    def test_care_leaver_under_18(self) -> None:
        """NOT-07: under 18, the partners still consider the serious incident criteria."""
        i = incident(
            abuse_or_neglect="not_suspected",
            la_aware_at=at(2024, 2, 1),
            children=[child(age=17, care_leaver_of=LEEDS)],
        )
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert kinds(a) == []
        assert codes(a) == [
            "not_notifiable_no_abuse_or_neglect",
            "care_leaver_under_18",
            "care_leaver_elsewhere",
        ]


class TestLookedAfterOutsideEngland:
    """DEC-12: the looking-after council's nation decides who notifies a looked-after death."""

    @pytest.mark.parametrize(
        ("council", "code", "bodies", "rule_ids", "citations", "verification"),
        [
            (
                CARDIFF,
                "looked_after_by_welsh_council",
                ("Welsh Ministers",),
                ("DEC-12", "NOT-06"),
                ("Children Act 1989 Sch 2 para 20(1)(a)",),
                sw.Verification.R,
            ),
            (
                EDINBURGH,
                "looked_after_by_scottish_council",
                ("Scottish Ministers", "Care Inspectorate"),
                ("DEC-12", "SCO-04"),
                (
                    "Looked After Children (Scotland) Regulations 2009, reg 6(1)(a)",
                    "Scottish Government, Death of a looked after child",
                    "Children Act 1989 Sch 2 para 20(1)(a)",
                ),
                sw.Verification.V,
            ),
        ],
    )
    def test_no_secretary_of_state_duty_for_anyone(
        self,
        council: str,
        code: str,
        bodies: tuple[str, ...],
        rule_ids: tuple[str, ...],
        citations: tuple[str, ...],
        verification: sw.Verification,
    ) -> None:
        """DEC-12, NOT-06, SCO-04: dying in Barnsley; no English authority notifies SoS/Ofsted."""
        i = incident(
            abuse_or_neglect="not_suspected",
            children=[child(looked_after_by=council, normally_resident_in=council)],
        )
        for me in (BARNSLEY, LEEDS):
            a = sw.england.assess(i, local_authority=me)
            assert [] == kinds(a)
            found = [f for f in a.findings if f.code == code]
            assert [(council, rule_ids, citations, verification)] == [
                (f.authority, f.rule_ids, f.citations, f.verification) for f in found
            ]
            for body in bodies:
                assert body in found[0].message
            assert "looked_after_elsewhere" not in codes(a)

    def test_abuse_suspected_the_area_still_notifies_the_panel(self) -> None:
        """DEC-12, NOT-01: the area authority owes the Panel notification, never the SoS one."""
        i = incident(children=[child(looked_after_by=EDINBURGH, normally_resident_in=EDINBURGH)])
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert ["inform_safeguarding_partners", "notify_panel", "rapid_review"] == kinds(a)
        assert ["looked_after_by_scottish_council"] == codes(a)

    def test_care_leaver_of_a_welsh_council(self) -> None:
        """NOT-07 is English guidance: a Welsh council's care leaver raises no SoS/Ofsted duty."""
        i = incident(
            abuse_or_neglect="not_suspected",
            la_aware_at=at(2024, 2, 1),
            children=[child(age=21, care_leaver_of=CARDIFF, normally_resident_in=None)],
        )
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert [] == kinds(a)
        found = [f for f in a.findings if f.authority == CARDIFF]
        assert [("care_leaver_of_council_outside_england", ("NOT-07",))] == [
            (f.code, f.rule_ids) for f in found
        ]


class TestCitations:
    """DEC-07, DEC-11: which edition and which GOV.UK page title each duty cites."""

    def test_govuk_page_title_follows_the_date(self) -> None:
        """The notification page is cited by the title it had on the anchor date."""
        retitled = sw.england.GOVUK_PAGE_RETITLED
        day_before = retitled.subtract(days=1)
        before = sw.england.assess(
            incident(la_aware_at=at(day_before.year, day_before.month, day_before.day)),
            local_authority=BARNSLEY,
        )
        on = sw.england.assess(
            incident(la_aware_at=at(retitled.year, retitled.month, retitled.day)),
            local_authority=BARNSLEY,
        )
        assert (GOVUK_OLD, GOVUK_NEW) == (
            before.duty("notify_panel").citations[-1],  # type: ignore[union-attr]
            on.duty("notify_panel").citations[-1],  # type: ignore[union-attr]
        )

    def test_wt2023_date_rests_on_the_govuk_change_log(self) -> None:
        """DEC-11: 15 December 2023, from the GOV.UK publication page's change log (V2)."""
        rule = sw.RULES["DEC-11"]
        assert (D(2023, 12, 15), sw.Verification.V2) == (
            sw.england.WT2023_PUBLISHED,
            rule.verification,
        )
        assert "change log" in rule.source

    def test_care_leaver_timescale_is_advisory(self) -> None:
        """DEC-09: basis statutory guidance, timescale advisory, status I, in the catalogue."""
        rule = sw.RULES["DEC-09"]
        assert sw.Verification.I == rule.verification
        assert "advisory" in rule.summary


class TestRegimeAndAuthorities:
    def test_before_commencement(self) -> None:
        """Before 29 June 2018 the serious case review rules apply (SCR-03, SCR-07)."""
        legacy = sw.england.assess(incident(la_aware_at=at(2018, 6, 28)), local_authority=BARNSLEY)
        assert "scr" == legacy.regime
        assert "notify_ofsted_and_lscb" in [d.kind for d in legacy.duties]
        a = sw.england.assess(incident(la_aware_at=at(2018, 6, 29)), local_authority=BARNSLEY)
        assert D(2018, 7, 6) == a.duty("notify_panel").due  # type: ignore[union-attr]

    def test_cumbria_then_cumberland(self) -> None:
        """A 2019 incident in Cumbria and a 2024 incident in Cumberland both assess."""
        cumbria, cumberland = "E10000006", "E06000063"
        i2019 = incident(
            location=sw.Location.england(cumbria),
            la_aware_at=at(2019, 5, 1),
            children=[child(normally_resident_in=cumbria)],
        )
        assert cumbria == sw.england.assess(i2019, local_authority="Cumbria").local_authority
        i2024 = incident(
            location=sw.Location.england(cumberland),
            la_aware_at=at(2024, 5, 1),
            children=[child(normally_resident_in=cumberland)],
        )
        assert cumberland == sw.england.assess(i2024, local_authority=cumberland).local_authority
        stale = incident(location=sw.Location.england(cumbria), la_aware_at=at(2024, 5, 1))
        with pytest.raises(sw.UnknownLocalAuthorityError) as info:
            sw.england.assess(stale, local_authority=cumberland)
        assert info.value.field == "location.local_authority"

    def test_recoded_authority(self) -> None:
        """Barnsley's pre-2025 code still denotes Barnsley in 2026 (a recode, same council)."""
        i = incident(la_aware_at=at(2026, 6, 1))
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert a.local_authority == "E08000038"
        assert kinds(a) == ["inform_safeguarding_partners", "notify_panel", "rapid_review"]

    def test_surrey_after_its_reorganisation(self) -> None:
        """DEC-14: from 1 April 2027 an incident in Surrey names the successors, not a duty."""
        last_day = incident(
            location=sw.Location.england(SURREY),
            la_aware_at=at(2027, 3, 31),
            children=[child(normally_resident_in=SURREY)],
        )
        assert SURREY == sw.england.assess(last_day, local_authority="Surrey").local_authority
        after = incident(
            location=sw.Location.england(SURREY),
            la_aware_at=at(2027, 4, 1),
            children=[child(normally_resident_in=None)],
        )
        for kwargs in ({"local_authority": "Surrey"}, {"local_authority": LEEDS}):
            with pytest.raises(sw.UnknownLocalAuthorityError) as info:
                sw.england.assess(after, **kwargs)  # type: ignore[arg-type]
            message = str(info.value)
            assert ("DEC-14",) == info.value.rule_ids
            for words in ("East Surrey", "West Surrey", "not yet published"):
                assert words in message

    def test_host_added_successors_resolve(self) -> None:
        """DEC-14: a host adds the successors; assessments and the Workflow then resolve them."""
        registry = sw.LocalAuthorityRegistry.default().with_authorities(
            [
                sw.LocalAuthority(
                    code, name, None, sw.Nation.ENGLAND, "unitary", D(2027, 4, 1), None
                )
                for code, name in ((EAST_SURREY, "East Surrey"), (WEST_SURREY, "West Surrey"))
            ]
        )
        i = incident(
            location=sw.Location.england(EAST_SURREY),
            la_aware_at=at(2027, 4, 6),
            children=[child(normally_resident_in=EAST_SURREY)],
        )
        a = sw.england.assess(i, local_authority="East Surrey", registry=registry)
        assert (EAST_SURREY, D(2027, 4, 13)) == (
            a.local_authority,
            a.duty("notify_panel").due,  # type: ignore[union-attr]
        )
        workflow = sw.Workflow(
            sw.england.PACK,
            clock=FrozenClock(pendulum.datetime(2027, 4, 7, 12, tz="UTC")),
            settings=[sw.TenantSettings("t1")],
            registry=registry,
        )
        opened = workflow.open("t1", i, local_authority="east surrey", actor="user-1")
        assert EAST_SURREY == opened.case.local_authority
        stale = attrs.evolve(i, location=sw.Location.england(SURREY))
        with pytest.raises(sw.UnknownLocalAuthorityError) as info:
            sw.england.assess(stale, local_authority=EAST_SURREY, registry=registry)
        assert f"East Surrey ({EAST_SURREY})" in str(info.value)

    def test_welsh_council_cannot_assess(self) -> None:
        """The England pack assesses only English authorities."""
        with pytest.raises(sw.InvalidInputError) as info:
            sw.england.assess(incident(), local_authority=CARDIFF)
        assert info.value.field == "local_authority"


class TestCalendarAndClock:
    def test_projected_deadline_is_flagged(self) -> None:
        """DEC-02: a deadline computed into a projected year carries projected=True."""
        cal = sw.WorkingDayCalendar.england_and_wales(project_until=2029)
        i = incident(la_aware_at=at(2028, 12, 22))
        a = sw.england.assess(i, local_authority=BARNSLEY, calendar=cal)
        panel = a.duty("notify_panel")
        assert panel is not None
        assert (D(2029, 1, 3), True, True) == (panel.due, panel.projected, a.projected)
        with pytest.raises(sw.OutsideSupportedRangeError):
            sw.england.assess(i, local_authority=BARNSLEY)

    def test_host_added_day_recomputes_and_records(self) -> None:
        """DEC-02: a newly proclaimed day moves open deadlines, and the change is recorded."""
        i = incident(la_aware_at=at(2027, 6, 1))
        a = sw.england.assess(i, local_authority=BARNSLEY)
        assert D(2027, 6, 8) == a.duty("notify_panel").due  # type: ignore[union-attr]
        cal = sw.WorkingDayCalendar.england_and_wales().with_additions(
            sw.HolidayAddition(D(2027, 6, 4), "Proclaimed bank holiday (fictional)")
        )
        result = a.recompute(cal)
        assert D(2027, 6, 9) == result.assessment.duty("notify_panel").due  # type: ignore[union-attr]
        assert {
            ("notify_panel", D(2027, 6, 8), D(2027, 6, 9)),
            ("inform_safeguarding_partners", D(2027, 6, 8), D(2027, 6, 9)),
            ("rapid_review", D(2027, 6, 22), D(2027, 6, 23)),
        } == {(c.kind.value, c.previous_due, c.due) for c in result.changes}
        assert {"Proclaimed bank holiday (fictional)"} == {c.reason for c in result.changes}
        assert result.assessment.recompute(cal).changes == ()

    def test_tenant_calendar_additions(self) -> None:
        """A tenant's calendar additions apply to its assessments."""
        settings = sw.TenantSettings(
            "t1",
            calendar_additions=[
                sw.HolidayAddition(D(2027, 6, 4), "Proclaimed bank holiday (fictional)")
            ],
        )
        a = sw.england.assess(
            incident(la_aware_at=at(2027, 6, 1)), local_authority=BARNSLEY, settings=settings
        )
        assert D(2027, 6, 9) == a.duty("notify_panel").due  # type: ignore[union-attr]

    def test_future_facts_refused_with_a_clock(self) -> None:
        """With a clock, facts dated after now are refused, naming the field."""
        clock = FrozenClock(pendulum.datetime(2024, 1, 10, 12, tz="UTC"))
        ok = incident(la_aware_at=at(2024, 1, 10, 9))
        assert sw.england.assess(ok, local_authority=BARNSLEY, clock=clock).duties
        cases = [
            ({"la_aware_at": at(2024, 1, 10, 15)}, {}, "incident.la_aware_at"),
            ({"abuse_or_neglect_since": D(2024, 1, 11)}, {}, "incident.abuse_or_neglect_since"),
            ({"partners_aware_on": D(2024, 1, 11)}, {}, "incident.partners_aware_on"),
            ({}, {"notification_sent_on": D(2024, 1, 11)}, "notification_sent_on"),
        ]
        for facts, extra, field in cases:
            facts = {"la_aware_at": at(2024, 1, 10, 9), **facts}
            with pytest.raises(sw.InvalidInputError) as info:
                sw.england.assess(incident(**facts), local_authority=BARNSLEY, clock=clock, **extra)  # type: ignore[arg-type]
            assert field == info.value.field

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"settings": "t1"},
            {"calendar": sw.WorkingDayCalendar.scotland()},
            {"registry": {}},
            {"notification_sent_on": D(2023, 12, 1)},
            {"notification_sent_on": "2024-01-01"},
        ],
    )
    def test_bad_arguments(self, kwargs: dict[str, object]) -> None:
        """Bad arguments raise the library's errors."""
        with pytest.raises(sw.SafeguardingWorkflowError):
            sw.england.assess(incident(), local_authority=BARNSLEY, **kwargs)  # type: ignore[arg-type]

    def test_not_an_incident(self) -> None:
        """assess() wants an Incident."""
        with pytest.raises(sw.InvalidInputError):
            sw.england.assess({"children": []}, local_authority=BARNSLEY)  # type: ignore[arg-type]


class TestFuzzedAssessments:
    @given(
        aware=aware_times,
        place=st.sampled_from(list(sw.Place)),
        abuse=st.sampled_from(list(sw.AbuseOrNeglect)),
        harm=st.sampled_from(list(sw.Harm)),
        home=st.sampled_from([BARNSLEY, LEEDS, SHEFFIELD, CARDIFF, None, "E10000006"]),
        looked_after=st.sampled_from([None, BARNSLEY, LEEDS]),
        me=st.sampled_from([BARNSLEY, LEEDS, "Cumbria", "E06000063", "Sheffield"]),
    )
    def test_only_library_errors(
        self,
        aware: dt.datetime,
        place: sw.Place,
        abuse: sw.AbuseOrNeglect,
        harm: sw.Harm,
        home: str | None,
        looked_after: str | None,
        me: str,
    ) -> None:
        """R4: any well-typed incident assesses or raises a library error; dues follow anchors."""
        where = {sw.Place.ENGLAND: BARNSLEY, sw.Place.WALES: CARDIFF}.get(place)
        i = sw.Incident(
            children=[
                sw.Child(age=10, harm=harm, normally_resident_in=home, looked_after_by=looked_after)
            ],
            location=sw.Location(place, where),
            abuse_or_neglect=abuse,
            la_aware_at=aware,
        )
        try:
            a = sw.england.assess(i, local_authority=me)
        except sw.SafeguardingWorkflowError:
            return
        for duty in a.duties:
            if duty.anchor.on is None:  # waits for its anchor, e.g. a board's decision (DEC-05)
                assert duty.due is None
                continue
            assert duty.due is not None
            assert duty.due > duty.anchor.on
