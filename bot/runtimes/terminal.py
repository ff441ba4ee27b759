"""Terminal chat: the same engine in a terminal, for trying the bot with no Telegram at all.

Bot messages are printed as plain text; buttons appear as numbered choices, and typing the number
presses the button. A button labelled with a number (an age) has that number, so typing the age
picks it. Pictures and files are saved under ``DATA_DIR/terminal`` and their path printed.
Input ends cleanly at end of file (Ctrl-D, or the end of a piped script).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import itertools
import re
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Final, Literal, TextIO

from bot.services import Services
from dialogs.effects import Keyboard
from dialogs.events import ButtonPressed, Event, Incoming, TextSent, UserRef, parse_command
from dialogs.i18n import N_, negotiate

BANNER: Final = N_(
    "Terminal chat with the Play Style bot. Type /start to begin, a number to press a button, "
    "and Ctrl-D to stop."
)
GONE: Final = N_("That button is gone. Type the number of a button shown since.")
_TAG: Final = re.compile(r"<[^>]+>")
_MAX_CHOICE_DIGITS: Final = 3


def html_to_plain(text: str) -> str:
    """Telegram HTML as terminal text: bold shown as is, tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", text))


class TerminalMessenger:
    """Prints what the bot says; remembers the buttons of its latest answer so numbers press them.

    Buttons are numbered across every message of one answer ([1] [2] in the first, [3] in the
    next), so each can be pressed. A button whose label is a number gets that number when it is
    free ([6] ... [16] for ages, then [17] Back): typing "11" for age 11 must not press the
    eleventh button. Messages for other chats (an admin, an organisation) are printed marked as
    theirs, and their buttons cannot be pressed from here.
    """

    def __init__(self, out: TextIO, files: Path, *, chat_id: int | None = None) -> None:
        self._out = out
        self._files = files
        self._chat_id = chat_id
        self._ids = itertools.count(1)
        self._new_answer = True
        self.choices: dict[int, tuple[int, str] | None] = {}
        """Number -> ``(message id, button data)``; None where that message lost its buttons."""

    def begin_answer(self) -> None:
        """Called before each line typed: the next buttons printed start again at [1]."""
        self._new_answer = True

    def _print(
        self,
        chat_id: int,
        text: str,
        keyboard: Keyboard | None,
        message_id: int,
        prefix: str = "",
    ) -> None:
        body = html_to_plain(text).replace("\n", "\n   ")
        theirs = self._chat_id is not None and chat_id != self._chat_id
        if theirs:
            prefix = f"[→ {chat_id}] {prefix}"
        self._out.write(f"🤖 {prefix}{body}\n")
        if not theirs:
            self._drop_choices(message_id)  # an edit replaces the message's buttons
        if keyboard:
            if self._new_answer and not theirs:
                self.choices = {}
                self._new_answer = False
            for row in keyboard:
                cells = []
                for button in row:
                    if button.url is not None:
                        cells.append(f"{button.text}: {button.url}")
                    elif theirs:
                        cells.append(f"[ ] {button.text}")
                    else:
                        number = self._number_for(button.text, keyboard)
                        self.choices[number] = (message_id, button.data or "")
                        label = "" if str(number) == button.text.strip() else f" {button.text}"
                        cells.append(f"[{number}]{label}")
                self._out.write("   " + "   ".join(cells) + "\n")
        self._out.flush()

    def _number_for(self, label: str, keyboard: Keyboard) -> int:
        """The label's own number if it is one and still free, else the next number after every
        number used so far and every number label of this keyboard."""
        own = _choice(label.strip(), 999)
        if own is not None and own not in self.choices:
            return own
        labelled = [_choice(b.text.strip(), 999) or 0 for row in keyboard for b in row]
        return max([0, *self.choices, *labelled]) + 1

    def _drop_choices(self, message_id: int) -> None:
        self.choices = {
            number: None if choice is None or choice[0] == message_id else choice
            for number, choice in self.choices.items()
        }

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None) -> int:
        message_id = next(self._ids)
        self._print(chat_id, text, keyboard, message_id)
        return message_id

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None
    ) -> None:
        self._print(chat_id, text, keyboard, message_id, prefix="✏️ ")

    def _save(self, content: bytes, filename: str, message_id: int) -> Path:
        """Saved under the message's number: a second child's chart must not replace the first."""
        self._files.mkdir(parents=True, exist_ok=True)
        path = self._files / f"{message_id}-{Path(filename).name}"
        path.write_bytes(content)
        return path

    async def send_photo(
        self,
        chat_id: int,
        photo: bytes,
        filename: str,
        caption: str | None,
        keyboard: Keyboard | None,
    ) -> int:
        message_id = next(self._ids)
        path = self._save(photo, filename, message_id)
        text = f"🖼  {path}" + (f"\n{caption}" if caption else "")
        self._print(chat_id, text, keyboard, message_id)
        return message_id

    async def send_document(
        self, chat_id: int, content: bytes, filename: str, caption: str | None
    ) -> int:
        message_id = next(self._ids)
        path = self._save(content, filename, message_id)
        self._print(chat_id, f"📎 {path}" + (f"\n{caption}" if caption else ""), None, message_id)
        return message_id

    async def delete(self, chat_id: int, message_id: int) -> None:
        self._drop_choices(message_id)

    async def answer_callback(self, callback_id: str, text: str | None, alert: bool) -> None:
        if text:
            self._out.write(f"💬 {text}\n")
            self._out.flush()


def _read_lines(
    stream: TextIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]
) -> None:
    # A daemon thread: a blocked read never keeps the process alive at exit. Bytes that are not
    # in the terminal's encoding become U+FFFD instead of ending the reader, and the end marker
    # is queued however reading stops, so the chat never waits for input that cannot come.
    try:
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
        for line in stream:
            loop.call_soon_threadsafe(queue.put_nowait, line)
    finally:
        with contextlib.suppress(RuntimeError):  # the loop is already closed: nobody waits
            loop.call_soon_threadsafe(queue.put_nowait, None)


def _choice(text: str, highest: int) -> int | None:
    """The number typed, if ``text`` is one: a short ASCII number from 1 to ``highest``."""
    if text.isascii() and text.isdigit() and len(text) <= _MAX_CHOICE_DIGITS:
        number = int(text)
        if 1 <= number <= highest:
            return number
    return None


def _button_for(
    text: str, choices: Mapping[int, tuple[int, str] | None]
) -> tuple[int, str] | Literal["gone"] | None:
    """``(message id, data)`` of the button a typed number presses; "gone" for the number of a
    button that is no longer there; None when the text is no button number. With no button left
    at all, a number is just text (an age, say)."""
    if not any(choices.values()):
        return None
    choice = _choice(text, 999)
    if choice is None or choice not in choices:
        return None
    return choices[choice] or "gone"


async def run_terminal(
    services: Services,
    *,
    files: Path,
    user_id: int,
    language_code: str | None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    stop: asyncio.Event | None = None,
) -> None:
    """Chat on stdin/stdout until end of input (or ``stop``)."""
    engine = services.engine
    messenger = TerminalMessenger(stdout, files, chat_id=user_id)
    services.messenger = messenger
    texts = engine.translator.texts(negotiate(language_code, engine.settings.default_locale))
    stdout.write(texts.gettext(BANNER) + "\n")
    stdout.flush()
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(
        target=_read_lines, args=(stdin, asyncio.get_running_loop(), queue), daemon=True
    ).start()
    user = UserRef(id=user_id, language_code=language_code)
    presses = itertools.count(1)
    while stop is None or not stop.is_set():
        line = await queue.get()
        if line is None:
            break
        text = line.strip()
        if not text:
            continue
        event: Event
        command = parse_command(text)
        pressed = _button_for(text, messenger.choices)
        if command is not None:
            event = command
        elif pressed == "gone":
            stdout.write(texts.gettext(GONE) + "\n")
            stdout.flush()
            continue
        elif pressed is not None:
            message_id, data = pressed
            event = ButtonPressed(
                data=data, message_id=message_id, callback_id=f"terminal-{next(presses)}"
            )
        else:
            event = TextSent(text)
        messenger.begin_answer()
        await engine.handle(
            Incoming(update_id=None, user=user, chat_id=user_id, event=event), messenger
        )
