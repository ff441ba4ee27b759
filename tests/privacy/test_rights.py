"""Privacy rights: /mydata, /forget, /edit, a new policy version, and the data inventory.

The erasure test plants marker values in every personal field of two people, erases one, and
then searches every table (the raw database file or a dump), the state store, the outbox, files
on disk and the logs.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import replace
from email.message import EmailMessage
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Column, MetaData, String, Table, func, select

from bot.config import Settings
from bot.mail import FileTransport, MailSender
from bot.services import Services, build_services
from dialogs.effects import Delete, SendDocument
from storage.inventory import columns, personal_columns, undescribed_tables
from storage.models import AnonymousPendingRow, AnonymousResultRow, ErasureReceiptRow
from tests.chat import ChatDriver
from tests.privacy.markers import SAM, ZOE, Markers, found_in, raw_database, state_store_dump


class Mailbox:
    """Where mails go: the recipients' side, outside the bot."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def send(self, message: EmailMessage, *, mail_id: str) -> None:
        self.messages.append(message)


async def deliver_mail(services: Services, mailbox: Mailbox) -> None:
    await MailSender(services.db, mailbox, sender="bot@example.nl").send_due(
        services.engine.clock()
    )


async def teen_with_quiz(services: Services, person: Markers) -> ChatDriver:
    chat = ChatDriver(services.engine, user_id=person.telegram_id, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send(person.nickname)
    await chat.press("16")
    await chat.send(person.email)
    await chat.send(person.last_name)
    await chat.send(person.address)
    await chat.press("2 to 4")
    await chat.press("Yes, sign me up")
    await chat.press("Start the quiz")
    for _ in range(14):
        options = [b for row in chat.mine()[-1].keyboard or () for b in row]
        await chat.press(options[0].text)
    return chat


async def everything(services: Services) -> str:
    """Every place data could be left: database, state store, and files under DATA_DIR."""
    files = b"".join(
        p.read_bytes()
        for p in services.settings.data_dir.rglob("*")
        if p.is_file()
        if p.suffix not in (".sqlite3", ".sqlite3-wal", ".sqlite3-shm") and p.name != "keys.json"
    )
    raw = await raw_database(services)
    return (raw + files).decode("utf-8", "replace") + await state_store_dump(services)


async def test_forget_erases_one_person_everywhere_and_keeps_the_other(
    services: Services, captured_logs: Callable[[], str]
) -> None:
    mailbox = Mailbox()
    zoe = await teen_with_quiz(services, ZOE)
    sam = await teen_with_quiz(services, SAM)
    await zoe.send("/mydata")
    await deliver_mail(services, mailbox)
    async with services.db.unit_of_work() as uow:  # something Zoe did that the audit keeps
        zoe_account = await uow.accounts.by_telegram(ZOE.telegram_id)
        assert zoe_account is not None
        await uow.audit.record(
            "org_linked", actor_id=zoe_account.id, now=services.engine.clock(), subject="org:1"
        )
        await uow.commit()
    await zoe.send("/forget")
    assert "Delete your data?" in zoe.last_text
    effects = await zoe.press("Yes, delete everything")
    assert zoe.last_text.startswith("🗑️ Done. Your data is deleted.\n\nProof number: <b>")
    deleted = {e.message_id for e in effects if isinstance(e, Delete)}
    assert len(deleted) >= 3  # the summary, the result card and picture, the /mydata answer
    await deliver_mail(services, mailbox)
    confirmation = mailbox.messages[-1]
    assert confirmation["To"] == ZOE.email  # exactly one mail to the address on file
    assert [m["Subject"] for m in mailbox.messages].count("Your Play Style data is deleted") == 1

    left = await everything(services)
    logs = captured_logs()
    assert found_in(left, ZOE) == []
    assert found_in(logs, ZOE) == []
    assert found_in(logs, SAM) == []
    async with services.db.unit_of_work() as uow:
        assert await uow.accounts.by_telegram(ZOE.telegram_id) is None
        events = await uow.audit.events()
        kept = [e for e in events if e.subject == "org:1"]
        assert len(kept) == 1 and kept[0].actor_id is None  # what and when stay, not by whom
        account = await uow.accounts.by_telegram(SAM.telegram_id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        assert (own.nickname, own.last_name, own.email, own.address) == (
            SAM.nickname,
            SAM.last_name,
            SAM.email,
            SAM.address,
        )
        assert await uow.assessments.latest_complete(own.id) is not None
    async with services.db.sessions() as session:
        receipts = (await session.scalars(select(ErasureReceiptRow))).all()
        assert (await session.scalars(select(AnonymousResultRow))).all() == []  # waiting
    async with services.db.unit_of_work() as uow:  # as the job does once enough wait
        assert await uow.erasure.store_anonymous(at_least=1) == 1
        await uow.commit()
    async with services.db.sessions() as session:
        anonymous = (await session.scalars(select(AnonymousResultRow))).all()
    assert len(anonymous) == 1 and anonymous[0].age_band == "13-16"
    assert len(anonymous[0].month) == 7 and json.loads(anonymous[0].answers)
    assert len(receipts) == 1 and "people" in json.loads(receipts[0].categories)
    assert str(ZOE.telegram_id) not in receipts[0].categories
    assert await services.states.peek(services.engine.user_key(ZOE.telegram_id)) is None
    await sam.send("/start")  # the other person carries on as before
    assert "Welcome back, Yxandrel" in sam.last_text


async def test_mydata_has_every_marker_of_the_person_and_none_of_anyone_else(
    embedded: Services,
) -> None:
    zoe = await teen_with_quiz(embedded, ZOE)
    await teen_with_quiz(embedded, SAM)
    async with embedded.db.unit_of_work() as uow:  # a value a spreadsheet would run as formula
        account = await uow.accounts.by_telegram(ZOE.telegram_id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        await uow.people.set_text(own.id, "last_name", '=HYPERLINK("x")')
        await uow.commit()
    effects = await zoe.send("/mydata")
    documents = {e.filename.rsplit(".", 1)[1]: e for e in effects if isinstance(e, SendDocument)}
    assert set(documents) == {"json", "xlsx"} and documents["json"].personal
    data = documents["json"].content.decode()
    [summary] = [t for t in zoe.texts() if t.startswith("<b>Everything I keep about you</b>")]
    for value in (ZOE.nickname, ZOE.email, ZOE.address, str(ZOE.telegram_id)):
        assert value in data
    assert ZOE.nickname in summary and ZOE.email in summary
    assert "Outside: 🌳 2 to 4 hours" in summary  # labels, not internal ids
    assert found_in(data, SAM) == [] and found_in(summary, SAM) == []
    tables = json.loads(data)["tables"]
    assert {"accounts", "people", "consents", "assessments", "answers"} <= set(tables)
    assert len(tables["answers"]) == 14
    workbook = openpyxl.load_workbook(io.BytesIO(documents["xlsx"].content))
    people = workbook["people"]
    header = [cell.value for cell in people[1]]
    cell = people.cell(row=2, column=header.index("last_name") + 1)
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s"


async def test_erasure_interrupted_then_run_again_then_twice(
    embedded: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    zoe = await teen_with_quiz(embedded, ZOE)
    from storage.erasure import ErasureRepository

    real_delete = ErasureRepository.delete

    async def crash(self: Any, **kwargs: Any) -> None:
        raise ConnectionError("the database went away mid-erasure")

    monkeypatch.setattr(ErasureRepository, "delete", crash)
    await zoe.send("/forget")
    await zoe.press("Yes, delete everything")
    assert zoe.last_text.startswith("Oops, something went wrong")
    async with embedded.db.unit_of_work() as uow:  # nothing half-done: all of it is still there
        assert await uow.accounts.by_telegram(ZOE.telegram_id) is not None
    async with embedded.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AnonymousPendingRow)) == 0
    monkeypatch.setattr(ErasureRepository, "delete", real_delete)
    await zoe.press("Yes, delete everything")
    assert zoe.last_text.startswith("🗑️ Done.")
    await zoe.send("/forget")
    assert zoe.last_text == "I keep nothing about you, so there is nothing to delete."
    async with embedded.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AnonymousPendingRow)) == 1


async def test_parent_erases_one_child(embedded: Services) -> None:
    parent = ChatDriver(embedded.engine, user_id=7_300_001, language_code="en")
    await parent.sign_up_as_parent()
    for name, age in (("Tim", "8"), ("Mila", "11")):
        await parent.press("Add")
        await parent.send(name)
        await parent.press(age)
        await parent.press("Same as mine")
        await parent.press("Less than 1 hour")
        await parent.press("Add my child")
    await parent.send("/forget")
    await parent.press("Only Tim")
    assert parent.last_text.startswith("🗑️ Done. Tim's data is deleted.")
    assert "The full number:" in parent.last_text and "For grown-ups" not in parent.last_text
    async with embedded.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(parent.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        assert [c.nickname for c in await uow.people.children(own.id)] == ["Mila"]

    # The mail about Tim's erasure is Anna's: her own /forget takes its copy along.
    files = embedded.db.files
    assert files is not None
    sender = MailSender(embedded.db, FileTransport(files.mail_dir), sender="bot@example.nl")
    await sender.send_due(embedded.engine.clock())
    copies = lambda: [p.read_text(errors="replace") for p in files.mail_dir.glob("*.eml")]  # noqa: E731
    assert any("Tim" in text for text in copies())
    await parent.send("/forget")
    await parent.press("Everything")
    assert parent.last_text.startswith("🗑️ Done.")
    await sender.send_due(embedded.engine.clock())
    left = copies()
    assert [t[t.find("Tim") - 80 : t.find("Tim") + 80] for t in left if "Tim" in t] == []
    assert len(left) == 1  # the confirmation of this erasure (of Anna and Mila), to Anna


async def test_a_new_policy_version_asks_for_consent_again(embedded: Services) -> None:
    zoe = await teen_with_quiz(embedded, ZOE)
    engine = embedded.engine
    engine.settings = replace(engine.settings, policy_version="2.0")
    await zoe.send("/start")
    assert "We updated our privacy promise</b> (version 2.0)" in zoe.last_text
    await zoe.send("/result")  # nothing else goes on first
    assert "We updated our privacy promise" in zoe.last_text
    await zoe.send("/privacy")  # reading the policy is always possible
    assert "Privacy policy version 2.0" in zoe.last_text
    await zoe.press("I agree")
    assert "Thank you! Let's go on. 🙂" in zoe.texts()  # the question, edited in place
    await zoe.send("/result")
    assert "Ideas to try" in zoe.last_text
    async with embedded.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(ZOE.telegram_id)
        assert account is not None and account.policy_version == "2.0"
        own = await uow.people.own(account.id)
        assert own is not None
        versions = [c.policy_version for c in await uow.consents.for_person(own.id)]
    assert versions == ["1.0", "2.0"]


async def test_edit_corrects_a_field_with_the_same_checks(embedded: Services) -> None:
    zoe = await teen_with_quiz(embedded, ZOE)
    await zoe.send("/edit")
    await zoe.press("Address")
    await zoe.send("<b>nowhere</b>")
    assert zoe.texts()[-2].startswith("Please type street, house number and town")
    await zoe.send("Nieuwe Gracht 5, Haarlem")
    assert zoe.last_text == "✅ Saved. /mydata shows all your details."
    async with embedded.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(ZOE.telegram_id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None and own.address == "Nieuwe Gracht 5, Haarlem"


async def test_saying_you_are_younger_keeps_only_name_and_age_until_a_parent_says_yes(
    embedded: Services,
) -> None:
    """Zoë signed up alone as 16 and did the quiz; she is 12. Her own yes was not hers to give."""
    zoe = await teen_with_quiz(embedded, ZOE)
    await zoe.send("/edit")
    await zoe.press("Age")
    await zoe.send("12")
    await zoe.press("Yes, I'm 12")
    assert zoe.last_text.startswith("What is your parent's e-mail address?")
    async with embedded.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(ZOE.telegram_id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None and not own.active
        assert (own.nickname, own.age) == (ZOE.nickname, 12)
        assert (own.last_name, own.email, own.address, own.outdoor_band) == (None,) * 4
        assert not own.has_password
        assert await uow.assessments.history(own.id) == []  # answers and results went too
        assert all(c.withdrawn_at is not None for c in await uow.consents.for_person(own.id))
    await zoe.send("/result")
    assert "Ideas to try" not in zoe.last_text
    await zoe.send("/mydata")
    assert found_in(" ".join(zoe.texts()[-3:]), ZOE) == [ZOE.nickname]


async def test_privacy_summary_has_version_contact_and_complaints(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="nl")
    await chat.send("/privacy")
    child, parent = chat.texts()[-2:]
    assert "Jouw privacy, kort en simpel" in child
    assert "Voor ouders en verzorgers" in parent
    assert "Privacybeleid versie 1.0" in parent and "privacy@example.org" in parent
    assert "Autoriteit Persoonsgegevens" in parent
    assert "Niet afgemaakte aanmeldingen: 30 dagen" in parent
    assert "tot je /forget gebruikt, of 365 dagen nadat ze gesloten zijn" in parent


async def test_privacy_summary_says_this_deployments_periods(
    make_settings: Callable[..., Settings],
) -> None:
    services = await build_services(make_settings(draft_days=1, consent_days=3, request_days=90))
    try:
        chat = ChatDriver(services.engine, language_code="en")
        await chat.send("/privacy")
        parent = chat.last_text
        assert "Unfinished sign-ups: 1 day after the last answer" in parent
        assert "A parent's consent request: 3 days, then everything is deleted" in parent
        assert "or 90 days after they are closed" in parent
    finally:
        await services.close()


def test_every_table_and_column_is_in_the_inventory() -> None:
    assert undescribed_tables() == []
    described = columns()
    assert {c.table for c in described} >= {"people", "accounts", "assessments"}
    personal = {(c.table, c.name) for c in personal_columns()}
    assert ("people", "email_enc") in personal and ("people", "status") not in personal
    assert all(c.purpose and c.retention for c in personal_columns())


def test_the_inventory_check_fails_on_an_undescribed_column() -> None:
    metadata = MetaData()
    Table("people", metadata, Column("id", String, primary_key=True, info={"personal": ""}))
    Table("shoe_sizes", metadata, Column("size", String))
    with pytest.raises(LookupError, match=r"shoe_sizes\.size is not described"):
        columns(metadata)
    assert undescribed_tables(metadata) == ["shoe_sizes"]


def test_markers_are_unique() -> None:
    assert not set(ZOE.values()) & set(SAM.values())
