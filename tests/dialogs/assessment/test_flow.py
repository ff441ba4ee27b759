"""The quiz in the chat, through the engine with real storage."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from bot.config import Settings
from bot.services import Services, build_services
from dialogs import charts
from dialogs.assessment import flow as assessment_flow
from dialogs.assessment.loader import load_content
from dialogs.assessment.scoring import Label, Result, positions_shown, score
from dialogs.effects import SendPhoto
from storage.models import SessionStatus
from tests.chat import ChatDriver

CONTENT = load_content()
JPEG = b"\xff\xd8\xff"


def decoded(chat: ChatDriver) -> list[tuple[str, str, str]]:
    """(label, action, arg) of every button on the newest keyboard."""
    sent = next(m for m in reversed(chat.messenger.messages) if m.keyboard)
    out = []
    for row in sent.keyboard or ():
        for button in row:
            assert button.data is not None
            payload = chat.engine.codec.decode(button.data, user_id=chat.user.id)
            out.append((button.text, payload.action, payload.arg))
    return out


async def pick_style(chat: ChatDriver, style: str) -> None:
    """Answer the shown question with the option keyed to ``style`` (else the first option)."""
    options = [(label, arg) for label, action, arg in decoded(chat) if action == "pick"]
    key = CONTENT.keys["1"]
    for label, arg in options:
        if key.primary_style(arg) == style:
            await chat.press(label)
            return
    await chat.press(options[0][0])  # modifiers and items that do not offer the style


async def signed_up_teen(chat: ChatDriver, *, age: str = "13") -> None:
    await chat.send("/start")
    await chat.press("young person" if chat.user.language_code == "en" else "Ik speel zelf")
    await chat.send("Zoë")
    await chat.press(age)
    if int(age) < 16:
        raise AssertionError("use a parent-registered child for under 16 in these tests")
    await chat.send("zoe@example.nl")
    await chat.send("de Vries")
    await chat.send("Dorpsstraat 12, Utrecht")
    await chat.press("2 to 4" if chat.user.language_code == "en" else "2 tot 4")
    await chat.press("sign me up" if chat.user.language_code == "en" else "meld me aan")


async def parent_with_children(chat: ChatDriver, children: list[tuple[str, str]]) -> None:
    await chat.sign_up_as_parent()
    for name, age in children:
        await chat.press("Add")
        await chat.send(name)
        await chat.press(age)
        await chat.press("Same as mine")
        await chat.press("Less than 1 hour")
        await chat.press("Add my child")


async def open_session_answers(services: Services, user_id: int) -> int:
    async with services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(user_id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        people = [own.id] + [c.id for c in await uow.people.children(own.id)]
        session = await uow.assessments.open_for(people)
        assert session is not None
        return len(await uow.assessments.answers(session.id))


async def test_teen_completes_the_quiz_and_gets_a_card(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await chat.press("Start the quiz")
    assert "Question 1 of 14" in chat.last_text
    question = chat.messenger.last
    for number in range(1, 15):
        assert f"Question {number} of 14" in chat.messenger.by_id(question.message_id).text
        await pick_style(chat, "explorer")
    photos = [e for e in chat.messenger.messages if e.kind == "photo"]
    assert len(photos) == 1
    card = chat.last_text
    assert "You're an Explorer" in card
    assert card.count("🟩") + card.count("⬜") == 30  # six bars of five cells
    assert "Ideas to try:" in card and "\n1. <b>" in card and "\n2. <b>" in card
    assert "Age 16" in card
    assert "for fun and ideas, not a test" in card
    async with embedded.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        session = await uow.assessments.latest_complete(own.id)
        assert session is not None
        answers = await uow.assessments.answers(session.id)
    assert session.status is SessionStatus.COMPLETE and len(answers) == 14
    assert (session.questionnaire, session.locale) == ("teen", "en")
    questionnaire = next(q for q in CONTENT.questionnaires if q.id == "teen")
    chosen: dict[str, str | None] = {k: a.option_id for k, a in answers.items()}
    recomputed = score(
        questionnaire,
        CONTENT.keys["1"],
        chosen,
        positions=positions_shown(questionnaire, chosen, session.seed),
        answer_seconds=[a.seconds for a in answers.values() if a.seconds is not None][:12],
    )
    stored = Result.from_dict(session.result or {})
    assert recomputed.to_dict() == stored.to_dict()
    assert stored.label is Label.CLEAR and stored.primary == ("explorer",)
    assert 2 <= len(session.suggestions) <= 3


async def test_the_card_has_a_chart_picture(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="nl")
    await signed_up_teen(chat, age="16")
    await chat.press("Begin de quiz")
    effects = []
    for _ in range(14):
        options = [label for label, action, _arg in decoded(chat) if action == "pick"]
        effects = await chat.press(options[0])
    [photo] = [e for e in effects if isinstance(e, SendPhoto)]
    assert photo.photo.startswith(JPEG) and 10_000 < len(photo.photo) < 200_000
    assert photo.filename == "play-style.jpg"
    assert "Vraag" not in chat.last_text and "Leeftijd 16" in chat.last_text


async def test_parent_chooses_which_child_answers(
    embedded: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    titles: list[str] = []

    def drawing(scores: Sequence[tuple[str, str, float]], *, title: str) -> bytes:
        titles.append(title)
        return charts.style_chart(scores, title=title)

    monkeypatch.setattr(assessment_flow, "style_chart", drawing)
    chat = ChatDriver(embedded.engine, language_code="en")
    await parent_with_children(chat, [("Tim", "8"), ("Mila", "11")])
    await chat.send("/start")
    assert "Who is playing?" in chat.last_text
    await chat.press("Quiz for Tim")
    assert "Give Tim the phone" in chat.texts()[-2]
    assert "Question 1 of 10" in chat.last_text  # the 6-9 form: 8 questions + 2
    assert "Ask your child" not in chat.last_text  # the questions speak to Tim
    for _ in range(10):
        await pick_style(chat, "mover")
    assert "Tim's result:" in chat.last_text
    [photo] = [m for m in chat.messenger.messages if m.kind == "photo"]
    assert photo.text.startswith("Tim's result: ")  # the name is under the picture...
    assert titles == ["Your child's play style"]  # ...never in the picture, which is cached
    await chat.send("/start")
    await chat.press("Quiz for Mila")
    assert "Question 1 of 14" in chat.last_text


async def test_double_tap_and_old_buttons_record_nothing_twice(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await chat.press("Start the quiz")
    question = chat.messenger.last
    _, first = chat.button("", question)
    assert first.data is not None
    await chat.press_data(first.data, question.message_id)
    await chat.press_data(first.data, question.message_id)  # the second tap of a double tap
    assert chat.messenger.answers[-1][1] == (
        "That button is from an older message. Please use the newest one."
    )
    assert await open_session_answers(embedded, chat.user.id) == 1
    assert "Question 2 of 14" in chat.messenger.by_id(question.message_id).text


async def test_forged_answer_is_refused(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await chat.press("Start the quiz")
    _, button = chat.button("")
    assert button.data is not None
    forged = button.data.rsplit(".", 1)[0] + ".AAAAAAAA"
    await chat.press_data(forged, chat.messenger.last.message_id)
    assert chat.messenger.answers[-1][1] == "Sorry, I can't use that button."
    assert await open_session_answers(embedded, chat.user.id) == 0


async def test_back_changes_an_answer_and_goes_on_where_it_was(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await chat.press("Start the quiz")
    for _ in range(3):
        await pick_style(chat, "maker")
    await chat.press("Back")
    await chat.press("Back")
    assert "Question 2 of 14" in chat.last_text
    assert sum(label.startswith("✅ ") for label, _, _ in decoded(chat)) == 1  # the old answer
    await pick_style(chat, "joker")
    assert "Question 3 of 14" in chat.last_text  # answered before: shown again, marked
    assert sum(label.startswith("✅ ") for label, _, _ in decoded(chat)) == 1
    await pick_style(chat, "joker")
    assert "Question 4 of 14" in chat.last_text  # the first unanswered one
    assert not any(label.startswith("✅ ") for label, _, _ in decoded(chat))
    assert await open_session_answers(embedded, chat.user.id) == 3


async def test_text_during_the_quiz_shows_the_question_again(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await chat.press("Start the quiz")
    await pick_style(chat, "mover")
    await chat.send("I like football")
    assert chat.texts()[-2] == "Tap one of the buttons to answer. 🙂"
    assert "Question 2 of 14" in chat.last_text


async def test_quiz_resumes_after_redis_is_wiped(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await chat.press("Start the quiz")
    for _ in range(5):
        await pick_style(chat, "storyteller")
    await embedded.states.forget(embedded.engine.user_key(chat.user.id))
    await chat.send("hello?")
    assert "Question 6 of 14" in chat.last_text
    await pick_style(chat, "storyteller")
    assert await open_session_answers(embedded, chat.user.id) == 6


async def test_quiz_resumes_after_a_restart(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    first = await build_services(settings)
    chat = ChatDriver(first.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await chat.press("Start the quiz")
    for _ in range(4):
        await pick_style(chat, "challenger")
    await first.close()
    second = await build_services(settings)
    try:
        again = ChatDriver(second.engine, user_id=chat.user.id, language_code="en")
        await again.send("/start")
        await again.press("Go on with the quiz")
        assert "Question 5 of 14" in again.last_text
    finally:
        await second.close()


async def test_result_and_retake_keep_the_history(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await chat.send("/result")
    assert chat.last_text == "There is no result yet. Tap /start to do the quiz."
    await chat.press("Start the quiz")
    for _ in range(14):
        await pick_style(chat, "mover")
    await chat.send("/result")
    assert "You're a Mover" in chat.last_text
    await chat.press("Why this result?")
    assert "for fun and ideas" in chat.last_text and "Mover" in chat.last_text
    await chat.send("/retake")
    assert "Question 1 of 14" in chat.last_text
    for _ in range(14):
        await pick_style(chat, "joker")
    async with embedded.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        history = await uow.assessments.history(own.id)
    assert [s.status for s in history] == [SessionStatus.COMPLETE] * 2
    assert [s.latest for s in history] == [False, True]  # statistics count the newest only
    await chat.send("/result")
    assert "Joker" in chat.last_text


async def test_under_16_without_consent_cannot_start(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Sam")
    await chat.press("12")
    await chat.send("parent@example.nl")
    await chat.press("Yes, send it")
    await chat.send("/retake")
    assert chat.last_text == "First your parent has to say yes. Then you can do the quiz. 🙂"
    forged = embedded.engine.codec.encode(
        __import__("dialogs.payload", fromlist=["Payload"]).Payload(
            flow="as", action="go", arg="me", screen=0
        ),
        user_id=chat.user.id,
    )
    await chat.press_data(forged, 1)  # even a correctly signed start button does not start
    assert chat.messenger.answers[-1][1] == "You can start the quiz once you're signed up."
    async with embedded.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        assert await uow.assessments.history(own.id) == []


async def test_rescore_repairs_stored_results(embedded: Services) -> None:
    from dialogs.assessment.rescoring import rescore

    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await chat.press("Start the quiz")
    for _ in range(14):
        await pick_style(chat, "maker")
    async with embedded.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        session = await uow.assessments.latest_complete(own.id)
        assert session is not None and session.result is not None
        good = session.result
        wrong = dict(good, label="all_rounder", primary=["joker"])
        await uow.assessments.set_result(
            session.id, result=wrong, key_version="1", top_style="joker"
        )
        await uow.commit()
    report = await rescore(embedded.db)
    assert (report.checked, report.changed, report.skipped) == (1, 1, 0)
    assert (await rescore(embedded.db, key_version="1")).changed == 0
    async with embedded.db.unit_of_work() as uow:
        assert (await uow.assessments.get(session.id)).result == good
