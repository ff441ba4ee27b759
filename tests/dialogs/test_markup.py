"""Packing lines into messages that fit Telegram's limit without breaking their markup."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dialogs.markup import escape, pack
from tests.fake_telegram.html_check import parse_html

lines_of_markup = st.lists(
    st.builds(
        lambda bold, text: f"<b>{escape(text)}</b>" if bold else escape(text),
        st.booleans(),
        st.text(alphabet="ab&<>é🙂", min_size=1, max_size=120),
    ),
    max_size=40,
)


@given(lines_of_markup, st.integers(min_value=20, max_value=300))
def test_packed_messages_fit_and_keep_every_line_whole(lines: list[str], limit: int) -> None:
    messages = pack(lines, limit)
    assert all(0 < len(message) <= limit for message in messages)
    if all(len(line) <= limit for line in lines):
        assert "\n".join(messages) == "\n".join(lines)
        for message in messages:
            parse_html(message)  # each message is valid Telegram HTML on its own


def test_few_short_lines_make_one_message() -> None:
    assert pack(["a", "b", "c"]) == ["a\nb\nc"]
    assert pack([]) == []


def test_a_line_over_the_limit_is_cut_outside_tags_and_entities() -> None:
    line = "x" * 8 + "&amp;" + "y" * 8
    messages = pack([line], 10)
    assert "".join(messages) == line
    assert all(len(m) <= 10 for m in messages)
    assert messages[0] == "x" * 8  # not "xxxxxxxx&a"
