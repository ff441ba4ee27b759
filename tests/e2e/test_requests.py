"""A question relayed both ways through the fake Bot API: person -> admin chat -> person."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.config import Settings
from bot.services import Services, build_services
from tests.e2e.bot_session import RUNTIMES, Person, polling
from tests.fake_telegram.server import FakeTelegram

ADMIN = 8_300_001
ADMIN_CHAT = -1_009_876_543


@pytest.fixture
async def bot(make_settings: Callable[..., Settings]) -> AsyncIterator[Services]:
    services = await build_services(
        make_settings(admin_ids=frozenset({ADMIN}), admin_chat_id=ADMIN_CHAT)
    )
    yield services
    await services.close()


@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_question_and_answer_through_the_admin_chat(
    bot: Services, tg: FakeTelegram, runtime: str
) -> None:
    async with polling(bot, tg, runtime):
        person = Person(tg, user_id=8_300_101, language_code="en")
        await person.say("/help", "Here's what I can do")
        await person.click("Ask a person", "What is it about?")
        await person.click("A question", "Type your message in one go.")
        await person.say("Is the quiz <b>free</b>?", "Your message has number")
        post = await tg.wait_for(
            lambda: next((m for m in tg.sent(ADMIN_CHAT) if "Is the quiz" in (m.text or "")), None)
        )
        assert "<b>free</b>" in (post.text or "")  # shown as typed, never as markup
        tg.push_message(
            ADMIN,
            "Yes, it is free.",
            chat_id=ADMIN_CHAT,
            reply_to_message_id=post.message_id,
        )
        await tg.wait_for(lambda: "Yes, it is free." in person.texts()[-1])
        await person.click("Reply", "Type your reply to request")
        await person.say("Great, thanks!", "Sent! A person will read it soon.")
        await tg.wait_for(
            lambda: any("Great, thanks!" in (m.text or "") for m in tg.sent(ADMIN_CHAT))
        )
        tg.click(ADMIN_CHAT, "✋ I'll take it", user_id=ADMIN, message_id=post.message_id)
        mine = await tg.wait_for(
            lambda: next((m for m in tg.sent(ADMIN_CHAT) if "is yours" in (m.text or "")), None)
        )
        # Admins talking among themselves: a reply to a person's message is not for the bot.
        update = tg.push_message(ADMIN + 1, "Shall I call them?", chat_id=ADMIN_CHAT)
        question = update["message"]["message_id"]
        before = len(tg.sent(ADMIN_CHAT))
        tg.push_message(ADMIN, "Yes please.", chat_id=ADMIN_CHAT, reply_to_message_id=question)
        # A reply to one of the bot's own posts that is no request is answered, not lost.
        tg.push_message(ADMIN, "Thanks!", chat_id=ADMIN_CHAT, reply_to_message_id=mine.message_id)
        notice = await tg.wait_for(
            lambda: next(
                (m for m in tg.sent(ADMIN_CHAT)[before:] if "is not a request" in (m.text or "")),
                None,
            )
        )
        assert len(tg.sent(ADMIN_CHAT)[before:]) == 1, notice  # nothing for "Yes please."
    assert not await tg.wait_answered()
    tg.assert_clean()
