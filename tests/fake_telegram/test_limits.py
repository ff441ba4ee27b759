"""Length, callback-data, keyboard and command checks, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fake_telegram.limits import (
    ApiError,
    callback_data_problem,
    check_commands,
    check_reply_markup,
    format_text,
)


def description(exc: pytest.ExceptionInfo[ApiError]) -> str:
    return exc.value.description


def test_text_length_counts_visible_characters() -> None:
    assert len(format_text("x" * 4096, None, None).text) == 4096
    assert len(format_text("<b>" + "x" * 4096 + "</b>", "HTML", None).text) == 4096
    assert len(format_text("&lt;" * 4096, "HTML", None).text) == 4096
    with pytest.raises(ApiError) as caught:
        format_text("x" * 4097, None, None)
    assert description(caught) == "Bad Request: message is too long"
    with pytest.raises(ApiError):
        format_text("<i>" + "x" * 4097 + "</i>", "html", None)


def test_text_length_counts_code_points_not_utf16() -> None:
    assert len(format_text("😀" * 4096, None, None).text) == 4096


def test_empty_text_is_refused_after_parsing_and_trimming() -> None:
    for text in ("", "   \n", "<b> </b>"):
        with pytest.raises(ApiError) as caught:
            format_text(text, "HTML", None)
        assert description(caught) == "Bad Request: message text is empty"
    with pytest.raises(ApiError):
        format_text(None, None, None)


def test_trimming_moves_entities() -> None:
    parsed = format_text("  <b>hi</b>  ", "HTML", None)
    assert parsed.text == "hi"
    assert parsed.entities == [{"type": "bold", "offset": 0, "length": 2}]


def test_caption_limit() -> None:
    assert format_text(None, None, None, caption=True).text == ""
    assert len(format_text("c" * 1024, None, None, caption=True).text) == 1024
    with pytest.raises(ApiError) as caught:
        format_text("c" * 1025, None, None, caption=True)
    assert description(caught) == "Bad Request: message caption is too long"


def test_bad_html_and_unknown_parse_mode() -> None:
    with pytest.raises(ApiError) as caught:
        format_text("<b>x", "HTML", None)
    assert description(caught).startswith("Bad Request: can't parse entities: ")
    with pytest.raises(ApiError) as caught:
        format_text("x", "XML", None)
    assert "unsupported parse_mode" in description(caught)


@pytest.mark.parametrize(
    ("data", "ok"),
    [
        ("a", True),
        ("x" * 64, True),
        ("é" * 32, True),  # 64 bytes
        ("", False),
        ("x" * 65, False),
        ("é" * 33, False),  # 33 characters but 66 bytes
        ("😀" * 17, False),  # 68 bytes
        (123, False),
    ],
)
def test_callback_data_bytes(data: object, ok: bool) -> None:
    assert (callback_data_problem(data) is None) is ok


def keyboard(*rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"inline_keyboard": list(rows)}


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        (keyboard([{"text": "a", "callback_data": "x" * 65}]), "BUTTON_DATA_INVALID"),
        (keyboard([{"text": "a", "callback_data": ""}]), "BUTTON_DATA_INVALID"),
        (keyboard([{"text": "a"}]), "Text buttons are unallowed"),
        (keyboard([{"text": "a", "callback_data": "x", "url": "https://x.org"}]), "exactly one"),
        (keyboard([{"text": "", "callback_data": "x"}]), "BUTTON_TEXT_EMPTY"),
        (keyboard([{"callback_data": "x"}]), 'Field "text"'),
        (keyboard([{"text": "a", "url": "not a url"}]), "Wrong HTTP URL"),
        ({"inline_keyboard": [{"text": "a", "callback_data": "x"}]}, "Array of Arrays"),
        ({"inline_keyboard": "nope"}, "Array of Arrays"),
        ({"inline_keyboard": [["just text"]]}, "must be an Object"),
        ("{not json", "can't parse reply keyboard markup JSON object"),
        ({"something": 1}, "can't parse reply keyboard markup JSON object"),
        (keyboard(*[[{"text": "a", "callback_data": "b"}] for _ in range(101)]), "too long"),
    ],
)
def test_bad_keyboards(markup: object, reason: str) -> None:
    with pytest.raises(ApiError) as caught:
        check_reply_markup(markup)
    assert reason in description(caught)


def test_good_keyboards_are_echoed() -> None:
    inline = keyboard(
        [{"text": "Yes", "callback_data": "y"}, {"text": "Site", "url": "https://x.org"}], []
    )
    assert check_reply_markup(inline) == keyboard(inline["inline_keyboard"][0])
    assert check_reply_markup('{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}')
    assert check_reply_markup({"keyboard": [["a"]]}) is None
    assert check_reply_markup({"remove_keyboard": True}) is None
    assert check_reply_markup(None) is None


def test_commands() -> None:
    assert check_commands([{"command": "start", "description": "Begin"}], "nl") == [
        ("start", "Begin")
    ]
    for commands, language in (
        ([{"command": "Start", "description": "x"}], ""),
        ([{"command": "start", "description": ""}], ""),
        ([{"command": "start", "description": "x"}], "nl_NL"),
    ):
        with pytest.raises(ApiError):
            check_commands(commands, language)
