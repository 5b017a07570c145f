"""Sealed registers: round trips, tampering, another case's blob, a wrong key; digests."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import safeguarding_workflow as sw
from safeguarding_workflow.personal import (
    DIGEST_PREFIX,
    SEAL_VERSION,
    DataKey,
    Identifier,
    Person,
    Register,
    entry_digest,
    open_register,
    seal_register,
)

from .strategies import CHILD_NAME, NHS_NUMBER, family, registers

KEY = DataKey(bytes(range(32)))


def open_family(blob: bytes, key: DataKey = KEY, case_id: str = "case-1") -> Register:
    """Open *blob* as the fictional family's case."""
    return open_register(blob, key, tenant_id="fictional-partnership", case_id=case_id)


def assert_refused(error: sw.RegisterIntegrityError, problem: str) -> None:
    """The error has the code, problem and field, and names no value or id."""
    assert (error.code, error.problem, error.field) == ("register_integrity", problem, "register")
    shown = f"{error} {error!r}"
    for value in (*family().values(), "fictional-partnership", "case-1", "case-2"):
        assert value not in shown


class TestRoundTrip:
    def test_family(self) -> None:
        """A sealed register opens as an equal register, under its key and case."""
        register = family()
        assert register == open_family(seal_register(register, KEY))

    @settings(max_examples=50)
    @given(registers())
    def test_generated(self, register: Register) -> None:
        """Any register round-trips, and its sealed bytes hold none of its values."""
        key = DataKey.generate()
        blob = seal_register(register, key)
        assert register == open_register(
            blob, key, tenant_id=register.tenant_id, case_id=register.case_id
        )
        for value in register.values():  # short ones turn up in random bytes by chance
            assert len(value.encode()) < 8 or value.encode() not in blob

    def test_layout(self) -> None:
        """Version byte, 12-byte nonce, ciphertext and 16-byte tag; a fresh nonce every seal."""
        register = family()
        first, second = seal_register(register, KEY), seal_register(register, KEY)
        assert SEAL_VERSION == first[0] == 1
        assert first[1:13] != second[1:13]
        assert first != second
        assert len(first) == len(second)
        assert CHILD_NAME.encode() not in first
        assert NHS_NUMBER.encode() not in first

    def test_empty_register(self) -> None:
        """A register with no people or entries seals and opens too."""
        empty = Register("fictional-partnership", "case-1")
        assert empty == open_family(seal_register(empty, KEY))


class TestTampering:
    def test_every_bit_flipped_is_detected(self) -> None:
        """Flipping any bit of any byte of a small sealed register is refused."""
        small = Register(
            "fictional-partnership",
            "case-1",
            [Person("p", "child")],
            [Identifier("e", "p", "alias", "Zeb")],
        )
        blob = seal_register(small, KEY)
        for position in range(len(blob)):
            for bit in range(8):
                changed = bytearray(blob)
                changed[position] ^= 1 << bit
                with pytest.raises(sw.RegisterIntegrityError) as info:
                    open_family(bytes(changed))
                expected = "version" if position == 0 else "authentication"
                assert expected == info.value.problem

    @pytest.mark.parametrize("keep", [0, 1, 12, 13, 28, 29, -1])
    def test_truncated(self, keep: int) -> None:
        """A truncated blob is refused (too short, or failing authentication)."""
        blob = seal_register(family(), KEY)
        with pytest.raises(sw.RegisterIntegrityError) as info:
            open_family(blob[:keep])
        assert_refused(info.value, "malformed" if 0 <= keep < 29 else "authentication")

    def test_appended(self) -> None:
        """Bytes appended to a blob are refused."""
        with pytest.raises(sw.RegisterIntegrityError) as info:
            open_family(seal_register(family(), KEY) + b"\x00")
        assert_refused(info.value, "authentication")

    @pytest.mark.parametrize("blob", ["not bytes", bytearray(64), None])
    def test_not_bytes(self, blob: object) -> None:
        """Something other than bytes is malformed."""
        with pytest.raises(sw.RegisterIntegrityError) as info:
            open_family(blob)  # type: ignore[arg-type]
        assert_refused(info.value, "malformed")

    def test_another_cases_blob(self) -> None:
        """A blob opened as another case's, or another tenant's, is refused, even under its key."""
        blob = seal_register(family(), KEY)
        with pytest.raises(sw.RegisterIntegrityError) as info:
            open_family(blob, case_id="case-2")
        assert_refused(info.value, "authentication")
        assert ("fictional-partnership", "case-2") == (info.value.tenant_id, info.value.case_id)
        with pytest.raises(sw.RegisterIntegrityError):
            open_register(blob, KEY, tenant_id="another-partnership", case_id="case-1")

    def test_ids_are_not_confused_by_their_boundary(self) -> None:
        """Tenant 'a' case 'b.c' and tenant 'a.b' case 'c' seal differently."""
        register = Register("a", "b.c")
        blob = seal_register(register, KEY)
        assert register == open_register(blob, KEY, tenant_id="a", case_id="b.c")
        with pytest.raises(sw.RegisterIntegrityError):
            open_register(blob, KEY, tenant_id="a.b", case_id="c")

    def test_wrong_key(self) -> None:
        """A blob opened under another key is refused."""
        blob = seal_register(family(), KEY)
        with pytest.raises(sw.RegisterIntegrityError) as info:
            open_family(blob, key=DataKey.generate())
        assert_refused(info.value, "authentication")

    def test_content_that_is_no_register(self) -> None:
        """A blob that authenticates but holds no valid register is refused as content."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        from safeguarding_workflow.personal._sealing import _aad

        nonce = bytes(12)
        aad = _aad(1, "fictional-partnership", "case-1")
        for plaintext in (
            b"not json",
            b"[]",
            b'{"tenant_id": "fictional-partnership", "case_id": "case-1"}',
            b'{"tenant_id":"fictional-partnership","case_id":"case-2","people":[],"entries":[]}',
        ):
            blob = b"\x01" + nonce + AESGCM(KEY.material).encrypt(nonce, plaintext, aad)
            with pytest.raises(sw.RegisterIntegrityError) as info:
                open_family(blob)
            assert_refused(info.value, "content")

    def test_bad_arguments(self) -> None:
        """A key that is no DataKey, or ids that are not opaque, are bad input."""
        blob = seal_register(family(), KEY)
        with pytest.raises(sw.InvalidInputError):
            open_family(blob, key=KEY.material)  # type: ignore[arg-type]
        with pytest.raises(sw.InvalidInputError):
            seal_register(family(), KEY.material)  # type: ignore[arg-type]
        with pytest.raises(sw.InvalidInputError):
            seal_register(family().entries, KEY)  # type: ignore[arg-type]
        with pytest.raises(sw.InvalidInputError) as info:
            open_register(blob, KEY, tenant_id="Zebedee Quillfeather", case_id="case-1")
        assert "Zebedee" not in str(info.value)


class TestDataKey:
    def test_masked_and_checked(self) -> None:
        """A data key's repr and str hide it; it must be 32 bytes."""
        key = DataKey.generate()
        assert "DataKey(material=<hidden>)" == repr(key) == str(key)
        assert "<hidden>" in repr([key])
        assert 32 == len(key.material)
        assert key != DataKey.generate()
        for bad in (b"x" * 16, b"x" * 33, "x" * 32, None):
            with pytest.raises(sw.InvalidInputError):
                DataKey(bad)  # type: ignore[arg-type]


class TestDigest:
    def test_stable_and_shaped(self) -> None:
        """The same entry under the same key always gives the same digest."""
        entry = family().entries[0]
        digest = entry_digest(KEY, entry)
        assert digest == entry_digest(KEY, attrs.evolve(entry))
        assert digest.startswith(DIGEST_PREFIX)
        assert 64 == len(digest.removeprefix(DIGEST_PREFIX))
        int(digest.removeprefix(DIGEST_PREFIX), 16)
        assert CHILD_NAME not in digest

    def test_pinned(self) -> None:
        """The digest's construction is fixed: a known entry under a known key."""
        entry = Identifier("e-1", "p-child", "name", CHILD_NAME)
        expected = "hmac-sha256:" + _reference_digest(KEY.material, entry)
        assert expected == entry_digest(KEY, entry)

    def test_key_and_entry_dependent(self) -> None:
        """Another key, or any change to the entry, gives another digest."""
        entry = family().entries[0]
        digests = {
            entry_digest(KEY, entry),
            entry_digest(DataKey.generate(), entry),
            entry_digest(KEY, attrs.evolve(entry, value="Zebedee Quilfeather")),
            entry_digest(KEY, attrs.evolve(entry, entry_id="e-99")),
            entry_digest(KEY, attrs.evolve(entry, person_id="p-mother")),
            entry_digest(KEY, attrs.evolve(entry, kind="alias")),
        }
        assert 6 == len(digests)

    def test_not_a_plain_hash(self) -> None:
        """Keyed by a derived key: neither SHA-256 of the entry nor an HMAC under the data key."""
        import hashlib
        import hmac

        from safeguarding_workflow.history._canonical import canonical_json
        from safeguarding_workflow.personal._sealing import _entry_json

        entry = family().entries[2]
        body = canonical_json(_entry_json(entry))
        digest = entry_digest(KEY, entry).removeprefix(DIGEST_PREFIX)
        assert digest != hashlib.sha256(body).hexdigest()
        assert digest != hmac.new(KEY.material, body, hashlib.sha256).hexdigest()

    def test_bad_arguments(self) -> None:
        """A key that is no DataKey, or an entry that is no Identifier, is bad input."""
        with pytest.raises(sw.InvalidInputError):
            entry_digest(KEY.material, family().entries[0])  # type: ignore[arg-type]
        with pytest.raises(sw.InvalidInputError):
            entry_digest(KEY, CHILD_NAME)  # type: ignore[arg-type]

    @given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
    def test_distinct_keys_distinct_digests(self, one: bytes, two: bytes) -> None:
        """Two different keys never give one digest for an entry."""
        entry = family().entries[3]
        same = entry_digest(DataKey(one), entry) == entry_digest(DataKey(two), entry)
        assert same == (one == two)


def _reference_digest(material: bytes, entry: Identifier) -> str:
    """The digest written out from its definition, with the standard library and HKDF."""
    import hashlib
    import hmac
    import json

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"safeguarding-workflow/entry-digest/v1",
    ).derive(material)
    body = json.dumps(
        {
            "entry_id": entry.entry_id,
            "kind": entry.kind.value,
            "person_id": entry.person_id,
            "value": entry.value,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()
