"""
Migrations: moving open cases from one version of a lifecycle to the next, on the record.

Rules change while cases are open (Working Together 2018 to 2023; a pack's own lifecycle
gains a step). A case never changes rules silently: it keeps the lifecycle version it
opened under until the host migrates it, and the migration is a record of its own kind in
its history (``migrated``), so the chain still verifies and `rebuild` replays across it.

A `Migration` maps the old version's states to the new one's and is checked when it is
defined: every state an open case can be in must land on a state of the new version.
`Workflow.migrate` moves a tenant's open cases in batches, each case in a transaction of
its own, so a migration interrupted part way is resumed by running it again: a case
already migrated is at the new version and is passed over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs

from ._identifiers import check_reference
from ._lifecycle import Lifecycle
from .exceptions import ConfigurationError

__all__ = ["MIGRATED", "Migration", "MigrationReport"]

#: The record kind of a migration.
MIGRATED: Final = "migrated"


def _states(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigurationError("'Migration.from_states' must list states", field="from_states")
    states = tuple(value)
    if not states or not all(isinstance(s, str) and s for s in states):
        raise ConfigurationError("'Migration.from_states' must list states", field="from_states")
    return states


def _terminal(value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigurationError(
            "'Migration.from_terminal' must list states", field="from_terminal"
        )
    return frozenset(value)


def _mapping(value: object) -> Mapping[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigurationError("'Migration.states' must map states to states", field="states")
    return MappingProxyType(dict(value))


def _reference(_instance: Any, _attribute: Any, value: Any) -> None:
    try:
        check_reference(value, "reason_ref")
    except Exception:  # an InvalidInputError: here a configuration's
        raise ConfigurationError(
            "'Migration.reason_ref' must be an opaque reference", field="reason_ref"
        ) from None


@attrs.frozen(kw_only=True)
class Migration:
    """
    How open cases of one lifecycle version move to the next: a map of states, checked whole.

    Example:
        ```python
        import safeguarding_workflow as sw

        migration = sw.england.MIGRATION_1_TO_2  # LR-07 and LR-10 in the lifecycle
        assert migration.target("report_final") == "report_final"
        ```

    Added in version 0.1.0.

    Attributes:
        from_version: The lifecycle version cases are moved from.
        from_states: Every state of that version.
        from_terminal: Its terminal states: cases in them have ended and are not moved.
        to: The lifecycle they are moved to (the same name, another version).
        states: Old states that do not exist in *to*, mapped to states of *to*; a state
            with the same name in both maps to itself.
        reason_ref: An opaque reference to why (the guidance or the release that changed
            the rules), recorded on every case moved.

    Raises:
        ConfigurationError: the versions are equal, a mapped state is unknown on either
            side, or a state an open case can be in has no state of *to* to go to.

    """

    from_version: str
    from_states: tuple[str, ...] = attrs.field(converter=_states)
    from_terminal: frozenset[str] = attrs.field(converter=_terminal)
    to: Lifecycle
    states: Mapping[str, str] = attrs.field(factory=dict, converter=_mapping)
    reason_ref: str = attrs.field(validator=_reference)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.to, Lifecycle):
            raise ConfigurationError("'Migration.to' must be a Lifecycle", field="to")
        if not isinstance(self.from_version, str) or self.from_version == self.to.version:
            raise ConfigurationError(
                "'Migration.from_version' must name another version than 'to'",
                field="from_version",
            )
        known = set(self.from_states)
        if not self.from_terminal <= known:
            raise ConfigurationError(
                "'Migration.from_terminal' must be states of 'from_states'", field="from_terminal"
            )
        if set(self.states) - known:
            raise ConfigurationError(
                "'Migration.states' maps a state the old version does not have", field="states"
            )
        unmapped = sorted(
            s for s in known - self.from_terminal if self.target(s) not in self.to.states
        )
        if unmapped:
            raise ConfigurationError(
                f"open states of version {self.from_version!r} have no state of version "
                f"{self.to.version!r} to go to: {', '.join(unmapped)}",
                field="states",
            )

    @property
    def lifecycle(self) -> str:
        """
        The name of the lifecycle migrated (the same for both versions).

        Added in version 0.1.0.
        """
        return self.to.name

    def target(self, state: str) -> str:
        """
        The state of the new version a case in *state* goes to.

        Added in version 0.1.0.
        """
        return self.states.get(state, state)


@attrs.frozen
class MigrationReport:
    """
    What one call of `Workflow.migrate` did.

    Added in version 0.1.0.

    Attributes:
        migrated: The cases moved to the new version, in case id order.
        ended: Cases of the old version in a terminal state: left as they ended.
        others: Cases of another lifecycle or version (already migrated ones included).
        after: The last case id looked at: pass it as ``after`` to go on with the next
            batch; None once every case of the tenant has been looked at.

    """

    migrated: tuple[str, ...]
    ended: tuple[str, ...]
    others: tuple[str, ...]
    after: str | None
