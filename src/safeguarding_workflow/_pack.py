"""
Rule packs: what a regime brings to the core, and the contract between them.

A pack is one folder (the England pack is `safeguarding_workflow/england/`): its
assessment, lifecycle, rule catalogue, duty kinds, settings type and calendar.
The core runs any pack through [`Workflow`][safeguarding_workflow.Workflow], the
stores, the outbox, the verifier and the diagrams without knowing its rules;
[`safeguarding_workflow.testing.PackContract`][] is the test suite that proves a pack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final, Protocol

import attrs

from ._authorities import LocalAuthorityRegistry
from ._calendar import WorkingDayCalendar
from ._clock import Clock
from ._duties import Assessment
from ._events import Subscriber
from ._facts import Incident
from ._lifecycle import Lifecycle
from ._rules import RULES, RuleCatalogue, use_catalogue
from ._settings import TenantSettings
from .exceptions import ConfigurationError

__all__ = ["Assess", "RulePack"]

_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")


class Assess(Protocol):
    """
    A pack's assessment: the duties and findings an incident raises for one authority.

    The workflow calls it when a case opens and when its facts change, with the
    tenant's settings and calendar and the registry; *clock* is given so facts
    dated in the future can be refused. It returns an
    [`Assessment`][safeguarding_workflow.Assessment] whose duties carry the
    pack's duty kinds and rule ids.

    Added in version 0.1.0.
    """

    def __call__(
        self,
        incident: Incident,
        /,
        *,
        local_authority: str,
        settings: TenantSettings,
        calendar: WorkingDayCalendar,
        registry: LocalAuthorityRegistry,
        clock: Clock | None,
    ) -> Assessment:
        """Assess *incident* for *local_authority*."""
        ...


def _names(value: object) -> tuple[str, ...]:
    """A tuple of plain strings (a StrEnum member becomes its value)."""
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigurationError("a rule pack's names must be a list or tuple", field="RulePack")
    if not all(isinstance(v, str) for v in value):
        raise ConfigurationError("a rule pack's names must be strings", field="RulePack")
    return tuple(str(v) for v in value)


def _subscribers(value: Iterable[Subscriber]) -> tuple[Subscriber, ...]:
    return tuple(value)


def _regimes(value: object) -> Mapping[str, Lifecycle]:
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            "'RulePack.regimes' must map regimes to lifecycles", field="regimes"
        )
    if not all(isinstance(k, str) and isinstance(v, Lifecycle) for k, v in value.items()):
        raise ConfigurationError(
            "'RulePack.regimes' must map regimes to lifecycles", field="regimes"
        )
    return MappingProxyType(dict(value))


def _check_name(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise ConfigurationError(
            "'RulePack.name' must be 1 to 64 lower-case letters, digits or '_'",
            field="RulePack.name",
        )


def _check_version(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigurationError("'RulePack.version' must be a non-empty string", field="version")


@attrs.frozen(kw_only=True)
class RulePack:
    """
    A regime's rules: its assessment, lifecycle, rule catalogue, duty kinds, settings and calendar.

    Added in version 0.1.0.

    Building one checks it whole and puts its rule catalogue in use, so its rule
    ids resolve in [`RULES`][safeguarding_workflow.RULES]. Every field is given by keyword.

    Attributes:
        name: e.g. ``"england"``; recorded on every case.
        version: The pack's version, recorded on every case.
        lifecycle: The lifecycle its cases follow.
        assess: Its assessment (see [`Assess`][safeguarding_workflow.typing.Assess]).
        calendar: The working-day calendar for a tenant.
        rules: Its rule catalogue: every rule id its assessment, lifecycle and
            refusals cite that the core's catalogue does not hold.
        duty_kinds: The duty kinds its assessment raises and its lifecycle opens.
        openers: The roles that may open a case and record its facts.
        open_rule_ids: The rules a refusal to open a case cites.
        facts_rule_ids: The rules every record of changed facts cites.
        settings: Its settings type, read from a tenant with
            ``TenantSettings.of(settings)``, or ``None`` when it has none.
        subscribers: Subscribers for every workflow that runs this pack's
            lifecycle; they run before the workflow's own.
        regimes: Other lifecycles, by the regime an assessment names
            (`Assessment.regime`): a case opens on the lifecycle of its assessment's
            regime, or on *lifecycle* when the regime has none of its own, and follows
            it to the end (the England pack's serious case reviews, SCR-07).

    Raises:
        ConfigurationError: the pack is inconsistent: a name, a rule id its
            lifecycle cites that no catalogue holds, a deadline kind it does
            not declare, an opening role its lifecycle lacks.

    """

    name: str = attrs.field(validator=_check_name)
    version: str = attrs.field(validator=_check_version)
    lifecycle: Lifecycle
    assess: Assess
    calendar: Callable[[TenantSettings], WorkingDayCalendar]
    rules: RuleCatalogue
    duty_kinds: tuple[str, ...] = attrs.field(converter=_names)
    openers: tuple[str, ...] = attrs.field(converter=_names)
    open_rule_ids: tuple[str, ...] = attrs.field(default=(), converter=_names)
    facts_rule_ids: tuple[str, ...] = attrs.field(default=(), converter=_names)
    settings: type | None = None
    subscribers: tuple[Subscriber, ...] = attrs.field(default=(), converter=_subscribers)
    regimes: Mapping[str, Lifecycle] = attrs.field(factory=dict, converter=_regimes)
    #: Every lifecycle by name, worked out once: a command looks its case's up.
    _by_name: Mapping[str, Lifecycle] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.lifecycle, Lifecycle):
            raise ConfigurationError("'RulePack.lifecycle' must be a Lifecycle", field="lifecycle")
        extra = [lc for lc in self.regimes.values() if lc is not self.lifecycle]
        ordered = (self.lifecycle, *dict.fromkeys(extra))
        by_name: dict[str, Lifecycle] = {}
        for lifecycle in ordered:
            by_name.setdefault(lifecycle.name, lifecycle)
        object.__setattr__(self, "_by_name", MappingProxyType(by_name))
        if not callable(self.assess) or not callable(self.calendar):
            raise ConfigurationError(
                "'RulePack.assess' and 'RulePack.calendar' must be callables", field="assess"
            )
        if not isinstance(self.rules, RuleCatalogue):
            raise ConfigurationError("'RulePack.rules' must be a RuleCatalogue", field="rules")
        use_catalogue(self.rules)
        lifecycles = self.lifecycles
        if len({lc.name for lc in lifecycles}) != len(lifecycles):
            raise ConfigurationError(
                "a rule pack's lifecycles must have names of their own", field="regimes"
            )
        for lifecycle in lifecycles:
            if not self.openers or set(self.openers) - lifecycle.roles:
                raise ConfigurationError(
                    "'RulePack.openers' must name roles of each of the pack's lifecycles",
                    field="openers",
                )
        kinds = set(self.duty_kinds)
        cited = set(self.open_rule_ids) | set(self.facts_rule_ids)
        for step in (s for lifecycle in lifecycles for s in lifecycle.steps):
            cited |= set(step.rule_ids)
            for spec in step.opens:
                cited |= set(spec.rule_ids)
                if spec.kind not in kinds:
                    raise ConfigurationError(
                        f"the step {step.event!r} opens a deadline of a kind the pack does not "
                        "declare in 'duty_kinds'",
                        field="duty_kinds",
                    )
        missing = sorted(cited - set(RULES))
        if missing:
            raise ConfigurationError(
                f"the pack cites rules no catalogue holds: {', '.join(missing)}", field="rules"
            )

    @property
    def lifecycles(self) -> tuple[Lifecycle, ...]:
        """
        Every lifecycle a case of the pack may follow: *lifecycle* first, then the regimes'.

        Added in version 0.1.0.
        """
        extra = [lc for lc in self.regimes.values() if lc is not self.lifecycle]
        return (self.lifecycle, *dict.fromkeys(extra))

    def lifecycle_for(self, regime: str) -> Lifecycle:
        """
        The lifecycle a case opens on for an assessment of *regime* (`Assessment.regime`).

        Added in version 0.1.0.
        """
        return self.regimes.get(regime, self.lifecycle)

    def lifecycle_named(self, name: str) -> Lifecycle:
        """
        The pack's lifecycle called *name* (a case's ``lifecycle``); the main one if none is.

        Added in version 0.1.0.
        """
        return self._by_name.get(name, self.lifecycle)
