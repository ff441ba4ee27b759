"""Password hashing with Argon2id (argon2-cffi defaults: stronger than OWASP's minimum).

Hashing takes tens of milliseconds of CPU on purpose; callers in the event loop run it in a thread.
"""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # stateless and thread-safe; holds only the parameters


def _canonical(password: str) -> str:
    # "é" may arrive as one character or as "e" plus an accent, by keyboard and device: the
    # same password must give the same hash (NFC, as NIST SP 800-63B asks).
    return unicodedata.normalize("NFC", password)


def hash_password(password: str) -> str:
    """An Argon2id hash with a random salt, in the standard encoded form."""
    return _hasher.hash(_canonical(password))


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash."""
    try:
        return _hasher.verify(password_hash, _canonical(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)
