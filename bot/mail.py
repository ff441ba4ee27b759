"""Sending the outbox: SMTP (aiosmtplib) with retries and backoff, or .eml files without SMTP.

The sender claims due mails in one transaction, hands them over, and settles each in another. A
mail is never handed over twice: see ``storage.outbox`` for what happens after a crash.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Final, Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib
import structlog

from storage.outbox import Mail, QueuedMail
from storage.uow import Database

log = structlog.get_logger(__name__)

MAX_ATTEMPTS: Final = 8
BATCH: Final = 20
LEASE: Final = timedelta(minutes=5)


class TemporaryFailure(Exception):
    """Try again later (server down, 4xx)."""


class PermanentFailure(Exception):
    """Do not try again (5xx: bad address, refused)."""


class Transport(Protocol):
    """Hands one message to the outside world."""

    async def send(self, message: EmailMessage, *, mail_id: str) -> None:
        """Deliver or raise ``TemporaryFailure``/``PermanentFailure``."""
        ...


def build_message(mail: Mail, *, sender: str, now: datetime) -> EmailMessage:
    """A MIME message: plain text with an HTML alternative."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain="playbot.invalid")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


@dataclass(frozen=True, slots=True)
class SmtpTransport:
    """SMTP with ``smtp://``, ``smtps://`` (implicit TLS) or ``smtp+starttls://`` URLs.

    ``smtp://`` upgrades with STARTTLS whenever the server offers it (submission servers on 587
    only accept a login after it, and a password should never travel in clear);
    ``smtp+starttls://`` insists on it.
    """

    url: str
    timeout: float = 30.0

    async def send(self, message: EmailMessage, *, mail_id: str) -> None:
        parts = urlsplit(self.url)
        tls = parts.scheme == "smtps"
        starttls = parts.scheme.endswith("+starttls")
        # smtps: TLS from the start; smtp+starttls: STARTTLS or fail; smtp: STARTTLS when offered.
        start_tls: bool | None = False if tls else (True if starttls else None)
        try:
            await aiosmtplib.send(
                message,
                hostname=parts.hostname or "localhost",
                port=parts.port or (465 if tls else 587 if starttls else 25),
                username=unquote(parts.username) if parts.username else None,
                password=unquote(parts.password) if parts.password else None,
                use_tls=tls,
                start_tls=start_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentFailure(str(exc.code)) from exc
            raise TemporaryFailure(str(exc.code)) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TemporaryFailure(type(exc).__name__) from exc


@dataclass(frozen=True, slots=True)
class FileTransport:
    """Writes ``<id>.eml`` files (the embedded default): one file per mail, never twice."""

    directory: Path

    async def send(self, message: EmailMessage, *, mail_id: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{mail_id}.eml"
        if target.exists():
            return
        partial = target.with_suffix(".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(message.as_bytes())
        partial.replace(target)
        log.info("mail_written", file=target.name)


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 30 s, 1 min, 2 min, ... at most 6 hours."""
    return min(timedelta(seconds=30 * 2 ** max(0, attempts - 1)), timedelta(hours=6))


class MailSender:
    """Empties the outbox."""

    def __init__(self, db: Database, transport: Transport, *, sender: str) -> None:
        self._db = db
        self._transport = transport
        self._sender = sender

    async def send_due(self, now: datetime) -> int:
        """Send what is due now; returns how many mails were delivered."""
        async with self._db.unit_of_work() as uow:
            claimed = await uow.outbox.claim_due(now=now, limit=BATCH, lease=LEASE)
            await uow.commit()
        delivered = 0
        for queued in claimed:
            delivered += await self._deliver(queued, now)
        return delivered

    async def _deliver(self, queued: QueuedMail, now: datetime) -> int:
        message = build_message(queued.mail, sender=self._sender, now=now)
        try:
            await self._transport.send(message, mail_id=str(queued.id))
        except TemporaryFailure as exc:
            async with self._db.unit_of_work() as uow:
                if queued.attempts >= MAX_ATTEMPTS:
                    await uow.outbox.failed(queued.id, now=now)
                    log.error("mail_given_up", purpose=queued.purpose, error=str(exc))
                else:
                    await uow.outbox.retry(queued.id, at=now + backoff(queued.attempts))
                    log.warning("mail_retry", purpose=queued.purpose, attempt=queued.attempts)
                await uow.commit()
            return 0
        except PermanentFailure as exc:
            async with self._db.unit_of_work() as uow:
                await uow.outbox.failed(queued.id, now=now)
                await uow.commit()
            log.error("mail_refused", purpose=queued.purpose, code=str(exc))
            return 0
        async with self._db.unit_of_work() as uow:
            await uow.outbox.sent(queued.id, now=now)
            await uow.commit()
        log.info("mail_sent", purpose=queued.purpose)
        return 1
