"""Key rotation re-encrypts everything, in batches, and survives an interruption."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.services import Services
from storage.crypto import FieldCipher, key_id_of
from storage.keys import KeyRing, new_key_id
from storage.rotation import encrypted_columns, pending_cells, rotate
from storage.uow import Database
from tests.chat import ChatDriver


class Interrupted(Exception):
    pass


async def register(services: Services, n: int) -> None:
    for i in range(n):
        chat = ChatDriver(services.engine, user_id=7_000_000 + i, language_code="en")
        await chat.send("/start")
        await chat.press("parent or guardian")
        for answer in (
            f"Anna{'a' * (i % 5)}",
            "Jansen",
            f"anna{i}@example.nl",
            "Kerkstraat 1, Zwolle",
        ):
            await chat.send(answer)
        await chat.press("I agree, sign me up")


async def test_rotation_survives_an_interruption_and_old_key_can_go(services: Services) -> None:
    await register(services, 7)
    old = services.keys
    new = KeyRing(
        data_keys=((new_key_id(), os.urandom(32)), *old.data_keys), index_key=old.index_key
    )
    cipher = FieldCipher(new)
    assert await pending_cells(services.sql, cipher) > 0

    batches = 0

    def stop_after_two(_n: int) -> None:
        nonlocal batches
        batches += 1
        if batches == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        await rotate(services.sql, cipher, batch=3, progress=stop_after_two)
    assert await pending_cells(services.sql, cipher) > 0  # part done, part left
    report = await rotate(services.sql, cipher, batch=3)
    assert report.cells_rewritten > 0
    assert await pending_cells(services.sql, cipher) == 0
    assert (await rotate(services.sql, cipher, batch=3)).cells_rewritten == 0  # idempotent

    only_new = KeyRing(data_keys=new.data_keys[:1], index_key=old.index_key)
    db = Database(services.db.sessions, FieldCipher(only_new), only_new)
    async with db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(7_000_003)  # look-ups still work
        assert account is not None
        profile = await uow.people.own(account.id)
        assert profile is not None and profile.email == "anna3@example.nl"


async def test_every_encrypted_column_is_covered() -> None:
    tables = {table.name: columns for table, columns in encrypted_columns()}
    assert set(tables["people"]) == {"nickname_enc", "last_name_enc", "email_enc", "address_enc"}
    assert tables["accounts"] == ["tg_id_enc"]


@pytest.mark.slow
def test_cli_rotates_the_embedded_key_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATA_KEYS", "INDEX_KEY")}
    # Any free port for the web pages: 8080 may be taken by a bot running on this machine.
    env.update({"DATA_DIR": str(tmp_path), "PLAYBOT_CHAT_USER": "4242", "WEB_PORT": "0"})
    chat = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="/language\n2\n",
        text=True,
        capture_output=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert "English" in chat.stdout
    first = (tmp_path / "keys.json").read_text()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "keys", "rotate"],
        text=True,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "New key" in result.stdout and "Done: 1 values re-encrypted" in result.stdout
    import json

    keys = json.loads((tmp_path / "keys.json").read_text())
    assert keys["data_keys"].count(":") == 2 and keys["index_key"] == json.loads(first)["index_key"]
    import sqlite3

    blob = (
        sqlite3.connect(tmp_path / "playbot.sqlite3")
        .execute("select tg_id_enc from accounts")
        .fetchone()[0]
    )
    assert key_id_of(blob) == keys["data_keys"].split(":")[0]
