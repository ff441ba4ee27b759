"""The retention jobs: each deletes what its period says, and tells whoever must be told."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import pytest

from bot.config import Settings
from bot.jobs import Job, Retention, run_jobs, stop_jobs
from bot.mail import FileTransport, MailSender
from bot.services import Services, build_services
from dialogs import delivery
from dialogs.effects import Send
from dialogs.errors import RateLimited
from storage.models import ProfileStatus, RoleKind
from storage.outbox import Mail
from tests.chat import ChatDriver
from tests.dialogs.requests.test_flow import ADMIN, ADMIN_CHAT, ask
from tests.messenger import RecordingMessenger


async def under_16_waiting(services: Services, user_id: int) -> ChatDriver:
    chat = ChatDriver(services.engine, user_id=user_id, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Sam")
    await chat.press("12")
    await chat.send("parent@example.nl")
    await chat.press("Yes, send it")
    return chat


async def test_unanswered_consent_requests_expire_and_the_child_is_told(
    services: Services,
) -> None:
    chat = await under_16_waiting(services, 9_400_001)
    services.messenger = told = RecordingMessenger()
    retention = Retention(services)
    now = services.engine.clock()
    assert await retention.expire_consent_requests(now + timedelta(days=6)) == 0
    assert await retention.expire_consent_requests(now + timedelta(days=8)) == 1
    async with services.db.unit_of_work() as uow:
        # The profile, and the account with its Telegram id: nothing else was on it.
        assert await uow.accounts.by_telegram(chat.user.id) is None
        assert await uow.outbox.count(purpose="consent") == 0  # the queued mail went too
    assert told.last.chat_id == chat.user.id
    assert told.last.text.startswith("Your parent didn't answer the e-mail in time")


async def test_two_workers_expire_a_request_once_and_the_child_is_told_once(
    services: Services,
) -> None:
    chat = await under_16_waiting(services, 9_400_003)
    services.messenger = told = RecordingMessenger()
    later = services.engine.clock() + timedelta(days=8)
    first, second = Retention(services), Retention(services)
    counts = await asyncio.gather(
        first.expire_consent_requests(later), second.expire_consent_requests(later)
    )
    assert sum(counts) == 1
    assert [sent.chat_id for sent in told.messages] == [chat.user.id]


async def test_a_draft_touched_after_the_lookup_is_not_purged(services: Services) -> None:
    chat = ChatDriver(services.engine, user_id=9_400_004, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Zoë")
    async with services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        draft = await uow.people.own(account.id)
        assert draft is not None
        touched = services.engine.clock()
        # The job looked before Zoë's last message: its cut-off is older than her draft now.
        purged = await uow.people.delete_stale(
            draft.id, status=ProfileStatus.DRAFT, before=touched - timedelta(days=30)
        )
        assert not purged
        assert await uow.people.own(account.id) is not None
        # Nor does a draft that has since become something else go as a draft.
        assert not await uow.people.delete_stale(
            draft.id, status=ProfileStatus.AWAITING_CONSENT, before=touched + timedelta(days=1)
        )
        assert await uow.people.delete_stale(
            draft.id, status=ProfileStatus.DRAFT, before=touched + timedelta(days=1)
        )
        assert await uow.people.own(account.id) is None


async def test_abandoned_sign_ups_and_quizzes_are_purged(services: Services) -> None:
    chat = ChatDriver(services.engine, user_id=9_400_002, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Zoë")
    retention = Retention(services)
    now = services.engine.clock()
    assert await retention.purge_drafts(now + timedelta(days=29)) == 0
    assert await retention.purge_drafts(now + timedelta(days=31)) == 1
    async with services.db.unit_of_work() as uow:
        assert await uow.accounts.by_telegram(chat.user.id) is None


def mail_copies(services: Services) -> list[str]:
    assert services.db.files is not None
    return sorted(p.name for p in services.db.files.mail_dir.glob("*.eml"))


async def write_mails(services: Services) -> None:
    """Send the outbox as the bot does without SMTP: .eml copies under DATA_DIR/outbox."""
    assert services.db.files is not None
    sender = MailSender(services.db, FileTransport(services.db.files.mail_dir), sender="b@x.nl")
    await sender.send_due(services.engine.clock())


async def test_an_expired_request_leaves_no_account_no_outbox_row_and_no_mail_copy(
    services: Services,
) -> None:
    chat = await under_16_waiting(services, 9_400_005)
    await write_mails(services)
    assert len(mail_copies(services)) == 1  # the request to the parent
    services.messenger = RecordingMessenger()
    later = services.engine.clock() + timedelta(days=8)
    assert await Retention(services).expire_consent_requests(later) == 1
    async with services.db.unit_of_work() as uow:
        assert await uow.accounts.by_telegram(chat.user.id) is None
        assert await uow.outbox.count() == 0
    assert mail_copies(services) == []


async def test_a_purged_draft_leaves_no_account_no_outbox_row_and_no_mail_copy(
    services: Services,
) -> None:
    """A draft after the parent's yes: consent and password mails went out, then nothing."""
    chat = await under_16_waiting(services, 9_400_006)
    async with services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        await uow.people.set_status(own.id, ProfileStatus.DRAFT)
        await uow.outbox.add(
            Mail("parent@example.nl", "Set a password", "text", "<p>text</p>"),
            purpose="password",
            person_id=own.id,
            now=services.engine.clock(),
        )
        await uow.commit()
    await write_mails(services)
    assert len(mail_copies(services)) == 2
    later = services.engine.clock() + timedelta(days=31)
    assert await Retention(services).purge_drafts(later) == 1
    async with services.db.unit_of_work() as uow:
        assert await uow.accounts.by_telegram(chat.user.id) is None
        assert await uow.outbox.count() == 0
    assert mail_copies(services) == []


async def test_a_purged_childs_draft_keeps_the_parents_account(services: Services) -> None:
    parent = ChatDriver(services.engine, user_id=9_400_007, language_code="en")
    await parent.sign_up_as_parent()
    await parent.press("Add a child")
    await parent.send("Mila")
    later = services.engine.clock() + timedelta(days=31)
    async with services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(parent.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        [draft] = await uow.people.children(own.id)
    assert await Retention(services).purge_drafts(later) == 1
    async with services.db.unit_of_work() as uow:
        kept = await uow.accounts.by_telegram(parent.user.id)
        assert kept is not None
        own = await uow.people.own(kept.id)
        assert own is not None and own.active
        assert await uow.people.children(own.id) == []
        assert await uow.outbox.count(purpose="password") == 1  # the parent's own mail stays
    assert draft.status is ProfileStatus.DRAFT


async def account_without_profile(services: Services, user_id: int) -> ChatDriver:
    """Someone who picked a language and never signed up."""
    chat = ChatDriver(services.engine, user_id=user_id, language_code="en")
    await chat.send("/language")
    await chat.press("Nederlands")
    async with services.db.unit_of_work() as uow:
        assert await uow.accounts.by_telegram(user_id) is not None
    return chat


async def test_accounts_nobody_signed_up_with_go_after_draft_days(services: Services) -> None:
    lone = await account_without_profile(services, 9_400_010)
    admin = await account_without_profile(services, 9_400_011)
    asker = await account_without_profile(services, 9_400_012)
    zoe = ChatDriver(services.engine, user_id=9_400_013, language_code="en")
    await zoe.send("/start")
    await zoe.press("young person")
    await zoe.send("Zoë")
    await zoe.press("16")
    await zoe.send("zoe@example.nl")
    await zoe.send("de Vries")
    await zoe.send("Dorpsstraat 12, Utrecht")
    await zoe.press("2 to 4")
    await zoe.press("Yes, sign me up")
    now = services.engine.clock()
    answered = await account_without_profile(services, 9_400_015)
    async with services.db.unit_of_work() as uow:
        admin_account = await uow.accounts.by_telegram(admin.user.id)
        asker_account = await uow.accounts.by_telegram(asker.user.id)
        answered_account = await uow.accounts.by_telegram(answered.user.id)
        assert admin_account and asker_account and answered_account
        await uow.organisations.grant(
            admin_account.id, RoleKind.PLATFORM_ADMIN, organisation_id=None, now=now
        )
        for account, status in ((asker_account, "new"), (answered_account, "done")):
            request = await uow.requests.create(
                type="access",
                account_id=account.id,
                contact=None,
                received_at=now,
                due_at=now + timedelta(days=30),
            )
            await uow.requests.update(request.id, status=status)
        await uow.commit()
    retention = Retention(services)
    assert await retention.purge_unused_accounts(now + timedelta(days=29)) == 0
    assert await retention.purge_unused_accounts(now + timedelta(days=31)) == 1
    async with services.db.unit_of_work() as uow:
        assert await uow.accounts.by_telegram(lone.user.id) is None  # Telegram id and language
        # A role, an open request, a closed one (a reply opens it again), a profile.
        for kept in (admin, asker, answered, zoe):
            assert await uow.accounts.by_telegram(kept.user.id) is not None
    await lone.send("/start")  # coming back later is a fresh start
    assert "<b>Who is chatting?</b>" in lone.last_text


async def test_two_workers_purge_an_unused_account_once(services: Services) -> None:
    await account_without_profile(services, 9_400_014)
    later = services.engine.clock() + timedelta(days=31)
    counts = await asyncio.gather(
        Retention(services).purge_unused_accounts(later),
        Retention(services).purge_unused_accounts(later),
    )
    assert sum(counts) == 1


@pytest.fixture
async def with_admin_chat(
    make_settings: Callable[..., Settings], database_url: str
) -> AsyncIterator[Services]:
    built = await build_services(
        make_settings(
            database_url=database_url, admin_ids=frozenset({ADMIN}), admin_chat_id=ADMIN_CHAT
        )
    )
    yield built
    await built.close()


async def test_closed_requests_lose_the_persons_words_after_request_days(
    with_admin_chat: Services,
) -> None:
    services = with_admin_chat
    services.messenger = messenger = RecordingMessenger()
    tim = ChatDriver(services.engine, user_id=9_400_020, language_code="en", messenger=messenger)
    waiting = ChatDriver(
        services.engine, user_id=9_400_021, language_code="en", messenger=messenger
    )
    admin = ChatDriver(services.engine, user_id=ADMIN, language_code="en", messenger=messenger)
    number = await ask(tim, text="I am Tim Jansen from Kerkstraat 1.")
    still_open = await ask(waiting, text="Is Zoë de Vries signed up?")
    await admin.send(f"/reply {number} Thanks Tim, which class are you in?")
    await tim.press("Reply")
    await tim.send("Class 7b with Ms Bakker.")
    await admin.send(f"/request {number}")  # a copy of the thread in the admin's own chat
    await admin.send(f"/done {number}")
    await admin.send("/newrequest access ouder@example.nl Please send me my data.")
    by_mail = int(re.findall(r"\d+", admin.last_text)[0])  # it came by e-mail: a contact
    await admin.send(f"/assign {by_mail}")
    await admin.send(f"/done {by_mail}")
    assert admin.last_text.startswith(f"Request {by_mail} is done"), admin.last_text
    closed = services.engine.clock()
    retention = Retention(services)

    assert await retention.empty_closed_requests(closed + timedelta(days=364)) == 0
    assert await retention.empty_closed_requests(closed + timedelta(days=366)) == 2

    posts = [m.text for m in messenger.messages if m.chat_id == ADMIN_CHAT]
    assert not any("Kerkstraat" in text or "Ms Bakker" in text for text in posts), posts
    # In the bot's default language (Dutch here): the admin chat is shared.
    assert posts.count(f"#{number}: lang geleden gesloten, dus deze tekst is weg.") == 2
    assert any("Zoë de Vries" in text for text in posts)  # an open request keeps its words
    assert f"#{number}: closed long ago, so this text is gone." in admin.texts()
    assert not any("Ms Bakker" in text for text in admin.texts())
    async with services.db.unit_of_work() as uow:
        emptied = await uow.requests.by_number(number)
        assert emptied is not None  # the numbered record stays, with what identifies nobody
        assert (emptied.status, emptied.type) == ("done", "question")
        assert emptied.account_id is None and emptied.contact is None
        assert await uow.requests.thread(emptied.id) == []
        mailed = await uow.requests.by_number(by_mail)
        assert mailed is not None and mailed.contact is None
        assert await uow.requests.thread(mailed.id) == []
        kept = await uow.requests.by_number(still_open)
        assert kept is not None and kept.account_id is not None
        assert len(await uow.requests.thread(kept.id)) == 1
    assert await retention.empty_closed_requests(closed + timedelta(days=367)) == 0
    await admin.send(f"/request {number}")
    assert admin.last_text.endswith(
        "<i>Its messages are deleted: the person deleted their data, or the request was closed "
        "long ago.</i>"
    )

    # Tim's account held nothing but that request: it goes with the unused accounts now.
    await retention.purge_unused_accounts(closed + timedelta(days=367))
    async with services.db.unit_of_work() as uow:
        assert await uow.accounts.by_telegram(tim.user.id) is None
        assert await uow.accounts.by_telegram(waiting.user.id) is not None


async def test_a_stop_lets_a_round_finish_briefly_then_cancels_it() -> None:
    stop = asyncio.Event()
    finished: list[str] = []

    async def quick(now: datetime) -> int:
        finished.append("quick")
        return 0

    async def stuck(now: datetime) -> int:  # waiting out a flood limit, say
        await asyncio.sleep(60)
        finished.append("stuck")
        return 0

    background = asyncio.create_task(
        run_jobs([Job("quick", 60.0, quick), Job("stuck", 60.0, stuck)], stop)
    )
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await stop_jobs(background, stop, grace=0.2)
    assert time.monotonic() - started < 2
    assert background.done() and finished == ["quick"]


@pytest.mark.parametrize(("patient", "delivered"), [(False, []), (True, ["Reminder"])])
async def test_jobs_wait_out_long_flood_limits_and_updates_do_not(
    embedded: Services, monkeypatch: pytest.MonkeyPatch, patient: bool, delivered: list[str]
) -> None:
    waited: list[float] = []

    async def sleep(seconds: float) -> None:  # Telegram said: wait 40 s
        waited.append(seconds)

    monkeypatch.setattr(delivery.asyncio, "sleep", sleep)
    embedded.messenger = messenger = RecordingMessenger(failures=[RateLimited(40)])
    await embedded.deliver([Send(-100, "Reminder")], patient=patient)
    assert [m.text for m in messenger.messages] == delivered
    assert waited == ([40] if patient else [])
