"""Background jobs: mail sending and retention, each a named loop with a documented period.

Jobs are safe with several workers: mails are claimed row by row, and retention work claims the
rows it deletes (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so each is done once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

import structlog

from bot.mail import FileTransport, MailSender, SmtpTransport, Transport
from dialogs.effects import Effect
from dialogs.privacy import erasure
from dialogs.registration import consent
from storage.errors import NotFound
from storage.models import ProfileStatus

if TYPE_CHECKING:
    from bot.services import Services

log = structlog.get_logger(__name__)

BATCH: Final = 100
STOP_GRACE: Final = 5.0
"""Seconds a job's round may go on after a stop (SIGTERM must stop the bot within seconds)."""
LINKS_KEPT: Final = timedelta(days=1)
"""Used or expired web links are deleted a day later."""
MAILS_KEPT: Final = timedelta(days=7)
"""Sent mails (already without contents) are deleted after a week."""
SESSIONS_KEPT: Final = timedelta(days=14)
"""Unfinished quiz sessions are deleted two weeks after the last answer."""
FILES_KEPT: Final = timedelta(days=7)
"""Mail copies (.eml, no SMTP) and the terminal chat's saved files are deleted after a week."""


@dataclass(frozen=True, slots=True)
class Job:
    """A named task run every ``every`` seconds."""

    name: str
    every: float
    run: Callable[[datetime], Awaitable[int]]
    """Does one round of work at the given time; returns how many things it handled."""


async def _loop(job: Job, stop: asyncio.Event, clock: Callable[[], datetime]) -> None:
    while not stop.is_set():
        try:
            handled = await job.run(clock())
            if handled:
                log.info("job_done", job=job.name, handled=handled)
        except Exception as exc:
            log.error("job_failed", job=job.name, error=type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), job.every)


async def run_jobs(
    jobs: Sequence[Job],
    stop: asyncio.Event,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Run every job until ``stop`` is set."""
    await asyncio.gather(*(_loop(job, stop, clock) for job in jobs))


async def stop_jobs(
    background: asyncio.Task[None], stop: asyncio.Event, *, grace: float = STOP_GRACE
) -> None:
    """Stop the job loops: each finishes its round if it can within ``grace`` seconds, else it is
    cancelled (a round waiting out Telegram's flood limits may take minutes; a shutdown must not).
    A cancelled round's transaction rolls back; what it had committed stays done."""
    stop.set()
    done, _ = await asyncio.wait({background}, timeout=grace)
    if not done:
        log.warning("jobs_cancelled_at_stop")
        background.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await background


def mail_transport(services: Services) -> Transport:
    """SMTP when ``SMTP_URL`` is set, otherwise .eml files in ``DATA_DIR/outbox``."""
    settings = services.settings
    if settings.smtp_url is not None:
        return SmtpTransport(settings.smtp_url.get_secret_value())
    return FileTransport(settings.data_dir / "outbox")


class Retention:
    """Deletes what is no longer needed, on the periods the README and /privacy list."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def expire_consent_requests(self, now: datetime) -> int:
        """Unanswered parental consent requests: purge the child's data, tell the child."""
        services = self._services
        settings = services.engine.settings
        async with services.db.unit_of_work() as uow:
            before = now - settings.consent_valid
            stale = await uow.people.stale(
                status=ProfileStatus.AWAITING_CONSENT, before=before, limit=BATCH, claim=True
            )
            effects: list[Effect] = []
            expired = 0
            for person_id in stale:
                told = await consent.expire(
                    uow, person_id, before=before, translator=services.translator
                )
                expired += bool(told)
                effects += told
            await uow.commit()
        await services.deliver(effects, patient=True)
        return expired

    async def purge_drafts(self, now: datetime) -> int:
        """Registrations abandoned for longer than ``DRAFT_DAYS``: the profile, its mail copies,
        and the account when nothing else is on it."""
        services = self._services
        async with services.db.unit_of_work() as uow:
            before = now - services.engine.settings.draft_kept
            stale = await uow.people.stale(
                status=ProfileStatus.DRAFT, before=before, limit=BATCH, claim=True
            )
            purged = 0
            for person_id in stale:
                try:
                    draft = await uow.people.get(person_id)
                except NotFound:  # another worker was first
                    continue
                purged += await consent.discard(
                    uow, draft, status=ProfileStatus.DRAFT, before=before
                )
            await uow.commit()
        return purged

    async def purge_unused_accounts(self, now: datetime) -> int:
        """Accounts nobody signed up with (a language picked, an invite opened, then nothing),
        ``DRAFT_DAYS`` after they were made, unless a role or an open request still needs them.

        Accounts record only when they were made, not when they were last used, so that is the
        time that counts: the longest anyone can be in the middle of something on an account
        without a profile is the "Who is chatting?" question, and someone who answers it later
        simply gets a new account (their language choice made that long ago is gone). Deleted the
        way /forget deletes (``storage.erasure``), so a closed request keeps its number without a
        contact and the audit trail forgets who.
        """
        async with self._services.db.unit_of_work() as uow:
            before = now - self._services.engine.settings.draft_kept
            purged = 0
            for account_id in await uow.accounts.unused(before=before, limit=BATCH, claim=True):
                if not await uow.accounts.claim_unused(account_id, before=before):
                    continue  # another worker was first, or the person signed up meanwhile
                await uow.erasure.delete(person_ids=[], account_ids=[account_id])
                purged += 1
            await uow.commit()
        return purged

    async def empty_closed_requests(self, now: datetime) -> int:
        """Requests closed ``REQUEST_DAYS`` ago: the person's words, contact and account link go,
        and their posts in the admins' chats are blanked; the numbered record stays. An account
        that held only such a request goes with ``purge_unused_accounts`` afterwards."""
        services = self._services
        settings = services.engine.settings
        async with services.db.unit_of_work() as uow:
            emptied, effects = await erasure.empty_closed_requests(
                uow,
                before=now - settings.request_kept,
                limit=BATCH,
                translator=services.translator,
                admin_chat_id=settings.admin_chat_id,
            )
            await uow.commit()
        await services.deliver(effects, patient=True)
        return emptied

    async def purge_unfinished_sessions(self, now: datetime) -> int:
        """Quiz sessions nobody touched for two weeks, and replaced ones (after /retake)."""
        async with self._services.db.unit_of_work() as uow:
            purged = await uow.assessments.purge_unfinished(before=now - SESSIONS_KEPT, limit=BATCH)
            await uow.commit()
        return purged

    async def purge_links(self, now: datetime) -> int:
        """Web links a day after they expired or were used."""
        async with self._services.db.unit_of_work() as uow:
            purged = await uow.links.purge(before=now - LINKS_KEPT)
            await uow.commit()
        return purged

    async def purge_files(self, now: datetime) -> int:
        """Files on disk about people, a week after they were written."""
        files = self._services.db.files
        if files is None:
            return 0
        return await asyncio.to_thread(files.purge_older_than, FILES_KEPT.total_seconds())

    async def store_anonymous_results(self, now: datetime) -> int:
        """Anonymous results of erasures, once enough wait to be stored together."""
        async with self._services.db.unit_of_work() as uow:
            stored = await uow.erasure.store_anonymous()
            await uow.commit()
        return stored

    async def purge_mails(self, now: datetime) -> int:
        """Settled outbox rows (contents already gone) after a week; stuck sends given up."""
        async with self._services.db.unit_of_work() as uow:
            given_up = await uow.outbox.give_up_stuck(now=now)
            purged = await uow.outbox.purge_finished(before=now - MAILS_KEPT)
            await uow.commit()
        return given_up + purged


class Reminders:
    """Posts requests due within a week, and overdue ones, to the admin chat once a day each."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def run(self, now: datetime) -> int:
        """One round: claims today's reminder per request, so several workers post it once."""
        services = self._services
        async with services.db.unit_of_work() as uow:
            effects = await services.dialogs.requests.reminders(
                uow, services.translator, now=now, locale=services.settings.default_locale
            )
            await uow.commit()
        await services.deliver(effects, patient=True)
        return len(effects)


def mail_sender(services: Services) -> MailSender:
    """The sender for this deployment's transport."""
    return MailSender(services.db, mail_transport(services), sender=services.settings.mail_from)


async def send_pending_mail(services: Services) -> None:
    """One last round of the mail job (at shutdown); a failure is logged, never raised."""
    try:
        await mail_sender(services).send_due(datetime.now(UTC))
    except Exception as exc:
        log.error("job_failed", job="send_mail", error=type(exc).__name__)


def standard_jobs(services: Services) -> list[Job]:
    """Every background job of the bot. Note: the periods are documented in the README."""
    sender = mail_sender(services)
    retention = Retention(services)
    return [
        Job("send_mail", 1.0, sender.send_due),
        Job("expire_consent_requests", 300.0, retention.expire_consent_requests),
        Job("purge_drafts", 3600.0, retention.purge_drafts),
        Job("empty_closed_requests", 3600.0, retention.empty_closed_requests),
        Job("purge_unused_accounts", 3600.0, retention.purge_unused_accounts),
        Job("purge_unfinished_sessions", 3600.0, retention.purge_unfinished_sessions),
        Job("purge_links", 3600.0, retention.purge_links),
        Job("purge_mails", 600.0, retention.purge_mails),
        Job("purge_files", 3600.0, retention.purge_files),
        Job("store_anonymous_results", 3600.0, retention.store_anonymous_results),
        Job("request_reminders", 3600.0, Reminders(services).run),
    ]
