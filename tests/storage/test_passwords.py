"""Password hashes: Argon2id, and the same password typed on any keyboard matches."""

from __future__ import annotations

import unicodedata

from storage.passwords import hash_password, verify_password


def test_a_password_matches_however_its_accents_were_typed() -> None:
    composed = "café au lait!"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    stored = hash_password(composed)
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, decomposed)
    assert verify_password(hash_password(decomposed), composed)
    assert not verify_password(stored, "cafe au lait!")
