"""
Helpers for testing code that uses the library, and stores written for it.

[`FrozenClock`][safeguarding_workflow.testing.FrozenClock] is a clock that stands
still until moved. [`StoreContract`][safeguarding_workflow.testing.StoreContract]
is the test suite every case store passes: subclass it with a ``make_store``
method to prove a store of your own, and
[`PackContract`][safeguarding_workflow.testing.PackContract] is the suite every
rule pack passes. [`capture`][safeguarding_workflow.testing.capture]
collects the library's log lines and the events its workflows dispatch in a block.

Nothing here imports pytest: the contract's tests run under pytest or unittest.

Added in version 0.1.0.
"""

from ._capture import Captured, capture
from ._clock import FrozenClock
from ._pack_contract import PackContract, PackScenario
from ._store_contract import StoreContract

__all__ = [
    "Captured",
    "FrozenClock",
    "PackContract",
    "PackScenario",
    "StoreContract",
    "capture",
]
