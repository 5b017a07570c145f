"""
Chain heads kept outside the database, signed with Ed25519.

The host signs the heads of its cases' chains with a private key it keeps, and
gives inspectors the public key. An inspector checks the signature, then checks
each stored chain against its signed head: a chain rewritten or cut back since the
heads were signed no longer matches.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..exceptions import HistoryIntegrityError, InvalidInputError
from ._canonical import canonical_json
from ._chain import ChainHead, is_hash

__all__ = ["load_signed_heads", "sign_heads"]

_FORMAT: Final = "safeguarding-workflow/heads"


def _payload(heads: Iterable[ChainHead], signed_at: str) -> dict[str, Any]:
    return {
        "format": _FORMAT,
        "version": 1,
        "signed_at": signed_at,
        "heads": [
            {"tenant": h.tenant_id, "case": h.case_id, "seq": h.sequence, "hash": h.hash}
            for h in sorted(heads, key=lambda h: (h.tenant_id, h.case_id))
        ],
    }


def sign_heads(heads: Iterable[ChainHead], key: Ed25519PrivateKey, *, signed_at: str) -> str:
    """
    A JSON document of *heads* signed with *key* (Ed25519 over its canonical JSON).

    Added in version 0.1.0.

    Args:
        heads: The chain heads to keep.
        key: The host's private key; it never leaves the host.
        signed_at: When, as a UTC ISO time (the library reads no clock here).

    """
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInputError("'key' must be an Ed25519 private key", field="key")
    payload = _payload(heads, signed_at)
    signature = key.sign(canonical_json(payload))
    return json.dumps({**payload, "signature": base64.b64encode(signature).decode()}, indent=1)


def load_signed_heads(document: str | bytes, key: Ed25519PublicKey) -> tuple[ChainHead, ...]:
    """
    The heads of a signed document, after checking its signature with the public *key*.

    Added in version 0.1.0.

    Nothing is coerced: each head's ``tenant`` and ``case`` must be strings, its
    ``seq`` a whole number from 1 and its ``hash`` 64 lowercase hexadecimal digits.

    Raises:
        InvalidInputError: *key* is not an Ed25519 public key, or the document is
            malformed (not JSON, nested too deeply, of the wrong shape).
        HistoryIntegrityError: the signature does not match: the heads were altered.

    """
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInputError("'key' must be an Ed25519 public key", field="key")
    try:
        data = json.loads(document)
        signature = base64.b64decode(data.pop("signature"), validate=True)
        kind = data.get("format"), data.get("version")
        if kind != (_FORMAT, 1) or type(kind[1]) is not int or type(data["heads"]) is not list:
            raise ValueError("not a heads document")
        heads = tuple(_head(h) for h in data["heads"])
        signed = canonical_json(data)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        # InvalidInputError from canonical_json is a ValueError: reported the same way.
        raise InvalidInputError("the heads document is malformed", field="heads") from None
    try:
        key.verify(signature, signed)
    except InvalidSignature:
        raise HistoryIntegrityError(
            "the heads document's signature does not match: it was altered or signed with "
            "another key",
            position=0,
            problem="signature",
        ) from None
    return heads


def _head(item: object) -> ChainHead:
    """One head of a heads document; anything but the exact types is malformed."""
    if type(item) is not dict:
        raise ValueError("a head is not an object")
    tenant, case, sequence, hash_ = (item.get(k) for k in ("tenant", "case", "seq", "hash"))
    if (
        type(tenant) is not str
        or type(case) is not str
        or type(sequence) is not int
        or sequence < 1
        or not is_hash(hash_)
    ):
        raise ValueError("a head is malformed")
    return ChainHead(tenant, case, sequence, hash_)  # type: ignore[arg-type]
