"""Requests in the chat: asking, the admin chat, the thread, admin commands, holds, reminders."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.jobs import Reminders
from bot.services import Services, build_services
from dialogs.effects import Send
from dialogs.events import ChatKind, Incoming, TextSent, parse_command
from storage.audit import AuditRepository, Outcome
from tests.chat import ChatDriver
from tests.messenger import RecordingMessenger

ADMIN = 8_100_001
ADMIN_CHAT = -1_001_234_567
ORG_ADMIN = 8_100_002


@pytest.fixture
async def bot(make_settings: Callable[..., Settings]) -> AsyncIterator[Services]:
    services = await build_services(
        make_settings(admin_ids=frozenset({ADMIN}), admin_chat_id=ADMIN_CHAT)
    )
    yield services
    await services.close()


def in_admin_chat(messenger: RecordingMessenger) -> list[str]:
    return [m.text for m in messenger.messages if m.chat_id == ADMIN_CHAT]


async def ask(
    person: ChatDriver, kind: str = "A question", text: str = "Can I do it twice?"
) -> int:
    await person.send("/help")
    await person.press("Ask a person")
    await person.press(kind)
    await person.send(text)
    line = person.last_text
    assert line.startswith("Thank you! Your message has number")
    return int(line.split("number ")[1].split(".")[0])


async def test_a_question_goes_to_the_admin_chat_and_the_answer_comes_back(bot: Services) -> None:
    person = ChatDriver(bot.engine, user_id=8_200_001, language_code="en")
    number = await ask(person)
    messenger = person.messenger
    post = next(m for m in messenger.messages if m.chat_id == ADMIN_CHAT)
    assert f"#{number}" in post.text and "Can I do it twice?" in post.text
    admin = ChatDriver(bot.engine, user_id=ADMIN, language_code="en", messenger=messenger)
    reply = await admin.engine.handle(
        Incoming(
            update_id=None,
            user=admin.user,
            chat_id=ADMIN_CHAT,
            event=TextSent("Yes, as often as you like!"),
            chat_kind=ChatKind.GROUP,
            reply_to_message_id=post.message_id,
        ),
        messenger,
    )
    to_person = [e for e in reply if isinstance(e, Send) and e.chat_id == person.user.id]
    assert to_person and "Answer to your message" in to_person[0].text
    assert "Yes, as often as you like!" in to_person[0].text
    await person.press("Reply")
    await person.send("Thanks!")
    assert person.last_text == "Sent! A person will read it soon."
    assert in_admin_chat(messenger)[-1].endswith("Thanks!")
    await admin.send(f"/request {number}")
    thread = admin.mine()[-1].text
    assert "Thanks!" in thread, admin.texts()
    assert (
        thread.index("Can I do it twice?") < thread.index("Yes, as often") < thread.index("Thanks!")
    )
    assert "in progress" in thread  # new -> waiting for the person -> in progress


async def in_group(driver: ChatDriver, chat_id: int, text: str) -> list[Send]:
    command = parse_command(text)
    assert command is not None
    effects = await driver.engine.handle(
        Incoming(
            update_id=None,
            user=driver.user,
            chat_id=chat_id,
            event=command,
            chat_kind=ChatKind.GROUP,
        ),
        driver.messenger,
    )
    return [e for e in effects if isinstance(e, Send)]


async def test_personal_commands_in_a_group_point_to_the_private_chat(bot: Services) -> None:
    class_group = -1_009_999_001
    person = ChatDriver(bot.engine, user_id=8_200_040, language_code="en")
    await ask(person, text="My name is Tim and I live at Kerkstraat 1.")
    admin = ChatDriver(bot.engine, user_id=ADMIN, language_code="en", messenger=person.messenger)
    for who, command in [(person, "/mydata"), (person, "/result"), (admin, "/requests")]:
        sent = await in_group(who, class_group, command)
        assert [s.chat_id for s in sent] == [class_group]
        assert sent[0].text.startswith("I only answer that in a private chat."), command
    # The admin group is where requests belong: the admin commands work there.
    listed = await in_group(admin, ADMIN_CHAT, "/requests")
    assert listed and listed[0].chat_id == ADMIN_CHAT and "#" in listed[0].text
    # A thread asked for in the group goes to the admin alone: a copy there could not be blanked.
    number = int(re.findall(r"#(\d+)", listed[0].text)[0])
    shown = await in_group(admin, ADMIN_CHAT, f"/request {number}")
    assert [s.chat_id for s in shown] == [ADMIN, ADMIN_CHAT]
    assert "Kerkstraat" in shown[0].text and "Kerkstraat" not in shown[1].text
    assert shown[1].text == f"📬 I've sent request {number} to you in a private chat."
    # ...and nothing else does.
    mine = await in_group(admin, ADMIN_CHAT, "/mydata")
    assert mine[0].text.startswith("I only answer that in a private chat.")
    assert not any(
        "Kerkstraat" in m.text
        for m in person.messenger.messages
        if m.chat_id < 0 and m.chat_id != ADMIN_CHAT
    )


async def test_a_long_thread_is_shown_whole_in_several_messages(bot: Services) -> None:
    person = ChatDriver(bot.engine, user_id=8_200_041, language_code="en")
    number = await ask(person, text="question " + "q" * 2900 + " & the end of it")
    admin = ChatDriver(bot.engine, user_id=ADMIN, language_code="en", messenger=person.messenger)
    await admin.send(f"/reply {number} " + "a" * 2900 + " <last words>")
    before = len(admin.mine())
    await admin.send(f"/request {number}")
    shown = [m.text for m in admin.mine()[before:]]
    assert len(shown) >= 2 and all(len(text) <= 4096 for text in shown)
    assert "&amp; the end of it" in "".join(shown)
    assert shown[-1].endswith("&lt;last words&gt;")  # the newest message is not cut off


async def test_forget_blanks_the_persons_words_in_the_admin_chat(bot: Services) -> None:
    person = ChatDriver(bot.engine, user_id=8_200_042, language_code="en")
    number = await ask(person, text="I am Tim Jansen from Kerkstraat 1.")
    messenger = person.messenger
    admin = ChatDriver(bot.engine, user_id=ADMIN, language_code="en", messenger=messenger)
    await admin.send(f"/reply {number} Thanks Tim, which class are you in?")
    await person.press("Reply")
    await person.send("Class 7b with Ms Bakker.")
    assert any("Kerkstraat" in text for text in in_admin_chat(messenger))
    assert any("Ms Bakker" in text for text in in_admin_chat(messenger))
    await admin.send(f"/request {number}")  # a copy of the thread in the admin's own chat
    await in_group(admin, ADMIN_CHAT, f"/request {number}")  # and one more, asked in the group
    assert sum("Ms Bakker" in m.text for m in admin.mine()) == 2
    await person.send("/forget")
    await person.press("Yes, delete everything")
    assert person.last_text.startswith("🗑️ Done.")
    posts = in_admin_chat(messenger)
    assert not any("Kerkstraat" in text or "Ms Bakker" in text for text in posts), posts
    # In the bot's default language (Dutch here): the admin chat is shared.
    erased = (
        f"#{number}: deze persoon heeft gevraagd alle gegevens te wissen, dus deze tekst is weg."
    )
    assert posts.count(erased) == 2  # the request's post and the reply it passed on
    copies = [m.text for m in admin.mine() if m.text.startswith(f"#{number}: ")]
    assert len(copies) == 2 and not any("Kerkstraat" in m.text for m in admin.mine())
    # In the admin's own chat, in the admin's language.
    assert (
        copies == [f"#{number}: the person asked to delete their data, so this text is gone."] * 2
    )
    await admin.send("/requests")  # nobody left to answer: no reminders about it either
    assert admin.last_text == "No open requests. 🎉"


async def test_a_reply_to_a_closed_request_opens_it_again(bot: Services) -> None:
    person = ChatDriver(bot.engine, user_id=8_200_050, language_code="en")
    number = await ask(person)
    messenger = person.messenger
    admin = ChatDriver(bot.engine, user_id=ADMIN, language_code="en", messenger=messenger)
    await admin.send(f"/reply {number} Yes, you can.")
    await admin.send(f"/done {number}")
    await person.press("Reply")  # under the answer, still there after /done
    await person.send("One more thing: and on Sundays?")
    assert person.last_text == "Sent! A person will read it soon."
    assert in_admin_chat(messenger)[-1].startswith(f"↩️ <b>#{number}</b> (opened again)")
    await admin.send("/requests")
    assert f"#{number} question · in progress" in admin.last_text


async def test_reasons_that_cannot_reach_anyone_are_not_called_sent(bot: Services) -> None:
    admin = ChatDriver(bot.engine, user_id=ADMIN, language_code="en")
    await admin.send("/newrequest access parent@example.nl Please send me my data.")
    number = int(re.findall(r"\d+", admin.last_text)[0])
    await admin.send(f"/extend {number} " + "x" * 3001)
    assert admin.last_text == "Please write the reason in 1 to 3000 characters."
    await admin.send(f"/extend {number} We need to find the old records.")
    said = admin.texts()[-2:]
    assert said[0] == "Saved. The person can't be reached in the chat: use the contact address."
    assert said[1].startswith(f"Request {number} now due ") and "told why" not in said[1]


async def test_a_reply_to_a_post_that_is_no_request_is_not_lost_silently(bot: Services) -> None:
    admin = ChatDriver(bot.engine, user_id=ADMIN, language_code="en")
    effects = await admin.engine.handle(
        Incoming(
            update_id=None,
            user=admin.user,
            chat_id=ADMIN_CHAT,
            event=TextSent("Done, I called them."),
            chat_kind=ChatKind.GROUP,
            reply_to_message_id=987_654,  # e.g. a reminder
        ),
        admin.messenger,
    )
    [said] = [e for e in effects if isinstance(e, Send)]
    assert said.chat_id == ADMIN_CHAT and said.text.startswith("That message is not a request")


async def test_dates_and_labels_are_in_the_readers_language(bot: Services) -> None:
    person = ChatDriver(bot.engine, user_id=8_200_051, language_code="nl")
    await person.send("/help")
    await person.press("mens")
    await person.press("Een vraag")
    await person.send("Mag ik de quiz twee keer doen?")
    thanks = person.last_text
    assert re.search(r"uiterlijk op \d{1,2} [a-z]+ 20\d\d", thanks), thanks  # "31 december 2026"
    post = in_admin_chat(person.messenger)[-1]
    assert "vraag" in post and "question" not in post


async def teen_at_question_one(bot: Services, user_id: int) -> ChatDriver:
    """Zoë (16), signed up, at the first question of the quiz."""
    person = ChatDriver(bot.engine, user_id=user_id, language_code="en")
    await person.send("/start")
    await person.press("young person")
    await person.send("Zoë")
    await person.press("16")
    await person.send("zoe@example.nl")
    await person.send("de Vries")
    await person.send("Dorpsstraat 1, Ede")
    await person.press("2 to 4")
    await person.press("Yes, sign me up")
    await person.press("Start the quiz")
    return person


async def test_after_asking_a_person_mid_quiz_one_button_leads_back(bot: Services) -> None:
    person = await teen_at_question_one(bot, 8_200_060)
    keyboard = person.mine()[-1].keyboard
    assert keyboard is not None
    await person.press(keyboard[0][0].text)  # the first answer to question 1
    assert "Question 2 of" in person.last_text
    await ask(person, text="How long does the quiz take?")
    await person.press("Go on with the quiz")
    assert "Question 2 of" in person.last_text


async def test_two_misunderstood_texts_offer_a_person(bot: Services) -> None:
    person = ChatDriver(bot.engine, user_id=8_200_002, language_code="en")
    await person.send("blue")
    assert person.last_text.startswith("I didn't understand that")
    await person.send("green")
    assert person.last_text.startswith("I still didn't understand.")  # one message, not two
    assert person.texts()[-2].startswith("I didn't understand that")
    await person.send("/requests")  # nothing was started: commands work as before
    await person.send("yellow")
    assert person.last_text.startswith("I didn't understand that")  # counting starts again
    await person.send("red")
    await person.press("Ask a person")  # asked for: now the form
    assert "pass your message to a person" in person.last_text
    await person.press("No, never mind")
    assert person.last_text == "Okay! Tap /help any time."
    await person.send("purple")
    assert person.last_text.startswith("I didn't understand that")  # not a message for anyone


async def test_two_texts_in_a_row_mid_quiz_offer_a_person_and_the_quiz_goes_on(
    bot: Services,
) -> None:
    person = await teen_at_question_one(bot, 8_200_061)
    await person.send("I don't get it")
    hint = person.mine()[-2]
    assert hint.text == "Tap one of the buttons to answer. 🙂" and not hint.keyboard
    assert "Question 1 of" in person.last_text  # asked again, below the hint
    await person.send("help")
    hint = person.mine()[-2]
    assert hint.text.endswith("Stuck? A person on our team can help.")
    assert hint.keyboard and "Ask a person" in hint.keyboard[0][0].text
    await person.send("???")  # counting starts again
    assert person.mine()[-2].text == "Tap one of the buttons to answer. 🙂"
    await person.send("!!!")
    await person.press("Ask a person", person.mine()[-2])
    assert "pass your message to a person" in person.last_text
    await person.press("No, never mind")
    await person.press("Go on with the quiz")
    assert "Question 1 of" in person.last_text


async def test_lifecycle_rules_hold_through_the_commands(bot: Services) -> None:
    person = ChatDriver(bot.engine, user_id=8_200_003, language_code="en")
    number = await ask(person, "A complaint", "You lost my result.")
    admin = ChatDriver(bot.engine, user_id=ADMIN, language_code="en", messenger=person.messenger)
    await admin.send(f"/done {number}")
    assert admin.last_text == (
        f"Request {number} is new: that is not possible now. Take it first with /assign {number}."
    )
    await admin.send(f"/assign {number}")
    assert admin.last_text == f"Request {number} is yours."
    await admin.send(f"/extend {number} We need to check the backups.")
    assert "now due" in admin.last_text
    assert any("We need more time" in m.text for m in person.mine())
    await admin.send(f"/extend {number} Again.")
    assert "that is not possible now" in admin.last_text  # one extension only
    await admin.send(f"/done {number}")
    assert admin.last_text == f"Request {number} is done."
    assert person.mine()[-1].text == f"✅ Your message {number} is handled."
    async with bot.db.unit_of_work() as uow:
        events = await uow.audit.events()
    assert [e.outcome for e in events if e.action == "request_done"] == [
        Outcome.REFUSED,
        Outcome.DONE,
    ]
    assert all("lost my result" not in (e.subject or "") for e in events)


async def test_a_step_on_a_request_someone_else_just_moved_does_not_overwrite_it(
    bot: Services,
) -> None:
    person = ChatDriver(bot.engine, user_id=8_200_030, language_code="en")
    number = await ask(person)
    async with bot.db.unit_of_work() as uow:
        seen = await uow.requests.by_number(number)
        assert seen is not None and seen.status == "new"
        assert await uow.requests.update(seen.id, if_unchanged=seen, status="in_progress")
        # A second admin acting on the same, now old, reading is turned away.
        assert not await uow.requests.update(seen.id, if_unchanged=seen, status="rejected")
        now = await uow.requests.by_number(number)
        assert now is not None and now.status == "in_progress"


async def test_a_step_that_keeps_the_status_is_refused_on_an_old_reading(bot: Services) -> None:
    person = ChatDriver(bot.engine, user_id=8_200_032, language_code="en")
    number = await ask(person)
    admin = ChatDriver(bot.engine, user_id=ADMIN, language_code="en", messenger=person.messenger)
    await admin.send(f"/assign {number}")
    async with bot.db.unit_of_work() as uow:
        seen = await uow.requests.by_number(number)  # a second admin reads it...
        assert seen is not None and not seen.extended
    await admin.send(f"/extend {number} We need the archive.")  # ...the first extends it
    async with bot.db.unit_of_work() as uow:
        # The second admin's step, on the old reading, must not undo the extension.
        assert not await uow.requests.update(
            seen.id, if_unchanged=seen, status=seen.status, extended=False
        )
        now = await uow.requests.by_number(number)
        assert now is not None and now.extended


async def test_two_admins_closing_a_request_at_once_tell_the_person_once(
    make_settings: Callable[..., Settings], database_url: str
) -> None:
    second_admin = 8_100_003
    services = await build_services(
        make_settings(
            database_url=database_url,
            admin_ids=frozenset({ADMIN, second_admin}),
            admin_chat_id=ADMIN_CHAT,
        )
    )
    try:
        person = ChatDriver(services.engine, user_id=8_200_031, language_code="en")
        number = await ask(person)
        one = ChatDriver(
            services.engine, user_id=ADMIN, language_code="en", messenger=person.messenger
        )
        other = ChatDriver(
            services.engine, user_id=second_admin, language_code="en", messenger=person.messenger
        )
        await one.send(f"/assign {number}")
        await other.send(f"/request {number}")  # both have looked: neither starts cold
        await asyncio.gather(one.send(f"/done {number}"), other.send(f"/reject {number} No."))
        outcomes = [one.last_text, other.last_text]
        assert sum(text.endswith(("is done.", "is rejected.")) for text in outcomes) == 1
        assert any(
            "Someone else changed" in text or "not possible now" in text for text in outcomes
        )
        told = [m.text for m in person.mine() if f"message {number}" in m.text]
        assert len(told) == 1, told
        async with services.db.unit_of_work() as uow:
            events = await uow.audit.events()
        done = [e for e in events if e.action in ("request_done", "request_reject")]
        assert sorted(e.outcome for e in done) == sorted([Outcome.DONE, Outcome.REFUSED])
    finally:
        await services.close()


async def test_an_extension_must_be_told_within_the_first_month(bot: Services) -> None:
    person = ChatDriver(bot.engine, user_id=8_200_004, language_code="en")
    number = await ask(person)
    admin = ChatDriver(bot.engine, user_id=ADMIN, language_code="en", messenger=person.messenger)
    real = bot.engine.clock
    bot.engine.clock = lambda: real() + timedelta(days=32)
    await admin.send(f"/extend {number} Too busy.")
    assert admin.last_text == "Too late: an extension must be told within the first month."


async def test_a_legal_hold_pauses_erasure(bot: Services) -> None:
    person = ChatDriver(bot.engine, user_id=8_200_005, language_code="en")
    await person.send("/start")
    await person.press("young person")
    await person.send("Zoë")
    await person.press("16")
    await person.send("zoe@example.nl")
    await person.send("de Vries")
    await person.send("Dorpsstraat 1, Ede")
    await person.press("2 to 4")
    await person.press("Yes, sign me up")
    number = await ask(person, "A complaint", "Keep my data for the court case.")
    admin = ChatDriver(bot.engine, user_id=ADMIN, language_code="en", messenger=person.messenger)
    await admin.send(f"/done {number}")
    assert admin.last_text.endswith(f"Take it first with /assign {number}.")
    await admin.send(f"/hold {number} Court order 2026-17")
    assert "the person is not told" in admin.last_text
    assert not any("Court order" in t for t in person.texts())
    await admin.send(f"/request {number}")
    assert "📝" in admin.last_text and "note (not sent)" in admin.last_text
    await admin.send(f"/done {number}")
    assert admin.last_text.endswith(f"End the hold first with /release {number}.")
    await person.send("/forget")
    await person.press("Yes, delete everything")
    assert "We can't delete your data right now" in person.last_text
    wish = int(re.findall(r"saved as request (\d+)", person.last_text)[0])
    posts = [t for t in in_admin_chat(person.messenger) if t.startswith(f"📬 <b>#{wish}</b>")]
    assert len(posts) == 1 and "paused by a legal hold" in posts[0]  # the admins hear of it now
    await person.send("/forget")  # asking again is the same wish, not a second request
    await person.press("Yes, delete everything")
    assert f"saved as request {wish}" in person.last_text
    assert sum(t.startswith(f"📬 <b>#{wish}</b>") for t in in_admin_chat(person.messenger)) == 1
    async with bot.db.unit_of_work() as uow:
        assert await uow.accounts.by_telegram(person.user.id) is not None
    await admin.send(f"/release {number}")
    assert admin.last_text.endswith(
        f"The person was told they can delete their data now (request {wish})."
    )
    assert person.last_text.startswith("We no longer have to keep your data. Tap /forget")
    await person.send("/forget")
    await person.press("Yes, delete everything")
    assert person.last_text.startswith("🗑️ Done.")


REQUEST_COMMANDS = [
    "/requests",
    "/request 1",
    "/assign 1",
    "/reply 1 hi",
    "/done 1",
    "/reject 1 no",
    "/extend 1 later",
    "/hold 1 court",
    "/release 1",
    "/newrequest question a@b.nl hi",
]


@pytest.mark.parametrize("command", REQUEST_COMMANDS)
async def test_only_platform_admins_see_requests(bot: Services, command: str) -> None:
    person = ChatDriver(bot.engine, user_id=8_200_010, language_code="en")
    await ask(person)
    platform = ChatDriver(bot.engine, user_id=ADMIN, language_code="en")
    await platform.send("/neworg club Club")
    await platform.send(f"/orgadmin club {ORG_ADMIN}")
    org_admin = ChatDriver(bot.engine, user_id=ORG_ADMIN, language_code="en")
    for who in (person, org_admin):
        await who.send(command)
        assert who.last_text == "Sorry, that command is only for admins."
    async with bot.db.unit_of_work() as uow:
        refused = [e for e in await uow.audit.events() if e.outcome is Outcome.REFUSED]
    assert len(refused) == 2


def test_the_audit_trail_has_no_way_to_change_or_delete() -> None:
    public = {name for name in dir(AuditRepository) if not name.startswith("_")}
    assert public == {"record", "events"}


async def test_reminders_are_posted_once_per_request_per_day_by_two_workers(
    make_settings: Callable[..., Settings], database_url: str
) -> None:
    settings = make_settings(
        database_url=database_url, admin_ids=frozenset({ADMIN}), admin_chat_id=ADMIN_CHAT
    )
    first, second = await build_services(settings), await build_services(settings)
    try:
        person = ChatDriver(first.engine, user_id=8_200_020, language_code="en")
        numbers = [await ask(person, text=f"Question {i}") for i in range(3)]
        posted: list[list[Send]] = [[], []]
        for services, sink in zip((first, second), posted, strict=True):

            async def deliver(
                effects: list[object], *, patient: bool = False, sink: list[Send] = sink
            ) -> None:
                assert patient  # a job: it may wait out flood limits
                sink.extend(e for e in effects if isinstance(e, Send))

            services.deliver = deliver  # type: ignore[method-assign,assignment]
        soon = first.engine.clock() + timedelta(days=25)  # all three are due within a week then
        counts = await asyncio.gather(Reminders(first).run(soon), Reminders(second).run(soon))
        assert sum(counts) == 3
        texts = [s.text for sink in posted for s in sink]
        assert sorted(int(re.findall(r"\d+", t)[0]) for t in texts) == numbers
        assert all(s.chat_id == ADMIN_CHAT for sink in posted for s in sink)
        again = await asyncio.gather(Reminders(first).run(soon), Reminders(second).run(soon))
        assert sum(again) == 0  # once per request per day
        tomorrow = await Reminders(first).run(soon + timedelta(days=1))
        assert tomorrow == 3
    finally:
        await first.close()
        await second.close()
