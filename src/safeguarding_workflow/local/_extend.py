"""
`extend()`: a partnership's local rule pack, built on a base pack without copying it.

The local pack is the base pack with a new name and version, its rule catalogue plus the
local rules, its duty kinds plus the internal targets', and a new lifecycle: the base's
states and steps, with the extra guards appended to the named steps, the internal kinds
met (or opened) where the base kinds are, and the extra steps added. Everything is checked
here, when the pack is built; nothing waits for a case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs

from .._guards import Guard
from .._lifecycle import DeadlineSpec, Lifecycle, Step
from .._pack import RulePack
from .._rules import Basis, Rule, RuleCatalogue
from ..exceptions import ConfigurationError, InvalidLifecycle
from ._assess import LocalAssess
from ._model import InternalTarget, LocalRule, UnbornChildren

__all__ = ["extend"]

_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")

KNOWN_TIMESCALES: Final[Mapping[tuple[str, str], Mapping[str, tuple[str, int]]]] = {
    ("england", "1"): {
        "notify_panel": ("working_days", 5),
        "inform_safeguarding_partners": ("working_days", 5),
        "notify_secretary_of_state_and_ofsted": ("working_days", 5),
        "rapid_review": ("working_days", 15),
    },
}
"""
The timescales of the duties a base pack's assessment raises, by (pack name, version).

`extend()` checks an internal target against them before any case is assessed, where the
pack does not declare them as data: the England pack's, as its assessment sets them
(NOT-04, NOT-05, NOT-06, RR-03). A base duty not listed here (nor opened by a lifecycle
step) is checked when a case is assessed instead.

Added in version 0.1.0.
"""


def _fail(message: str, field: str) -> ConfigurationError:
    return ConfigurationError(message, field=field)


def _sequence(value: object, field: str) -> tuple[Any, ...]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise _fail(f"'{field}' must be a list or tuple", field)
    return tuple(value)


def _mapping(value: object, field: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise _fail(f"'{field}' must be a mapping", field)
    return value


def _local_rules(value: object, base: RulePack) -> RuleCatalogue:
    rules: list[Rule] = []
    for item in _sequence(value, "rules"):
        if isinstance(item, LocalRule):
            rules.append(item.to_rule())
        elif isinstance(item, Rule):
            if item.basis is not Basis.LOCAL_POLICY:
                raise _fail(
                    "a local pack's rules are local policy: give a LocalRule, or a Rule with "
                    "basis=Basis.LOCAL_POLICY (DEC-06)",
                    "rules",
                )
            rules.append(item)
        else:
            raise _fail("'rules' must hold LocalRule (or Rule) values", "rules")
        if rules[-1].id in base.rules:
            raise _fail(
                f"rule {rules[-1].id} is already in the base pack's catalogue: a local rule "
                "takes an id of its own",
                "rules",
            )
    return RuleCatalogue(rules, name="local")


def _timescales(base: RulePack) -> dict[str, tuple[str, int] | None]:
    """What the base pack says of each duty kind's timescale before any case: None if unknown."""
    known: dict[str, tuple[str, int] | None] = dict.fromkeys(base.duty_kinds)
    known.update(KNOWN_TIMESCALES.get((base.name, base.version), {}))
    if isinstance(base.assess, LocalAssess):  # a local pack extended again
        for target, _rule in base.assess.targets:
            known[target.kind] = target.timescale
    for step in base.lifecycle.steps:
        for spec in step.opens:
            unit = "months" if spec.months is not None else "working_days"
            count = spec.months if spec.months is not None else spec.working_days
            known[spec.kind] = (unit, count or 0)
    return known


def _unborn(
    value: object, base: RulePack, local: RuleCatalogue
) -> tuple[UnbornChildren, Rule] | None:
    if value is None:
        return None
    if not isinstance(value, UnbornChildren):
        raise _fail("'unborn_children' must be an UnbornChildren", "unborn_children")
    if "notify_panel" not in base.duty_kinds:
        raise _fail(
            "'unborn_children' needs a base pack that raises notify_panel duties",
            "unborn_children",
        )
    rule = local.get(value.rule_id)
    if rule is None:
        raise _fail("'unborn_children' must cite one of the local rules", "unborn_children.rule_id")
    return value, rule


def _targets(
    value: object, base: RulePack, local: RuleCatalogue
) -> tuple[tuple[InternalTarget, Rule], ...]:
    known = _timescales(base)
    taken = set(base.duty_kinds)
    checked: list[tuple[InternalTarget, Rule]] = []
    for target in _sequence(value, "internal_targets"):
        if not isinstance(target, InternalTarget):
            raise _fail("'internal_targets' must hold InternalTarget values", "internal_targets")
        if target.duty_kind not in known:
            raise _fail(
                f"an internal target names a duty kind the base pack {base.name!r} does not "
                f"declare: {target.duty_kind!r}",
                "internal_targets.duty_kind",
            )
        if target.kind in taken:
            raise _fail(
                f"the internal duty kind {target.kind!r} is already a kind of the pack: give "
                "the target a name of its own",
                "internal_targets.name",
            )
        taken.add(target.kind)
        rule = local.get(target.rule_id)
        if rule is None:
            raise _fail(
                f"an internal target cites {target.rule_id!r}, which is not one of the local "
                "rules: a local target rests on local policy (DEC-06)",
                "internal_targets.rule_id",
            )
        unit, count = target.timescale
        base_timescale = known[target.duty_kind]
        if base_timescale is not None:
            base_unit, base_count = base_timescale
            if unit != base_unit:
                raise _fail(
                    f"the internal target for {target.duty_kind!r} must run in {base_unit}, as "
                    "its base duty does",
                    f"internal_targets.{unit}",
                )
            if count > base_count:
                raise _fail(
                    f"a local target may only tighten its base duty: {count} {unit} for "
                    f"{target.duty_kind!r} is later than the base pack's {base_count}",
                    f"internal_targets.{unit}",
                )
        checked.append((target, rule))
    return tuple(checked)


def _guard_names(
    value: object, base: Lifecycle, named: Mapping[str, Guard], prefix: str
) -> tuple[dict[str, tuple[str, ...]], dict[str, Guard]]:
    """The guard names to append to each event's steps, and the new guards by name."""
    appended: dict[str, tuple[str, ...]] = {}
    added: dict[str, Guard] = {}
    for event, guards in _mapping(value, "extra_guards").items():
        if event not in base.events:
            raise _fail(
                f"'extra_guards' names a step the base lifecycle does not have: {event!r}",
                "extra_guards",
            )
        names: list[str] = []
        for index, guard in enumerate(_sequence(guards, f"extra_guards[{event!r}]"), 1):
            if isinstance(guard, str):
                if guard not in base.guards and guard not in named:
                    raise _fail(f"'extra_guards' names an unknown guard {guard!r}", "extra_guards")
                names.append(guard)
            elif callable(guard):
                name = f"{prefix}_{event}_{index}"
                added[name] = guard
                names.append(name)
            else:
                raise _fail(
                    "'extra_guards' holds guards: callables (case, ctx) -> GuardResult, or "
                    "the names of guards",
                    "extra_guards",
                )
        appended[str(event)] = tuple(names)
    return appended, added


def _named_guards(value: object, base: Lifecycle) -> dict[str, Guard]:
    guards = dict(_mapping(value, "guards"))
    for name, guard in guards.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise _fail("'guards' must be keyed by snake_case names", "guards")
        if name in base.guards:
            raise _fail(f"the base lifecycle already has a guard {name!r}", "guards")
        if not callable(guard):
            raise _fail(f"the guard {name!r} is not callable", "guards")
    return guards


def _with_targets(step: Step, targets: tuple[tuple[InternalTarget, Rule], ...]) -> Step:
    """*step* meeting (and opening) each internal kind where it meets (or opens) its base."""
    meets = list(step.meets)
    opens = list(step.opens)
    for target, rule in targets:
        if target.duty_kind in step.meets and target.kind not in meets:
            meets.append(target.kind)
        for spec in step.opens:
            if spec.kind == target.duty_kind:
                opens.append(
                    DeadlineSpec(
                        target.kind,
                        spec.anchor,
                        (rule.id,),
                        working_days=target.working_days,
                        months=target.months,
                    )
                )
    if len(meets) == len(step.meets) and len(opens) == len(step.opens):
        return step
    return attrs.evolve(step, meets=tuple(meets), opens=tuple(opens))


def _extra_steps(value: object, local: RuleCatalogue) -> tuple[Step, ...]:
    steps = _sequence(value, "extra_steps")
    for step in steps:
        if not isinstance(step, Step):
            raise _fail("'extra_steps' must hold Step values", "extra_steps")
        for spec in step.opens:
            if not any(r in local for r in spec.rule_ids):
                raise _fail(
                    f"the extra step {step.event!r} opens a deadline that cites no local rule: "
                    "a local deadline says it is local policy (DEC-06)",
                    "extra_steps",
                )
    return steps


def _names(value: object, field: str) -> tuple[str, ...]:
    names = _sequence(value, field)
    if not all(isinstance(n, str) for n in names):
        raise _fail(f"'{field}' must hold names", field)
    return names


def _lifecycle(
    base: Lifecycle,
    *,
    name: str,
    version: str,
    targets: tuple[tuple[InternalTarget, Rule], ...],
    appended: Mapping[str, tuple[str, ...]] = {},
    guards: Mapping[str, Guard] = {},
    steps: tuple[Step, ...] = (),
    states: tuple[str, ...] = (),
    terminal: tuple[str, ...] = (),
    roles: tuple[str, ...] = (),
    rename: bool = False,
) -> Lifecycle:
    """*base* extended; the same object when nothing changes it, unless *rename*."""
    changed = tuple(
        attrs.evolve(s, guards=(*s.guards, *appended[s.event])) if s.event in appended else s
        for s in (_with_targets(s, targets) for s in base.steps)
    )
    if not (rename or steps or states or terminal or roles or guards) and all(
        a is b for a, b in zip(changed, base.steps, strict=True)
    ):
        return base
    try:
        return Lifecycle(
            name=name,
            version=version,
            states=(*base.states, *states),
            initial=base.initial,
            terminal=(*base.terminal, *terminal),
            roles=(*sorted(base.roles), *roles),
            guards={**base.guards, **guards},
            steps=(*changed, *steps),
        )
    except InvalidLifecycle as error:
        raise _fail(
            f"the extended lifecycle is inconsistent: {error.message}", "extra_steps"
        ) from None


def extend(
    base: RulePack,
    *,
    name: str,
    version: str,
    rules: Iterable[LocalRule | Rule] = (),
    internal_targets: Iterable[InternalTarget] = (),
    extra_guards: Mapping[str, Iterable[Guard | str]] | None = None,
    guards: Mapping[str, Guard] | None = None,
    extra_steps: Iterable[Step] = (),
    extra_states: Iterable[str] = (),
    extra_terminal: Iterable[str] = (),
    extra_roles: Iterable[str] = (),
    unborn_children: UnbornChildren | None = None,
) -> RulePack:
    """
    A partnership's local rule pack: *base* with its own rules, targets, guards and steps.

    Added in version 0.1.0.

    The base pack is not changed, nor copied: the local pack runs the base's assessment and
    adds an internal duty beside each duty a target tightens; its lifecycle is the base's
    with the additions, checked as any lifecycle is. Every field of the base pack
    (calendar, settings, openers, subscribers...) carries over.

    Args:
        base: The pack to extend, e.g. ``sw.england.PACK`` (or a local pack).
        name: The local pack's name, recorded on its cases (and its lifecycle's name).
        version: The local pack's version, recorded on its cases.
        rules: The local rules: `LocalRule` values, or `Rule` values with basis local
            policy; each id new to the base catalogue.
        internal_targets: `InternalTarget` values, each tightening one base duty kind.
        extra_guards: Guards to append to the base lifecycle's steps, by event: callables
            ``(case, ctx) -> GuardResult`` or names of guards; every step of that event
            runs them after its own.
        guards: Named guards the extra steps (or *extra_guards*) may name.
        extra_steps: New steps; a step whose ``dest`` is None records without moving.
        extra_states: New states the extra steps need.
        extra_terminal: Which of the new states are terminal.
        extra_roles: New roles the extra steps name.
        unborn_children: The partnership's policy of notifying the Panel of harm to
            unborn children (DEF-03), resting on one of the local rules; the base pack
            must raise ``notify_panel`` duties.

    Returns:
        The local pack, a [`RulePack`][safeguarding_workflow.RulePack].

    Raises:
        ConfigurationError: naming the field: a target on an unknown duty kind, later than
            its base duty, or citing no local rule; a local rule whose id the base uses or
            whose basis is not local policy; a guard on an unknown step; an extra step
            naming unknown states, roles or guards, or making the lifecycle inconsistent.

    """
    if not isinstance(base, RulePack):
        raise _fail("'base' must be a RulePack, such as sw.england.PACK", "base")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise _fail("'name' must be 1 to 64 lower-case letters, digits or '_'", "name")
    if name == base.name:
        raise _fail("'name' must differ from the base pack's name", "name")
    if not isinstance(version, str) or not version.strip():
        raise _fail("'version' must be a non-empty string", "version")
    local = _local_rules(rules, base)
    targets = _targets(internal_targets, base, local)
    named = _named_guards({} if guards is None else guards, base.lifecycle)
    appended, added = _guard_names(
        {} if extra_guards is None else extra_guards, base.lifecycle, named, name
    )
    steps = _extra_steps(extra_steps, local)
    lifecycle_version = f"{version}+{base.lifecycle.name}.{base.lifecycle.version}"
    lifecycle = _lifecycle(
        base.lifecycle,
        name=name,
        version=lifecycle_version,
        targets=targets,
        appended=appended,
        guards={**named, **added},
        steps=steps,
        states=_names(extra_states, "extra_states"),
        terminal=_names(extra_terminal, "extra_terminal"),
        roles=_names(extra_roles, "extra_roles"),
        rename=True,  # a local pack's lifecycle is its own, named after it
    )
    opened = [s.kind for step in steps for s in step.opens]
    kinds = (*base.duty_kinds, *(t.kind for t, _ in targets))
    kinds += tuple(k for k in dict.fromkeys(opened) if k not in kinds)
    changes: dict[str, Any] = {
        "name": name,
        "version": version,
        "lifecycle": lifecycle,
        "assess": LocalAssess(
            base,
            name=name,
            version=version,
            targets=targets,
            unborn=_unborn(unborn_children, base, local),
        ),
        "rules": base.rules.merge(local, name=name),
        "duty_kinds": kinds,
    }
    regimes = getattr(base, "regimes", None)
    if regimes:  # the other regimes' lifecycles meet the internal kinds too, each rebuilt once
        rebuilt: dict[int, Lifecycle] = {id(base.lifecycle): lifecycle}
        for other in regimes.values():
            if id(other) not in rebuilt:
                rebuilt[id(other)] = _lifecycle(
                    other, name=f"{name}_{other.name}", version=lifecycle_version, targets=targets
                )
        changes["regimes"] = {regime: rebuilt[id(lc)] for regime, lc in regimes.items()}
    return attrs.evolve(base, **changes)
