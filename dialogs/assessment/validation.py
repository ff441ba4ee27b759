"""Checks that content files keep the assessment's rules; any breach raises ``ContentError``.

The rules come from docs/playstyle.md: balanced styles, stable ASCII ids that fit a button payload,
"not sure" last and weightless, both modifiers present, every emoji paired with a word, short texts,
and safety flags on adventurous activities. The loader runs these on every load, so a broken file
fails at start-up and in CI, never in a child's chat.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Final

from dialogs.assessment.content import (
    GROWN_UP_RISKS,
    Catalogue,
    ItemKind,
    Questionnaire,
    ScoringKey,
    Social,
    Styles,
    Text,
    Thrill,
    Tier,
    Tiers,
)
from dialogs.errors import ContentError
from dialogs.payload import Payload, PayloadCodec

ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9_]+$")
"""Characters allowed in item, option, band and activity ids (a subset of the payload's)."""
STYLE_PATTERN: Final = re.compile(r"^[a-z_]+$")
"""Characters allowed in style keys."""
VERSION_PATTERN: Final = re.compile(r"^[0-9]+(\.[0-9]+){0,2}$")
PLACEHOLDER: Final = re.compile(r"\{([a-z_]*)\}")
"""A ``{name}`` filled in after translation."""
"""A version: ``1`` or semver ``1.0.0``."""
MAX_ITEM_ID: Final = 8
MAX_OPTION_ID: Final = 12
MAX_ACTIVITY_ID: Final = 12
MAX_CHOICES: Final = 4
"""At most 4 answers plus "not sure" (docs/playstyle.md, chat rule 1)."""
MAX_WORDS: Final = 25
"""About 25 words per message for children (chat rule 2)."""
MAX_BUTTON_CHARS: Final = 40
"""Longest English button label; longer ones get cut off on phones."""
PRIMARY_WEIGHT: Final = 2
MAX_DURATION: Final = 180

PAYLOAD_FLOW: Final = "as"
"""Flow code the assessment engine uses in button payloads."""
PAYLOAD_ACTIONS: Final = ("pick", "back")
"""Actions whose argument is an item, option or activity id."""
_WORST_SCREEN: Final = 36**5 - 1
_WORST_USER: Final = -(10**13)
_PROBE_KEY: Final = b"k" * 32


def _fail(message: str) -> ContentError:
    return ContentError(message)


def check_id(value: str, *, what: str, max_length: int) -> None:
    """Refuse an id outside ``[A-Za-z0-9_]`` or longer than ``max_length``."""
    if not ID_PATTERN.match(value):
        raise _fail(f"{what} id {value!r} has characters outside [A-Za-z0-9_]")
    if len(value) > max_length:
        raise _fail(f"{what} id {value!r} is longer than {max_length} characters")


def check_payloads(ids: Iterable[str]) -> None:
    """Refuse an id whose worst-case button payload would not fit Telegram's 64 bytes."""
    codec = PayloadCodec(_PROBE_KEY)
    for value, action in itertools.product(ids, PAYLOAD_ACTIONS):
        payload = Payload(flow=PAYLOAD_FLOW, action=action, arg=value, screen=_WORST_SCREEN)
        try:
            codec.encode(payload, user_id=_WORST_USER)
        except ValueError as exc:
            raise _fail(f"id {value!r} does not fit a button payload: {exc}") from exc


def word_count(text: str) -> int:
    """Number of words, counting an emoji as a word like a reader would."""
    return len(text.split())


def starts_with_emoji_and_word(text: str) -> bool:
    """True for "🌳 Climb a tree": an emoji (no letters), a space, then a word or number."""
    head, space, rest = text.partition(" ")
    if not space or not head or not rest or not rest[0].isalnum():
        return False
    has_symbol = any(unicodedata.category(char) == "So" for char in head)
    return has_symbol and not any(char.isalnum() for char in head)


def _check_button(text: Text, *, where: str) -> None:
    if not starts_with_emoji_and_word(text.msgid):
        raise _fail(f"{where}: {text.msgid!r} must start with an emoji, a space and a word")
    if len(text.msgid) > MAX_BUTTON_CHARS:
        raise _fail(f"{where}: {text.msgid!r} is longer than {MAX_BUTTON_CHARS} characters")


def _check_words(text: Text, *, where: str) -> None:
    if word_count(text.msgid) > MAX_WORDS:
        raise _fail(f"{where}: {text.msgid!r} is longer than {MAX_WORDS} words")


def _check_placeholders(text: Text | None, allowed: set[str], *, where: str) -> None:
    """Refuse a placeholder the code does not fill in (it would fail when shown)."""
    if text is None:
        return
    unknown = set(PLACEHOLDER.findall(text.msgid)) - allowed
    if unknown:
        name = sorted(unknown)[0]
        raise _fail(f"{where}: {text.msgid!r} uses {{{name}}}, which is never filled in")


def _check_version(version: str, *, where: str) -> None:
    if not VERSION_PATTERN.match(version):
        raise _fail(f"{where}: version {version!r} is not like 1 or 1.0.0")


def _check_weights(weights: Mapping[str, int], styles: Iterable[str], *, where: str) -> None:
    known = set(styles)
    if not weights:
        raise _fail(f"{where}: has no style weights")
    for style, weight in weights.items():
        if style not in known:
            raise _fail(f"{where}: unknown style {style!r}")
        if not 1 <= weight <= PRIMARY_WEIGHT:
            raise _fail(f"{where}: weight {weight} for {style!r} is not 1 or 2")
    primaries = [style for style, weight in weights.items() if weight == PRIMARY_WEIGHT]
    if len(primaries) != 1:
        raise _fail(f"{where}: needs exactly one primary style (weight {PRIMARY_WEIGHT})")


# --- Scoring key -------------------------------------------------------------------------------


def validate_scoring_key(key: ScoringKey) -> None:
    """Styles are unique keys; every weight set has one primary style and known styles."""
    _check_version(key.version, where="scoring key")
    if not key.styles:
        raise _fail("scoring key: lists no styles")
    duplicates = [style for style, n in Counter(key.styles).items() if n > 1]
    if duplicates:
        raise _fail(f"scoring key: style {duplicates[0]!r} is listed twice")
    for style in key.styles:
        if not STYLE_PATTERN.match(style):
            raise _fail(f"scoring key: style key {style!r} is not lower-case ASCII")
    for option_id, weights in key.weights.items():
        check_id(option_id, what="option", max_length=MAX_OPTION_ID)
        _check_weights(weights, key.styles, where=f"scoring key, option {option_id}")


# --- Questionnaires ----------------------------------------------------------------------------


def style_counts(questionnaire: Questionnaire, key: ScoringKey) -> dict[str, int]:
    """How many core options have each style as their primary style."""
    counts = dict.fromkeys(key.styles, 0)
    for item in questionnaire.core_items:
        for option in item.choices:
            style = key.primary_style(option.id)
            if style is not None:
                counts[style] = counts.get(style, 0) + 1
    return counts


def pair_cooccurrence(questionnaire: Questionnaire, key: ScoringKey) -> dict[tuple[str, str], int]:
    """For every pair of styles (in key order), the number of core items offering both."""
    counts = {pair: 0 for pair in itertools.combinations(key.styles, 2)}
    order = {style: index for index, style in enumerate(key.styles)}
    for item in questionnaire.core_items:
        offered = {key.primary_style(option.id) for option in item.choices} - {None}
        ranked = sorted((style for style in offered if style is not None), key=order.__getitem__)
        for pair in itertools.combinations(ranked, 2):
            counts[pair] += 1
    return counts


def validate_questionnaire(questionnaire: Questionnaire, key: ScoringKey) -> None:
    """Check a questionnaire on its own and against the scoring key it names."""
    where = f"questionnaire {questionnaire.id} {questionnaire.version}"
    _check_version(questionnaire.version, where=where)
    if questionnaire.key_version != key.version:
        raise _fail(f"{where}: names key {questionnaire.key_version}, got key {key.version}")
    if questionnaire.audience not in ("child", "parent"):
        raise _fail(f"{where}: audience must be 'child' or 'parent'")
    if not 0 < questionnaire.min_age <= questionnaire.max_age:
        raise _fail(f"{where}: age range {questionnaire.min_age}-{questionnaire.max_age} is empty")
    _check_words(questionnaire.intro, where=where)
    _check_placeholders(questionnaire.intro, {"count"}, where=f"{where}, intro")
    _check_items(questionnaire, where=where)
    _check_modifiers(questionnaire, where=where)
    _check_weights_present(questionnaire, key, where=where)
    _check_balance(questionnaire, key, where=where)
    ids = [item.id for item in questionnaire.items]
    ids += [option.id for item in questionnaire.items for option in item.options]
    check_payloads(ids)


def _check_items(questionnaire: Questionnaire, *, where: str) -> None:
    if not questionnaire.core_items:
        raise _fail(f"{where}: has no core items")
    item_ids = Counter(item.id for item in questionnaire.items)
    option_ids = Counter(option.id for item in questionnaire.items for option in item.options)
    for value, count in (item_ids + option_ids).items():
        if count > 1:
            raise _fail(f"{where}: id {value} is used more than once")
    for item in questionnaire.items:
        check_id(item.id, what="item", max_length=MAX_ITEM_ID)
        _check_words(item.prompt, where=f"{where}, item {item.id}")
        if not 2 <= len(item.choices) <= MAX_CHOICES:
            raise _fail(f"{where}, item {item.id}: needs 2 to {MAX_CHOICES} options")
        if not item.options[-1].not_sure or sum(o.not_sure for o in item.options) != 1:
            raise _fail(f"{where}, item {item.id}: 'not sure' must be the last option, once")
        for option in item.options:
            check_id(option.id, what="option", max_length=MAX_OPTION_ID)
            if not option.id.startswith(f"{item.id}_"):
                raise _fail(f"{where}: option id {option.id} must start with {item.id}_")
            _check_button(option.text, where=f"{where}, option {option.id}")


def _check_modifiers(questionnaire: Questionnaire, *, where: str) -> None:
    kinds = [item.kind for item in questionnaire.items]
    first_modifier = next((i for i, k in enumerate(kinds) if k is not ItemKind.CORE), len(kinds))
    if ItemKind.CORE in kinds[first_modifier:]:
        raise _fail(f"{where}: core items must come before the modifier items")
    for kind, values in ((ItemKind.SOCIAL, Social), (ItemKind.THRILL, Thrill)):
        found = [item for item in questionnaire.items if item.kind is kind]
        if len(found) != 1:
            raise _fail(f"{where}: needs exactly one {kind.value} modifier item")
        offered = [option.value for option in found[0].choices]
        if sorted(v or "" for v in offered) != sorted(member.value for member in values):
            expected = ", ".join(member.value for member in values)
            raise _fail(f"{where}, item {found[0].id}: options must be exactly {expected}")
    for item in questionnaire.core_items:
        for option in item.options:
            if option.value is not None:
                raise _fail(f"{where}, option {option.id}: only modifier options have a value")


def _check_weights_present(questionnaire: Questionnaire, key: ScoringKey, *, where: str) -> None:
    for item in questionnaire.items:
        for option in item.options:
            scored = item.kind is ItemKind.CORE and not option.not_sure
            if scored and option.id not in key.weights:
                raise _fail(f"{where}: option {option.id} has no weights in key {key.version}")
            if not scored and option.id in key.weights:
                raise _fail(f"{where}: option {option.id} must not have weights")


def _check_balance(questionnaire: Questionnaire, key: ScoringKey, *, where: str) -> None:
    for item in questionnaire.core_items:
        primaries = [key.primary_style(option.id) for option in item.choices]
        if len(set(primaries)) != len(primaries):
            raise _fail(f"{where}, item {item.id}: two options have the same style")
    counts = style_counts(questionnaire, key)
    if len(set(counts.values())) != 1:
        listed = ", ".join(f"{style} {n}" for style, n in counts.items())
        raise _fail(f"{where}: styles are not balanced ({listed})")


# --- Styles ------------------------------------------------------------------------------------


def validate_styles(styles: Styles) -> None:
    """Unique style keys, each with an emoji and no letters in it."""
    _check_version(styles.version, where="styles")
    keys = Counter(styles.keys)
    for style, count in keys.items():
        if count > 1:
            raise _fail(f"styles: {style!r} is listed twice")
        if not STYLE_PATTERN.match(style):
            raise _fail(f"styles: key {style!r} is not lower-case ASCII")
    for info in styles.styles:
        if any(char.isalnum() for char in info.emoji):
            raise _fail(f"styles: emoji of {info.key!r} must be an emoji, not letters")
    _check_placeholders(styles.results.mostly, {"top"}, where="styles, mostly")


def check_same_styles(styles: Styles, key: ScoringKey) -> None:
    """The styles file names exactly the scoring key's styles."""
    if set(styles.keys) != set(key.styles):
        raise _fail(f"styles {styles.version} do not match the styles of key {key.version}")


# --- Tiers -------------------------------------------------------------------------------------


def validate_tiers(tiers: Tiers) -> None:
    """Bands cover 0 hours upwards without gaps, and each band lies inside one tier."""
    _check_version(tiers.version, where="tiers")
    if [info.tier for info in tiers.tiers] != list(Tier):
        raise _fail("tiers: must list starter, growing, almost_there, champion in that order")
    thresholds = [info.min_hours for info in tiers.tiers]
    if thresholds[0] != 0 or thresholds != sorted(set(thresholds)):
        raise _fail("tiers: min_hours must start at 0 and go up")
    if not tiers.bands:
        raise _fail("tiers: has no bands")
    if len({band.id for band in tiers.bands}) != len(tiers.bands):
        raise _fail("tiers: band ids must be unique")
    expected_min = 0.0
    for index, band in enumerate(tiers.bands):
        check_id(band.id, what="band", max_length=MAX_OPTION_ID)
        _check_button(band.label, where=f"tiers, band {band.id}")
        last = index == len(tiers.bands) - 1
        if band.min_hours != expected_min:
            raise _fail(f"tiers, band {band.id}: starts at {band.min_hours}, not {expected_min}")
        if last != (band.max_hours is None):
            raise _fail(f"tiers, band {band.id}: only the last band is open-ended")
        if band.max_hours is not None:
            if band.max_hours <= band.min_hours:
                raise _fail(f"tiers, band {band.id}: max_hours must be above min_hours")
            expected_min = band.max_hours
            if any(band.min_hours < t < band.max_hours for t in thresholds):
                raise _fail(f"tiers, band {band.id}: spans two tiers")
        actual = tiers.tier_for_hours(band.min_hours)
        if actual is not band.tier:
            raise _fail(f"tiers, band {band.id}: lies in tier {actual}, not {band.tier}")
    check_payloads(band.id for band in tiers.bands)


# --- Activities --------------------------------------------------------------------------------


def validate_catalogue(catalogue: Catalogue, styles: Iterable[str]) -> None:
    """Unique payload-safe ids, known styles, sane ages and durations, safety where needed."""
    _check_version(catalogue.version, where="activities")
    style_keys = tuple(styles)
    if not catalogue.activities:
        raise _fail("activities: the catalogue is empty")
    ids = Counter(activity.id for activity in catalogue.activities)
    for activity in catalogue.activities:
        where = f"activity {activity.id}"
        if ids[activity.id] > 1:
            raise _fail(f"{where}: id is used more than once")
        check_id(activity.id, what="activity", max_length=MAX_ACTIVITY_ID)
        _check_weights(activity.styles, style_keys, where=where)
        _check_words(activity.how_to, where=where)
        if not 0 < activity.min_age <= activity.max_age:
            raise _fail(f"{where}: age range {activity.min_age}-{activity.max_age} is empty")
        if not 0 < activity.duration <= MAX_DURATION:
            raise _fail(f"{where}: duration must be 1 to {MAX_DURATION} minutes")
        if activity.risk is not None and activity.safety_tip is None:
            raise _fail(f"{where}: risk {activity.risk.value} needs a safety_tip")
        if activity.risk is None and activity.safety_tip is not None:
            raise _fail(f"{where}: a safety_tip needs a risk category")
        needs_grown_up = activity.risk in GROWN_UP_RISKS and activity.min_age < 12
        if needs_grown_up and not activity.with_grown_up:
            raise _fail(f"{where}: {activity.risk} for under-12s needs with_grown_up = true")
    check_payloads(ids)
