"""
The England rule pack: duties under the 2018 arrangements (DOMAIN sections 1 to 3).

`assess()` reads an `Incident` for one local
authority and returns every duty that arises for it and its safeguarding
partners, each with its due date, rule ids, citations and legal basis, and a
finding for every duty that lies with another authority or another nation's
regime instead (DEC-12), and for every person the rules do not cover (DEC-13).

Added in version 0.1.0.
"""

from __future__ import annotations

import datetime as _dt
import enum
from functools import lru_cache
from typing import Final

import attrs
import pendulum

from .._authorities import LocalAuthority, LocalAuthorityRegistry, Nation
from .._calendar import HolidayAddition, WorkingDayCalendar, to_date
from .._clock import Clock, read_clock
from .._duties import Anchor, Assessment, Duty, Finding, Party, verification_of
from .._events import Subscriber
from .._facts import Child, Harm, Incident, Place
from .._guards import Guard
from .._migration import Migration
from .._pack import RulePack
from .._rules import Basis, Verification
from .._settings import TenantSettings
from ..exceptions import ConfigurationError, InvalidInputError
from ._legacy import (
    ARRANGEMENTS_DEADLINE,
    NOTIFY_OFSTED_AND_LSCB,
    TRANSITION_CITATIONS,
    build_legacy_lifecycle,
    review_duties,
)
from ._lifecycle import build_lifecycle
from ._rules import RULES
from ._settings import RapidReviewAnchor, Settings

__all__ = [
    "GOVUK_PAGE_RETITLED",
    "LIFECYCLE",
    "NOTIFICATION_DUTY_COMMENCED",
    "PACK",
    "RULE_PACK",
    "RULE_PACK_VERSION",
    "WT2023_PUBLISHED",
    "DutyKind",
    "assess",
    "build_lifecycle",
    "pack",
]

RULE_PACK: Final = "england"
"""The England pack's name, as each case it opens records it (``Case.rule_pack``)."""
RULE_PACK_VERSION: Final = "1"
"""The England pack's version, as each case it opens records it (``Case.rule_pack_version``)."""
NOTIFICATION_DUTY_COMMENCED: Final = pendulum.Date(2018, 6, 29)
"""Children Act 2004 s16C(1) (inserted by the Children and Social Work Act 2017) commenced."""
WT2023_PUBLISHED: Final = pendulum.Date(2023, 12, 15)
"""
Working Together to Safeguard Children 2023 was published and replaced the 2018 edition
(DEC-11: the GOV.UK publication page's change log of 15 December 2023, V2). Duties anchored
on or after it cite WT2023 ch.5, and care-leaver deaths (NOT-07) arise from it.
"""
GOVUK_PAGE_RETITLED: Final = pendulum.Date(2025, 11, 1)
"""
From this date duties cite the GOV.UK notification page by its current title, "Report the
death or serious harm of a child or care leaver"; before it, by its earlier title, "Report a
serious child safeguarding incident". DOMAIN gives no date for the change: this is the first
day of the month in which partnership procedures first cite the new title (November 2025,
V2), an engineering convention (I) to check against the page's change log.
"""


class DutyKind(enum.StrEnum):
    """
    The kinds of duty the England pack raises; each compares equal to its string.

    Added in version 0.1.0.
    """

    NOTIFY_PANEL = "notify_panel"
    INFORM_SAFEGUARDING_PARTNERS = "inform_safeguarding_partners"
    NOTIFY_SECRETARY_OF_STATE_AND_OFSTED = "notify_secretary_of_state_and_ofsted"
    RAPID_REVIEW = "rapid_review"
    #: Serious case reviews (before the new arrangements, SCR-03 to SCR-06).
    NOTIFY_OFSTED_AND_LSCB = "notify_ofsted_and_lscb"
    LSCB_DECISION = "lscb_decision"
    SCR_COMPLETE = "scr_complete"
    SCR_PUBLICATION = "scr_publication"


_LONDON: Final = pendulum.timezone("Europe/London")
_NOTIFY_DAYS: Final = 5  # NOT-04, NOT-05, NOT-06, DEC-09
_RAPID_REVIEW_DAYS: Final = 15  # RR-03
_FORM_CHILDREN: Final = 4  # NOT-08
_MAX_CARE_LEAVER_AGE: Final = 24  # NOT-07, DEC-09: up to and including 24

_S16C_A: Final = "Children Act 2004 s16C(1)(a)"
_S16C_B: Final = "Children Act 2004 s16C(1)(b)"
_CA1989_SCH2: Final = "Children Act 1989 Sch 2 para 20(1)(a)"
_SCOTLAND_LAC_REGS: Final = "Looked After Children (Scotland) Regulations 2009, reg 6(1)(a)"
_SCOTLAND_LAC_GUIDANCE: Final = "Scottish Government, Death of a looked after child"
_GOVUK_BEFORE: Final = "GOV.UK, Report a serious child safeguarding incident"
_GOVUK_NOW: Final = "GOV.UK, Report the death or serious harm of a child or care leaver"
_PANEL_FAQ: Final = "Child Safeguarding Practice Review Panel, Frequently asked questions"
_PANEL_GUIDANCE: Final = (
    "Child Safeguarding Practice Review Panel, Guidance for safeguarding partners"
)

_PANEL: Final = Party("child_safeguarding_practice_review_panel")
_SOS: Final = Party("secretary_of_state")
_OFSTED: Final = Party("ofsted")


def _working_together(on: pendulum.Date) -> str:
    """The edition of Working Together in force on *on*, cited by chapter (DEC-07, DEC-11)."""
    if on >= WT2023_PUBLISHED:
        return "Working Together to Safeguard Children 2023, ch.5"
    return "Working Together to Safeguard Children 2018, ch.4"


def _govuk_page(on: pendulum.Date) -> str:
    """The GOV.UK notification page, by the title it had on *on* (DEC-07)."""
    return _GOVUK_NOW if on >= GOVUK_PAGE_RETITLED else _GOVUK_BEFORE


@lru_cache(maxsize=32)
def _tenant_calendar(additions: tuple[HolidayAddition, ...]) -> WorkingDayCalendar:
    # Calendars are immutable; building one walks every day of the range, so keep it.
    return WorkingDayCalendar.england_and_wales(additions=additions)


def assess(
    incident: Incident,
    *,
    local_authority: str,
    settings: TenantSettings | None = None,
    calendar: WorkingDayCalendar | None = None,
    registry: LocalAuthorityRegistry | None = None,
    clock: Clock | None = None,
    notification_sent_on: _dt.date | None = None,
) -> Assessment:
    """
    The duties an incident raises for an English local authority and its partners.

    The rules cover children (a person under 18, DEF-03) and care leavers up to
    and including age 24 (NOT-07). Anyone else in the facts (a care leaver aged 25
    or more, an adult who is not a care leaver) gets a finding that no duty arises
    for them, not an error (DEC-13). Unborn children are outside s16C: a fetus is
    not a person until born alive (CA 2004 s65(1)), so a `Child` is someone born;
    a child harmed in utero and then born alive is in scope.

    Added in version 0.1.0.

    Args:
        incident: The facts.
        local_authority: The assessing authority: a GSS code (``"E08000016"``), a
            DfE number or a name, as it stood when it became aware.
        settings: The tenant's settings (rapid-review anchor, calendar additions).
            Defaults to ``TenantSettings("default")``.
        calendar: The England and Wales calendar to count on; defaults to the
            tenant's (with its additions).
        registry: The local authority registry; defaults to the shipped one.
        clock: When given, facts dated in the future are refused.
        notification_sent_on: The date the Panel notification was sent, if it has
            been; anchors the rapid review when the tenant's anchor is
            ``notification_sent`` (RR-03, DEC-05).

    Returns:
        The duties, in the order they fall due, and the findings.

    Raises:
        InvalidInputError: malformed arguments, facts in the future (with a
            clock), or authorities that do not exist on the date (an
            `UnknownLocalAuthorityError`, naming the successors of a
            reorganised authority, DEC-14).

    The regime follows the dates (SCR-07, `Assessment.regime` and ``regime_reason``):
    ``"scr"`` when the authority became aware before 29 June 2018 (the serious case
    review rules: ``notify_ofsted_and_lscb``, ``lscb_decision``, ``scr_complete``,
    ``scr_publication``); ``"scr_hybrid"`` from then until the area's new arrangements
    began (the pack setting ``arrangements_implemented_on``, by default 29 September
    2019): the Panel is notified, and the board's serious case review duties follow;
    ``"cspr"`` after.
        OutsideSupportedRangeError: a date outside the calendar's range (DEC-02).

    """
    if not isinstance(incident, Incident):
        raise InvalidInputError("'incident' must be an Incident", field="incident")
    if settings is None:
        settings = TenantSettings("default")
    elif not isinstance(settings, TenantSettings):
        raise ConfigurationError("'settings' must be a TenantSettings", field="settings")
    if calendar is None:
        calendar = _tenant_calendar(settings.calendar_additions)
    elif not isinstance(calendar, WorkingDayCalendar) or calendar.name != "England and Wales":
        raise ConfigurationError(
            "'calendar' must be an England and Wales WorkingDayCalendar",
            field="calendar",
            rule_ids=("DEC-03",),
        )
    if registry is None:
        registry = LocalAuthorityRegistry.default()
    elif not isinstance(registry, LocalAuthorityRegistry):
        raise ConfigurationError("'registry' must be a LocalAuthorityRegistry", field="registry")
    sent_on = (
        None
        if notification_sent_on is None
        else to_date(notification_sent_on, "notification_sent_on")
    )
    aware = incident.la_aware_on
    if sent_on is not None and sent_on < aware:
        raise InvalidInputError(
            "'notification_sent_on' must not be before the authority became aware",
            field="notification_sent_on",
            rule_ids=("NOT-04",),
        )
    if clock is not None:
        _check_not_future(incident, sent_on, clock)
    la = registry.resolve(local_authority, aware)
    if la.nation is not Nation.ENGLAND:
        raise InvalidInputError(
            "'local_authority' must be an English authority for the England rule pack",
            field="local_authority",
            rule_ids=("NOT-01",),
        )
    assessor = _Assessor(incident, la, settings, calendar, registry, sent_on)
    regime, reason = _regime(aware, settings)
    if regime == "scr":
        assessment = assessor.run_legacy()
    elif regime == "scr_hybrid":
        assessment = assessor.run_hybrid()
    else:
        assessment = assessor.run()
    return attrs.evolve(assessment, regime=regime, regime_reason=reason)


def _regime(aware: pendulum.Date, settings: TenantSettings) -> tuple[str, Finding]:
    """SCR-07: the regime of an incident, from when the authority became aware of it."""
    switch = settings.of(Settings).arrangements_implemented_on or ARRANGEMENTS_DEADLINE
    if aware < NOTIFICATION_DUTY_COMMENCED:
        return "scr", Finding(
            "regime_scr",
            "Serious case review rules: the authority became aware before 29 June 2018, when "
            "the duty to notify the Panel commenced; Ofsted and the board are told, and the "
            "board decides on a serious case review.",
            ("SCR-07", "SCR-03"),
            citations=TRANSITION_CITATIONS,
        )
    if aware < switch:
        return "scr_hybrid", Finding(
            "regime_scr_hybrid",
            f"Transition: the authority became aware on or after 29 June 2018 but before the "
            f"area's new safeguarding arrangements began ({switch.isoformat()}); the Panel is "
            "notified under s16C, and the review is still a serious case review.",
            ("SCR-07", "NOT-01"),
            citations=TRANSITION_CITATIONS,
        )
    return "cspr", Finding(
        "regime_cspr",
        f"Child safeguarding practice review rules: the authority became aware on or after "
        f"the area's new safeguarding arrangements began ({switch.isoformat()}).",
        ("SCR-07", "NOT-01"),
        citations=TRANSITION_CITATIONS,
    )


def _check_not_future(incident: Incident, sent_on: pendulum.Date | None, clock: Clock) -> None:
    now = pendulum.instance(read_clock(clock))  # a naive clock is refused, not read as UTC
    today = now.in_timezone(_LONDON).date()
    checks = [
        ("incident.la_aware_at", incident.la_aware_at > now),
        ("incident.abuse_or_neglect_since", (incident.abuse_or_neglect_since or today) > today),
        ("incident.partners_aware_on", (incident.partners_aware_on or today) > today),
        ("notification_sent_on", (sent_on or today) > today),
    ]
    for field, in_future in checks:
        if in_future:
            raise InvalidInputError(f"{field!r} must not be in the future", field=field)


class _Assessor:
    """Works through the rules for one incident and one authority."""

    def __init__(
        self,
        incident: Incident,
        la: LocalAuthority,
        settings: TenantSettings,
        calendar: WorkingDayCalendar,
        registry: LocalAuthorityRegistry,
        sent_on: pendulum.Date | None,
    ) -> None:
        self.incident = incident
        self.la = la
        self.settings = settings
        self.calendar = calendar
        self.registry = registry
        self.sent_on = sent_on
        self.aware = incident.la_aware_on
        self.anchor = incident.notification_anchor
        self.wt = _working_together(self.anchor)
        self.govuk = _govuk_page(self.anchor)
        self.duties: list[Duty] = []
        self.findings: list[Finding] = []
        self.me = Party("local_authority", la.gss_code, str(la))
        self.partners = Party("safeguarding_partners", la.gss_code, str(la))

    # -- helpers ------------------------------------------------------------------------------

    def _authority(self, code: str, field: str) -> LocalAuthority:
        return self.registry.resolve(code, self.aware, field=field)

    def _normalised(self, incident: Incident) -> Incident:
        """
        The incident with every authority code as it stood when the authority became aware.

        Checks that each exists on that date, and turns a code replaced by a
        recode of the same authority into the code in force, so codes compare.
        """
        location = incident.location
        if location.local_authority is not None:
            code = self._authority(location.local_authority, "location.local_authority").gss_code
            location = attrs.evolve(location, local_authority=code)
        children = tuple(
            attrs.evolve(
                child,
                normally_resident_in=self._code(
                    child.normally_resident_in, i, "normally_resident_in"
                ),
                looked_after_by=self._code(child.looked_after_by, i, "looked_after_by"),
                care_leaver_of=self._code(child.care_leaver_of, i, "care_leaver_of"),
            )
            for i, child in enumerate(incident.children)
        )
        return attrs.evolve(incident, location=location, children=children)

    def _outside_scope(self) -> None:
        """
        DEC-13: a finding for each person the rules do not cover; no error, no duty.

        The rules cover children under 18 (DEF-03) and care leavers up to and
        including 24 (NOT-07). Every rule below looks only at those: a looked-after
        status (DEF-04) is a child's, so an adult recorded as looked after is out
        of scope too.
        """
        for i, person in enumerate(self.incident.children):
            if person.is_child:
                continue
            if person.unborn:
                self._find(
                    "unborn_outside_scope",
                    f"The child at children[{i}] is unborn: outside s16C (a child is a person "
                    "under 18, and a fetus is not a person until born alive), so no duty "
                    "arises under these rules; a local policy may include unborn children.",
                    "DEC-13",
                    "DEF-03",
                )
                continue
            if person.care_leaver_of is None:
                self._find(
                    "adult_not_a_care_leaver",
                    f"The person at children[{i}] is 18 or over and not a care leaver: not a "
                    "child (a person under 18), so no duty arises for them.",
                    "DEC-13",
                    "DEF-03",
                )
            elif person.age > _MAX_CARE_LEAVER_AGE:
                self._find(
                    "care_leaver_aged_25_or_more",
                    f"The person at children[{i}] is a care leaver aged 25 or more: care-leaver "
                    "deaths are notifiable up to and including age 24, so no duty arises for "
                    "them.",
                    "DEC-13",
                    "NOT-07",
                    "DEF-03",
                )

    def _code(self, code: str | None, index: int, name: str) -> str | None:
        if code is None:
            return None
        return self._authority(code, f"children[{index}].{name}").gss_code

    def _find(
        self,
        code: str,
        message: str,
        *rule_ids: str,
        authority: str | None = None,
        citations: tuple[str, ...] = (),
        verification: Verification | None = None,
    ) -> None:
        if verification is None:
            self.findings.append(Finding(code, message, rule_ids, authority, citations=citations))
        else:
            self.findings.append(
                Finding(
                    code,
                    message,
                    rule_ids,
                    authority,
                    citations=citations,
                    verification=verification,
                )
            )

    def _duty(
        self,
        kind: DutyKind,
        *,
        responsible: Party,
        recipients: tuple[Party, ...],
        anchor: Anchor,
        working_days: int,
        rule_ids: tuple[str, ...],
        citations: tuple[str, ...],
        basis: Basis,
        timescale_basis: Basis,
        children: tuple[int, ...],
        summary: str,
    ) -> None:
        due = None
        projected = False
        if anchor.on is not None:
            due = self.calendar.add_working_days(anchor.on, working_days)
            projected = self.calendar.is_projected(anchor.on, due)
        self.duties.append(
            Duty(
                kind=kind,
                responsible=responsible,
                recipients=recipients,
                due=due,
                anchor=anchor,
                working_days=working_days,
                rule_ids=rule_ids,
                citations=citations,
                basis=basis,
                timescale_basis=timescale_basis,
                verification=verification_of(rule_ids),
                projected=projected,
                children=children,
                summary=summary,
            )
        )

    # -- the rules ----------------------------------------------------------------------------

    def run(self) -> Assessment:
        self._outside_scope()
        self.incident = self._normalised(self.incident)
        self._panel_notification()
        self._looked_after_deaths()
        self._care_leaver_deaths()
        duties = sorted(self.duties, key=lambda d: (d.due is None, d.due or self.aware, d.kind))
        return Assessment(
            rule_pack=RULE_PACK,
            rule_pack_version=RULE_PACK_VERSION,
            local_authority=self.la.gss_code,
            duties=tuple(duties),
            findings=tuple(self.findings),
            calendar=self.calendar.name,
        )

    def run_hybrid(self) -> Assessment:
        """SCR-07's transition: the Panel notified, the review a serious case review."""
        assessment = self.run()
        kept = [
            d
            for d in assessment.duties
            if d.kind not in (DutyKind.RAPID_REVIEW, DutyKind.INFORM_SAFEGUARDING_PARTNERS)
        ]
        panel = next((d for d in kept if d.kind == DutyKind.NOTIFY_PANEL), None)
        if panel is not None:
            board = Party("lscb", self.la.gss_code, str(self.la))
            kept += review_duties(self.me, board, "notification_sent", panel.children)
        return attrs.evolve(assessment, duties=tuple(kept))

    def run_legacy(self) -> Assessment:
        """SCR-01 to SCR-06: Ofsted and the board told, the board's review."""
        self._outside_scope()
        self.incident = self._normalised(self.incident)
        incident = self.incident
        code = self.la.gss_code
        mine = tuple(
            i
            for i, c in enumerate(incident.children)
            if c.is_child
            and (
                incident.location.local_authority == code
                or code in (c.normally_resident_in, c.looked_after_by)
            )
        )
        abuse = incident.abuse_or_neglect.known_or_suspected
        serious = tuple(
            i for i in mine if incident.children[i].harm in (Harm.DEATH, Harm.SERIOUS_HARM)
        )
        looked_after_deaths = tuple(
            i
            for i in mine
            if incident.children[i].harm is Harm.DEATH
            and incident.children[i].looked_after_by is not None
        )
        notifiable = tuple(sorted(set(serious if abuse else ()) | set(looked_after_deaths)))
        if not notifiable:
            self._find(
                "not_notifiable_scr",
                "Not notifiable under the serious case review rules: no child of this "
                "authority died or was seriously harmed with abuse or neglect known or "
                "suspected, and no looked-after child died.",
                "SCR-03",
            )
        else:
            on = self.anchor if abuse else self.aware
            self.duties.append(
                Duty(
                    kind=NOTIFY_OFSTED_AND_LSCB,
                    responsible=self.me,
                    recipients=(
                        Party("ofsted", name="Ofsted"),
                        Party("lscb", code, str(self.la)),
                    ),
                    due=self.calendar.add_working_days(on, _NOTIFY_DAYS),
                    anchor=Anchor("la_aware", on),
                    working_days=_NOTIFY_DAYS,
                    rule_ids=("SCR-03",),
                    citations=("Working Together to Safeguard Children 2015, ch.4",),
                    basis=Basis.STATUTORY_GUIDANCE,
                    timescale_basis=Basis.STATUTORY_GUIDANCE,
                    verification=Verification.V2,
                    projected=self.calendar.is_projected(on, on),
                    children=notifiable,
                    summary="Tell Ofsted and the Local Safeguarding Children Board within 5 "
                    "working days of becoming aware.",
                )
            )
        if abuse and serious:
            home = incident.children[serious[0]].normally_resident_in or code
            board = Party("lscb", home, str(self._authority(home, "children")))
            self.duties += review_duties(self.me, board, "notification_sent", serious)
        duties = sorted(self.duties, key=lambda d: (d.due is None, d.due or self.aware, d.kind))
        return Assessment(
            rule_pack=RULE_PACK,
            rule_pack_version=RULE_PACK_VERSION,
            local_authority=code,
            duties=tuple(duties),
            findings=tuple(self.findings),
            calendar=self.calendar.name,
        )

    def _panel_notification(self) -> None:
        """NOT-01 to NOT-05, NOT-08, NOT-10, NOT-11, RR-01 to RR-04."""
        incident = self.incident
        serious = tuple(
            i
            for i, c in enumerate(incident.children)
            if c.is_child and c.harm in (Harm.DEATH, Harm.SERIOUS_HARM)
        )
        if not incident.abuse_or_neglect.known_or_suspected:
            self._find(
                "not_notifiable_no_abuse_or_neglect",
                "Not notifiable to the Panel: abuse or neglect is neither known nor suspected "
                "(a looked-after child's or care leaver's death is assessed separately).",
                "NOT-03",
                "DEF-01",
            )
            return
        if not serious:
            self._find(
                "not_notifiable_harm_not_serious",
                "Not notifiable to the Panel: no child (under 18) died or was seriously harmed.",
                "NOT-03",
                "DEF-01",
                "DEF-02",
                "DEF-03",
            )
            return
        location = incident.location
        if location.place is Place.ENGLAND:
            if location.local_authority != self.la.gss_code:
                where = self._authority(str(location.local_authority), "location.local_authority")
                self._find(
                    "duty_lies_elsewhere",
                    f"The duty to notify the Panel lies with {where}, where the incident "
                    "happened; that authority leads the rapid review.",
                    "NOT-03",
                    "NOT-10",
                    authority=where.gss_code,
                )
                return
            limb, rule = _S16C_A, "NOT-01"
            concerned = serious
        else:
            concerned = tuple(
                i for i in serious if incident.children[i].normally_resident_in == self.la.gss_code
            )
            if not concerned:
                self._outside_england_elsewhere(serious)
                return
            limb, rule = _S16C_B, "NOT-02"

        # NOT-08 counts the children the notification concerns, not everyone in the facts.
        ids: tuple[str, ...] = (rule, "NOT-04", "NOT-11")
        if len(concerned) > 1:
            ids += ("NOT-08",)
        if len(concerned) > _FORM_CHILDREN:
            self._find(
                "more_children_than_form_holds",
                "The notification form holds up to 4 children: list the others in its free "
                "text; it stays one notification for the incident.",
                "NOT-08",
            )
        notify_anchor = Anchor("la_aware_and_abuse_or_neglect_known", self.anchor)
        self._duty(
            DutyKind.NOTIFY_PANEL,
            responsible=self.me,
            recipients=(_PANEL,),
            anchor=notify_anchor,
            working_days=_NOTIFY_DAYS,
            rule_ids=ids,
            citations=(limb, self.wt, self.govuk),
            basis=Basis.STATUTE,
            timescale_basis=Basis.STATUTORY_GUIDANCE,
            children=concerned,
            summary="Notify the Child Safeguarding Practice Review Panel of the incident, "
            "once for the incident, within 5 working days of becoming aware.",
        )
        self._duty(
            DutyKind.INFORM_SAFEGUARDING_PARTNERS,
            responsible=self.me,
            recipients=self._partner_recipients(concerned),
            anchor=notify_anchor,
            working_days=_NOTIFY_DAYS,
            rule_ids=("NOT-05", "NOT-11"),
            citations=(self.wt, self.govuk),
            basis=Basis.STATUTORY_GUIDANCE,
            timescale_basis=Basis.STATUTORY_GUIDANCE,
            children=concerned,
            summary="Report the incident to the safeguarding partners of the area (and of "
            "the child's home or placing area where appropriate) within 5 working days.",
        )
        self._rapid_review(concerned)
        if rule == "NOT-01":
            self._collaborate_with_home_authorities(concerned)

    def _partner_recipients(self, concerned: tuple[int, ...]) -> tuple[Party, ...]:
        codes: list[str] = [self.la.gss_code]
        for i in concerned:
            child = self.incident.children[i]
            for code in (child.normally_resident_in, child.looked_after_by):
                if code is None or code in codes:
                    continue
                if self._authority(code, "children").nation is Nation.ENGLAND:
                    codes.append(code)
        return tuple(
            Party("safeguarding_partners", code, str(self.registry.get(code))) for code in codes
        )

    def _rapid_review(self, concerned: tuple[int, ...]) -> None:
        """
        RR-01 to RR-04, with the tenant's anchor (RR-03, DEC-04, DEC-05).

        DEC-04 (revised): a recorded partners-aware date never moves the deadline
        later than the authority's own anchor. The authority is itself one of the
        safeguarding partners (CA 2004 s16E), so the partners cannot become aware
        later than it did; the date stays in the facts, and a later one gets a finding.
        """
        ids: tuple[str, ...]
        partners = self.incident.partners_aware_on
        if partners is not None and partners > self.anchor:
            self._find(
                "partners_aware_later_than_authority",
                "The recorded date the safeguarding partners became aware is later than the "
                "authority's own: it is kept as a fact but does not move the rapid-review "
                "deadline, as the authority is itself one of the safeguarding partners.",
                "DEC-04",
            )
        if self.settings.of(Settings).rapid_review_anchor is RapidReviewAnchor.AWARE:
            anchor = Anchor("la_aware_and_abuse_or_neglect_known", self.anchor)
            ids = ("RR-01", "RR-02", "RR-03", "RR-04", "NOT-11", "DEC-04")
        else:
            anchor = Anchor("notification_sent", self.sent_on)
            ids = ("RR-01", "RR-02", "RR-03", "RR-04", "DEC-05")
        self._duty(
            DutyKind.RAPID_REVIEW,
            responsible=self.partners,
            recipients=(_PANEL,),
            anchor=anchor,
            working_days=_RAPID_REVIEW_DAYS,
            rule_ids=ids,
            citations=(self.wt, _PANEL_FAQ, _PANEL_GUIDANCE),
            basis=Basis.STATUTORY_GUIDANCE,
            timescale_basis=Basis.STATUTORY_GUIDANCE,
            children=concerned,
            summary="Hold a rapid review, decide on a local child safeguarding practice "
            "review, and send the rapid review to the Panel as soon as it is complete, "
            "within 15 working days.",
        )

    def _collaborate_with_home_authorities(self, concerned: tuple[int, ...]) -> None:
        """NOT-10: the area authority leads, working with the child's home authority."""
        seen: set[str] = set()
        for i in concerned:
            home = self.incident.children[i].normally_resident_in
            if home is None or home == self.la.gss_code or home in seen:
                continue
            seen.add(home)
            authority = self._authority(home, f"children[{i}].normally_resident_in")
            if authority.nation is Nation.ENGLAND:
                self._find(
                    "collaborate_with_home_authority",
                    f"The child normally lives in {authority}: this authority notifies and "
                    "leads the rapid review, and is expected to collaborate with it.",
                    "NOT-10",
                    authority=authority.gss_code,
                )

    def _outside_england_elsewhere(self, serious: tuple[int, ...]) -> None:
        """NOT-03(ii): outside England and not normally resident in this authority."""
        homes: list[LocalAuthority] = []
        for i in serious:
            home = self.incident.children[i].normally_resident_in
            if home is None:
                continue
            authority = self._authority(home, f"children[{i}].normally_resident_in")
            if authority.nation is Nation.ENGLAND and authority not in homes:
                homes.append(authority)
        for authority in homes:
            self._find(
                "duty_lies_elsewhere",
                f"The incident happened outside England: the duty to notify the Panel lies "
                f"with {authority}, where the child normally lives.",
                "NOT-02",
                "NOT-03",
                authority=authority.gss_code,
            )
        if not homes:
            self._find(
                "no_english_authority",
                "The incident happened outside England and no child concerned normally lives "
                "in an English authority: no English authority must notify the Panel.",
                "NOT-02",
                "NOT-03",
            )

    def _holders(
        self, deaths: list[tuple[int, Child]], attribute: str, code: str, message: str, rule: str
    ) -> tuple[int, ...]:
        """
        Children among *deaths* whose authority under *attribute* is the assessing one.

        For each of the others, a finding names the authority whose duty it is.
        """
        mine: list[int] = []
        for i, child in deaths:
            holder = str(getattr(child, attribute))
            if holder == self.la.gss_code:
                mine.append(i)
                continue
            authority = self._authority(holder, f"children[{i}].{attribute}")
            self._find(code, message.format(authority=authority), rule, authority=holder)
        return tuple(mine)

    def _notify_sos_and_ofsted(
        self,
        children: tuple[int, ...],
        *,
        rule_ids: tuple[str, ...],
        citations: tuple[str, ...],
        basis: Basis,
        timescale_basis: Basis,
        summary: str,
    ) -> None:
        """NOT-06, NOT-07: five working days from awareness of the death (DEC-09)."""
        self._duty(
            DutyKind.NOTIFY_SECRETARY_OF_STATE_AND_OFSTED,
            responsible=self.me,
            recipients=(_SOS, _OFSTED),
            anchor=Anchor("la_aware", self.aware),
            working_days=_NOTIFY_DAYS,
            rule_ids=rule_ids,
            citations=citations,
            basis=basis,
            timescale_basis=timescale_basis,
            children=children,
            summary=summary,
        )

    def _english(
        self, deaths: list[tuple[int, Child]], attribute: str
    ) -> tuple[list[tuple[int, Child]], list[LocalAuthority]]:
        """
        *deaths* whose authority under *attribute* is English; and the other authorities.

        Only English authorities notify the Secretary of State and Ofsted (DEC-12).
        """
        english: list[tuple[int, Child]] = []
        others: list[LocalAuthority] = []
        for i, child in deaths:
            authority = self._authority(
                str(getattr(child, attribute)), f"children[{i}].{attribute}"
            )
            if authority.nation is Nation.ENGLAND:
                english.append((i, child))
            elif authority not in others:
                others.append(authority)
        return english, others

    def _looked_after_outside_england(self, council: LocalAuthority) -> None:
        """DEC-12: a Welsh or Scottish council notifies its own ministers, never SoS/Ofsted."""
        nobody = (
            "No authority notifies the Secretary of State and Ofsted of this death, and the "
            "authority where the child died has no looked-after-death duty of its own."
        )
        if council.nation is Nation.WALES:
            self._find(
                "looked_after_by_welsh_council",
                f"A child who died was looked after by {council}, a Welsh council: it notifies "
                "the Welsh Ministers under the Welsh regime (Care Inspectorate Wales in "
                f"practice; the Welsh provision is not verified). {nobody}",
                "DEC-12",
                "NOT-06",
                authority=council.gss_code,
                citations=(_CA1989_SCH2,),
                verification=Verification.R,
            )
        elif council.nation is Nation.SCOTLAND:
            self._find(
                "looked_after_by_scottish_council",
                f"A child who died was looked after by {council}, a Scottish council: it "
                "notifies the Scottish Ministers immediately and the Care Inspectorate within "
                "one working day of becoming aware (the Care Inspectorate's own page says "
                f"within 24 hours). {nobody}",
                "DEC-12",
                "SCO-04",
                authority=council.gss_code,
                citations=(_SCOTLAND_LAC_REGS, _SCOTLAND_LAC_GUIDANCE, _CA1989_SCH2),
                verification=Verification.V,
            )
        else:
            self._find(
                "looked_after_outside_england",
                f"A child who died was looked after by {council}, which is not an English "
                "authority: the duty to notify the Secretary of State and Ofsted binds English "
                f"authorities only, and its own nation's rules are outside this pack. {nobody}",
                "NOT-06",
                authority=council.gss_code,
                citations=(_CA1989_SCH2,),
            )

    def _looked_after_deaths(self) -> None:
        """NOT-06, DEC-12: a looked-after child's death, whether or not abuse is suspected."""
        deaths = [
            (i, c)
            for i, c in enumerate(self.incident.children)
            if c.harm is Harm.DEATH and c.looked_after_by is not None and c.is_child
        ]
        english, others = self._english(deaths, "looked_after_by")
        for council in others:
            self._looked_after_outside_england(council)
        mine = self._holders(
            english,
            "looked_after_by",
            "looked_after_elsewhere",
            "A child who died was looked after by {authority}: that authority notifies the "
            "Secretary of State and Ofsted.",
            "NOT-06",
        )
        if not mine:
            return
        self._notify_sos_and_ofsted(
            mine,
            rule_ids=("NOT-06", "DEF-04"),
            citations=(_CA1989_SCH2, self.wt, self.govuk),
            basis=Basis.STATUTE,
            timescale_basis=Basis.STATUTORY_GUIDANCE,
            summary="Notify the Secretary of State and Ofsted of the death of a looked-after "
            "child, whether or not abuse or neglect is known or suspected, within 5 "
            "working days of becoming aware.",
        )
        if not self.incident.abuse_or_neglect.known_or_suspected:
            self._find(
                "no_rapid_review_for_looked_after_death_alone",
                "The Panel does not consider a looked-after child's death where abuse or "
                "neglect is not known or suspected: no rapid review arises on this ground.",
                "NOT-06",
            )

    def _care_leaver_deaths(self) -> None:
        """NOT-07 and DEC-09: a care leaver's death, up to and including age 24 (DEC-11)."""
        deaths = [
            (i, c)
            for i, c in enumerate(self.incident.children)
            if c.harm is Harm.DEATH
            and c.care_leaver_of is not None
            and c.age <= _MAX_CARE_LEAVER_AGE
        ]
        if not deaths:
            return
        if self.aware < WT2023_PUBLISHED:
            self._find(
                "care_leaver_notification_not_in_force",
                "Care-leaver deaths became notifiable to the Secretary of State and Ofsted "
                "with Working Together 2023 (15 December 2023), after the authority became "
                "aware.",
                "NOT-07",
                "DEC-11",
            )
            return
        if any(child.is_child for _, child in deaths):
            self._find(
                "care_leaver_under_18",
                "A care leaver who died was under 18: the safeguarding partners must still "
                "consider whether the serious incident criteria are met.",
                "NOT-07",
                "DEF-01",
            )
        english, others = self._english(deaths, "care_leaver_of")
        for council in others:
            self._find(
                "care_leaver_of_council_outside_england",
                f"A care leaver who died was a care leaver of {council}, which is not an "
                "English authority: the care-leaver notification to the Secretary of State and "
                "Ofsted is English guidance for English authorities, so no authority makes it; "
                "the rules of that council's nation apply.",
                "NOT-07",
                authority=council.gss_code,
            )
        mine = self._holders(
            english,
            "care_leaver_of",
            "care_leaver_elsewhere",
            "A care leaver who died was a care leaver of {authority}: that authority notifies "
            "the Secretary of State and Ofsted.",
            "NOT-07",
        )
        if not mine:
            return
        self._notify_sos_and_ofsted(
            mine,
            rule_ids=("NOT-07", "DEC-09"),
            citations=(self.wt, self.govuk),
            basis=Basis.STATUTORY_GUIDANCE,
            timescale_basis=Basis.ADVISORY,
            summary="Notify the Secretary of State and Ofsted of the death of a care leaver "
            "(up to and including age 24); 5 working days from becoming aware is an advisory "
            "timescale, as no source sets one; no rapid review is required.",
        )


def _calendar_for(settings: TenantSettings) -> WorkingDayCalendar:
    """The England and Wales calendar with the tenant's additions (DEC-03)."""
    return _tenant_calendar(settings.calendar_additions)


def pack(
    *,
    extra_publication_guards: tuple[Guard, ...] = (),
    subscribers: tuple[Subscriber, ...] = (),
) -> RulePack:
    """
    The England rule pack, with any host guards to run before publication.

    Added in version 0.1.0.

    Args:
        extra_publication_guards: Guards run on both publication steps after the
            LR-08 date check (the seam for the anonymisation leak check).
        subscribers: Subscribers for every workflow that runs this pack's lifecycle.

    """
    lifecycle = build_lifecycle(extra_publication_guards) if extra_publication_guards else LIFECYCLE
    return RulePack(
        name=RULE_PACK,
        version=RULE_PACK_VERSION,
        lifecycle=lifecycle,
        assess=assess,
        calendar=_calendar_for,
        rules=RULES,
        duty_kinds=_DUTY_KINDS,
        regimes={"scr": LEGACY_LIFECYCLE, "scr_hybrid": LEGACY_LIFECYCLE},
        openers=("local_authority",),
        open_rule_ids=("NOT-09",),
        facts_rule_ids=("DEC-04",),
        settings=Settings,
        subscribers=subscribers,
    )


#: Every duty kind the pack raises or its lifecycle opens.
_DUTY_KINDS: Final = (*DutyKind, "local_review_publication", "send_report_to_panel_and_sos")

LIFECYCLE: Final = build_lifecycle()
"""The England lifecycle (DOMAIN sections 2 to 5), validated when the module loads."""

MIGRATION_1_TO_2: Final = Migration(
    from_version="1",
    from_states=tuple(s for s in LIFECYCLE.states if s != "publication_removed"),
    from_terminal=LIFECYCLE.terminal,
    to=LIFECYCLE,
    reason_ref="england-lifecycle-2",
)
"""
Open England cases from lifecycle version 1 to 2 (publication needs a cleared leak check,
LR-07, and the report's sections, DEC-10; removal within a year needs an override,
LR-10). Every state of version 1 is a state of version 2.
"""

LEGACY_LIFECYCLE: Final = build_legacy_lifecycle()
"""The serious case review lifecycle (DOMAIN section 6): cases of the ``scr`` regimes."""

PACK: Final = pack()
"""The England rule pack: assessment, lifecycle, rule catalogue, settings and calendar."""
