"""
The seam to ``transitions``: the only module that imports it.

One ``transitions`` machine is built per lifecycle definition and shared by every
case (never one per case, never ``add_model`` per case). The engine runs commands
through a table compiled from the same definition; `reference_outcome()`
asks the ``transitions`` machine what it would do, so a property test can prove
the two agree on every (state, event) pair and guard outcome. No ``transitions``
type appears in a public signature.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, final

from transitions import Machine, MachineError

__all__ = ["ReferenceMachine"]


@final
class _Probe:
    """
    The single model the reference machine drives; its guard outcome is set per call.

    No ``__slots__``: ``transitions`` adds its trigger methods to the model.
    """

    def __init__(self, initial: str) -> None:
        self.state = initial
        self.allowed = True

    def guards_allow(self, *_args: Any, **_kwargs: Any) -> bool:
        return self.allowed


@final
class ReferenceMachine:
    """
    The ``transitions`` machine of one lifecycle, with one probe model.

    Args:
        states: Every state name.
        initial: The initial state.
        steps: ``(event, sources, dest)`` triples; ``dest`` None means the step
            stays in its state (an internal transition).

    """

    __slots__ = ("_machine", "_probe")

    def __init__(
        self,
        states: Iterable[str],
        initial: str,
        steps: Iterable[tuple[str, Iterable[str], str | None]],
    ) -> None:
        self._probe = _Probe(initial)
        definitions = [
            {
                "trigger": event,
                "source": list(sources),
                "dest": dest,
                "conditions": "guards_allow",
            }
            for event, sources, dest in steps
        ]
        self._machine = Machine(
            model=self._probe,
            states=list(states),
            transitions=definitions,
            initial=initial,
            auto_transitions=False,
            ignore_invalid_triggers=False,
            model_attribute="state",
        )

    def reference_outcome(self, state: str, event: str, allowed: bool) -> str | None:
        """
        The state ``transitions`` ends in, or None if the event is not valid in *state*.

        A refused guard leaves the state unchanged (``trigger`` returns False).
        """
        trigger = self._machine.events.get(event)
        if trigger is None:
            return None
        self._machine.set_state(state, model=self._probe)
        self._probe.allowed = allowed
        try:
            trigger.trigger(self._probe)
        except MachineError:
            return None
        return str(self._probe.state)

    def trigger(self, event: str) -> bool:
        """Fire *event* on the probe in its current state; the P1 benchmark's reference walk."""
        return bool(self._machine.events[event].trigger(self._probe))

    def set_state(self, state: str) -> None:
        """Put the probe in *state*."""
        self._machine.set_state(state, model=self._probe)

    @property
    def state(self) -> str:
        """The probe's state."""
        return str(self._probe.state)

    @property
    def events(self) -> tuple[str, ...]:
        """Every event the machine knows."""
        return tuple(self._machine.events)
