"""Field-level encryption of personal data (AES-256-GCM).

Layout of a stored value::

    0x01 | len(key id) | key id (ASCII) | 12-byte nonce | ciphertext + 16-byte tag

The associated data is ``"{table}.{column}:{row id}"``: a ciphertext copied into another row or
column fails to decrypt, so values cannot be swapped between people. The key id lets old values be
read while new ones are written with the active key (see ``playbot keys rotate``).
"""

from __future__ import annotations

import secrets
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.errors import DecryptError
from storage.keys import KeyRing

FORMAT: Final = 1
_NONCE: Final = 12


def binding(table: str, column: str, row_id: object) -> bytes:
    """Associated data that ties a ciphertext to one cell."""
    return f"{table}.{column}:{row_id}".encode()


class FieldCipher:
    """Encrypts and decrypts single column values bound to their row."""

    def __init__(self, keys: KeyRing) -> None:
        self._keys = keys
        self._aead = {kid: AESGCM(key) for kid, key in keys.data_keys}

    @property
    def active_key_id(self) -> str:
        """The key id new values are encrypted with."""
        return self._keys.active_id

    def encrypt(self, plaintext: str, *, table: str, column: str, row_id: object) -> bytes:
        """Encrypt ``plaintext`` for one cell with the active key."""
        kid = self._keys.active_id
        nonce = secrets.token_bytes(_NONCE)
        sealed = self._aead[kid].encrypt(nonce, plaintext.encode(), binding(table, column, row_id))
        kid_raw = kid.encode("ascii")
        return bytes([FORMAT, len(kid_raw)]) + kid_raw + nonce + sealed

    def decrypt(self, blob: bytes, *, table: str, column: str, row_id: object) -> str:
        """Decrypt one cell; ``DecryptError`` if it was moved, tampered with, or its key is gone."""
        kid = key_id_of(blob)
        aead = self._aead.get(kid)
        if aead is None:
            raise DecryptError(f"key {kid!r} is not configured")
        start = 2 + len(kid)
        nonce, sealed = blob[start : start + _NONCE], blob[start + _NONCE :]
        try:
            plain = aead.decrypt(nonce, sealed, binding(table, column, row_id))
        except InvalidTag as exc:
            raise DecryptError(f"{table}.{column} does not verify for this row") from exc
        return plain.decode()

    def encrypt_optional(
        self, plaintext: str | None, *, table: str, column: str, row_id: object
    ) -> bytes | None:
        """``encrypt`` that passes None through (for optional fields)."""
        if plaintext is None:
            return None
        return self.encrypt(plaintext, table=table, column=column, row_id=row_id)

    def decrypt_optional(
        self, blob: bytes | None, *, table: str, column: str, row_id: object
    ) -> str | None:
        """``decrypt`` that passes None through."""
        if blob is None:
            return None
        return self.decrypt(blob, table=table, column=column, row_id=row_id)


def key_id_of(blob: bytes) -> str:
    """The key id a stored value was written with."""
    if len(blob) < 2 or blob[0] != FORMAT:
        raise DecryptError("unknown ciphertext format")
    length = blob[1]
    return blob[2 : 2 + length].decode("ascii")
