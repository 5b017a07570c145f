"""
Sealing a register at rest, and keyed digests of its entries.

A sealed register is one byte string::

    version (1 byte, 1) | nonce (12 bytes, fresh per seal) | AES-256-GCM ciphertext and tag

The plaintext is the register's canonical JSON (RFC 8785); the associated data binds the
version, the tenant id and the case id, so a blob copied to another case, or sealed under
another key, or changed in any bit, fails to open with `RegisterIntegrityError`.

`entry_digest` is what the history will carry about an entry: an HMAC-SHA256 of the
entry's canonical JSON under a key derived from the case's data key (HKDF-SHA256). It
tells a changed entry from an unchanged one while the key exists, and nothing at all once
the key is destroyed, even for values as guessable as a date of birth.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any, Final

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..exceptions import InvalidInputError, RegisterIntegrityError
from ..history._canonical import canonical_json
from ._keys import NONCE_BYTES, TAG_BYTES, DataKey
from ._register import Identifier, IdentifierKind, Person, Register

__all__ = ["DIGEST_PREFIX", "SEAL_VERSION", "entry_digest", "open_register", "seal_register"]

SEAL_VERSION: Final = 1
"""The first byte of a sealed register: the layout's version."""
DIGEST_PREFIX: Final = "hmac-sha256:"
"""What every `entry_digest` starts with: the algorithm and the derivation's version."""
#: The associated data's label, before the version, tenant id and case id.
_SEAL_LABEL: Final = b"safeguarding-workflow/register\x00"
#: HKDF's ``info`` for the digest key: a key for this use only, never the data key itself.
_DIGEST_INFO: Final = b"safeguarding-workflow/entry-digest/v1"


def _aad(version: int, tenant_id: str, case_id: str) -> bytes:
    # Opaque ids are ASCII without NUL, so the NUL-separated form is unambiguous.
    return _SEAL_LABEL + bytes([version]) + f"{tenant_id}\x00{case_id}".encode("ascii")


def _check_key(data_key: object) -> DataKey:
    if type(data_key) is not DataKey:
        raise InvalidInputError("'data_key' must be a DataKey", field="data_key")
    return data_key


def _entry_json(entry: Identifier) -> dict[str, str]:
    return {
        "entry_id": entry.entry_id,
        "person_id": entry.person_id,
        "kind": entry.kind.value,
        "value": entry.value,
    }


def _register_json(register: Register) -> dict[str, Any]:
    return {
        "tenant_id": register.tenant_id,
        "case_id": register.case_id,
        "people": [
            {"person_id": p.person_id, "relationship": p.relationship.value}
            for p in register.people
        ],
        "entries": [_entry_json(e) for e in register.entries],
    }


def _sealed_entry(entry_id: object, person_id: object, kind: object, value: object) -> Identifier:
    """
    An entry as `seal_register` wrote it, rebuilt without checking its value again.

    The seal authenticates the document: only a holder of the case's data key, that is
    the library sealing a `Register` whose entries were checked when they were made,
    can produce one that opens. So only the document's shape is checked here (text
    where text belongs, a known kind), not each value character by character, which
    cost about 4 µs an entry (P10). A value is kept as sealed: a check made stricter
    in a later release does not make an older register unreadable.
    """
    if not (type(entry_id) is str and type(person_id) is str and type(value) is str):
        raise TypeError
    entry = _new(Identifier)
    _set(entry, "entry_id", entry_id)
    _set(entry, "person_id", person_id)
    _set(entry, "kind", _KINDS[kind])  # type: ignore[index]  # KeyError: no such kind
    _set(entry, "value", value)
    return entry


#: Each kind by its value, and the plain object methods a sealed entry is rebuilt with.
_KINDS: Final = {kind.value: kind for kind in IdentifierKind}
_new: Final = object.__new__
_set: Final = object.__setattr__


def _register_from_json(document: Any) -> Register:
    """The register a document holds; KeyError, TypeError or ValueError if none."""
    people = [Person(p["person_id"], p["relationship"]) for p in document["people"]]
    entries = [
        _sealed_entry(e["entry_id"], e["person_id"], e["kind"], e["value"])
        for e in document["entries"]
    ]
    return Register(document["tenant_id"], document["case_id"], people, entries)


def seal_register(register: Register, data_key: DataKey) -> bytes:
    """
    *register* encrypted under its case's data key, for storing at rest.

    AES-256-GCM over the register's canonical JSON, with a fresh 96-bit nonce (so two
    seals of one register differ) and the tenant and case ids bound as associated data.

    Added in version 0.1.0.

    Raises:
        InvalidInputError: *register* is not a `Register` or *data_key* not a `DataKey`.

    """
    if type(register) is not Register:
        raise InvalidInputError("'register' must be a Register", field="register")
    key = _check_key(data_key)
    nonce = os.urandom(NONCE_BYTES)
    aad = _aad(SEAL_VERSION, register.tenant_id, register.case_id)
    sealed = AESGCM(key.material).encrypt(nonce, canonical_json(_register_json(register)), aad)
    return bytes([SEAL_VERSION]) + nonce + sealed


def open_register(blob: bytes, data_key: DataKey, *, tenant_id: str, case_id: str) -> Register:
    """
    The register sealed in *blob*, which must be the given case's, under *data_key*.

    Added in version 0.1.0.

    Raises:
        RegisterIntegrityError: *blob* was altered or truncated, belongs to another
            case, or was sealed under another key (``problem`` says which class of
            fault; the message names no value, id or key).
        InvalidInputError: *data_key* is not a `DataKey`, or an id is not opaque.

    """
    key = _check_key(data_key)
    Register(tenant_id, case_id)  # checks both ids, naming the field

    def fail(problem: str, message: str) -> RegisterIntegrityError:
        return RegisterIntegrityError(
            message, problem=problem, tenant_id=tenant_id, case_id=case_id
        )

    if type(blob) is not bytes or len(blob) < 1 + NONCE_BYTES + TAG_BYTES:
        raise fail("malformed", "the sealed register is not bytes long enough to hold a seal")
    if blob[0] != SEAL_VERSION:
        raise fail("version", "the sealed register has an unknown format version")
    nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        plaintext = AESGCM(key.material).decrypt(
            nonce, sealed, _aad(SEAL_VERSION, tenant_id, case_id)
        )
    except InvalidTag:
        raise fail(
            "authentication",
            "the sealed register does not authenticate: altered, another case's, "
            "or sealed under another key",
        ) from None
    try:
        register = _register_from_json(orjson.loads(plaintext))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, InvalidInputError):
        raise fail("content", "the sealed register opened but holds no valid register") from None
    if (register.tenant_id, register.case_id) != (tenant_id, case_id):
        raise fail("content", "the sealed register holds another case's register")
    return register


def entry_digest(data_key: DataKey, entry: Identifier) -> str:
    """
    A keyed digest of *entry*, for a history record to carry instead of its value.

    ``hmac-sha256:`` and 64 hex digits: HMAC-SHA256 over the entry's canonical JSON
    (entry id, person id, kind and value), keyed by HKDF-SHA256 of the data key with a
    label of its own. The same entry under the same key always gives the same digest;
    any change to the entry, or another key, gives another. Once the data key is
    destroyed the digest reveals nothing, not even whether it matches a guessed value.

    Added in version 0.1.0.

    Raises:
        InvalidInputError: *data_key* is not a `DataKey` or *entry* not an `Identifier`.

    """
    key = _check_key(data_key)
    if type(entry) is not Identifier:
        raise InvalidInputError("'entry' must be an Identifier", field="entry")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DIGEST_INFO).derive(
        key.material
    )
    mac = hmac.new(derived, canonical_json(_entry_json(entry)), hashlib.sha256)
    return DIGEST_PREFIX + mac.hexdigest()
