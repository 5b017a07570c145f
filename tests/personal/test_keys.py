"""Key providers: wrapping data keys, the environment and file keyrings, rotation."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import hypothesis.vendor.pretty
import pytest
import rich.pretty

import safeguarding_workflow as sw
from safeguarding_workflow.personal import (
    DEFAULT_KEK_ID,
    KEK_VARIABLE,
    DataKey,
    KeyProvider,
    Keyring,
    WrappedKey,
    keyring_from_env,
    keyring_from_file,
    open_register,
    rewrap,
    seal_register,
)

from .strategies import family

OLD = bytes([1]) * 32
NEW = bytes([2]) * 32


def b64(key: bytes) -> str:
    """A key's base64 text."""
    return base64.b64encode(key).decode()


def keyring_json(current: str, **keys: bytes) -> str:
    """A JSON keyring's text."""
    return json.dumps({"current": current, "keys": {k: b64(v) for k, v in keys.items()}})


def assert_no_key_material(text: str, *keys: bytes) -> None:
    """Neither the keys nor their base64 appear in *text*."""
    for key in keys:
        assert b64(key) not in text
        assert repr(key) not in text
        assert key.hex() not in text


class TestKeyring:
    def test_wrap_and_unwrap(self) -> None:
        """A data key wrapped under the current KEK unwraps to itself; each wrap differs."""
        ring = Keyring({"kek-2025": OLD, "kek-2026": NEW}, "kek-2026")
        assert isinstance(ring, KeyProvider)
        key = DataKey.generate()
        wrapped = ring.wrap(key)
        assert "kek-2026" == wrapped.kek_id == ring.current_kek_id
        assert ("kek-2025", "kek-2026") == ring.kek_ids
        assert key == ring.unwrap(wrapped)
        assert wrapped.blob != ring.wrap(key).blob
        assert 61 == len(wrapped.blob)
        assert key.material not in wrapped.blob

    def test_reprs_hold_no_key(self) -> None:
        """Neither the keyring's nor a wrapped key's repr shows key material."""
        ring = Keyring({"kek-2025": OLD, "kek-2026": NEW}, "kek-2026")
        wrapped = ring.wrap(DataKey(OLD))
        assert "Keyring(current='kek-2026', kek_ids=('kek-2025', 'kek-2026'))" == repr(ring)
        assert "WrappedKey(kek_id='kek-2026', blob=<61 bytes>)" == repr(wrapped)
        assert_no_key_material(f"{ring!r} {wrapped!r} {wrapped} {[wrapped]}", OLD, NEW)
        pretty = hypothesis.vendor.pretty.pretty([wrapped, DataKey(OLD)])
        assert "WrappedKey(kek_id='kek-2026', blob=<61 bytes>)" in pretty
        assert "DataKey(material=<hidden>)" in pretty
        assert_no_key_material(pretty + rich.pretty.pretty_repr([DataKey(OLD)]), OLD)

    def test_unknown_kek(self) -> None:
        """A wrapped key naming a KEK the keyring lacks is a configuration error."""
        wrapped = Keyring({"kek-2025": OLD}, "kek-2025").wrap(DataKey.generate())
        with pytest.raises(sw.ConfigurationError) as info:
            Keyring({"kek-2026": NEW}, "kek-2026").unwrap(wrapped)
        assert "kek_id" == info.value.field
        assert "kek-2025" not in str(info.value)

    def test_same_id_other_key(self) -> None:
        """A wrapped key unwrapped by another key under the same id does not authenticate."""
        wrapped = Keyring({"k": OLD}, "k").wrap(DataKey.generate())
        with pytest.raises(sw.RegisterIntegrityError) as info:
            Keyring({"k": NEW}, "k").unwrap(wrapped)
        assert ("authentication", "wrapped_key") == (info.value.problem, info.value.field)

    def test_tampered_wrapped_keys(self) -> None:
        """Every flipped byte, a wrong length, or a moved id is refused."""
        ring = Keyring({"a": OLD, "b": NEW}, "a")
        wrapped = ring.wrap(DataKey.generate())
        for position in range(len(wrapped.blob)):
            changed = bytearray(wrapped.blob)
            changed[position] ^= 0x80
            with pytest.raises(sw.RegisterIntegrityError) as info:
                ring.unwrap(WrappedKey("a", bytes(changed)))
            assert ("version" if position == 0 else "authentication") == info.value.problem
        with pytest.raises(sw.RegisterIntegrityError) as info:
            ring.unwrap(WrappedKey("a", wrapped.blob[:-1]))
        assert "malformed" == info.value.problem
        with pytest.raises(sw.RegisterIntegrityError):  # the KEK id is bound in
            Keyring({"b": OLD}, "b").unwrap(WrappedKey("b", wrapped.blob))

    @pytest.mark.parametrize(
        ("keys", "current", "field"),
        [
            ({}, "a", "keys"),
            ({"a": OLD[:16]}, "a", "keys"),
            ({"a": b64(OLD)}, "a", "keys"),
            ({"a b": OLD}, "a b", "kek_id"),
            ({"a": OLD}, "b", "current"),
            ([("a", OLD)], "a", "keys"),
        ],
    )
    def test_bad_keyrings(self, keys: object, current: str, field: str) -> None:
        """Malformed keyrings are configuration errors naming no key."""
        with pytest.raises(sw.ConfigurationError) as info:
            Keyring(keys, current)  # type: ignore[arg-type]
        assert field == info.value.field
        assert_no_key_material(f"{info.value} {info.value!r}", OLD)

    def test_bad_arguments(self) -> None:
        """Wrapping something other than a DataKey, or unwrapping other than a WrappedKey."""
        ring = Keyring({"a": OLD}, "a")
        with pytest.raises(sw.InvalidInputError):
            ring.wrap(OLD)  # type: ignore[arg-type]
        with pytest.raises(sw.InvalidInputError):
            ring.unwrap(b"a")  # type: ignore[arg-type]
        for kek_id, blob in (("943 476 5919", b"x"), ("a", b""), ("a", "x")):
            with pytest.raises(sw.InvalidInputError):
                WrappedKey(kek_id, blob)  # type: ignore[arg-type]


class TestEnvironment:
    def test_bare_key(self) -> None:
        """A base64 KEK in the variable is a keyring of one KEK, named 'default'."""
        ring = keyring_from_env(environ={KEK_VARIABLE: b64(OLD) + "\n"})
        assert (DEFAULT_KEK_ID,) == ring.kek_ids == (ring.current_kek_id,)
        key = DataKey.generate()
        assert key == Keyring({"default": OLD}, "default").unwrap(ring.wrap(key))

    def test_named_bare_key_and_other_variable(self) -> None:
        """The variable's name and a bare key's id can be chosen."""
        ring = keyring_from_env("HOST_KEK", kek_id="kek-1", environ={"HOST_KEK": b64(OLD)})
        assert "kek-1" == ring.current_kek_id

    def test_json_keyring(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A JSON keyring in the variable (read from os.environ) names several KEKs."""
        monkeypatch.setenv(
            KEK_VARIABLE, keyring_json("kek-2026", **{"kek-2025": OLD, "kek-2026": NEW})
        )
        ring = keyring_from_env()
        assert ("kek-2025", "kek-2026") == ring.kek_ids
        assert "kek-2026" == ring.current_kek_id

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "not base64!",
            b64(OLD)[:-4],
            b64(OLD + b"x"),
            base64.urlsafe_b64encode(bytes([251]) * 32).decode(),
            "{not json",
            json.dumps({"current": "a"}),
            json.dumps({"current": "a", "keys": {"a": b64(OLD)}, "extra": 1}),
            json.dumps({"current": "a", "keys": [b64(OLD)]}),
            json.dumps({"current": "a", "keys": {"a": 7}}),
            json.dumps({"current": "b", "keys": {"a": b64(OLD)}}),
            json.dumps({"current": "a", "keys": {"a": b64(OLD)[:20]}}),
            json.dumps({"current": "a", "keys": {}}),
        ],
    )
    def test_malformed(self, text: str, caplog: pytest.LogCaptureFixture) -> None:
        """Malformed key material: a ConfigurationError quoting none of it; nothing logged."""
        with caplog.at_level(logging.DEBUG), pytest.raises(sw.ConfigurationError) as info:
            keyring_from_env("HOST_KEK", environ={"HOST_KEK": text})
        shown = f"{info.value} {info.value!r}"
        assert_no_key_material(shown, OLD)
        assert not text.strip() or text.strip() not in shown
        assert "HOST_KEK" not in shown
        assert info.value.__context__ is None
        assert "" == caplog.text

    def test_unset(self) -> None:
        """An unset variable is a configuration error."""
        with pytest.raises(sw.ConfigurationError) as info:
            keyring_from_env(environ={})
        assert "kek" == info.value.field

    def test_not_text(self) -> None:
        """A keyring's text must be a string."""
        with pytest.raises(sw.ConfigurationError):
            Keyring.from_text(OLD)  # type: ignore[arg-type]


class TestFile:
    def test_bare_key_and_keyring(self, tmp_path: Path) -> None:
        """A file holds a base64 KEK or a JSON keyring."""
        bare, ring = tmp_path / "kek", tmp_path / "keyring.json"
        bare.write_text(b64(OLD) + "\n")
        ring.write_text(keyring_json("b", a=OLD, b=NEW))
        assert ("default",) == keyring_from_file(bare).kek_ids
        assert ("kek-1",) == keyring_from_file(str(bare), kek_id="kek-1").kek_ids
        assert "b" == keyring_from_file(ring).current_kek_id

    @pytest.mark.parametrize("content", [b"", b"\xff\xfe", b"{", b64(OLD)[:8].encode()])
    def test_malformed(self, tmp_path: Path, content: bytes) -> None:
        """An unreadable or malformed file is a ConfigurationError naming neither path nor key."""
        path = tmp_path / "secret-kek-file"
        path.write_bytes(content)
        with pytest.raises(sw.ConfigurationError) as info:
            keyring_from_file(path)
        assert "secret-kek-file" not in str(info.value)

    def test_missing(self, tmp_path: Path) -> None:
        """A missing file is a ConfigurationError naming no path."""
        with pytest.raises(sw.ConfigurationError) as info:
            keyring_from_file(tmp_path / "secret-kek-file")
        assert "secret-kek-file" not in str(info.value)
        assert info.value.__context__ is None


class TestRotation:
    def test_rewrap_then_open(self) -> None:
        """After a KEK rotation, re-wrapped data keys open the registers sealed before it."""
        before = Keyring({"kek-2025": OLD}, "kek-2025")
        register = family()
        data_key = DataKey.generate()
        blob, wrapped = seal_register(register, data_key), before.wrap(data_key)

        after = Keyring({"kek-2025": OLD, "kek-2026": NEW}, "kek-2026")
        assert data_key == after.unwrap(wrapped)  # the old KEK id is still unwrappable
        rewrapped = rewrap(wrapped, after)
        assert "kek-2026" == rewrapped.kek_id
        assert rewrapped.blob != wrapped.blob

        only_new = Keyring({"kek-2026": NEW}, "kek-2026")
        reopened = open_register(
            blob, only_new.unwrap(rewrapped), tenant_id=register.tenant_id, case_id=register.case_id
        )
        assert register == reopened
        with pytest.raises(sw.ConfigurationError):
            only_new.unwrap(wrapped)

    def test_already_current(self) -> None:
        """A key already under the current KEK is returned as it is: nothing to store."""
        ring = Keyring({"a": OLD}, "a")
        wrapped = ring.wrap(DataKey.generate())
        assert wrapped is rewrap(wrapped, ring)

    def test_into_another_provider(self) -> None:
        """rewrap(into=...) moves a key from one provider to another."""
        source, target = Keyring({"file": OLD}, "file"), Keyring({"kms": NEW}, "kms")
        data_key = DataKey.generate()
        moved = rewrap(source.wrap(data_key), source, into=target)
        assert ("kms", data_key) == (moved.kek_id, target.unwrap(moved))

    def test_lost_kek(self) -> None:
        """Re-wrapping a key whose KEK the provider no longer holds fails, naming no key."""
        wrapped = Keyring({"a": OLD}, "a").wrap(DataKey.generate())
        with pytest.raises(sw.ConfigurationError):
            rewrap(wrapped, Keyring({"b": NEW}, "b"))
