"""The bot as a real process: ``playbot run`` against the fake Bot API, SIGTERM, kill -9, restart.

This is the contract other checks rely on: with BOT_TOKEN, TELEGRAM_API_URL and DATA_DIR set,
``playbot run`` long-polls that server and answers /start and /help in the sender's language.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.e2e.bot_session import TOKEN, Person
from tests.fake_telegram.server import FakeTelegram

pytestmark = pytest.mark.slow


@asynccontextmanager
async def bot_process(
    tg: FakeTelegram, data_dir: Path, *args: str, env: dict[str, str] | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m bot run`` polling ``tg``; killed at the end if it is still running."""
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DATA_KEYS", "INDEX_KEY", "BOT_RUNTIME")
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        *args,
        env={
            **base,
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": tg.base_url,
            "DATA_DIR": str(data_dir),
            "WEB_PORT": "0",
            "LOG_LEVEL": "INFO",
            **(env or {}),
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    polls = len(tg.calls_of("getUpdates"))
    try:
        await tg.wait_for(
            lambda: len(tg.calls_of("getUpdates")) > polls or process.returncode is not None,
            timeout=30,
        )
        if process.returncode is not None:
            _, err = await process.communicate()
            raise AssertionError(f"the bot exited: {err.decode()[-2000:]}")
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
async def test_run_answers_in_the_senders_language_and_stops_on_sigterm(
    tg: FakeTelegram, tmp_path: Path, runtime: str
) -> None:
    async with bot_process(tg, tmp_path, "--runtime", runtime) as process:
        dutch = Person(tg, user_id=61_001, language_code="nl")
        english = Person(tg, user_id=61_002, language_code="en")
        await dutch.say("/start", "Wie is er aan het chatten?")
        await english.say("/start", "Who is chatting?")
        await english.say("/help", "Here's what I can do")
        await dutch.say("/help", "Dit kan ik allemaal")
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 15)
        assert process.returncode == 0, err.decode()[-2000:]
        assert time.monotonic() - started < 8
    logs = err.decode()
    assert '"event": "bot_stopped"' in logs
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    per_update = [line for line in lines if "update" in str(line.get("event", "")).lower()]
    assert [line["event"] for line in per_update] == ["update_handled"] * 4  # one line each
    for secret in (TOKEN.split(":")[1], "61001", "61002"):
        assert secret not in logs
    assert not await tg.wait_answered()
    tg.assert_clean()


async def test_kill_during_registration_then_restart_resumes(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    zoe = Person(tg, user_id=62_001, language_code="en")
    async with bot_process(tg, tmp_path) as process:
        await zoe.say("/start", "Who is chatting?")
        await zoe.click("young person", "What's your first name or nickname?")
        await zoe.say("Zoë", "How old are you, Zoë?")
        await zoe.click("16", "What is your e-mail address?")
        await zoe.say("zoe@example.nl", "What is your last name?")
        await zoe.say("de Vries", "What is your home address?")
        await tg.settle(zoe.user_id, quiet=0.3)
        process.kill()  # no goodbye: SIGKILL in the middle of registration
        await process.wait()
    async with bot_process(tg, tmp_path) as process:
        await zoe.say("/start", "What is your home address?")
        await zoe.say("Dorpsstraat 12, Utrecht", "About how many hours a week")
        await zoe.click("2 to 4", "Please check your details")
        summary = zoe.last_text
        for value in ("Zoë", "de Vries", "16", "zoe@example.nl", "Dorpsstraat 12, Utrecht"):
            assert value in summary
        await zoe.click("Yes, sign me up", "Ready for the quiz?")
        await zoe.click("Start the quiz", "Question 1 of 14")
        for number in (2, 3, 4):
            question = next(m for m in reversed(zoe.visible()) if m.buttons)
            await zoe.click(question.buttons[0][0][0], f"Question {number} of 14")
        await tg.settle(zoe.user_id, quiet=0.3)
        process.kill()  # and again, in the middle of the quiz
        await process.wait()
    async with bot_process(tg, tmp_path):
        await zoe.say("hello?", "Question 4 of 14")  # the first unanswered question
    database = sqlite3.connect(tmp_path / "playbot.sqlite3")
    assert database.execute("select count(*) from accounts").fetchone() == (1,)
    assert database.execute("select count(*), min(status) from people").fetchone() == (1, "active")
    assert database.execute("select count(*) from consents").fetchone() == (1,)
    assert database.execute("select count(*) from answers").fetchone() == (3,)
    tg.assert_clean()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BOT_TOKEN": "nonsense"}, "BOT_TOKEN must look like"),
        ({"REDIS_URL": "redis://127.0.0.1:1/0"}, "cannot reach Redis at REDIS_URL"),
        ({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"}, "cannot use the database"),
    ],
)
async def test_bad_configuration_is_one_line(
    tg: FakeTelegram, tmp_path: Path, env: dict[str, str], message: str
) -> None:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env={
            **base,
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": tg.base_url,
            "DATA_DIR": str(tmp_path),
            "WEB_PORT": "0",
            **env,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    lines = [line for line in err.decode().splitlines() if line.startswith("playbot:")]
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in err.decode()


async def test_terminal_chat_with_nothing_configured(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "DATA_KEYS", "INDEX_KEY")
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env={**env, "DATA_DIR": str(tmp_path), "WEB_PORT": "0", "LANG": "en_GB.UTF-8"},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    script = "/start\n2\nAnna\nJansen\nanna@example.nl\nKerkstraat 1, Zwolle\n1\n/help\n"
    out, err = await asyncio.wait_for(process.communicate(script.encode()), 60)
    text = out.decode()
    assert process.returncode == 0, err.decode()
    assert "No BOT_TOKEN set: starting the terminal chat." in err.decode()
    assert "[1] 🧒 Me! I'm a young person" in text
    assert "🎉 You're signed up, Anna!" in text
    assert "/language" in text.split("Here's what I can do")[-1]
    assert (tmp_path / "keys.json").exists() and (tmp_path / "playbot.sqlite3").exists()
    [mail] = (tmp_path / "outbox").glob("*.eml")  # queued mail goes out before the chat ends
    assert "Set your Play Style password" in mail.read_text()


async def test_terminal_chat_ends_cleanly_on_input_that_is_not_utf8(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "DATA_KEYS", "INDEX_KEY")
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "chat",
        env={
            **env,
            "DATA_DIR": str(tmp_path),
            "WEB_PORT": "0",
            "LANG": "en_GB.UTF-8",
            # Strict UTF-8 stdin, as under an installed UTF-8 locale (C falls back to lenient).
            "PYTHONIOENCODING": "utf-8",
        },
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    script = "/start\ncaf\xe9 \xb2\n\xb2\n/help\n".encode("latin-1")  # Latin-1, not UTF-8
    try:
        out, err = await asyncio.wait_for(process.communicate(script), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = out.decode()
    assert process.returncode == 0, err.decode()[-2000:]
    assert "Traceback" not in err.decode()
    assert "Who is chatting?" in text
    assert text.count("Please tap one of the buttons.") == 2  # both bad lines, as text
    assert "Here's what I can do" in text  # the lines after them were read too
