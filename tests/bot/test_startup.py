"""Starting up: the checks that stop a process before it can do harm, each with one clear line."""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.services import build_services, key_file_of
from storage.keys import new_key, new_key_id
from tests.bot.test_config import run_cli
from tests.chat import ChatDriver

_people = itertools.count(7_700_001)


async def someone_talked(settings: Settings) -> None:
    services = await build_services(settings)
    try:
        chat = ChatDriver(services.engine, user_id=next(_people), language_code="en")
        await chat.send("/start")
        await chat.press("young person")
        await chat.send("Sam")
    finally:
        await services.close()


async def test_keys_that_do_not_belong_to_the_database_stop_the_start(
    make_settings: Callable[..., Settings], database_url: str
) -> None:
    await someone_talked(make_settings(database_url=database_url))
    other = {"data_keys": f"{new_key_id()}:{new_key()}", "index_key": new_key()}
    with pytest.raises(ConfigError) as caught:
        await build_services(make_settings(database_url=database_url, **other))
    message = str(caught.value)
    assert "not among the configured keys" in message and "\n" not in message


async def test_an_index_key_that_does_not_belong_to_the_database_stops_the_start(
    make_settings: Callable[..., Settings], database_url: str, key_settings: dict[str, str]
) -> None:
    await someone_talked(make_settings(database_url=database_url))
    wrong_index = {"data_keys": key_settings["data_keys"], "index_key": new_key()}
    with pytest.raises(ConfigError, match="INDEX_KEY is not the one"):
        await build_services(make_settings(database_url=database_url, **wrong_index))
    await someone_talked(make_settings(database_url=database_url))  # the right keys still start


async def test_a_fresh_key_file_next_to_a_used_database_stops_the_start(
    make_settings: Callable[..., Settings], database_url: str, tmp_path: Path
) -> None:
    """Two hosts on one PostgreSQL, or a new DATA_DIR: the second would generate its own keys."""
    first = make_settings(
        database_url=database_url, data_dir=tmp_path / "host-a", data_keys=None, index_key=None
    )
    await someone_talked(first)
    assert key_file_of(first).path.exists()
    second = make_settings(
        database_url=database_url, data_dir=tmp_path / "host-b", data_keys=None, index_key=None
    )
    with pytest.raises(ConfigError, match=r"host-b/keys\.json"):
        await build_services(second)


async def test_a_damaged_key_file_is_one_clear_line(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings(data_dir=tmp_path / "d", data_keys=None, index_key=None)
    settings.data_dir.mkdir()
    key_file_of(settings).path.write_text('{"data_keys": ', encoding="utf-8")  # a crash mid-write
    with pytest.raises(ConfigError, match="cannot be read; restore it from a backup"):
        await build_services(settings)


async def test_a_redis_url_that_is_no_url_is_one_clear_line(
    make_settings: Callable[..., Settings],
) -> None:
    with pytest.raises(ConfigError, match="REDIS_URL is not a Redis URL"):
        await build_services(make_settings(redis_url="redis://127.0.0.1:abc/0"))


@pytest.mark.slow
def test_migrate_works_on_a_fresh_machine(tmp_path: Path) -> None:
    data_dir = tmp_path / "not-yet"
    result = run_cli("migrate", env={"DATA_DIR": str(data_dir)})
    assert result.returncode == 0, result.stderr
    assert "Database is at revision" in result.stdout
    assert (data_dir / "playbot.sqlite3").exists()


@pytest.mark.slow
def test_a_data_dir_that_cannot_be_made_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_cli("migrate", env={"DATA_DIR": str(blocker / "data")})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "DATA_DIR" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
async def test_request_steps_that_message_someone_need_a_token_and_change_nothing(
    tmp_path: Path, make_settings: Callable[..., Settings], key_settings: dict[str, str]
) -> None:
    """Without BOT_TOKEN a reply could only be stored, never sent: refused, nothing kept."""
    from tests.dialogs.requests.test_flow import ask

    services = await build_services(make_settings(data_dir=tmp_path))
    try:
        number = await ask(ChatDriver(services.engine, user_id=7_700_100, language_code="en"))
    finally:
        await services.close()
    env = {
        "DATA_DIR": str(tmp_path),
        "DATA_KEYS": key_settings["data_keys"],
        "INDEX_KEY": key_settings["index_key"],
        "LANG": "en_GB.UTF-8",
        "LC_ALL": "",
    }
    refused = run_cli("requests", "reply", str(number), "Yes, you can.", env=env)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "playbot: Nothing was changed: this step sends a message through Telegram, so it needs "
        "BOT_TOKEN (set it, or use the command in the chat)."
    ]
    shown = run_cli("requests", "show", str(number), env=env)
    assert shown.returncode == 0, shown.stderr
    assert "Can I do it twice?" in shown.stdout and "Yes, you can." not in shown.stdout
    assert "new" in shown.stdout  # in the terminal's language, and still where it was


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not built for Windows")
def test_commands_run_on_uvloop() -> None:
    """Every command runs on uvloop, the loop the benchmark measured (asyncio's is slower)."""
    from bot.cli import _run_async

    async def loop_kind() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert _run_async(loop_kind).startswith("uvloop")
