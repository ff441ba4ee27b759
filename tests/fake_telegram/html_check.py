"""Telegram's HTML parse mode, re-implemented to reject what the Bot API rejects.

The rules follow tdlib's ``parse_html`` (td/telegram/MessageEntity.cpp), which the Bot API server
uses: a fixed set of tags, matched end tags, a handful of named entities and numeric references.
Errors carry tdlib's wording and UTF-8 byte offsets, so a bot sees the same description it would
get from Telegram ("can't parse entities: ...").

One deliberate difference: Telegram keeps a bare ``&`` that does not start a known entity as a
literal character, while its documentation says every ``&`` must be escaped. With
``strict_ampersand=True`` (the default) the fake rejects it, because text that depends on this
leniency usually comes from unescaped user input, which will one day contain ``<`` as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

Entity = dict[str, Any]

ALLOWED_TAGS: Final = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_SIMPLE_TYPES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}
_NAMED: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACE: Final = frozenset(" \t\r\n\v\f")
_PLAIN_RUN: Final = re.compile(r"[^<&]+")
_NAME_TOKEN: Final = re.compile(r"[A-Za-z0-9.\-]*")


class EntityParseError(ValueError):
    """The text would be refused with ``Bad Request: can't parse entities: <reason>``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def description(self) -> str:
        """The Bot API's error description for this failure."""
        return f"Bad Request: can't parse entities: {self.reason}"


@dataclass(frozen=True, slots=True)
class ParsedText:
    """What the user sees: plain text plus Bot API message entities (UTF-16 offsets)."""

    text: str
    entities: list[Entity] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Bot API entity offsets."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8", "surrogatepass"))


def _decode_entity(source: str, pos: int) -> tuple[str, int] | None:
    """Decode ``&...`` at ``pos`` like tdlib: ``(character, next position)`` or None."""
    n = len(source)
    end = pos + 1
    code = 0
    if end < n and source[end] == "#":
        end += 1
        if end < n and source[end] == "x":
            end += 1
            start = end
            while end < n and source[end] in "0123456789abcdefABCDEF":
                end += 1
            digits = source[start:end]
            code = int(digits, 16) if digits and len(digits) < 9 else 0
        else:
            start = end
            while end < n and source[end].isascii() and source[end].isdigit():
                end += 1
            digits = source[start:end]
            code = int(digits) if digits and len(digits) < 9 else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(code)
    else:
        while end < n and source[end].isascii() and source[end].isalpha():
            end += 1
        named = _NAMED.get(source[pos + 1 : end])
        if named is None:
            return None
        char = named
    if end < n and source[end] == ";":
        end += 1
    return char, end


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    offset: int  # UTF-16 offset in the output where the entity starts
    out_index: int  # index into the output pieces, to recover the inner text of <a>


def parse_html(source: str, *, strict_ampersand: bool = True) -> ParsedText:
    """Parse Telegram HTML into visible text and entities, or raise ``EntityParseError``."""
    if "<" not in source and "&" not in source:
        return ParsedText(source)
    out: list[str] = []
    utf16 = 0
    stack: list[_Open] = []
    entities: list[Entity] = []
    decoded_surrogate = False
    n = len(source)
    i = 0
    while i < n:
        run = _PLAIN_RUN.match(source, i)
        if run is not None:
            piece = run.group()
            out.append(piece)
            utf16 += utf16_len(piece)
            i = run.end()
            continue
        c = source[i]
        if c == "&":
            decoded = _decode_entity(source, i)
            if decoded is None:
                if strict_ampersand:
                    raise EntityParseError(
                        f'Character "&" at byte offset {_byte_offset(source, i)} must be '
                        'escaped as "&amp;"'
                    )
                out.append("&")
                utf16 += 1
                i += 1
                continue
            char, i = decoded
            decoded_surrogate = decoded_surrogate or 0xD800 <= ord(char) <= 0xDFFF
            out.append(char)
            utf16 += utf16_len(char)
            continue
        begin = i
        i += 1
        if i < n and source[i] == "/":
            i = _end_tag(source, begin, stack, entities, out, utf16)
        else:
            i = _start_tag(source, begin, stack, len(out), utf16)
    if stack:
        raise EntityParseError(f"Can't find end tag corresponding to start tag {stack[-1].tag}")
    if decoded_surrogate:
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units"
        )
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText("".join(out), entities)


def _start_tag(source: str, begin: int, stack: list[_Open], out_index: int, utf16: int) -> int:
    """Parse ``<tag attr="...">`` starting at ``begin``; return the index after ``>``."""
    n = len(source)
    i = begin + 1
    while i < n and source[i] not in _SPACE and source[i] != ">":
        i += 1
    if i >= n:
        raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
    tag = source[begin + 1 : i].lower()
    at = _byte_offset(source, begin)
    if tag not in ALLOWED_TAGS:
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {at}')
    argument = ""
    while True:
        while i < n and source[i] in _SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {at}")
        if source[i] == ">":
            break
        name_begin = i
        while i < n and source[i] not in _SPACE and source[i] not in "=>":
            i += 1
        name = source[name_begin:i]
        if not name:
            raise EntityParseError(f'Empty attribute name in the tag "{tag}" at byte offset {at}')
        while i < n and source[i] in _SPACE:
            i += 1
        if i >= n or source[i] != "=":
            if tag == "blockquote" and name.lower() == "expandable":
                argument = "expandable"
                continue
            raise EntityParseError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag}" at byte offset {at}'
            )
        i += 1
        while i < n and source[i] in _SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {at}')
        value, i = _attribute_value(source, i)
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {at}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
        elif tag == "blockquote" and name == "expandable":
            argument = "expandable"
    if tag == "span" and argument != "spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
    stack.append(_Open(tag, argument, utf16, out_index))
    return i + 1


def _attribute_value(source: str, i: int) -> tuple[str, int]:
    """A quoted string (entities decoded) or a bare name token (lower-cased)."""
    n = len(source)
    quote = source[i]
    if quote not in "'\"":
        token = _NAME_TOKEN.match(source, i)
        end = token.end() if token is not None else i
        if end < n and source[end] not in _SPACE and source[end] != ">":
            raise EntityParseError(
                f"Unexpected end of name token at byte offset {_byte_offset(source, i)}"
            )
        return source[i:end].lower(), end
    i += 1
    chars: list[str] = []
    while i < n and source[i] != quote:
        if source[i] == "&":
            decoded = _decode_entity(source, i)
            if decoded is not None:
                chars.append(decoded[0])
                i = decoded[1]
                continue
        chars.append(source[i])
        i += 1
    if i < n:
        i += 1
    return "".join(chars), i


def _end_tag(
    source: str,
    begin: int,
    stack: list[_Open],
    entities: list[Entity],
    out: list[str],
    utf16: int,
) -> int:
    """Parse ``</tag>`` and emit the entity it closes; return the index after ``>``."""
    n = len(source)
    at = _byte_offset(source, begin)
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {at}")
    i = begin + 2
    while i < n and source[i] not in _SPACE and source[i] != ">":
        i += 1
    name = source[begin + 2 : i].lower()
    while i < n and source[i] in _SPACE:
        i += 1
    if i >= n or source[i] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {at}")
    opened = stack[-1]
    if name and name != opened.tag:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {at}, expected "</{opened.tag}>", found "</{name}>"'
        )
    stack.pop()
    length = utf16 - opened.offset
    if length > 0:
        entity = _entity(opened, length, entities, out)
        if entity is not None:
            entities.append(entity)
    return i + 1


def _entity(opened: _Open, length: int, entities: list[Entity], out: list[str]) -> Entity | None:
    """The Bot API entity for a closed tag (None if Telegram would drop it silently)."""
    tag, offset, argument = opened.tag, opened.offset, opened.argument
    simple = _SIMPLE_TYPES.get(tag)
    if simple is not None or tag == "span":
        return {"type": simple or "spoiler", "offset": offset, "length": length}
    if tag == "tg-emoji":
        if not argument.isdigit() or not 0 < int(argument) < 2**63:
            raise EntityParseError("Invalid custom emoji identifier specified")
        return {
            "type": "custom_emoji",
            "offset": offset,
            "length": length,
            "custom_emoji_id": argument,
        }
    if tag == "a":
        url = argument or "".join(out[opened.out_index :])
        if not url.strip():
            return None
        return {"type": "text_link", "offset": offset, "length": length, "url": url}
    if tag == "blockquote":
        kind = "expandable_blockquote" if argument else "blockquote"
        return {"type": kind, "offset": offset, "length": length}
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == offset and last["length"] == length
    if tag == "pre":
        if same_span and last is not None and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
            return None
        return {"type": "pre", "offset": offset, "length": length}
    # tag == "code"
    if same_span and last is not None and last["type"] == "pre" and argument:
        last["language"] = argument
        return None
    entity: Entity = {"type": "code", "offset": offset, "length": length}
    if argument:
        entity["language"] = argument
    return entity
