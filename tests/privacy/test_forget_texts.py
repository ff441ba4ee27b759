"""What /privacy and /forget say, and the erasure mail each reader gets.

A parent who deletes one child keeps their account and address; a young person reads short
sentences with the details for grown-ups below; the proof number stays verifiable; the parent of a
young person under 16 who signed up alone gets a mail written for them, not for the chat.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from email.message import EmailMessage

import locales
from bot.services import Services
from dialogs.i18n import Translator
from dialogs.privacy.mails import Confirmation, Reader, erasure_confirmation
from dialogs.registration.fields import FieldName, FieldRules, Requirement
from storage.models import Role
from tests.chat import ChatDriver
from tests.privacy.markers import ZOE
from tests.privacy.test_rights import Mailbox, deliver_mail, teen_with_quiz

FULL_ID = re.compile(r"<code>([0-9a-f-]{36})</code>")


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    content: str = part.get_content()  # type: ignore[attr-defined]
    return content


async def parent_with_noor_and_tim(services: Services) -> ChatDriver:
    parent = ChatDriver(services.engine, user_id=7_400_001, language_code="en")
    await parent.sign_up_as_parent()
    for name, age in (("Noor", "8"), ("Tim", "11")):
        await parent.press("Add")
        await parent.send(name)
        await parent.press(age)
        await parent.press("Same as mine")
        await parent.press("Less than 1 hour")
        await parent.press("Add my child")
    return parent


async def twelve_year_old_waiting(services: Services, *, send: bool = True) -> ChatDriver:
    chat = ChatDriver(services.engine, user_id=7_400_002, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Sam")
    await chat.press("12")
    await chat.send("ouder@example.nl")
    if send:
        await chat.press("Yes, send it")
        assert chat.last_text.startswith("📨 Sent!")
    return chat


async def receipt_exists(services: Services, text: str) -> uuid.UUID:
    """The full receipt id shown in ``text``, checked against the stored receipts."""
    match = FULL_ID.search(text)
    assert match is not None, text
    receipt = uuid.UUID(match.group(1))
    async with services.db.unit_of_work() as uow:
        assert await uow.erasure.receipt_exists(receipt)
    return receipt


async def test_a_parent_deleting_one_child_keeps_the_account_and_is_told_so(
    embedded: Services,
) -> None:
    mailbox = Mailbox()
    parent = await parent_with_noor_and_tim(embedded)
    await deliver_mail(embedded, mailbox)
    before = len(mailbox.messages)
    await parent.send("/forget")
    screen = parent.last_text
    assert "If you delete everything, your account and e-mail address go too." in screen
    assert "then the address is gone" not in screen
    await parent.press("Only Noor")
    done = parent.last_text
    assert done.startswith("🗑️ Done. Noor's data is deleted. Your account and Tim's stay.")
    assert "I deleted my recent messages about Noor." in done
    assert "address" not in done
    await deliver_mail(embedded, mailbox)
    [mail] = mailbox.messages[before:]
    text = body(mail)
    assert mail["To"] == "anna@example.nl"
    assert mail["Subject"] == "Noor's Play Style data is deleted"
    assert "we deleted everything we kept about Noor. Your account and Tim's stay." in text
    assert "deleted too" not in text and "last mail" not in text
    assert "Play Style account" not in text
    async with embedded.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(parent.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None and own.role is Role.PARENT and own.email == "anna@example.nl"
        assert [c.nickname for c in await uow.people.children(own.id)] == ["Tim"]


async def test_deleting_one_child_deletes_the_messages_about_that_child_only(
    embedded: Services,
) -> None:
    parent = await parent_with_noor_and_tim(embedded)
    about = lambda name: [t for t in parent.texts() if name in t]  # noqa: E731
    assert about("Noor") and about("Tim")
    tim_only = [t for t in about("Tim") if "Noor" not in t]
    assert tim_only  # e.g. "How old is Tim?"

    await parent.send("/forget")
    await parent.press("Only Noor")

    done = parent.last_text
    assert about("Noor") == [done]  # only the answer that says Noor's data is gone
    assert "I deleted my recent messages about Noor. Older ones stay in Telegram" in done
    assert [t for t in about("Tim") if "Noor" not in t] == tim_only
    # What stays remembered is deleted when the parent deletes everything, Tim's messages too.
    await parent.send("/forget")
    await parent.press("Everything")
    assert about("Tim") == [] and about("Noor") == []


async def test_a_parent_deleting_the_last_child_hears_the_account_stays(
    embedded: Services,
) -> None:
    parent = await parent_with_noor_and_tim(embedded)
    await parent.send("/forget")
    await parent.press("Only Tim")
    await parent.send("/forget")
    await parent.press("Only Noor")
    assert parent.last_text.startswith("🗑️ Done. Noor's data is deleted. Your account stays.")


async def test_a_parent_deleting_everything_gets_the_last_mail(embedded: Services) -> None:
    mailbox = Mailbox()
    parent = await parent_with_noor_and_tim(embedded)
    await deliver_mail(embedded, mailbox)
    before = len(mailbox.messages)
    await parent.send("/forget")
    await parent.press("Everything")
    assert parent.last_text.startswith("🗑️ Done. Your data is deleted.")
    await deliver_mail(embedded, mailbox)
    [mail] = mailbox.messages[before:]
    text = body(mail)
    assert mail["Subject"] == "Your Play Style data is deleted"
    assert "everything we kept about you and Noor and Tim." in text
    assert "This e-mail address is deleted too: this is the last mail you get from us." in text


async def test_privacy_names_the_fields_this_deployment_asks(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.send("/privacy")
    child, parent = chat.texts()[-2:]
    assert (
        "• I keep your name, your age, an e-mail address, your last name, your home address, "
        "and how much you play outside." in child
    )
    assert "skip" not in child
    assert "Argon2" not in parent and "hash" not in parent
    assert "a scrambled form of the password that nobody can read back" in parent
    assert "home address" in parent

    engine = embedded.engine
    rules = FieldRules(
        requirements={
            FieldName.LAST_NAME: Requirement.OPTIONAL,
            FieldName.ADDRESS: Requirement.OFF,
        }
    )
    engine.settings = replace(engine.settings, fields=rules)
    await chat.send("/privacy")
    child, parent = chat.texts()[-2:]
    assert "home address" not in child and "home address" not in parent
    assert "• You can skip your last name if you like." in child
    assert "last name (if given)" in parent

    engine.settings = replace(
        engine.settings, fields=FieldRules(requirements={FieldName.EMAIL: Requirement.OFF})
    )
    await chat.send("/privacy")
    child, parent = chat.texts()[-2:]
    assert "e-mail" not in child and "password" not in parent


async def test_forget_is_short_for_a_young_person_with_a_verifiable_proof_number(
    embedded: Services,
) -> None:
    mailbox = Mailbox()
    zoe = await teen_with_quiz(embedded, ZOE)
    await zoe.send("/forget")
    child_part, grown_ups = zoe.last_text.split("\n\n")[1:3]
    sentences = child_part.split("\n")
    assert sentences == [
        "I'll delete your name and everything else I know about you.",
        "Only your quiz answers stay, without your name. Nobody can tell they are yours.",
        "You can't undo this.",
    ]
    assert all(len(s.split()) <= 15 for s in sentences)
    assert grown_ups.startswith("<i>For grown-ups:")
    assert "We send one e-mail to confirm, then that address is deleted too." in grown_ups
    await zoe.press("Yes, delete everything")
    done = zoe.last_text
    receipt = await receipt_exists(embedded, done)
    proof = str(receipt)[:8]
    assert f"Proof number: <b>{proof}</b>\n<i>For grown-ups, the full number: <code>" in done
    await deliver_mail(embedded, mailbox)
    text = body(mailbox.messages[-1])
    assert mailbox.messages[-1]["To"] == ZOE.email
    assert "As you asked in the chat, we deleted your Play Style account" in text
    assert f"Proof number: {proof} (in full: {receipt})." in text
    assert "Quiz answers stay only without any name" in text
    assert "Telegram keeps the chat history on your phone." in text


async def test_the_parent_of_a_waiting_child_gets_a_mail_written_for_them(
    embedded: Services,
) -> None:
    mailbox = Mailbox()
    sam = await twelve_year_old_waiting(embedded)
    await deliver_mail(embedded, mailbox)  # the consent request
    before = len(mailbox.messages)
    await sam.send("/forget")
    assert "We e-mail the parent once to say so" in sam.last_text
    await sam.press("Yes, delete everything")
    assert "📧 I sent your parent an e-mail to tell them." in sam.last_text
    await receipt_exists(embedded, sam.last_text)
    await deliver_mail(embedded, mailbox)
    [mail] = mailbox.messages[before:]
    text = body(mail)
    assert mail["To"] == "ouder@example.nl"
    assert mail["Subject"] == "Sam's Play Style data is deleted"
    assert (
        "Sam asked us to delete what they told us. We did; your e-mail address is deleted too."
        in text
    )
    assert "The link in our earlier e-mail asking for your permission no longer works." in text
    assert "This is the last mail you get from us." in text
    assert text.count("deleted too") == 1
    for wrong in ("As asked in the chat", "As you asked", "Telegram", "Quiz answers"):
        assert wrong not in text


async def test_an_address_never_written_to_gets_no_erasure_mail(embedded: Services) -> None:
    """The child typed a parent's address but did not send the request: it may be anyone's."""
    mailbox = Mailbox()
    sam = await twelve_year_old_waiting(embedded, send=False)
    await sam.send("/forget")
    assert "e-mail" not in sam.last_text.split("For grown-ups:")[1]
    await sam.press("Yes, delete everything")
    assert sam.last_text.startswith("🗑️ Done. Your data is deleted.")
    assert "I sent your parent" not in sam.last_text
    await deliver_mail(embedded, mailbox)
    assert mailbox.messages == []


def test_the_parent_of_a_child_who_played_hears_the_answers_stay_anonymous() -> None:
    texts = Translator(locales.DIRECTORY).texts("en")
    confirmation = Confirmation(
        to="ouder@example.nl", reader=Reader.PARENT_OF_ALONE, locale="en", erased=("Sam",)
    )
    mail = erasure_confirmation(
        texts, confirmation, proof="0123abcd", receipt="0123abcd-full", anonymous=True
    )
    assert mail.recipient == "ouder@example.nl"
    assert mail.subject == "Sam's Play Style data is deleted"
    assert "Sam asked us to delete what they told us." in mail.text
    assert "Quiz answers stay only without any name" in mail.text
    assert "no longer works" not in mail.text and "Telegram" not in mail.text
    assert "Proof number: 0123abcd (in full: 0123abcd-full)." in mail.text


async def test_forget_promises_no_kept_answers_when_there_are_none(embedded: Services) -> None:
    from tests.dialogs.assessment.test_flow import signed_up_teen

    chat = ChatDriver(embedded.engine, user_id=7_400_099, language_code="en")
    await signed_up_teen(chat, age="16")  # signed up, no quiz yet
    await chat.send("/forget")
    assert "quiz answers stay" not in chat.last_text
    assert "Quiz answers stay" not in chat.last_text
    assert chat.last_text.split("\n\n")[1].split("\n") == [
        "I'll delete your name and everything else I know about you.",
        "You can't undo this.",
    ]
