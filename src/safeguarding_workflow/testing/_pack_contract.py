"""
The pack contract: the tests every rule pack passes, shipped for third parties to run on theirs.

Added in version 0.1.0.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

import attrs

from .. import diagrams
from .._authorities import LocalAuthorityRegistry
from .._calendar import WorkingDayCalendar
from .._case import Case, Command
from .._duties import Assessment
from .._events import CloudEvent
from .._facts import Incident
from .._pack import RulePack
from .._rules import RULES, Basis, weakest
from .._settings import TenantSettings
from .._workflow import Workflow
from ..exceptions import RoleNotPermitted, SafeguardingWorkflowError
from ..history import rebuild, verify
from ..stores import MemoryStore
from ._clock import FrozenClock

__all__ = ["PackContract", "PackScenario"]

#: The tenant and actor the contract's cases use.
TENANT: Final = "contract-tenant"
ACTOR: Final = "contract-actor"


@attrs.frozen
class PackScenario:
    """
    A fictional case a pack's contract runs: an incident and a walk to a terminal state.

    Added in version 0.1.0.

    Attributes:
        incident: Fictional facts the pack assesses (no real person's details).
        local_authority: The authority that assesses it (a GSS code or a known name).
        walk: The steps from the lifecycle's initial state to a terminal state, as
            ``(event, role, payload)``; the contract takes them a day apart.
        settings: The tenant's settings; a tenant with the pack's defaults if ``None``.

    """

    incident: Incident
    local_authority: str
    walk: tuple[tuple[str, str, Mapping[str, Any]], ...]
    settings: TenantSettings | None = None

    def tenant(self) -> TenantSettings:
        """The tenant's settings the contract uses."""
        return self.settings if self.settings is not None else TenantSettings(TENANT)


def walk_scenario(
    workflow: Workflow,
    scenario: PackScenario,
    clock: FrozenClock,
    *,
    case_id: str = "contract-case",
    upto: int | None = None,
) -> Case:
    """Open *scenario*'s case on *workflow* and take its walk (its first *upto* steps), daily."""
    case = workflow.open(
        scenario.tenant().tenant_id,
        scenario.incident,
        local_authority=scenario.local_authority,
        actor=ACTOR,
        case_id=case_id,
    ).case
    when = scenario.incident.la_aware_at
    for event, role, payload in scenario.walk[:upto]:
        when = when.add(days=1)
        clock.set(when.add(hours=1))
        command = Command(
            case.tenant_id,
            case.case_id,
            event,
            actor=ACTOR,
            role=role,
            occurred_at=when,
            payload=dict(payload),
        )
        case = workflow.fire(command).case
    return case


@contextmanager
def _raises(kind: type[BaseException]) -> Iterator[None]:
    """Like ``pytest.raises``, without importing pytest with the package."""
    try:
        yield
    except kind:
        return
    raise AssertionError(f"{kind.__name__} was not raised")


class PackContract(abc.ABC):
    """
    The tests every rule pack must pass, the way a store passes `StoreContract`.

    Subclass it in a test module, name the subclass ``Test...`` so pytest collects
    it, and implement [`make_pack`][safeguarding_workflow.testing.PackContract.make_pack]
    and [`scenario`][safeguarding_workflow.testing.PackContract.scenario]:

    ```python
    class TestMyPack(PackContract):
        def make_pack(self) -> sw.RulePack:
            return my_pack.PACK

        def scenario(self) -> PackScenario:
            return PackScenario(incident, "E08000016", walk=(("file", "clerk", {}),))
    ```

    The tests check what the core relies on: the pack's duty kinds and rule ids
    are declared and catalogued, its duties carry citations and the weakest
    status of their rules, its settings and calendar build for a tenant, and a
    case walks from opening to a terminal state through a workflow, refusing
    every role a step does not name, with a history that verifies and rebuilds.

    Added in version 0.1.0.
    """

    @abc.abstractmethod
    def make_pack(self) -> RulePack:
        """The pack under test."""

    @abc.abstractmethod
    def scenario(self) -> PackScenario:
        """A fictional case to assess and walk."""

    # -- helpers ------------------------------------------------------------------------------

    def _workflow(self) -> tuple[Workflow, FrozenClock, list[CloudEvent]]:
        scenario = self.scenario()
        clock = FrozenClock(scenario.incident.la_aware_at.add(hours=1))
        events: list[CloudEvent] = []
        workflow = Workflow(
            self.make_pack(),
            clock=clock,
            settings=[scenario.tenant()],
            store=MemoryStore(),
            subscribers=(events.append,),
        )
        return workflow, clock, events

    def _assessment(self) -> Assessment:
        pack, scenario = self.make_pack(), self.scenario()
        tenant = scenario.tenant()
        return pack.assess(
            scenario.incident,
            local_authority=scenario.local_authority,
            settings=tenant,
            calendar=pack.calendar(tenant),
            registry=LocalAuthorityRegistry.default(),
            clock=None,
        )

    def _walk(self, workflow: Workflow, clock: FrozenClock, upto: int | None = None) -> Case:
        """Open the scenario's case and take its walk (the first *upto* steps)."""
        return walk_scenario(workflow, self.scenario(), clock, upto=upto)

    # -- the pack as data ---------------------------------------------------------------------

    def test_pack_is_a_named_rule_pack(self) -> None:
        """The pack is a RulePack with a name, a version and a validated lifecycle."""
        pack = self.make_pack()
        assert isinstance(pack, RulePack)
        assert (pack.name, pack.version) == (pack.name.strip(), pack.version.strip())
        assert pack.lifecycle.initial in pack.lifecycle.states
        assert pack.lifecycle.terminal

    def test_assessment_names_the_pack(self) -> None:
        """The assessment says which pack and version made it, and on which calendar."""
        pack, assessment = self.make_pack(), self._assessment()
        assert (pack.name, pack.version) == (assessment.rule_pack, assessment.rule_pack_version)
        assert pack.calendar(self.scenario().tenant()).name == assessment.calendar

    def test_duty_kinds_are_declared(self) -> None:
        """Every duty the assessment raises is of a kind the pack declares."""
        pack = self.make_pack()
        kinds = {duty.kind for duty in self._assessment().duties}
        assert set() == kinds - set(pack.duty_kinds)

    def test_every_cited_rule_is_catalogued(self) -> None:
        """Duties, findings and the lifecycle cite only rule ids that resolve in RULES."""
        pack, assessment = self.make_pack(), self._assessment()
        cited = {r for d in assessment.duties for r in d.rule_ids}
        cited |= {r for f in assessment.findings for r in f.rule_ids}
        for step in pack.lifecycle.steps:
            cited |= set(step.rule_ids)
            cited |= {r for spec in step.opens for r in spec.rule_ids}
        assert set() == cited - set(RULES)

    def test_duties_carry_their_basis_and_status(self) -> None:
        """Each duty has citations, a basis, and the weakest status of its rules (DEC-06..08)."""
        for duty in self._assessment().duties:
            assert duty.citations, duty.kind
            assert {duty.basis, duty.timescale_basis} <= set(Basis)
            assert weakest(r.verification for r in duty.rules) == duty.verification
            on, due = duty.anchor.on, duty.due
            if on is not None and due is not None:
                forwards = (duty.months or duty.working_days or 0) >= 0
                assert (due >= on) if forwards else (due <= on), duty.kind

    def test_settings_and_calendar_build_for_a_tenant(self) -> None:
        """The pack's settings read from a tenant, and its calendar builds for one."""
        pack, tenant = self.make_pack(), self.scenario().tenant()
        if pack.settings is not None:
            assert isinstance(tenant.of(pack.settings), pack.settings)
        assert isinstance(pack.calendar(tenant), WorkingDayCalendar)

    def test_diagrams_show_every_state(self) -> None:
        """The Mermaid and DOT diagrams of the lifecycle name every state."""
        lifecycle = self.make_pack().lifecycle
        mermaid, dot = diagrams.mermaid(lifecycle), diagrams.dot(lifecycle)
        for state in lifecycle.states:
            assert state in mermaid
            assert state in dot

    # -- the pack in a workflow ---------------------------------------------------------------

    def test_walk_reaches_a_terminal_state_with_a_verified_history(self) -> None:
        """The scenario's walk ends in a terminal state; its history verifies and rebuilds."""
        workflow, clock, events = self._workflow()
        case = self._walk(workflow, clock)
        history = workflow.history(case.tenant_id, case.case_id)
        assert case.state in workflow.pack.lifecycle.terminal
        assert verify(history).ok
        assert case == rebuild(history)
        assert [r.event_id for r in history] == [e.id for e in events]

    def test_every_due_date_carries_what_computed_it(self) -> None:
        """After each record of the walk, each due date carries the workflow's fingerprint."""
        workflow, clock, _events = self._workflow()
        case = self._walk(workflow, clock)
        stamp = workflow.deadline_fingerprint(case.tenant_id, case.case_id)
        history = workflow.history(case.tenant_id, case.case_id)
        for end in range(1, len(history) + 1):
            for deadline in rebuild(history[:end]).deadlines:
                expected = None if deadline.due is None else stamp
                assert expected == deadline.fingerprint, (end, deadline.kind)

    def test_openers_open_and_no_one_else(self) -> None:
        """Only the pack's openers open a case; a refusal stores nothing."""
        workflow, _clock, _events = self._workflow()
        scenario = self.scenario()
        for role in sorted(workflow.pack.lifecycle.roles - set(workflow.pack.openers)):
            with _raises(RoleNotPermitted):
                workflow.open(
                    TENANT,
                    scenario.incident,
                    local_authority=scenario.local_authority,
                    actor=ACTOR,
                    role=role,
                    case_id="refused-case",
                )
        with _raises(SafeguardingWorkflowError):
            workflow.case(TENANT, "refused-case")

    def test_every_step_refuses_the_roles_it_does_not_name(self) -> None:
        """R7 for the pack: along the walk, every other role is refused and nothing changes."""
        workflow, clock, _events = self._workflow()
        case = self._walk(workflow, clock, upto=0)
        roles = workflow.pack.lifecycle.roles
        when = case.last_step_at
        for event, role, payload in self.scenario().walk:
            when = when.add(days=1)
            clock.set(when.add(hours=1))
            step = workflow.pack.lifecycle.step(case.state, event)
            assert step is not None, event
            before = workflow.history(case.tenant_id, case.case_id)
            for other in sorted(roles - set(step.roles)):
                refused = Command(
                    case.tenant_id,
                    case.case_id,
                    event,
                    actor=ACTOR,
                    role=other,
                    occurred_at=when,
                    payload=dict(payload),
                )
                with _raises(RoleNotPermitted):
                    workflow.fire(refused)
            assert before == workflow.history(case.tenant_id, case.case_id)
            command = Command(
                case.tenant_id,
                case.case_id,
                event,
                actor=ACTOR,
                role=role,
                occurred_at=when,
                payload=dict(payload),
            )
            case = workflow.fire(command).case
