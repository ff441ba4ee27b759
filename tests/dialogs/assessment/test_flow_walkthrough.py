"""What a user walkthrough found: who the quiz speaks to, counts, Back, detours, the result card."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services import Services
from dialogs.assessment.flow import go_on_keyboard
from dialogs.assessment.loader import load_content
from dialogs.context import Context, fresh_state
from dialogs.events import Incoming, TextSent, UserRef
from storage.models import SessionStatus
from storage.uow import UnitOfWork
from tests.chat import ChatDriver
from tests.dialogs.assessment.test_flow import (
    decoded,
    open_session_answers,
    parent_with_children,
    pick_style,
    signed_up_teen,
)
from tests.dialogs.assessment.test_flow_resume_and_retry import history
from tests.dialogs.registration.test_consent_race import mailed_consent_tokens, parent_says_yes

CONTENT = load_content()
KIDS_PROMPTS = {item.prompt.msgid for item in CONTENT.questionnaire_for_age(7).items}


def marked(chat: ChatDriver) -> list[str]:
    """Labels of the answers marked as given before on the newest keyboard."""
    return [label for label, _, _ in decoded(chat) if label.startswith("✅ ")]


async def context_for(services: Services, uow: UnitOfWork, user_id: int) -> Context:
    """The context another flow would have while handling an update of ``user_id``."""
    engine = services.engine
    now = datetime.now(UTC)
    return Context(
        incoming=Incoming(1, UserRef(user_id, "en"), user_id, TextSent("x")),
        state=fresh_state(now),
        uow=uow,
        account=await uow.accounts.by_telegram(user_id),
        translator=engine.translator,
        texts=engine.translator.texts("en"),
        codec=engine.codec,
        settings=engine.settings,
        now=now,
        flows=engine.flows,
    )


async def young_child_alone(services: Services, chat: ChatDriver, *, age: str = "7") -> None:
    """A child under 10 signs up alone; the parent says yes by e-mail; the child finishes."""
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Noor")
    await chat.press(age)
    await chat.send("parent@example.nl")
    await chat.press("Yes, send it")
    [token] = await mailed_consent_tokens(services)
    await parent_says_yes(services, token)
    await chat.send("/start")
    await chat.send("Bakker")
    await chat.send("Dorpsstraat 1, Ede")
    await chat.press("Less than 1 hour")
    await chat.press("Yes, sign me up")


async def test_a_young_child_playing_alone_is_spoken_to(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await young_child_alone(embedded, chat)
    assert chat.last_text == "Ready for the quiz? It takes about 3 minutes. 🙂"
    await chat.press("Start the quiz")
    intro = chat.texts()[-2]
    assert intro.startswith("How do you like to play?")
    assert "your child" not in intro and "Read each question aloud" not in intro
    assert "Question 1 of 10" in chat.last_text
    assert chat.last_text.endswith("\n\nAt the park, would you rather…")
    for _ in range(10):
        assert "Ask your child" not in chat.last_text
        await pick_style(chat, "explorer")
    assert "You're an Explorer" in chat.last_text


async def test_the_intro_counts_the_questions_that_follow(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await chat.press("Start the quiz")
    assert "14 quick questions" in chat.texts()[-2] and "12" not in chat.texts()[-2]
    assert "Question 1 of 14" in chat.last_text
    parent = ChatDriver(embedded.engine, user_id=5_550_002, language_code="en")
    await parent_with_children(parent, [("Tim", "8")])
    await parent.press("Quiz for Tim")
    assert "10 quick questions" in parent.texts()[-2]
    assert "Question 1 of 10" in parent.last_text


async def test_text_after_back_shows_the_question_gone_back_to(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await chat.press("Start the quiz")
    await pick_style(chat, "maker")
    await pick_style(chat, "maker")
    assert "Question 3 of 14" in chat.last_text
    await chat.press("Back")
    await chat.press("Back")
    assert "Question 1 of 14" in chat.last_text
    await chat.send("hello")
    assert chat.texts()[-2] == "Tap one of the buttons to answer. 🙂"
    assert "Question 1 of 14" in chat.last_text
    assert len(marked(chat)) == 1  # the answer given before, as after Back
    await pick_style(chat, "joker")  # the shown question takes the answer, then on in order
    assert "Question 2 of 14" in chat.last_text and len(marked(chat)) == 1
    await pick_style(chat, "joker")
    assert "Question 3 of 14" in chat.last_text and marked(chat) == []
    assert await open_session_answers(embedded, chat.user.id) == 2


async def test_after_asking_a_person_the_quiz_is_offered_again(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await chat.press("Start the quiz")
    for _ in range(3):
        await pick_style(chat, "mover")
    await chat.send("/help")
    await chat.press("Ask a person")
    await chat.press("A question")
    await chat.send("Can my friend play too?")
    assert chat.last_text.startswith("Thank you! Your message has number")
    async with embedded.db.unit_of_work() as uow:  # what a flow ending a detour can offer
        offered = await go_on_keyboard(await context_for(embedded, uow, chat.user.id))
    assert offered is not None and [b.text for row in offered for b in row] == [
        "▶️ Go on with the quiz"
    ]
    await chat.send("/start")
    assert [label for label, action, _ in decoded(chat)] == ["▶️ Go on with the quiz"]
    await chat.press("Go on with the quiz")
    assert "Question 4 of 14" in chat.last_text


async def test_nothing_to_go_on_with_offers_no_button(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    async with embedded.db.unit_of_work() as uow:
        assert await go_on_keyboard(await context_for(embedded, uow, chat.user.id)) is None


async def test_retake_in_the_middle_asks_before_starting_again(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await chat.press("Start the quiz")
    for _ in range(3):
        await pick_style(chat, "explorer")
    await chat.send("/retake")
    assert chat.last_text == (
        "You're at question 4 of 14. Start again from the beginning? "
        "Your answers so far will be gone."
    )
    assert [(label, action) for label, action, _ in decoded(chat)] == [
        ("🔁 Yes, start again", "over"),
        ("▶️ Go on with the quiz", "go"),
    ]
    question = chat.mine()[-1]
    await chat.send("hmm")  # typing shows the question they are at
    assert "Question 4 of 14" in chat.last_text
    await chat.press("Yes, start again", question)  # an older screen: nothing is thrown away
    assert await open_session_answers(embedded, chat.user.id) == 3
    await chat.send("/retake")
    await chat.press("Go on with the quiz")
    assert "Question 4 of 14" in chat.last_text
    assert await open_session_answers(embedded, chat.user.id) == 3
    await chat.send("/retake")
    await chat.press("Yes, start again")
    assert "🔁 Okay, we start again!" in chat.texts()  # the question, answered
    assert "Question 1 of 14" in chat.last_text and marked(chat) == []
    assert [s.status for s in await history(embedded, chat.user.id)] == [
        SessionStatus.ABANDONED,
        SessionStatus.OPEN,
    ]
    assert await open_session_answers(embedded, chat.user.id) == 0
    await chat.send("/retake")  # nothing answered yet: nothing to lose, no question
    assert "Question 1 of 14" in chat.last_text


async def test_a_parent_hands_the_quiz_over_by_name(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await parent_with_children(chat, [("Tim", "8")])
    assert chat.last_text == "Ready for Tim's quiz? It takes about 3 minutes. 🙂"
    await chat.press("Quiz for Tim")
    intro = chat.texts()[-2]
    assert intro.startswith("Tim's turn! 📱 Give Tim the phone, or read the questions to Tim.")
    assert intro.endswith(
        "\n\nHow do you like to play? 10 quick questions. Tap what you like best. "
        "There are no wrong answers!"
    )
    assert "your child" not in intro
    for _ in range(10):
        prompt = chat.last_text.rsplit("\n\n", 1)[1]
        assert prompt in KIDS_PROMPTS and not prompt.startswith("Ask your child")
        await pick_style(chat, "mover")
    assert "Tim's result:" in chat.last_text
    assert "15-minute" not in chat.last_text  # the starter tier promises no time its ideas break
    assert "Let's find a short, fun idea to play outside!" in chat.last_text


async def test_a_quiz_begun_on_an_earlier_version_goes_on_with_it(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await parent_with_children(chat, [("Tim", "8")])
    async with embedded.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        [tim] = await uow.people.children(own.id)
        await uow.assessments.start(
            person_id=tim.id,
            questionnaire="kids",
            questionnaire_version="1.0.0",
            key_version="1",
            locale="en",
            seed="00ff",
            age=8,
            outdoor_band=tim.outdoor_band,
            now=embedded.engine.clock(),
        )
        await uow.commit()
    await chat.send("/start")
    await chat.press("Go on with Tim's quiz")
    assert "Ask your child: at the park" in chat.last_text  # the words it began with
    for _ in range(10):
        await pick_style(chat, "maker")
    assert "Tim's result:" in chat.last_text and "Maker" in chat.last_text


def leaning_picks() -> list[str]:
    """Styles to pick per teen core item: Joker 3 times, four styles twice, Challenger once."""
    teen = CONTENT.questionnaire_for_age(12)
    key = CONTENT.key_for(teen)
    offered = [[key.primary_style(o.id) or "" for o in item.choices] for item in teen.core_items]
    wanted = {"joker": 3, "mover": 2, "explorer": 2, "maker": 2, "storyteller": 2, "challenger": 1}

    def search(index: int, left: dict[str, int]) -> list[str] | None:
        if index == len(offered):
            return [] if not any(left.values()) else None
        for style in offered[index]:
            if left.get(style, 0) > 0:
                rest = search(index + 1, {**left, style: left[style] - 1})
                if rest is not None:
                    return [style, *rest]
        return None

    found = search(0, wanted)
    assert found is not None
    return found


async def test_a_leaning_card_names_only_strong_runners_up_and_why_agrees(
    embedded: Services,
) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await signed_up_teen(chat, age="16")
    await chat.press("Start the quiz")
    for style in [*leaning_picks(), "any", "any"]:  # 12 core questions, then the 2 modifiers
        await pick_style(chat, style)
    card = chat.last_text
    assert "<b>You're mostly Joker 😄!</b>" in card  # four styles at 1 of 5 are not "lots of"
    assert "with lots of" not in card
    await chat.press("Why this result?")
    assert "Your answers picked <b>Joker 😄</b> the most." in chat.last_text
    assert "team player" not in chat.last_text
