from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from storage.crypto import FieldCipher, key_id_of
from storage.errors import DecryptError, KeyConfigError
from storage.keys import KeyFile, build_key_ring, format_data_keys, new_key, parse_data_keys


def ring(*ids: str, index: str | None = None):  # type: ignore[no-untyped-def]
    return build_key_ring(",".join(f"{i}:{new_key()}" for i in ids), index or new_key())


def test_ciphertext_round_trips_and_names_its_key() -> None:
    cipher = FieldCipher(ring("k1"))
    row = uuid.uuid4()
    blob = cipher.encrypt("Zoë de Vries", table="people", column="name", row_id=row)
    assert b"Zo" not in blob
    assert key_id_of(blob) == "k1"
    assert cipher.decrypt(blob, table="people", column="name", row_id=row) == "Zoë de Vries"


def test_ciphertext_moved_to_another_row_or_column_does_not_decrypt() -> None:
    cipher = FieldCipher(ring("k1"))
    a, b = uuid.uuid4(), uuid.uuid4()
    blob = cipher.encrypt("secret", table="people", column="name", row_id=a)
    with pytest.raises(DecryptError):
        cipher.decrypt(blob, table="people", column="name", row_id=b)
    with pytest.raises(DecryptError):
        cipher.decrypt(blob, table="people", column="email", row_id=a)


def test_old_key_still_decrypts_after_a_new_key_is_added() -> None:
    old = ring("k1")
    blob = FieldCipher(old).encrypt("x", table="t", column="c", row_id=1)
    rotated = build_key_ring(f"k2:{new_key()}," + format_data_keys(old.data_keys), "A" * 43)
    cipher = FieldCipher(rotated)
    assert cipher.active_key_id == "k2"
    assert cipher.decrypt(blob, table="t", column="c", row_id=1) == "x"


def test_unknown_key_is_a_clear_error() -> None:
    blob = FieldCipher(ring("k1")).encrypt("x", table="t", column="c", row_id=1)
    with pytest.raises(DecryptError, match="not configured"):
        FieldCipher(ring("k9")).decrypt(blob, table="t", column="c", row_id=1)


def test_blind_index_is_keyed_and_stable() -> None:
    index_key = new_key()
    one = ring("k1", index=index_key)
    two = ring("k2", index=index_key)
    other = ring("k1")
    assert one.blind_index("email", "a@b.nl") == two.blind_index("email", "a@b.nl")
    assert one.blind_index("email", "a@b.nl") != other.blind_index("email", "a@b.nl")
    assert one.blind_index("email", "a@b.nl") != one.blind_index("telegram", "a@b.nl")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("nokey", "id:key"),
        ("k1:!!!", "base64url|32 bytes"),
        ("k1:AAAA", "32 bytes"),
        (f"k1:{new_key()},k1:{new_key()}", "twice"),
    ],
)
def test_bad_data_keys_are_explained(text: str, message: str) -> None:
    with pytest.raises(KeyConfigError, match=message):
        parse_data_keys(text)


def test_key_file_is_created_once_and_private(tmp_path: Path) -> None:
    key_file = KeyFile(tmp_path / "keys.json")
    assert key_file.load() is None
    created = key_file.create()
    assert key_file.load() == created
    assert (tmp_path / "keys.json").stat().st_mode & 0o077 == 0
    with pytest.raises(FileExistsError):
        key_file.create()
