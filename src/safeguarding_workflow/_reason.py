"""
Why a step was refused: the `Reason` value type.

A leaf module: it imports nothing from the package, so `.exceptions` can
use it at run time without an import cycle. `.guards` re-exports it.
"""

from __future__ import annotations

import attrs

__all__ = ["Reason"]


@attrs.frozen
class Reason:
    """
    Why a guard refused a step.

    Added in version 0.1.0.

    Attributes:
        code: Stable machine-readable code, e.g. ``"criteria_not_considered"``.
        message: The reason in a sentence; names fields and rules, never identifying values.
        rule_ids: The rules behind it.
        citations: Their citations.

    """

    code: str
    message: str
    rule_ids: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """
        The reason as JSON values: its code, message, and lists of rule ids and citations.

        Added in version 0.1.0.
        """
        return {
            "code": self.code,
            "message": self.message,
            "rule_ids": list(self.rule_ids),
            "citations": list(self.citations),
        }
