"""Key material: data-encryption keys (rotating) and the index key (stable).

Two kinds of key, kept apart on purpose:

* ``DATA_KEYS`` encrypt personal fields. Several may be configured; the first encrypts, all decrypt,
  and every ciphertext names its key id, so keys can be rotated without downtime.
* ``INDEX_KEY`` keys the blind indexes (look-ups by e-mail or Telegram user), the pseudonymous keys
  used in Redis and the signatures on buttons and web links. It must never change once data exists,
  because every look-up depends on it; sub-keys are derived per purpose with HKDF.

Both are ``id:base64url`` / ``base64url`` strings; ``playbot keys new`` prints fresh ones. In the
embedded default a key file is generated once in ``DATA_DIR`` (with a warning: a key file next to
the data protects less than keys kept elsewhere).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.errors import KeyConfigError

KEY_BYTES: Final = 32
_KEY_ID: Final = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


def _b64decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def new_key() -> str:
    """A fresh random key, base64url without padding."""
    return _b64encode(secrets.token_bytes(KEY_BYTES))


def new_key_id() -> str:
    """A short, sortable-enough key id: ``k`` plus 6 random hex digits."""
    return "k" + secrets.token_hex(3)


@dataclass(frozen=True, slots=True)
class KeyRing:
    """All keys the process holds. ``data_keys`` is ordered: the first one encrypts."""

    data_keys: tuple[tuple[str, bytes], ...]
    index_key: bytes

    @property
    def active_id(self) -> str:
        """Key id new ciphertexts are written with."""
        return self.data_keys[0][0]

    def data_key(self, key_id: str) -> bytes:
        """The data key with this id; raises ``KeyConfigError`` when it is not configured."""
        for kid, key in self.data_keys:
            if kid == key_id:
                return key
        raise KeyConfigError(f"data key {key_id!r} is not in DATA_KEYS")

    def derive(self, purpose: str) -> bytes:
        """A sub-key of the index key for one purpose, so no key is used for two jobs."""
        return _derive(self.index_key, purpose)

    def blind_index(self, kind: str, value: str) -> bytes:
        """Keyed hash for look-ups: equal values give equal indexes, nothing else is revealed."""
        return hmac.new(self.derive(f"blind:{kind}"), value.encode(), hashlib.sha256).digest()


@functools.lru_cache(maxsize=64)
def _derive(index_key: bytes, purpose: str) -> bytes:
    """HKDF, remembered: every update needs the same few sub-keys (a blind index, the button
    signatures), and deriving one costs more than the look-up it serves."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode())
    return hkdf.derive(index_key)


def parse_data_keys(text: str) -> tuple[tuple[str, bytes], ...]:
    """Parse ``id:key,id:key``; the first entry is the active key."""
    entries: list[tuple[str, bytes]] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise KeyConfigError(
                "DATA_KEYS must be a comma-separated list of id:key "
                "(run `playbot keys new` for a fresh one)"
            )
        try:
            key = _b64decode(encoded)
        except ValueError as exc:
            raise KeyConfigError(f"DATA_KEYS entry {key_id!r} is not base64url") from exc
        if len(key) != KEY_BYTES:
            raise KeyConfigError(f"DATA_KEYS entry {key_id!r} must decode to {KEY_BYTES} bytes")
        if any(kid == key_id for kid, _ in entries):
            raise KeyConfigError(f"DATA_KEYS names key id {key_id!r} twice")
        entries.append((key_id, key))
    if not entries:
        raise KeyConfigError("DATA_KEYS is empty (run `playbot keys new` for a fresh one)")
    return tuple(entries)


def parse_index_key(text: str) -> bytes:
    """Parse the base64url index key."""
    try:
        key = _b64decode(text.strip())
    except ValueError as exc:
        raise KeyConfigError("INDEX_KEY is not base64url") from exc
    if len(key) != KEY_BYTES:
        raise KeyConfigError(f"INDEX_KEY must decode to {KEY_BYTES} bytes")
    return key


def format_data_keys(keys: tuple[tuple[str, bytes], ...]) -> str:
    """The ``DATA_KEYS`` text for these keys."""
    return ",".join(f"{kid}:{_b64encode(key)}" for kid, key in keys)


@dataclass(frozen=True, slots=True)
class KeyFile:
    """The generated key file of the embedded default."""

    path: Path

    def load(self) -> tuple[str, str] | None:
        """``(data_keys, index_key)`` from the file, or None when it does not exist yet."""
        if not self.path.exists():
            return None
        raw = json.loads(self.path.read_text(encoding="utf-8"))
        return str(raw["data_keys"]), str(raw["index_key"])

    def create(self) -> tuple[str, str]:
        """Write a new key file readable only by this user; never overwrites."""
        data_keys = f"{new_key_id()}:{new_key()}"
        index_key = new_key()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"data_keys": data_keys, "index_key": index_key}, fh)
        return data_keys, index_key

    def save(self, data_keys: str, index_key: str) -> None:
        """Replace the key file atomically (used by key rotation)."""
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"data_keys": data_keys, "index_key": index_key}, fh)
        tmp.replace(self.path)


def format_index_key(key: bytes) -> str:
    """The ``INDEX_KEY`` text for this key."""
    return _b64encode(key)


def build_key_ring(data_keys: str, index_key: str) -> KeyRing:
    """A key ring from the two configuration strings."""
    return KeyRing(data_keys=parse_data_keys(data_keys), index_key=parse_index_key(index_key))
