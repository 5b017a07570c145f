"""
Local rule packs: a safeguarding partnership's own rules on top of a pack such as England's.

[`extend`][safeguarding_workflow.local.extend] builds a local pack from a base pack
without copying it: the partnership's [`LocalRule`][safeguarding_workflow.local.LocalRule]
values join the rule catalogue, each with basis local policy (DEC-06); each
[`InternalTarget`][safeguarding_workflow.local.InternalTarget] raises a duty of its own
beside the base duty it tightens, due sooner from the same anchor and met by the same
step; extra guards run on the base steps and extra steps join its lifecycle. The base
pack is not changed, and a target may only tighten, never relax, what it asks.

Added in version 0.1.0.
"""

from ._assess import LocalAssess
from ._extend import KNOWN_TIMESCALES, extend
from ._model import InternalTarget, LocalRule, UnbornChildren

__all__ = [
    "KNOWN_TIMESCALES",
    "InternalTarget",
    "LocalAssess",
    "LocalRule",
    "UnbornChildren",
    "extend",
]
