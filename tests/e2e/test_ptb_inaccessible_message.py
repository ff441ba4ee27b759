"""A button under a message the bot can no longer read (older than 48 hours) still works.

Telegram then sends the callback query with an inaccessible message: only its chat, its id and
date 0. Both runtimes must pass the press on, so that it is answered and the spinner stops.
"""

from __future__ import annotations

import pytest

from bot.services import Services
from tests.e2e.bot_session import RUNTIMES, Person, polling
from tests.fake_telegram.server import FakeTelegram


@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_a_button_under_an_inaccessible_message_is_answered(
    embedded: Services, tg: FakeTelegram, runtime: str
) -> None:
    async with polling(embedded, tg, runtime):
        zoe = Person(tg, user_id=53_001, language_code="en")
        await zoe.say("/start", "Who is chatting?")
        question = next(m for m in reversed(zoe.visible()) if m.buttons)
        [data] = [data for row in question.buttons for text, data in row if "young person" in text]
        since = len(tg.events(zoe.user_id))
        query = tg.push_callback(
            zoe.user_id, question.message_id, data, language_code="en", inaccessible=True
        )
        await tg.wait_for(lambda: not tg.unanswered_callbacks(), timeout=10)
        assert [c.params["callback_query_id"] for c in tg.calls_of("answerCallbackQuery")] == [
            query
        ]
        await tg.wait_for(
            lambda: any(
                "What's your first name" in (e.text or "") for e in tg.events(zoe.user_id)[since:]
            ),
            timeout=10,
        )
    tg.assert_clean()
