"""
Personal data: the identifier register of a case, sealed at rest under a per-case key.

A case's facts and history hold no identifier: opaque ids, derived facts (ages, authority
codes) and keyed digests only. What identifies the child and their family lives here: a
`Register` of `Person` and `Identifier` entries per case, sealed with AES-256-GCM under
the case's own `DataKey` (`seal_register`, `open_register`), the data key stored only
wrapped by the host's `KeyProvider` (`WrappedKey`, `rewrap` for rotation). Every type
holding an identifier masks it in its ``repr`` and ``str``, and `masking` binds a case's
identifiers for `mask_identifiers` (structlog) and `MaskingFilter` (``logging``) to mask
in the host's logs. See the identifier register how-to for the whole picture.

Added in version 0.1.0.
"""

from .._retention import RetentionRule, RetentionStatus
from ._access import SubjectAccessExport
from ._keys import (
    DEFAULT_KEK_ID,
    KEK_VARIABLE,
    DataKey,
    KeyProvider,
    Keyring,
    WrappedKey,
    keyring_from_env,
    keyring_from_file,
    rewrap,
)
from ._masking import MASK, MaskingFilter, mask, mask_identifiers, masking
from ._register import (
    MAX_ENTRIES,
    MAX_PEOPLE,
    MAX_VALUE_LENGTH,
    Identifier,
    IdentifierKind,
    Person,
    Register,
    Relationship,
)
from ._sealing import DIGEST_PREFIX, SEAL_VERSION, entry_digest, open_register, seal_register

__all__ = [
    "DEFAULT_KEK_ID",
    "DIGEST_PREFIX",
    "KEK_VARIABLE",
    "MASK",
    "MAX_ENTRIES",
    "MAX_PEOPLE",
    "MAX_VALUE_LENGTH",
    "SEAL_VERSION",
    "DataKey",
    "Identifier",
    "IdentifierKind",
    "KeyProvider",
    "Keyring",
    "MaskingFilter",
    "Person",
    "Register",
    "Relationship",
    "RetentionRule",
    "RetentionStatus",
    "SubjectAccessExport",
    "WrappedKey",
    "entry_digest",
    "keyring_from_env",
    "keyring_from_file",
    "mask",
    "mask_identifiers",
    "masking",
    "open_register",
    "rewrap",
    "seal_register",
]
