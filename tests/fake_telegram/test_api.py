"""The fake's HTTP surface and bookkeeping, exercised with a bare aiohttp client."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from io import BytesIO
from typing import Any

import aiohttp
import pytest
from PIL import Image

from tests.fake_telegram.models import Call, FloodLimits
from tests.fake_telegram.samples import png
from tests.fake_telegram.server import FakeTelegram

TOKEN = "123456:TEST"
KEYBOARD = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}

Result = tuple[int, dict[str, Any]]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Api:
    """Calls the fake like a client library would: form bodies by default, or JSON."""

    def __init__(self, tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
        self.tg, self.http = tg, http

    async def __call__(self, method: str, **params: Any) -> Result:
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        async with self.http.post(f"{self.tg.base_url}/bot{TOKEN}/{method}", data=form) as r:
            return r.status, await r.json()

    async def json(self, method: str, **params: Any) -> Result:
        async with self.http.post(f"{self.tg.base_url}/bot{TOKEN}/{method}", json=params) as r:
            return r.status, await r.json()

    async def send(self, chat_id: int, text: str = "hi", **params: Any) -> int:
        status, body = await self("sendMessage", chat_id=chat_id, text=text, **params)
        assert status == 200, body
        return int(body["result"]["message_id"])


@pytest.fixture
def api(tg: FakeTelegram, http: aiohttp.ClientSession) -> Api:
    return Api(tg, http)


async def test_bad_token_is_unauthorized(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{tg.base_url}/botTEST/getMe") as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }


async def test_unknown_method(api: Api, tg: FakeTelegram) -> None:
    assert await api("sendTelepathy", chat_id=1) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    assert tg.violations == ["sendTelepathy (chat 1): Not Found: method not found"]


async def test_method_names_are_case_insensitive_and_get_works(
    tg: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    url = f"{tg.base_url}/bot{TOKEN}/SENDMESSAGE?chat_id=5&text=hey"
    async with http.get(url) as response:
        body = await response.json()
    assert body["ok"] and body["result"]["text"] == "hey"
    assert body["result"]["chat"] == {
        "id": 5,
        "type": "private",
        "first_name": "Test",
        "username": "user5",
    }
    assert body["result"]["from"]["username"] == "play_test_bot"
    assert tg.calls[0].method == "sendMessage" and tg.calls[0].params["chat_id"] == 5


async def test_json_and_form_bodies_echo_the_keyboard(api: Api, tg: FakeTelegram) -> None:
    _, by_json = await api.json("sendMessage", chat_id=1, text="a", reply_markup=KEYBOARD)
    _, by_form = await api("sendMessage", chat_id=1, text="b", reply_markup=KEYBOARD)
    assert by_json["result"]["reply_markup"] == by_form["result"]["reply_markup"] == KEYBOARD
    assert tg.calls[1].params["reply_markup"] == KEYBOARD  # decoded from the form string
    assert [m.message_id for m in tg.sent(1)] == [1, 2]


async def test_uploads_attach_and_named_parts(
    api: Api, tg: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    url = f"{tg.base_url}/bot{TOKEN}/sendDocument"
    aiogram_style = aiohttp.FormData()
    aiogram_style.add_field("chat_id", "1")
    aiogram_style.add_field("document", "attach://x1y2")
    aiogram_style.add_field("x1y2", b"abc", filename="a.txt")
    ptb_style = aiohttp.FormData()
    ptb_style.add_field("chat_id", "1")
    ptb_style.add_field("document", b"defg", filename="b.txt", content_type="text/plain")
    for form in (aiogram_style, ptb_style):
        async with http.post(url, data=form) as response:
            assert response.status == 200, await response.text()
    first, second = tg.sent(1)
    assert first.file is not None and second.file is not None
    assert (first.file.field, first.file.filename, first.file.content) == (
        "document",
        "a.txt",
        b"abc",
    )
    assert (second.file.filename, second.file.size, second.file.content_type) == (
        "b.txt",
        4,
        "text/plain",
    )

    # Re-sending by file_id works; an unknown id or an empty file does not.
    status, body = await api("sendDocument", chat_id=1, document=first.file.file_id)
    assert status == 200 and body["result"]["document"]["file_name"] == "a.txt"
    status, body = await api("sendDocument", chat_id=1, document="nope")
    assert (status, body["description"]) == (
        400,
        "Bad Request: wrong file identifier/HTTP URL specified",
    )
    empty = aiohttp.FormData()
    empty.add_field("chat_id", "1")
    empty.add_field("document", b"", filename="empty.txt")
    async with http.post(url, data=empty) as response:
        assert (await response.json())["description"] == "Bad Request: file must be non-empty"


async def test_photo_must_be_an_image(
    api: Api, tg: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    for content, expected in ((png(30, 20), 200), (b"not an image", 400)):
        form = aiohttp.FormData()
        form.add_field("chat_id", "1")
        form.add_field("photo", content, filename="p.png")
        async with http.post(f"{tg.base_url}/bot{TOKEN}/sendPhoto", data=form) as response:
            body = await response.json()
            assert response.status == expected, body
    assert body["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    photo = tg.sent(1)[0]
    assert photo.kind == "photo" and photo.file is not None and photo.file.size == len(png(30, 20))


def jpeg(width: int, height: int) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (width, height), "orange").save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (jpeg(1080, 850), None),
        (jpeg(2100, 100), "PHOTO_INVALID_DIMENSIONS"),  # more than 20 to 1
        (png(6000, 4001), "PHOTO_INVALID_DIMENSIONS"),  # more than 10 000 together
        (b"\xff\xd8\xff but not a JPEG", "IMAGE_PROCESS_FAILED"),
    ],
    ids=["jpeg", "jpeg too narrow", "png too large", "broken jpeg"],
)
async def test_photo_sizes_are_checked_whatever_the_format(
    content: bytes, expected: str | None, tg: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", "1")
    form.add_field("photo", content, filename="picture")
    async with http.post(f"{tg.base_url}/bot{TOKEN}/sendPhoto", data=form) as response:
        body = await response.json()
    if expected is None:
        assert body["ok"], body
        sizes = body["result"]["photo"]
        assert (sizes[-1]["width"], sizes[-1]["height"]) == (1080, 850)
    else:
        assert body["description"] == f"Bad Request: {expected}"


async def test_get_updates_offset_limit_and_long_poll(api: Api, tg: FakeTelegram) -> None:
    ids = [tg.push_message(1, f"m{i}")["update_id"] for i in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3
    _, body = await api("getUpdates", limit=2)
    assert [u["update_id"] for u in body["result"]] == ids[:2]
    _, body = await api("getUpdates", offset=ids[1])  # confirms the first
    assert [u["update_id"] for u in body["result"]] == ids[1:]
    _, body = await api("getUpdates", offset=ids[2] + 1, timeout=0)
    assert body["result"] == []

    started = time.monotonic()
    poll = asyncio.create_task(api("getUpdates", offset=ids[2] + 1, timeout=5))
    await asyncio.sleep(0.1)
    update = tg.push_command(1, "/start", args="deep-link")
    status, body = await poll
    assert status == 200 and time.monotonic() - started < 2
    assert body["result"] == [update]
    assert update["message"]["text"] == "/start deep-link"
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


async def test_second_poller_terminates_the_first(api: Api) -> None:
    first = asyncio.create_task(api("getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    status, _ = await api("getUpdates", timeout=0)
    assert status == 200
    status, body = await first
    assert status == 409 and "terminated by other getUpdates request" in body["description"]


async def test_webhook_blocks_polling_and_returns_pending_updates(
    api: Api, tg: FakeTelegram
) -> None:
    assert (await api("setWebhook", url="http://127.0.0.1:9/hook"))[0] == 200
    status, body = await api("getUpdates")
    assert status == 409 and body["description"].startswith("Conflict: can't use getUpdates")
    _, info = await api("getWebhookInfo")
    assert info["result"]["url"] == "http://127.0.0.1:9/hook"
    tg.push_message(1, "while the webhook is down")
    assert (await api("deleteWebhook"))[0] == 200
    _, body = await api("getUpdates")
    assert [u["message"]["text"] for u in body["result"]] == ["while the webhook is down"]


async def test_edit_rules(api: Api, tg: FakeTelegram) -> None:
    message_id = await api.send(1, "<b>hi</b>", parse_mode="HTML", reply_markup=KEYBOARD)
    same = {"chat_id": 1, "message_id": message_id, "reply_markup": KEYBOARD}

    # The same HTML again: Telegram answers "not modified"; tolerated unless strict.
    status, body = await api("editMessageText", text="<b>hi</b>", parse_mode="HTML", **same)
    assert status == 400 and body["description"].startswith("Bad Request: message is not modified")
    assert tg.violations == []
    tg.strict_not_modified = True
    await api("editMessageReplyMarkup", **same)
    assert len(tg.violations) == 1 and "not modified" in tg.violations[0]

    # Same text, plain instead of bold: a real change. Dropping the keyboard is one too.
    assert (await api("editMessageText", text="hi", **same))[0] == 200
    assert (await api("editMessageReplyMarkup", chat_id=1, message_id=message_id))[0] == 200
    assert tg.buttons(1) == [] and len(tg.sent(1)[0].edits) == 2

    status, body = await api("editMessageText", chat_id=1, message_id=99, text="x")
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")
    user_message = tg.push_message(1, "mine")["message"]["message_id"]
    status, body = await api("editMessageText", chat_id=1, message_id=user_message, text="x")
    assert body["description"] == "Bad Request: message can't be edited"


async def test_delete_rules(api: Api, tg: FakeTelegram) -> None:
    old = await api.send(1, "old")
    tg.age_messages(1, hours=49)
    fresh = await api.send(1, "fresh")
    status, body = await api("deleteMessage", chat_id=1, message_id=old)
    assert (status, body["description"]) == (
        400,
        "Bad Request: message can't be deleted for everyone",
    )
    assert (await api("deleteMessage", chat_id=1, message_id=fresh))[0] == 200
    assert [m.text for m in tg.sent(1)] == ["old"]
    _, body = await api("deleteMessage", chat_id=1, message_id=fresh)
    assert body["description"] == "Bad Request: message to delete not found"
    _, body = await api("editMessageText", chat_id=1, message_id=fresh, text="back")
    assert body["description"] == "Bad Request: message to edit not found"
    assert len(tg.violations) == 3


async def test_reply_to_missing_message(api: Api, tg: FakeTelegram) -> None:
    status, body = await api("sendMessage", chat_id=1, text="x", reply_parameters={"message_id": 7})
    assert status == 400
    assert body["description"] == "Bad Request: message to be replied not found"
    pushed = tg.push_message(1, "question")["message"]["message_id"]
    _, body = await api(
        "sendMessage", chat_id=1, text="answer", reply_parameters={"message_id": pushed}
    )
    assert body["result"]["reply_to_message"]["text"] == "question"


async def test_callback_updates(api: Api, tg: FakeTelegram) -> None:
    message_id = await api.send(1, "pick", reply_markup=KEYBOARD)
    forged = tg.push_callback(1, message_id, "forged-data")
    old = tg.push_callback(1, message_id, "b", inaccessible=True)
    await api("deleteMessage", chat_id=1, message_id=message_id)
    gone = tg.push_callback(1, message_id, "a")
    _, body = await api("getUpdates")
    live, aged, deleted = (u["callback_query"] for u in body["result"])
    assert live["id"] == forged and live["data"] == "forged-data"
    assert live["message"]["reply_markup"] == KEYBOARD and live["message"]["date"] > 0
    assert deleted["id"] == gone and deleted["message"]["date"] == 0  # inaccessible message
    assert aged["id"] == old and aged["message"] == {
        "chat": live["message"]["chat"],
        "message_id": message_id,
        "date": 0,
    }
    assert (await api("answerCallbackQuery", callback_query_id=forged, text="ok"))[0] == 200
    assert [q.id for q in tg.unanswered_callbacks()] == [old, gone]


async def test_callback_answer_deadline(api: Api, tg: FakeTelegram) -> None:
    tg.callback_timeout = 0.05
    query = tg.push_callback(1, 1, "late")
    await asyncio.sleep(0.1)
    _, body = await api("answerCallbackQuery", callback_query_id=query)
    assert "query is too old" in body["description"]


async def test_group_messages(tg: FakeTelegram) -> None:
    update = tg.push_message(8, "hello all", chat_id=-1009876543210, first_name="Eva")
    message = update["message"]
    assert message["chat"]["type"] == "supergroup" and message["from"]["id"] == 8
    assert tg.push_message(8, "basic", chat_id=-42)["message"]["chat"]["type"] == "group"
    assert update["message"]["from"]["first_name"] == "Eva"


async def test_next_reply_and_settle(api: Api, tg: FakeTelegram) -> None:
    await api.send(1, "before the push")
    tg.push_message(1, "hi")
    with pytest.raises(TimeoutError, match="no reply in chat 1"):
        await tg.next_reply(1, timeout=0.1)
    later = asyncio.create_task(api.send(1, "after the push"))
    reply = await tg.next_reply(1)
    assert reply.text == "after the push"
    await later
    await tg.settle(1, quiet=0.05)
    assert tg.last_text(1) == "after the push"


async def test_commands_and_scopes(api: Api, tg: FakeTelegram) -> None:
    commands = [{"command": "start", "description": "Start"}]
    await api("setMyCommands", commands=commands)
    await api(
        "setMyCommands", commands=commands, scope={"type": "chat", "chat_id": 5}, language_code="nl"
    )
    status, body = await api("setMyCommands", commands=[{"command": "Bad!", "description": "x"}])
    assert (status, body["description"]) == (400, "Bad Request: BOT_COMMAND_INVALID")
    assert tg.command_sets() == {
        ("default", ""): [("start", "Start")],
        ("chat:5", "nl"): [("start", "Start")],
    }
    _, body = await api("getMyCommands", scope={"type": "chat", "chat_id": 5}, language_code="nl")
    assert body["result"] == commands
    await api("deleteMyCommands")
    assert list(tg.command_sets()) == [("chat:5", "nl")]


async def test_rate_accounting_and_opt_in_flood_limits(api: Api, tg: FakeTelegram) -> None:
    for _ in range(4):
        await api.send(1)
    await api.send(2)
    assert tg.sent_per_second(1) == 4 and tg.sent_per_second() == 5
    assert tg.violations == []  # measured, not enforced by default

    tg.flood_limits = FloodLimits(per_chat_per_second=4)
    status, body = await api("sendMessage", chat_id=1, text="too fast")
    assert status == 429 and body["parameters"] == {"retry_after": 1}
    assert tg.violations == ["sendMessage (chat 1): Too Many Requests: retry after 1"]


async def test_hooks_and_lightweight_mode(api: Api, tg: FakeTelegram) -> None:
    seen: list[Call] = []
    remove = tg.on_call(seen.append)
    tg.record = False
    await api.send(1)
    assert tg.calls == [] and [c.method for c in seen] == ["sendMessage"]
    assert seen[0].result["text"] == "hi" and seen[0].chat_id == 1
    remove()
    await api.send(1)
    assert len(seen) == 1
    assert len(tg.sent(1)) == 2  # chat state is kept either way


async def test_file_route_and_get_file(
    api: Api, tg: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", "1")
    form.add_field("document", b"payload", filename="p.bin")
    async with http.post(f"{tg.base_url}/bot{TOKEN}/sendDocument", data=form) as response:
        file_id = (await response.json())["result"]["document"]["file_id"]
    _, body = await api("getFile", file_id=file_id)
    async with http.get(f"{tg.base_url}/file/bot{TOKEN}/{body['result']['file_path']}") as response:
        assert await response.read() == b"payload"


async def test_group_callbacks_and_captions(api: Api, tg: FakeTelegram) -> None:
    group = -1001111111111
    message_id = await api.send(group, "vote", reply_markup=KEYBOARD)
    with pytest.raises(ValueError, match="user_id"):
        tg.click(group, "A")
    query_id = tg.click(group, "A", user_id=8)
    _, body = await api("getUpdates")
    query = body["result"][0]["callback_query"]
    assert query["id"] == query_id and query["from"]["id"] == 8
    assert query["message"]["chat"]["id"] == group and query["message"]["message_id"] == message_id

    _, body = await api("editMessageCaption", chat_id=group, message_id=message_id, caption="x")
    assert body["description"] == "Bad Request: there is no caption in the message to edit"
    update = tg.push_update({"edited_message": {"message_id": 1, "date": 0, "chat": {"id": 1}}})
    assert update["update_id"] > body_update_id(tg)


def body_update_id(tg: FakeTelegram) -> int:
    return max(q.update_id for q in tg.callbacks.values())
