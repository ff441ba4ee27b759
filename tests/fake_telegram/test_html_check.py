"""The Telegram-HTML validator: what Telegram accepts, what it refuses, and the entities."""

from __future__ import annotations

import pytest

from tests.fake_telegram.html_check import EntityParseError, parse_html, utf16_len

GOOD = [
    ("plain text", "plain text"),
    ("", ""),
    ("<b>bold</b> and <strong>strong</strong>", "bold and strong"),
    ("<i>i</i><em>em</em><u>u</u><ins>ins</ins>", "iemuins"),
    ("<s>s</s><strike>strike</strike><del>del</del>", "sstrikedel"),
    ('<span class="tg-spoiler">secret</span>', "secret"),
    ("<tg-spoiler>secret</tg-spoiler>", "secret"),
    ('<a href="https://example.org/?a=1&amp;b=2">link</a>', "link"),
    ("<a href='tg://user?id=1'>me</a>", "me"),
    ("<code>x = 1</code>", "x = 1"),
    ("<pre>block</pre>", "block"),
    ('<pre><code class="language-python">print(1)</code></pre>', "print(1)"),
    ("<blockquote>quote</blockquote>", "quote"),
    ("<blockquote expandable>long quote</blockquote>", "long quote"),
    ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
    ("<b>bold <i>bold italic</i></b>", "bold bold italic"),
    ("<B>upper</B>", "upper"),
    ("<b>closed by empty end tag</>", "closed by empty end tag"),
    ("1 &lt; 2 &amp;&amp; 3 &gt; 2 &quot;q&quot;", '1 < 2 && 3 > 2 "q"'),
    ("&#65;&#x42;&#128512;", "AB😀"),
    ("a > b is fine", "a > b is fine"),
    ("&lt without semicolon", "< without semicolon"),
    ("<b >spaced</b >", "spaced"),
    (
        '<a href="https://x.org" target="_blank">extra attributes are ignored</a>',
        "extra attributes are ignored",
    ),
]

BAD = [
    ("<b>unclosed", "Can't find end tag corresponding to start tag b"),
    ("<b><i>crossed</b></i>", 'Unmatched end tag at byte offset 13, expected "</i>", found "</b>"'),
    ("</b>", "Unexpected end tag at byte offset 0"),
    ("<p>paragraph</p>", 'Unsupported start tag "p" at byte offset 0'),
    ("<br>", 'Unsupported start tag "br" at byte offset 0'),
    ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
    ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ("ends with <", "Unclosed start tag at byte offset 10"),
    ("<b", "Unclosed start tag at byte offset 0"),
    ("é<x>", 'Unsupported start tag "x" at byte offset 2'),  # byte offsets, not characters
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ('<span class="bold">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("<b class>x</b>", 'Expected equal sign in declaration of an attribute of the tag "b"'),
    ("<a href=https://x.org>x</a>", "Unexpected end of name token at byte offset 8"),
    ("<tg-emoji>x</tg-emoji>", "Invalid custom emoji identifier specified"),
    ('<tg-emoji emoji-id="abc">x</tg-emoji>', "Invalid custom emoji identifier specified"),
    ("Tom & Jerry", 'Character "&" at byte offset 4 must be escaped'),
    ("&nbsp;", 'Character "&" at byte offset 0 must be escaped'),
    ("<b>x</b", "Unclosed end tag at byte offset 4"),
    ("&#xD800;", "invalid Unicode characters"),
]


@pytest.mark.parametrize(("source", "visible"), GOOD)
def test_accepted(source: str, visible: str) -> None:
    assert parse_html(source).text == visible


@pytest.mark.parametrize(("source", "reason"), BAD)
def test_refused(source: str, reason: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert reason in caught.value.reason
    assert caught.value.description.startswith("Bad Request: can't parse entities: ")


def test_lenient_ampersand_keeps_it_literal_like_telegram() -> None:
    assert parse_html("Tom & Jerry &nbsp;", strict_ampersand=False).text == "Tom & Jerry &nbsp;"


def test_entities_use_utf16_offsets() -> None:
    parsed = parse_html("😀 <b>bold</b> <a href='https://x.org'>link</a>")
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "text_link", "offset": 8, "length": 4, "url": "https://x.org"},
    ]


def test_pre_with_language_and_plain_code() -> None:
    parsed = parse_html(
        '<pre><code class="language-py">x</code></pre> <code class="language-py">y</code>'
    )
    assert parsed.entities == [
        {"type": "pre", "offset": 0, "length": 1, "language": "py"},
        {"type": "code", "offset": 2, "length": 1},
    ]


def test_nested_and_special_entities() -> None:
    parsed = parse_html(
        "<b>a<i>b</i></b><blockquote expandable>q</blockquote>"
        '<span class="tg-spoiler">s</span><tg-emoji emoji-id="5">e</tg-emoji>'
    )
    assert parsed.entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 1, "length": 1},
        {"type": "expandable_blockquote", "offset": 2, "length": 1},
        {"type": "spoiler", "offset": 3, "length": 1},
        {"type": "custom_emoji", "offset": 4, "length": 1, "custom_emoji_id": "5"},
    ]


def test_empty_tags_make_no_entity() -> None:
    assert parse_html("<b></b>x").entities == []


def test_utf16_len() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("é😀") == 3
