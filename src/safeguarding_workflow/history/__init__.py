"""
The tamper-evident history: hash-chained records, their verification, export and rebuild.

Every case has an append-only history. Each record's hash covers the previous
hash and the record's canonical JSON, so a changed, removed, inserted or
reordered record is found by [`verify`][safeguarding_workflow.history.verify],
and a chain head kept or signed outside the database
([`sign_heads`][safeguarding_workflow.history.sign_heads]) makes a truncated
chain detectable. The byte layout is in the docs ("The history hash chain").

Added in version 0.1.0.
"""

from ._chain import (
    GENESIS,
    HASH_PREFIX,
    SCHEMA_VERSION,
    ChainHead,
    ChainVerification,
    HistoryRecord,
    history_from_json,
    history_to_json,
    record_hash,
    verify,
)
from ._heads import load_signed_heads, sign_heads
from ._replay import rebuild

__all__ = [
    "GENESIS",
    "HASH_PREFIX",
    "SCHEMA_VERSION",
    "ChainHead",
    "ChainVerification",
    "HistoryRecord",
    "history_from_json",
    "history_to_json",
    "load_signed_heads",
    "rebuild",
    "record_hash",
    "sign_heads",
    "verify",
]
