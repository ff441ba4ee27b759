"""Errors of the storage layer; repositories raise these, never SQLAlchemy or Redis errors::

StorageError
├── NotFound          no row for that key (carries entity and key)
├── Conflict          a unique key or a revision check refused the write
├── KeyConfigError    key material missing or malformed (DATA_KEYS, INDEX_KEY)
├── DecryptError      a ciphertext does not verify (wrong key, wrong row, tampered)
└── StateBusy         another worker kept a user's conversation lock for too long
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class for storage errors."""


class NotFound(StorageError):
    """No row matched."""

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} not found")
        self.entity = entity
        self.key = key


class Conflict(StorageError):
    """A write was refused by a uniqueness or revision check."""


class KeyConfigError(StorageError):
    """Key material is missing or malformed."""


class DecryptError(StorageError):
    """A ciphertext failed to verify."""


class StateBusy(StorageError):
    """A user's conversation lock stayed taken longer than we are willing to wait."""
