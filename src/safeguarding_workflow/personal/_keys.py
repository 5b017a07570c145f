"""
Keys: per-case data keys, the host's key-encryption keys, wrapping and rotation.

Each case's register is sealed under a data key of its own (`DataKey`, 256 bits). The
data key is never stored in clear: a `KeyProvider`, which the host supplies, wraps it
under a key-encryption key (KEK) named by an id, and the `WrappedKey` (the KEK's id and
the wrapped bytes) is what is stored beside the sealed register. Destroying a case's
wrapped key disposes of its register; rotating the KEK re-wraps data keys (`rewrap`)
without touching any register or history.

`Keyring` is the provider for development and tests: KEKs held in memory, loaded from
an environment variable (`keyring_from_env`) or a file (`keyring_from_file`). In
production a provider's ``wrap`` and ``unwrap`` call a key management service, and the
KEK never leaves it. No key material appears in a ``repr``, a message or a log line.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Protocol, runtime_checkable

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .._identifiers import check_opaque_id
from ..exceptions import ConfigurationError, InvalidInputError, RegisterIntegrityError

__all__ = [
    "DEFAULT_KEK_ID",
    "KEK_VARIABLE",
    "DataKey",
    "KeyProvider",
    "Keyring",
    "WrappedKey",
    "keyring_from_env",
    "keyring_from_file",
    "rewrap",
]

#: Bytes in a data key or a KEK: 256-bit AES keys.
KEY_BYTES: Final = 32
#: Bytes in an AES-GCM nonce: 96 bits, fresh for every seal.
NONCE_BYTES: Final = 12
#: Bytes in an AES-GCM tag.
TAG_BYTES: Final = 16
KEK_VARIABLE: Final = "SAFEGUARDING_WORKFLOW_KEK"
"""The environment variable `keyring_from_env` reads unless told another."""
DEFAULT_KEK_ID: Final = "default"
"""The KEK id a bare base64 key is given, unless the loader is told another."""
#: The first byte of a `Keyring`'s wrapped key: the layout's version.
_WRAP_VERSION: Final = 1
#: Bound into every wrap, with the KEK's id, as associated data.
_WRAP_LABEL: Final = b"safeguarding-workflow/data-key/v1\x00"


def _secret(_value: object) -> str:
    return "<hidden>"


def _check_material(_instance: Any, _attribute: Any, value: Any) -> None:
    if type(value) is not bytes or len(value) != KEY_BYTES:
        raise InvalidInputError(
            f"'DataKey.material' must be {KEY_BYTES} bytes (a 256-bit key)",
            field="DataKey.material",
        )


@attrs.frozen
class DataKey:
    """
    A case's 256-bit data key, which seals its register. Its ``repr`` hides the key.

    Make one per case with `DataKey.generate`, store it only wrapped
    (`KeyProvider.wrap`), and destroy the wrapped key to dispose of the register.

    Added in version 0.1.0.

    Attributes:
        material: The 32 key bytes.

    Raises:
        InvalidInputError: *material* is not 32 bytes.

    """

    material: bytes = attrs.field(validator=_check_material, repr=_secret)

    @classmethod
    def generate(cls) -> DataKey:
        """A new random data key, from the operating system's random source."""
        return cls(AESGCM.generate_key(bit_length=KEY_BYTES * 8))

    def __str__(self) -> str:
        return repr(self)

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        # IPython's and Hypothesis's pretty printers would list attrs fields, the key too.
        printer.text(repr(self))


def _check_kek_id(_instance: Any, _attribute: Any, value: Any) -> None:
    check_opaque_id(value, "WrappedKey.kek_id")


def _check_blob(_instance: Any, _attribute: Any, value: Any) -> None:
    if type(value) is not bytes or not value:
        raise InvalidInputError(
            "'WrappedKey.blob' must be non-empty bytes", field="WrappedKey.blob"
        )


def _blob_repr(value: bytes) -> str:
    return f"<{len(value)} bytes>"


@attrs.frozen
class WrappedKey:
    """
    A data key wrapped under a key-encryption key: what is stored beside a sealed register.

    Added in version 0.1.0.

    Attributes:
        kek_id: The id of the KEK that wrapped it, so a provider holding several KEKs
            (the current one and older ones) knows which unwraps it.
        blob: The wrapped key, in the provider's own layout (opaque to the library).

    """

    kek_id: str = attrs.field(validator=_check_kek_id)
    blob: bytes = attrs.field(validator=_check_blob, repr=_blob_repr)

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        # IPython's and Hypothesis's pretty printers would list attrs fields, blob too.
        printer.text(repr(self))


@runtime_checkable
class KeyProvider(Protocol):
    """
    What the host supplies to wrap and unwrap data keys under its key-encryption keys.

    A provider names its KEKs by opaque ids. ``wrap`` always uses the current KEK;
    ``unwrap`` uses the KEK the wrapped key names, so keys wrapped before a rotation
    stay readable for as long as the provider keeps their KEK. `Keyring` is the
    development provider; a production provider calls a key management service (see
    the identifier register how-to).

    Added in version 0.1.0.
    """

    @property
    def current_kek_id(self) -> str:
        """The id of the KEK that ``wrap`` uses now."""
        ...  # pragma: no cover - a protocol member has no body

    def wrap(self, data_key: DataKey) -> WrappedKey:
        """*data_key* wrapped under the current KEK."""
        ...  # pragma: no cover - a protocol member has no body

    def unwrap(self, wrapped: WrappedKey) -> DataKey:
        """
        The data key inside *wrapped*, unwrapped under the KEK it names.

        Raises ``ConfigurationError`` for a KEK the provider does not hold and
        ``RegisterIntegrityError`` for a wrapped key that does not authenticate.
        """
        ...  # pragma: no cover - a protocol member has no body


def _wrap_aad(kek_id: str) -> bytes:
    return _WRAP_LABEL + kek_id.encode("ascii")


class Keyring:
    """
    A development `KeyProvider`: key-encryption keys held in memory, one of them current.

    Wraps with AES-256-GCM under the current KEK, a fresh 96-bit nonce each time, the
    KEK's id bound in as associated data; the blob is a version byte, the nonce and the
    ciphertext with its tag. Its ``repr`` names the KEK ids, never a key. For
    development and tests: in production the KEKs belong in a key management service.

    Added in version 0.1.0.

    Args:
        keys: The KEKs by id, each 32 bytes.
        current: The id of the KEK that wraps new keys; one of *keys*.

    Raises:
        ConfigurationError: no keys, an id that is not opaque, a key that is not 32
            bytes, or *current* not among them. The message names no key.

    """

    __slots__ = ("_current", "_keys")

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        if not isinstance(keys, Mapping) or not keys:
            raise ConfigurationError("'keys' must map KEK ids to keys", field="keys")
        ciphers: dict[str, AESGCM] = {}
        for kek_id, key in keys.items():
            try:
                check_opaque_id(kek_id, "kek_id")
            except InvalidInputError:
                raise ConfigurationError(
                    "a KEK id must be an opaque id: 1 to 128 of letters, digits and '_.:-'",
                    field="kek_id",
                ) from None
            if type(key) is not bytes or len(key) != KEY_BYTES:
                raise ConfigurationError(
                    f"every KEK must be {KEY_BYTES} bytes (a 256-bit key)", field="keys"
                )
            ciphers[kek_id] = AESGCM(key)
        if type(current) is not str or current not in ciphers:
            raise ConfigurationError("'current' must be the id of one of the keys", field="current")
        self._keys: Final = ciphers
        self._current: Final = current

    def __repr__(self) -> str:
        return f"Keyring(current={self._current!r}, kek_ids={tuple(self._keys)!r})"

    @property
    def current_kek_id(self) -> str:
        """The id of the KEK that `wrap` uses."""
        return self._current

    @property
    def kek_ids(self) -> tuple[str, ...]:
        """The ids of every KEK held, the current one among them."""
        return tuple(self._keys)

    def wrap(self, data_key: DataKey) -> WrappedKey:
        """*data_key* wrapped under the current KEK."""
        if type(data_key) is not DataKey:
            raise InvalidInputError("'data_key' must be a DataKey", field="data_key")
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self._current].encrypt(
            nonce, data_key.material, _wrap_aad(self._current)
        )
        return WrappedKey(self._current, bytes([_WRAP_VERSION]) + nonce + sealed)

    def unwrap(self, wrapped: WrappedKey) -> DataKey:
        """
        The data key inside *wrapped*, unwrapped under the KEK it names.

        Raises:
            ConfigurationError: the keyring holds no KEK with *wrapped*'s id (the
                ``kek_id`` field; the message does not repeat the id).
            RegisterIntegrityError: *wrapped* was altered, or wrapped by another key
                under the same id.

        """
        if type(wrapped) is not WrappedKey:
            raise InvalidInputError("'wrapped' must be a WrappedKey", field="wrapped")
        cipher = self._keys.get(wrapped.kek_id)
        if cipher is None:
            raise ConfigurationError(
                "the keyring holds no KEK with the wrapped key's id", field="kek_id"
            )
        blob = wrapped.blob
        if len(blob) != 1 + NONCE_BYTES + KEY_BYTES + TAG_BYTES:
            raise RegisterIntegrityError(
                "the wrapped key has the wrong length", problem="malformed", field="wrapped_key"
            )
        if blob[0] != _WRAP_VERSION:
            raise RegisterIntegrityError(
                "the wrapped key has an unknown format version",
                problem="version",
                field="wrapped_key",
            )
        nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            material = cipher.decrypt(nonce, sealed, _wrap_aad(wrapped.kek_id))
        except InvalidTag:
            raise RegisterIntegrityError(
                "the wrapped key does not authenticate: altered, or wrapped by another key",
                problem="authentication",
                field="wrapped_key",
            ) from None
        return DataKey(material)

    @classmethod
    def from_text(cls, text: str, *, kek_id: str = DEFAULT_KEK_ID) -> Keyring:
        """
        A keyring from its text form: a base64 KEK, or a JSON keyring.

        A bare base64 key (standard alphabet, 32 bytes) becomes a keyring of one KEK,
        named *kek_id*. A JSON keyring names several and the current one::

            {"current": "kek-2026", "keys": {"kek-2025": "<base64>", "kek-2026": "<base64>"}}

        Raises:
            ConfigurationError: the text is neither, a key is not base64 of 32 bytes, or
                the current id is not among the keys. The message quotes no key.

        """
        if type(text) is not str:
            raise ConfigurationError("the keyring text must be a string", field="kek")
        stripped = text.strip()
        if stripped.startswith("{"):
            try:
                document = json.loads(stripped)
            except ValueError:
                raise ConfigurationError(
                    "the JSON keyring is not valid JSON", field="kek"
                ) from None
            if (
                type(document) is not dict
                or set(document) != {"current", "keys"}
                or type(document["keys"]) is not dict
            ):
                raise ConfigurationError(
                    "a JSON keyring must be an object with exactly 'current' and 'keys'",
                    field="kek",
                )
            keys = {name: _decode_key(key) for name, key in document["keys"].items()}
            return cls(keys, document["current"])
        return cls({kek_id: _decode_key(stripped)}, kek_id)


def _decode_key(text: object) -> bytes:
    """A KEK from its base64 text, or a ConfigurationError that quotes nothing of it."""
    try:
        if type(text) is not str:
            raise ValueError
        key = base64.b64decode(text.strip(), validate=True)
    except (ValueError, binascii.Error):
        raise ConfigurationError(
            "a key-encryption key must be base64 (standard alphabet)", field="kek"
        ) from None
    if len(key) != KEY_BYTES:
        raise ConfigurationError(
            f"a key-encryption key must be {KEY_BYTES} bytes (a 256-bit key)", field="kek"
        )
    return key


def keyring_from_env(
    variable: str = KEK_VARIABLE,
    *,
    kek_id: str = DEFAULT_KEK_ID,
    environ: Mapping[str, str] | None = None,
) -> Keyring:
    """
    A development `Keyring` from an environment variable: a base64 KEK or a JSON keyring.

    Generate a KEK with ``base64.b64encode(os.urandom(32)).decode()``.
    A bare key is named *kek_id*; a JSON keyring names its own (see `Keyring.from_text`).

    Added in version 0.1.0.

    Args:
        variable: The variable's name (``SAFEGUARDING_WORKFLOW_KEK`` unless told).
        kek_id: The id a bare base64 key is given.
        environ: Where to read it; ``os.environ`` unless given.

    Raises:
        ConfigurationError: the variable is unset or malformed. The message quotes
            neither the variable's name nor any of its value.

    """
    source = os.environ if environ is None else environ
    text = source.get(variable)
    if text is None:
        raise ConfigurationError("the key-encryption key variable is not set", field="kek")
    return Keyring.from_text(text, kek_id=kek_id)


def keyring_from_file(path: str | os.PathLike[str], *, kek_id: str = DEFAULT_KEK_ID) -> Keyring:
    """
    A development `Keyring` from a file holding a base64 KEK or a JSON keyring.

    Keep the file readable by the host's user only, outside the repository and out of
    backups that outlive the registers they could open.

    Added in version 0.1.0.

    Args:
        path: The file (UTF-8 text).
        kek_id: The id a bare base64 key is given.

    Raises:
        ConfigurationError: the file cannot be read or is malformed. The message quotes
            neither the path nor any of its content.

    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise ConfigurationError(
            "the key-encryption key file cannot be read", field="kek"
        ) from None
    return Keyring.from_text(text, kek_id=kek_id)


def rewrap(
    wrapped: WrappedKey, provider: KeyProvider, *, into: KeyProvider | None = None
) -> WrappedKey:
    """
    *wrapped* re-wrapped under the current KEK: the step of a KEK rotation, per case.

    Unwraps under the KEK *wrapped* names (which *provider* must still hold) and wraps
    the same data key under the current KEK of *into* (*provider* itself unless given:
    pass another provider to move keys from one to another, such as from a file to a
    key management service). The register's ciphertext and the history stay as they
    are: the data key does not change. A key already under the current KEK of the same
    provider is returned as it is, so ``rewrap(w, p) is w`` tells that nothing needs
    storing.

    Added in version 0.1.0.

    Raises:
        ConfigurationError: *provider* does not hold the KEK *wrapped* names.
        RegisterIntegrityError: *wrapped* does not authenticate.

    """
    target = provider if into is None else into
    if into is None and wrapped.kek_id == provider.current_kek_id:
        return wrapped
    return target.wrap(provider.unwrap(wrapped))
