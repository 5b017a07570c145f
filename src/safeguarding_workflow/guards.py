"""
Guards: pure callables ``(case, ctx) -> GuardResult`` that allow a step or refuse it with reasons.

Build refusals with `refuse()`, compose guards with `all_()`,
`any_()` and `not_()`, and check payload fields with
`payload_present()`. A lifecycle names its guards; steps refer to them by
name, and an unknown name fails when the lifecycle is built.

Added in version 0.1.0.
"""

from ._guards import ALLOW, GuardResult, Reason, all_, any_, not_, payload_present, refuse

__all__ = ["ALLOW", "GuardResult", "Reason", "all_", "any_", "not_", "payload_present", "refuse"]
