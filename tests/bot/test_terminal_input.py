"""The terminal chat survives any input: odd digits, huge numbers, bytes that are not UTF-8."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import TextIO

from bot.runtimes.terminal import TerminalMessenger, _button_for, run_terminal
from bot.services import Services
from dialogs.effects import Button

TAP = "Please tap one of the buttons."


async def _chat(services: Services, stdin: TextIO, tmp_path: Path) -> str:
    out = io.StringIO()
    await asyncio.wait_for(
        run_terminal(
            services,
            files=tmp_path / "files",
            user_id=81_001,
            language_code="en",
            stdin=stdin,
            stdout=out,
        ),
        timeout=20,
    )
    return out.getvalue()


async def test_only_short_ascii_numbers_press_buttons(embedded: Services, tmp_path: Path) -> None:
    odd = ["²", "⑤", "١", "１", "0", "9" * 5000]  # superscript, circled, Arabic, full-width
    script = "\n".join(["/start", *odd, "1", ""])
    text = await _chat(embedded, io.StringIO(script), tmp_path)
    assert "[1] 🧒 Me! I'm a young person" in text
    after_start = text.split("Who is chatting?", 1)[1]
    assert after_start.count(TAP) == len(odd)  # each one was sent as text, and answered
    assert "What's your first name or nickname?" in after_start.split(TAP)[-1]  # "1" pressed


async def test_input_that_is_not_utf8_is_read_with_replacement(
    embedded: Services, tmp_path: Path
) -> None:
    raw = "/start\ncaf\xe9\n/help\n".encode("latin-1")
    stdin = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8")  # strict, like a UTF-8 locale
    text = await _chat(embedded, stdin, tmp_path)
    assert "Who is chatting?" in text
    assert TAP in text  # "caf\ufffd" went to the bot as text
    assert "Here's what I can do" in text  # and the lines after it were read too


async def test_every_button_of_an_answer_has_its_own_number(tmp_path: Path) -> None:
    out = io.StringIO()
    messenger = TerminalMessenger(out, tmp_path, chat_id=1)
    messenger.begin_answer()
    first = await messenger.send_text(
        1, "Added!", ((Button("Add another", "a"),), (Button("Done", "d"),))
    )
    second = await messenger.send_text(1, "Ready?", ((Button("Quiz for Bram", "q"),),))
    assert "[1] Add another" in out.getvalue() and "[3] Quiz for Bram" in out.getvalue()
    assert messenger.choices == {1: (first, "a"), 2: (first, "d"), 3: (second, "q")}
    await messenger.edit_text(1, first, "Added.", None)  # that message lost its buttons
    assert messenger.choices == {1: None, 2: None, 3: (second, "q")}  # the numbers shown stay
    messenger.begin_answer()
    await messenger.send_text(1, "Question 1", ((Button("Run", "r"),),))
    assert messenger.choices == {1: (3, "r")}


async def test_a_button_labelled_with_a_number_has_that_number(tmp_path: Path) -> None:
    out = io.StringIO()
    messenger = TerminalMessenger(out, tmp_path, chat_id=1)
    messenger.begin_answer()
    ages = tuple((Button(str(age), f"age{age}"),) for age in range(6, 17))
    await messenger.send_text(1, "How old are you?", ((Button("Back", "b"),), *ages))
    shown = out.getvalue()
    assert "[6]\n" in shown and "[11]\n" in shown and "[11] 11" not in shown
    assert "[17] Back" in shown  # after every number label, not the first free number
    assert _button_for("11", messenger.choices) == (1, "age11")  # age 11, not the 11th button
    assert _button_for("17", messenger.choices) == (1, "b")
    assert _button_for("5", messenger.choices) is None  # no such button: text ("5" as an age)
    await messenger.send_text(1, "Or pick:", ((Button("6", "again"),), (Button("Next", "n"),)))
    # "6" is taken in this answer: the second one gets the next number, with its label.
    assert "[18] 6" in out.getvalue() and "[19] Next" in out.getvalue()


async def test_messages_for_other_chats_are_marked_and_cannot_be_pressed(tmp_path: Path) -> None:
    out = io.StringIO()
    messenger = TerminalMessenger(out, tmp_path, chat_id=1)
    messenger.begin_answer()
    await messenger.send_text(1, "Yours", ((Button("Mine", "m"),),))
    await messenger.send_text(9_002, "A member left", ((Button("Theirs", "t"),),))
    assert "🤖 [→ 9002] A member left" in out.getvalue() and "[ ] Theirs" in out.getvalue()
    assert [c[1] for c in messenger.choices.values() if c] == ["m"]


async def test_pictures_of_two_children_do_not_overwrite_each_other(tmp_path: Path) -> None:
    messenger = TerminalMessenger(io.StringIO(), tmp_path, chat_id=1)
    for picture in (b"one", b"two"):
        await messenger.send_photo(1, picture, "play-style.jpg", None, None)
    assert sorted(p.read_bytes() for p in tmp_path.iterdir()) == [b"one", b"two"]


def test_a_number_presses_a_button_only_while_there_are_some() -> None:
    assert _button_for("2", {1: (1, "a"), 2: (1, "b")}) == (1, "b")
    assert _button_for("2", {1: None, 2: (2, "c")}) == (2, "c")
    assert _button_for("1", {1: None, 2: (2, "c")}) == "gone"  # said so, not sent as text
    assert _button_for("3", {1: None, 2: (2, "c")}) is None  # no such number: text
    assert _button_for("1", {1: None, 2: None}) is None  # no button left: "1" is text
    assert _button_for("hi", {1: (1, "a")}) is None
