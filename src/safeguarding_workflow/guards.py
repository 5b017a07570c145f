"""
Guards: pure callables ``(case, ctx) -> GuardResult`` that allow a step or refuse it with reasons.

Build refusals with :func:`refuse`, compose guards with :func:`all_`,
:func:`any_` and :func:`not_`, and check payload fields with
:func:`payload_present`. A lifecycle names its guards; steps refer to them by
name, and an unknown name fails when the lifecycle is built.

.. versionadded:: 0.1.0
"""

from ._guards import ALLOW, GuardResult, Reason, all_, any_, not_, payload_present, refuse

__all__ = ["ALLOW", "GuardResult", "Reason", "all_", "any_", "not_", "payload_present", "refuse"]
