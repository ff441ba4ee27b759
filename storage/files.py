"""Files the bot keeps on disk about people: .eml copies of mails (embedded mode, no SMTP) and
the terminal chat's saved pictures and documents. Erasure and retention go through here."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class LocalFiles:
    """The bot's files under ``DATA_DIR``."""

    data_dir: Path

    @property
    def mail_dir(self) -> Path:
        """Where mails are written when no SMTP server is configured."""
        return self.data_dir / "outbox"

    def mail_path(self, mail_id: uuid.UUID | str) -> Path:
        """The .eml file of one outbox mail."""
        return self.mail_dir / f"{mail_id}.eml"

    def chat_dir(self, user_key: str) -> Path:
        """Where the terminal chat saves what the bot sent to one person."""
        return self.data_dir / "terminal" / user_key

    def delete_mails(self, mail_ids: Iterable[uuid.UUID | str]) -> int:
        """Delete the .eml files of these mails; returns how many existed."""
        deleted = 0
        for mail_id in mail_ids:
            path = self.mail_path(mail_id)
            if path.exists():
                path.unlink()
                deleted += 1
        return deleted

    def delete_chat_files(self, user_key: str) -> bool:
        """Delete everything the terminal chat saved for one person."""
        folder = self.chat_dir(user_key)
        if not folder.exists():
            return False
        shutil.rmtree(folder)
        return True

    def purge_older_than(self, seconds: float) -> int:
        """Delete mail copies and saved chat files older than ``seconds`` (retention)."""
        cutoff = time.time() - seconds
        deleted = 0
        for folder in (self.mail_dir, self.data_dir / "terminal"):
            if not folder.exists():
                continue
            for path in folder.rglob("*"):
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    deleted += 1
        return deleted
