"""The shipped store contract, run on the in-memory store."""

from __future__ import annotations

import safeguarding_workflow as sw
from safeguarding_workflow.testing import StoreContract


class TestMemoryStore(StoreContract):
    def make_store(self) -> sw.MemoryStore:
        """A new, empty memory store."""
        return sw.MemoryStore()
