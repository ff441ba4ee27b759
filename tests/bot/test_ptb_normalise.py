"""PTB updates as engine events: a button under a message the bot can no longer read still counts.

Telegram sends such a message (older than 48 hours, or otherwise inaccessible) with only its
chat, its id and date 0; PTB types it ``InaccessibleMessage``, a ``MaybeInaccessibleMessage``
that is not a ``Message``. The aiogram runtime passes these presses on; PTB's must too, or the
press is never answered and the person's spinner keeps turning.
"""

from __future__ import annotations

import pytest
from telegram import CallbackQuery, Chat, InaccessibleMessage, Update, User

from bot.runtimes.ptb_app import normalise
from dialogs.events import ButtonPressed, ChatKind, Incoming, UserRef


def _press(chat: Chat, data: str | None) -> Update:
    query = CallbackQuery(
        id="4382000000000001",
        from_user=User(71_001, "Zoë", is_bot=False, language_code="nl"),
        chat_instance="-1",
        data=data,
        message=InaccessibleMessage(chat=chat, message_id=42),
    )
    return Update(update_id=9, callback_query=query)


@pytest.mark.parametrize(
    ("chat", "kind"),
    [
        (Chat(71_001, Chat.PRIVATE), ChatKind.PRIVATE),
        (Chat(-100_123, Chat.SUPERGROUP), ChatKind.GROUP),
    ],
)
def test_a_press_under_an_inaccessible_message_reaches_the_engine(
    chat: Chat, kind: ChatKind
) -> None:
    assert normalise(_press(chat, "1reg.who.pick.young.mac"), "playbot") == Incoming(
        update_id=9,
        user=UserRef(71_001, "nl"),
        chat_id=chat.id,
        event=ButtonPressed("1reg.who.pick.young.mac", 42, "4382000000000001"),
        chat_kind=kind,
    )


def test_the_wire_form_of_an_inaccessible_message_gives_the_same_event() -> None:
    body = {
        "update_id": 9,
        "callback_query": {
            "id": "4382000000000001",
            "from": {"id": 71_001, "is_bot": False, "first_name": "Zoë", "language_code": "nl"},
            "chat_instance": "-1",
            "data": "1reg.who.pick.young.mac",
            "message": {"chat": {"id": 71_001, "type": "private"}, "message_id": 42, "date": 0},
        },
    }
    wire = Update.de_json(body, None)
    assert wire.callback_query is not None and wire.callback_query.message is not None
    assert not wire.callback_query.message.is_accessible
    built = _press(Chat(71_001, Chat.PRIVATE), "1reg.who.pick.young.mac")
    assert normalise(wire, None) == normalise(built, None) is not None


def test_a_press_without_data_is_ignored() -> None:
    assert normalise(_press(Chat(71_001, Chat.PRIVATE), None), None) is None
