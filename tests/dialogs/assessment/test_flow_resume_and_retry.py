"""The quiz: "not sure" questions asked again, a parent switching children, stable child buttons."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

from bot.services import Services
from dialogs.assessment.flow import Players
from dialogs.payload import MAX_BYTES
from storage.assessments import Session
from storage.models import ProfileStatus, Role, SessionStatus
from storage.people import Profile
from tests.chat import ChatDriver
from tests.dialogs.assessment.test_flow import (
    decoded,
    parent_with_children,
    pick_style,
    signed_up_teen,
)
from tests.storage.test_assessments import NOW, start_session

STALE = "That button is from an older message. Please use the newest one."
NOT_SURE_AT = (1, 3, 5, 7)
"""Teen questions answered "not sure": 8 of 12 core answers is under 75 %."""


async def not_sure(chat: ChatDriver) -> None:
    [label] = [
        label for label, action, _ in decoded(chat) if action == "pick" and "Not sure" in label
    ]
    await chat.press(label)


async def history(services: Services, user_id: int, name: str | None = None) -> list[Session]:
    """Every session of the account's own profile, or of its child called ``name``."""
    async with services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(user_id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        person = own
        if name is not None:
            [person] = [c for c in await uow.people.children(own.id) if c.nickname == name]
        return await uow.assessments.history(person.id)


async def answer_count(services: Services, session: Session) -> int:
    async with services.db.unit_of_work() as uow:
        return len(await uow.assessments.answers(session.id))


async def retake_with_not_sure(chat: ChatDriver) -> None:
    """A first quiz (Explorer), then /retake with "not sure" at ``NOT_SURE_AT``, Mover elsewhere."""
    await chat.press("Start the quiz")
    for _ in range(14):
        await pick_style(chat, "explorer")
    assert "You're an Explorer" in chat.last_text
    await chat.send("/retake")
    for number in range(1, 15):
        assert f"Question {number} of 14" in chat.last_text
        await (not_sure(chat) if number in NOT_SURE_AT else pick_style(chat, "mover"))


async def test_too_many_not_sure_asks_those_again_then_gives_a_result(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await retake_with_not_sure(chat)
    assert chat.texts()[-2] == "Let's try the questions you weren't sure about once more."
    assert "Question 1 of 14" in chat.last_text
    assert not any(label.startswith("✅ ") for label, _, _ in decoded(chat))
    first, second = await history(embedded, chat.user.id)
    assert second.status is SessionStatus.OPEN and second.asked_again
    assert await answer_count(embedded, second) == 10  # the "not sure" ones are asked again
    assert (first.status, first.latest) == (SessionStatus.COMPLETE, True)  # still the result
    for number in NOT_SURE_AT:
        assert f"Question {number} of 14" in chat.last_text  # straight to the next one asked again
        await pick_style(chat, "mover")
    assert "You're a Mover" in chat.last_text
    sessions = await history(embedded, chat.user.id)
    assert [s.status for s in sessions] == [SessionStatus.COMPLETE] * 2
    assert [s.latest for s in sessions] == [False, True]
    assert await answer_count(embedded, sessions[1]) == 14


async def test_still_not_sure_ends_kindly_and_keeps_the_earlier_result(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await retake_with_not_sure(chat)
    for number in NOT_SURE_AT:
        assert f"Question {number} of 14" in chat.last_text
        await not_sure(chat)
    assert chat.last_text == (
        "No result this time, and that's okay! 🙂 You can do the quiz again any time."
    )
    assert "Just a few more questions" not in "".join(chat.texts())  # no promise it can't keep
    assert [(label, action) for label, action, _ in decoded(chat)] == [
        ("🔁 Do the quiz again", "new"),
        ("📊 My result", "res"),
    ]
    sessions = await history(embedded, chat.user.id)
    assert [s.status for s in sessions] == [SessionStatus.COMPLETE, SessionStatus.ABANDONED]
    assert [s.latest for s in sessions] == [True, False]
    await chat.send("/result")
    assert "You're an Explorer" in chat.last_text
    await chat.send("/start")
    assert any(label == "🔁 Do the quiz again" for label, _, _ in decoded(chat))  # nothing to go on
    await chat.press("Do the quiz again")
    assert "Question 1 of 14" in chat.last_text


async def test_a_child_is_asked_again_by_name(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await parent_with_children(chat, [("Tim", "8")])
    await chat.send("/start")
    await chat.press("Quiz for Tim")
    for number in range(1, 11):  # 8 core questions and 2 modifiers
        await (not_sure(chat) if number in (1, 2, 3) else pick_style(chat, "mover"))
    assert chat.texts()[-2] == "Let's try the questions Tim wasn't sure about once more."
    assert "Question 1 of 10" in chat.last_text
    [session] = await history(embedded, chat.user.id, "Tim")
    assert session.status is SessionStatus.OPEN and not session.latest


async def test_a_parent_switching_children_keeps_each_ones_progress(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await parent_with_children(chat, [("Tim", "8"), ("Mila", "11")])
    await chat.send("/start")
    await chat.press("Quiz for Tim")
    for _ in range(5):
        await pick_style(chat, "mover")
    await chat.send("/start")
    await chat.press("Quiz for Mila")
    await pick_style(chat, "maker")
    await chat.send("/start")
    labels = [label for label, action, _ in decoded(chat) if action == "go"]
    assert labels == ["▶️ Go on with Tim's quiz", "▶️ Go on with Mila's quiz"]
    await chat.press("Go on with Tim's quiz")
    assert "Question 6 of 10" in chat.last_text
    await pick_style(chat, "mover")  # the answer goes to Tim's session
    [tim] = await history(embedded, chat.user.id, "Tim")
    [mila] = await history(embedded, chat.user.id, "Mila")
    assert (tim.status, mila.status) == (SessionStatus.OPEN, SessionStatus.OPEN)
    assert (await answer_count(embedded, tim), await answer_count(embedded, mila)) == (6, 1)
    await chat.send("/start")
    await chat.press("Go on with Mila's quiz")
    assert "Question 2 of 14" in chat.last_text
    await chat.send("/retake")
    await chat.press("Tim")
    assert chat.last_text.startswith("Tim is at question 7 of 10. Start again")
    await chat.press("Yes, start again")  # a fresh start, asked for, does replace the open session
    assert "Question 1 of 10" in chat.last_text
    assert [s.status for s in await history(embedded, chat.user.id, "Tim")] == [
        SessionStatus.ABANDONED,
        SessionStatus.OPEN,
    ]


async def test_an_old_button_of_an_erased_child_is_refused(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await parent_with_children(chat, [("Tim", "8"), ("Mila", "11")])
    await chat.send("/start")
    home, tim_button = chat.button("Quiz for Tim")
    _, mila_button = chat.button("Quiz for Mila", home)
    assert tim_button.data is not None and mila_button.data is not None
    assert max(len(b.data.encode()) for r in home.keyboard or () for b in r if b.data) <= MAX_BYTES
    await chat.send("/forget")
    await chat.press("Only Tim")
    assert chat.last_text.startswith("🗑️ Done. Tim's data is deleted.")
    await chat.press_data(tim_button.data, home.message_id)
    assert chat.messenger.answers[-1][1] == STALE
    assert await history(embedded, chat.user.id, "Mila") == []  # not Mila's quiz instead
    await chat.press_data(mila_button.data, home.message_id)  # Mila's own button still works
    assert "Question 1 of 14" in chat.last_text


def test_a_child_is_named_by_a_stable_short_id() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)

    def child(hex_id: str, name: str) -> Profile:
        return Profile(
            id=uuid.UUID(hex_id),
            account_id=uuid.UUID(int=1),
            parent_id=uuid.UUID(int=2),
            role=Role.CHILD,
            status=ProfileStatus.ACTIVE,
            step=None,
            nickname=name,
            last_name=None,
            email=None,
            address=None,
            age=8,
            outdoor_band=None,
            has_password=False,
            created_at=now,
            registered_at=now,
        )

    tim = child("aaaaaaaa" + "0" * 24, "Tim")
    twin = child("aaaaaaaa" + "1" * 24, "Tom")
    mila = child("bbbbbbbb" + "2" * 24, "Mila")
    parent = dataclasses.replace(tim, id=uuid.UUID(int=2), role=Role.PARENT, parent_id=None)
    players = Players(parent, (tim, twin, mila))
    assert players.arg_of(mila) == "bbbbbbbb"
    assert players.arg_of(tim) == tim.id.hex  # a shared prefix: the whole id
    for person in (tim, twin, mila):
        assert players.pick(players.arg_of(person)) == person
    assert players.pick("aaaaaaaa") is None  # ambiguous
    assert players.pick("c0") is None and players.pick("me") is None
    assert Players(parent, (twin, mila)).pick("bbbbbbbb") == mila  # after Tim is erased
    assert Players(parent, (twin,)).pick("bbbbbbbb") is None


async def test_asking_again_and_ending_incomplete_in_storage(services: Services) -> None:
    """On SQLite and PostgreSQL: asked-again answers go, and an incomplete end is never latest."""
    async with services.db.unit_of_work() as uow:
        person, done = await start_session(uow, 3001)
        await uow.assessments.complete(
            done.id,
            result={"label": "clear"},
            suggestions=[],
            looks_random=False,
            top_style="mover",
            now=NOW,
        )
        later = NOW + timedelta(minutes=1)
        session = await uow.assessments.start(
            person_id=person.id,
            questionnaire="teen",
            questionnaire_version="1",
            key_version="1",
            locale="nl",
            seed="00ff",
            age=14,
            outdoor_band=None,
            now=later,
        )
        for item, option in (("q1", "q1_X"), ("q2", "q2_A"), ("q3", "q3_X")):
            await uow.assessments.answer(
                session.id, item_id=item, option_id=option, position=0, seconds=None, now=later
            )
        assert not session.asked_again
        await uow.assessments.ask_again(
            session.id, item_ids=["q1", "q3"], result={"label": "incomplete"}, now=later
        )
        again = await uow.assessments.get(session.id)
        assert again.status is SessionStatus.OPEN and again.asked_again
        assert list(await uow.assessments.answers(session.id)) == ["q2"]
        assert (await uow.assessments.open_for([person.id])) == again
        await uow.assessments.end_incomplete(session.id, result={"label": "incomplete"}, now=later)
        await uow.commit()
    async with services.db.unit_of_work() as uow:
        ended = await uow.assessments.get(session.id)
        assert (ended.status, ended.latest, ended.completed_at) == (
            SessionStatus.ABANDONED,
            False,
            None,
        )
        assert await uow.assessments.open_for([person.id]) is None
        latest = await uow.assessments.latest_complete(person.id)
        assert latest is not None and latest.id == done.id and latest.latest
        assert await uow.assessments.complete_ids(after=None, limit=10) == [done.id]


async def test_cancel_mid_quiz_says_the_answers_wait(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await chat.press("Start the quiz")
    await pick_style(chat, "mover")
    await chat.send("/cancel")
    assert (
        chat.last_text == "Okay, I've stopped. Your answers so far are kept: tap /start to go on."
    )
    await chat.send("/start")
    await chat.press("Go on with the quiz")
    assert "Question 2 of" in chat.last_text
