"""Drive the engine like a person in a chat: type text, press buttons by their label."""

from __future__ import annotations

import itertools
from typing import ClassVar

from dialogs.effects import Button, Effect
from dialogs.engine import Engine
from dialogs.events import (
    ButtonPressed,
    ChatKind,
    Event,
    Incoming,
    TextSent,
    UserRef,
    parse_command,
)
from tests.messenger import RecordingMessenger, Sent


class ChatDriver:
    """One person talking to the engine, with the chat as they would see it."""

    _update_ids: ClassVar[itertools.count[int]] = itertools.count(1)

    def __init__(
        self,
        engine: Engine,
        *,
        user_id: int = 5_550_001,
        language_code: str | None = "nl",
        messenger: RecordingMessenger | None = None,
    ) -> None:
        self.engine = engine
        self.user = UserRef(user_id, language_code)
        self.messenger = messenger or RecordingMessenger()
        self._callbacks = itertools.count(1)

    async def deliver(
        self, event: Event, *, update_id: int | None = None, chat_kind: ChatKind = ChatKind.PRIVATE
    ) -> list[Effect]:
        incoming = Incoming(
            update_id=next(self._update_ids) if update_id is None else update_id,
            user=self.user,
            chat_id=self.user.id,
            event=event,
            chat_kind=chat_kind,
        )
        return await self.engine.handle(incoming, self.messenger)

    async def send(self, text: str, **kwargs: object) -> list[Effect]:
        """Type a message (commands start with /)."""
        return await self.deliver(parse_command(text) or TextSent(text), **kwargs)  # type: ignore[arg-type]

    def button(self, label: str, message: Sent | None = None) -> tuple[Sent, Button]:
        """Find a button whose label contains ``label`` on ``message`` or the newest keyboard."""
        candidates = [message] if message else reversed(self.mine())
        for sent in candidates:
            for row in sent.keyboard or ():
                for button in row:
                    if label in button.text:
                        return sent, button
        shown = [b.text for m in self.messenger.messages for r in m.keyboard or () for b in r]
        raise AssertionError(f"no button {label!r}; buttons shown: {shown}")

    async def press(self, label: str, message: Sent | None = None) -> list[Effect]:
        """Press a button by (part of) its label."""
        sent, button = self.button(label, message)
        assert button.data is not None
        return await self.press_data(button.data, sent.message_id)

    async def press_data(self, data: str, message_id: int) -> list[Effect]:
        """Press a button with raw callback data (also forged data)."""
        return await self.deliver(
            ButtonPressed(
                data=data, message_id=message_id, callback_id=f"cb{next(self._callbacks)}"
            )
        )

    async def sign_up_as_parent(self) -> None:
        """Sign up as the parent Anna Jansen (an English chat); ends where a child is added."""
        await self.send("/start")
        await self.press("parent or guardian")
        for answer in ("Anna", "Jansen", "anna@example.nl", "Kerkstraat 1, Zwolle"):
            await self.send(answer)
        await self.press("I agree, sign me up")

    def mine(self) -> list[Sent]:
        """Messages in this person's chat (others may share the messenger)."""
        return [m for m in self.messenger.messages if m.chat_id == self.user.id]

    @property
    def last_text(self) -> str:
        return self.mine()[-1].text

    def texts(self) -> list[str]:
        return [m.text for m in self.mine()]
