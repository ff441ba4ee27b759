"""Configuration: good values are read, bad ones get one clear line and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Runtime, load_settings


def settings(**values: object):  # type: ignore[no-untyped-def]
    return load_settings(_env_file=None, **values)


def test_defaults_are_the_embedded_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "BOT_RUNTIME", "DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    loaded = settings(data_dir=tmp_path)
    assert loaded.bot_token is None
    assert loaded.bot_runtime is Runtime.AIOGRAM
    assert loaded.redis_url is None
    assert loaded.default_locale == "nl"
    assert loaded.effective_database_url == f"sqlite+aiosqlite:///{tmp_path / 'playbot.sqlite3'}"


def test_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:ABC-def_1")
    monkeypatch.setenv("BOT_RUNTIME", "PTB")
    monkeypatch.setenv("ADMIN_IDS", "1, 22,333")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/play")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    loaded = settings()
    assert (
        loaded.bot_token is not None and loaded.bot_token.get_secret_value() == "123456:ABC-def_1"
    )
    assert "ABC" not in repr(loaded)  # secrets are masked
    assert loaded.bot_runtime is Runtime.PTB
    assert loaded.admin_ids == frozenset({1, 22, 333})
    assert loaded.database_url == "postgresql+asyncpg://u:p@db:5432/play"
    assert loaded.telegram_api_url == "http://127.0.0.1:8081"


def test_retention_periods_reach_the_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUEST_DAYS", "90")
    monkeypatch.setenv("DRAFT_DAYS", "10")
    dialog = settings().dialog_settings()
    assert (dialog.request_kept.days, dialog.draft_kept.days) == (90, 10)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BOT_TOKEN", "not-a-token", "BOT_TOKEN must look like 123456789:AAE"),
        ("BOT_RUNTIME", "telethon", "BOT_RUNTIME"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL uses 'mysql'"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must start with redis://"),
        ("ADMIN_IDS", "alice,bob", "ADMIN_IDS must be Telegram user ids"),
        ("DEFAULT_LOCALE", "de", "DEFAULT_LOCALE"),
        ("TELEGRAM_API_URL", "api.telegram.org", "TELEGRAM_API_URL must be an http(s) URL"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
        ("REQUEST_DAYS", "7", "REQUEST_DAYS"),
    ],
)
def test_bad_values_are_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        settings()
    text = str(caught.value)
    assert message in text
    assert "\n" not in text
    assert text.endswith("Set it in the environment or in .env.")


def run_cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL")}
    base["WEB_PORT"] = "0"  # any free port: 8080 may be taken by a bot running on this machine
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**base, **env},
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_cli_exits_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    result = run_cli("run", env={"BOT_TOKEN": "oops", "DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "playbot: BOT_TOKEN must look like 123456789:AAE... (the token @BotFather gave you). "
        "Set it in the environment or in .env."
    ]


@pytest.mark.slow
def test_cli_reports_an_unreachable_database(tmp_path: Path) -> None:
    result = run_cli(
        "migrate",
        env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x", "DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_help_lists_the_commands() -> None:
    result = run_cli("--help", env={})
    assert result.returncode == 0
    for command in ("run", "chat", "migrate", "keys"):
        assert command in result.stdout
