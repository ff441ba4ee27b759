"""Bot API limits and the 400 answers Telegram gives when a request breaks them.

Kept apart from the server so the checks can be unit-tested without HTTP. Every check raises
``ApiError`` with the description Telegram uses; the server turns it into the HTTP answer and,
when ``violation`` is set, into an entry of ``FakeTelegram.violations``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from tests.fake_telegram.html_check import EntityParseError, ParsedText, parse_html, utf16_len

MAX_TEXT: Final = 4096
MAX_CAPTION: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_BUTTONS: Final = 100
MAX_CALLBACK_ANSWER: Final = 200
MAX_COMMANDS: Final = 100

# The optional fields of InlineKeyboardButton that give a button its action; exactly one is allowed.
BUTTON_ACTIONS: Final = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND: Final = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE: Final = re.compile(r"[a-z]{2}")
_URL: Final = re.compile(r"(?i)(https?|tg|ton)://\S+")


class ApiError(Exception):
    """A non-2xx Bot API answer. ``violation`` says whether it reveals a bug in the bot."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        violation: bool = True,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.violation = violation
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str, *, violation: bool = True) -> ApiError:
    """A 400 ``Bad Request: <reason>``."""
    return ApiError(400, f"Bad Request: {reason}", violation=violation)


def json_value(value: object, what: str) -> Any:
    """A nested value as sent: form bodies carry it as a JSON string, JSON bodies as is."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        raise bad_request(f"can't parse {what} JSON object") from exc


def _trim(parsed: ParsedText) -> ParsedText:
    """Telegram strips leading and trailing whitespace and clips entities to what is left."""
    stripped = parsed.text.strip()
    if stripped == parsed.text:
        return parsed
    shift = utf16_len(parsed.text[: len(parsed.text) - len(parsed.text.lstrip())])
    end = utf16_len(stripped)
    entities = []
    for entity in parsed.entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            entities.append({**entity, "offset": start, "length": stop - start})
    return ParsedText(stripped, entities)


def format_text(
    text: object,
    parse_mode: object,
    entities: object,
    *,
    caption: bool = False,
    strict_ampersand: bool = True,
) -> ParsedText:
    """Parse a message text or caption the way the Bot API does and enforce its length.

    Lengths count Unicode code points of the visible text (tags and entities removed), as tdlib
    does with ``utf8_length``. MarkdownV2/Markdown are accepted but not validated.
    """
    if text is None:
        if caption:
            return ParsedText("")
        raise bad_request("message text is empty")
    if not isinstance(text, str):
        text = str(text)
    mode = str(parse_mode).lower() if parse_mode else ""
    if mode == "html":
        try:
            parsed = parse_html(text, strict_ampersand=strict_ampersand)
        except EntityParseError as exc:
            raise ApiError(400, exc.description) from exc
    elif mode in ("", "markdown", "markdownv2"):
        given = json_value(entities, "entities") if entities else []
        if not isinstance(given, list) or not all(isinstance(e, dict) for e in given):
            raise bad_request("can't parse entities JSON object")
        parsed = ParsedText(text, list(given) if not mode else [])
    else:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    parsed = _trim(parsed)
    if caption:
        if len(parsed.text) > MAX_CAPTION:
            raise bad_request("message caption is too long")
    else:
        if not parsed.text:
            raise bad_request("message text is empty")
        if len(parsed.text) > MAX_TEXT:
            raise bad_request("message is too long")
    return parsed


def callback_data_problem(data: object) -> str | None:
    """Why ``data`` is not valid callback_data (1 to 64 bytes of UTF-8), or None if it is."""
    if not isinstance(data, str):
        return f"callback_data must be a string, not {type(data).__name__}"
    size = len(data.encode("utf-8"))
    if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
        return f"callback_data is {size} bytes, allowed 1..{MAX_CALLBACK_DATA_BYTES}"
    return None


def _check_button(button: object) -> None:
    prefix = "can't parse inline keyboard button"
    if not isinstance(button, dict):
        raise bad_request(f"{prefix}: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise bad_request(f'{prefix}: Field "text" must be of type String')
    if not text.strip():
        raise bad_request("BUTTON_TEXT_EMPTY")
    actions = [name for name in BUTTON_ACTIONS if button.get(name) is not None]
    if not actions:
        raise bad_request(f"{prefix}: Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(
            f"{prefix}: exactly one of the optional fields must be used, got {', '.join(actions)}"
        )
    if "callback_data" in actions and callback_data_problem(button["callback_data"]):
        raise bad_request("BUTTON_DATA_INVALID")
    if "url" in actions:
        url = button["url"]
        if not isinstance(url, str) or not _URL.fullmatch(url):
            raise bad_request(f"inline keyboard button URL {url!r} is invalid: Wrong HTTP URL")


def check_reply_markup(markup: object) -> dict[str, Any] | None:
    """Validate ``reply_markup``; return the inline keyboard Telegram echoes back, if any."""
    if markup is None or markup == "":
        return None
    value = json_value(markup, "reply keyboard markup")
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        rows = value["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'can\'t parse reply keyboard markup JSON object: Field "inline_keyboard" of '
                "the InlineKeyboardMarkup should be an Array of Arrays"
            )
        if sum(len(row) for row in rows) > MAX_BUTTONS:
            raise bad_request("reply markup is too long")
        for row in rows:
            for button in row:
                _check_button(button)
        rows = [row for row in rows if row]
        return {"inline_keyboard": rows} if rows else None
    if "keyboard" in value:
        rows = value["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'can\'t parse reply keyboard markup JSON object: Field "keyboard" of the '
                "ReplyKeyboardMarkup should be an Array of Arrays"
            )
        return None
    if "remove_keyboard" in value or "force_reply" in value:
        return None
    raise bad_request("can't parse reply keyboard markup JSON object")


def check_commands(commands: object, language_code: object) -> list[tuple[str, str]]:
    """Validate setMyCommands input; return ``[(command, description), ...]``."""
    value = json_value(commands, "commands")
    if not isinstance(value, list):
        raise bad_request("can't parse commands JSON object")
    if len(value) > MAX_COMMANDS:
        raise bad_request("too many commands")
    result = []
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not _COMMAND.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        result.append((command, description))
    if language_code and not (
        isinstance(language_code, str) and _LANGUAGE.fullmatch(language_code)
    ):
        raise bad_request("invalid language code specified")
    return result
