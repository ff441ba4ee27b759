"""The terminal chat survives any input: odd digits, huge numbers, bytes that are not UTF-8."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import TextIO

from bot.runtimes.terminal import run_terminal
from bot.services import Services

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
