"""Opportunity-normalised play-style scores, the result label, and the random-clicking check.

Pure functions over plain values: the answers are item id -> option id (or None), the output is a
frozen ``Result`` that serialises to a dict for storage. A stored result is only a cache: scoring
the stored option ids again with the same questionnaire and key versions gives the same result.
Comparisons use exact fractions, so a margin of exactly 0.20 is "clear" on every platform.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any, Final, Protocol

from dialogs.assessment.content import (
    Item,
    ItemKind,
    Option,
    Questionnaire,
    ScoringKey,
    Social,
    Thrill,
)

CLEAR_MARGIN: Final = Fraction(1, 5)
"""Top minus second at least this: a clear style."""
LEANING_MARGIN: Final = Fraction(1, 10)
"""Top minus second at least this (and under ``CLEAR_MARGIN``): leaning; below it: double style."""
ALL_ROUNDER_SPREAD: Final = Fraction(1, 10)
"""Top minus third below this: all-rounder (same strictness as the double-style margin)."""
MIN_ANSWERED: Final = Fraction(3, 4)
"""Share of core items that must have a real answer ("not sure" does not count)."""
MIN_OPPORTUNITY: Final = 4
"""Every style's max_s must reach this (two answered items offering it as primary)."""
SAME_POSITION_SHARE: Final = Fraction(4, 5)
"""Pressing the same button position this often looks like random clicking."""
MIN_POSITION_SAMPLE: Final = 4
"""Fewer responses than this say nothing about positions."""
MIN_MEDIAN_SECONDS: Final = 1.5
"""A median answer time below this looks like random clicking."""
MIXED: Final = "mixed"
"""Statistics bucket for double styles and all-rounders."""


class Label(StrEnum):
    """The result's headline kind; stored values."""

    CLEAR = "clear"
    """One style leads by at least 0.20."""
    LEANING = "leaning"
    """One style leads by 0.10 to 0.20; ``secondary`` names the runner(s)-up."""
    DOUBLE = "double"
    """The top two are less than 0.10 apart; both are ``primary``."""
    ALL_ROUNDER = "all_rounder"
    """The top three (or more) are less than 0.10 apart."""
    INCOMPLETE = "incomplete"
    """Too few answers for a result: ask a few more questions."""


class RandomSign(StrEnum):
    """Why a session looks like random clicking; such sessions stay out of statistics."""

    SAME_POSITION = "same_position"
    """The same button position for at least 80 % of the answered core items."""
    TOO_FAST = "too_fast"
    """Median answer time under 1.5 seconds."""


@dataclass(frozen=True, slots=True)
class StyleScore:
    """One style's opportunity-normalised score."""

    style: str
    """Style key."""
    raw: int
    """Sum of the chosen options' weights for this style."""
    maximum: int
    """Sum over answered items of the best weight this style could have got (max_s)."""

    @property
    def fraction(self) -> Fraction:
        """raw / maximum exactly; 0 when the style had no opportunity."""
        return Fraction(self.raw, self.maximum) if self.maximum else Fraction(0)

    @property
    def pct(self) -> float:
        """raw / maximum in 0..1, comparable across forms and versions."""
        return float(self.fraction)


@dataclass(frozen=True, slots=True)
class Result:
    """A scored session: what to show, and enough to check it against a recomputation."""

    questionnaire: str
    """Questionnaire id, e.g. ``teen``."""
    questionnaire_version: str
    """Questionnaire version that was answered."""
    key_version: str
    """Scoring key version used."""
    label: Label
    """Headline kind."""
    scores: tuple[StyleScore, ...]
    """One score per style, in the key's style order (not a ranking)."""
    primary: tuple[str, ...]
    """Styles the headline names, in display order; empty when incomplete."""
    secondary: tuple[str, ...]
    """For ``leaning``: the runner(s)-up, tied ones all named; otherwise empty."""
    answered: int
    """Core items answered with a real option."""
    core_items: int
    """Number of core items in the questionnaire."""
    random_signs: tuple[RandomSign, ...]
    """Why the session looks like random clicking; empty when it does not."""

    @property
    def complete(self) -> bool:
        """True when there is a result to show."""
        return self.label is not Label.INCOMPLETE

    @property
    def top_style(self) -> str | None:
        """One value for statistics: the leading style, ``mixed``, or None when incomplete."""
        if self.label in (Label.CLEAR, Label.LEANING):
            return self.primary[0]
        return None if self.label is Label.INCOMPLETE else MIXED

    @property
    def looks_random(self) -> bool:
        """Exclude from organisation statistics (never tell the child)."""
        return bool(self.random_signs)

    def pct(self, style: str) -> float:
        """The score of ``style`` in 0..1."""
        for score in self.scores:
            if score.style == style:
                return score.pct
        raise KeyError(style)

    def pct_by_style(self) -> dict[str, float]:
        """Style -> score in 0..1."""
        return {score.style: score.pct for score in self.scores}

    def ranking(self) -> tuple[StyleScore, ...]:
        """Scores for display: highest first, equal scores by style key (a display order only)."""
        return tuple(sorted(self.scores, key=lambda score: (-score.fraction, score.style)))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict for storage."""
        return {
            "questionnaire": self.questionnaire,
            "questionnaire_version": self.questionnaire_version,
            "key_version": self.key_version,
            "label": self.label.value,
            "scores": {score.style: [score.raw, score.maximum] for score in self.scores},
            "primary": list(self.primary),
            "secondary": list(self.secondary),
            "answered": self.answered,
            "core_items": self.core_items,
            "random_signs": [sign.value for sign in self.random_signs],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        """Rebuild a stored result; ``ValueError`` when the dict is not one of ours."""
        try:
            scores = tuple(
                StyleScore(style=str(style), raw=int(pair[0]), maximum=int(pair[1]))
                for style, pair in data["scores"].items()
            )
            return cls(
                questionnaire=str(data["questionnaire"]),
                questionnaire_version=str(data["questionnaire_version"]),
                key_version=str(data["key_version"]),
                label=Label(data["label"]),
                scores=scores,
                primary=tuple(str(style) for style in data["primary"]),
                secondary=tuple(str(style) for style in data["secondary"]),
                answered=int(data["answered"]),
                core_items=int(data["core_items"]),
                random_signs=tuple(RandomSign(sign) for sign in data["random_signs"]),
            )
        except (KeyError, TypeError, IndexError, AttributeError) as exc:
            raise ValueError(f"not a stored result: {exc!r}") from exc


@dataclass(frozen=True, slots=True)
class Modifiers:
    """The two modifier answers; None where the child was not sure or skipped."""

    social: Social | None = None
    """Who the child likes to play with."""
    thrill: Thrill | None = None
    """How exciting play should be."""


def shuffled_options(item: Item, seed: str | int) -> tuple[Option, ...]:
    """The options in the order shown for this session; "not sure" always last.

    Core items are shuffled with a generator seeded by ``"<seed>:<item id>"`` (string seeds are
    hashed with SHA-512 by ``random``, so the order is the same in every process; ``hash()`` is
    not). Modifier options keep their order because they are a scale (calm -> very exciting).
    """
    if item.kind is not ItemKind.CORE:
        return item.options
    choices = list(item.choices)
    # Not for security: only the presentation order, reproducible from the stored seed.
    random.Random(f"{seed}:{item.id}").shuffle(choices)  # noqa: S311
    return (*choices, item.not_sure)


def positions_shown(
    questionnaire: Questionnaire, answers: Mapping[str, str | None], seed: str | int
) -> dict[str, int]:
    """Item id -> 0-based button position of the chosen option, for the answered items."""
    positions: dict[str, int] = {}
    for item in questionnaire.items:
        chosen = answers.get(item.id)
        if chosen is None:
            continue
        order = [option.id for option in shuffled_options(item, seed)]
        if chosen in order:
            positions[item.id] = order.index(chosen)
    return positions


def modifiers(questionnaire: Questionnaire, answers: Mapping[str, str | None]) -> Modifiers:
    """Read the two modifier answers."""
    values: dict[ItemKind, str | None] = {}
    for kind in (ItemKind.SOCIAL, ItemKind.THRILL):
        item = questionnaire.modifier(kind)
        chosen = answers.get(item.id)
        values[kind] = None if chosen is None else item.option(chosen).value
    social, thrill = values[ItemKind.SOCIAL], values[ItemKind.THRILL]
    return Modifiers(
        social=None if social is None else Social(social),
        thrill=None if thrill is None else Thrill(thrill),
    )


def _check_answers(questionnaire: Questionnaire, answers: Mapping[str, str | None]) -> None:
    """Stored answers that do not fit the questionnaire are a bug, never a child's mistake."""
    for item_id, option_id in answers.items():
        try:
            item = questionnaire.item(item_id)
            if option_id is not None:
                item.option(option_id)
        except KeyError as exc:
            raise ValueError(
                f"answer {item_id}={option_id} is not in {questionnaire.id} {questionnaire.version}"
            ) from exc


def score(
    questionnaire: Questionnaire,
    key: ScoringKey,
    answers: Mapping[str, str | None],
    *,
    positions: Mapping[str, int] | None = None,
    answer_seconds: Sequence[float] = (),
) -> Result:
    """Score a session.

    :param answers: item id -> chosen option id, or None when unanswered; modifiers are ignored.
    :param positions: item id -> 0-based button position as shown (see ``positions_shown``);
        None skips the same-position check.
    :param answer_seconds: seconds from question to answer, for the core items answered.
    """
    if questionnaire.key_version != key.version:
        raise ValueError(
            f"{questionnaire.id} {questionnaire.version} uses key "
            f"{questionnaire.key_version}, not {key.version}"
        )
    _check_answers(questionnaire, answers)
    raw = dict.fromkeys(key.styles, 0)
    maximum = dict.fromkeys(key.styles, 0)
    answered = 0
    responded: list[str] = []
    for item in questionnaire.core_items:
        chosen = answers.get(item.id)
        if chosen is None:
            continue
        responded.append(item.id)
        if item.option(chosen).not_sure:
            continue
        answered += 1
        for style in key.styles:
            raw[style] += key.weight(chosen, style)
            maximum[style] += max(key.weight(option.id, style) for option in item.choices)
    scores = tuple(StyleScore(style, raw[style], maximum[style]) for style in key.styles)
    label, primary, secondary = classify(
        scores, answered=answered, core_items=len(questionnaire.core_items)
    )
    return Result(
        questionnaire=questionnaire.id,
        questionnaire_version=questionnaire.version,
        key_version=key.version,
        label=label,
        scores=scores,
        primary=primary,
        secondary=secondary,
        answered=answered,
        core_items=len(questionnaire.core_items),
        random_signs=_random_signs(responded, positions, answer_seconds),
    )


class StoredAnswer(Protocol):
    """What scoring needs of a stored answer (``storage.assessments.Answer``)."""

    @property
    def option_id(self) -> str: ...

    @property
    def seconds(self) -> float | None: ...


def score_stored(
    questionnaire: Questionnaire, key: ScoringKey, stored: Mapping[str, StoredAnswer], seed: str
) -> Result:
    """Score a session from its stored answers (item id -> answer) and its shuffle seed.

    The one way a session is scored: at the end of the quiz and again by ``playbot rescore``.
    """
    answers: dict[str, str | None] = {k: a.option_id for k, a in stored.items()}
    return score(
        questionnaire,
        key,
        answers,
        positions=positions_shown(questionnaire, answers, seed),
        answer_seconds=[
            a.seconds
            for item in questionnaire.core_items
            if (a := stored.get(item.id)) is not None and a.seconds is not None
        ],
    )


def classify(
    scores: Sequence[StyleScore], *, answered: int, core_items: int
) -> tuple[Label, tuple[str, ...], tuple[str, ...]]:
    """Label, primary styles and runner(s)-up from the scores; independent of their order."""
    enough = core_items > 0 and Fraction(answered, core_items) >= MIN_ANSWERED
    if not enough or any(score.maximum < MIN_OPPORTUNITY for score in scores):
        return Label.INCOMPLETE, (), ()
    # Sorting by style key only fixes a display order; every decision below compares values, so
    # equal scores always end up named together, never split by the order styles are listed in.
    ranked = sorted(scores, key=lambda score: (-score.fraction, score.style))
    values = [score.fraction for score in ranked]
    top = values[0]
    second = values[1] if len(values) > 1 else Fraction(0)
    third = values[2] if len(values) > 2 else Fraction(-1)
    if top - third < ALL_ROUNDER_SPREAD:
        close = tuple(s.style for s in ranked if top - s.fraction < ALL_ROUNDER_SPREAD)
        return Label.ALL_ROUNDER, close, ()
    margin = top - second
    if margin >= CLEAR_MARGIN:
        return Label.CLEAR, (ranked[0].style,), ()
    if margin >= LEANING_MARGIN:
        runners_up = tuple(s.style for s in ranked if s.fraction == second)
        return Label.LEANING, (ranked[0].style,), runners_up
    # top - third >= 0.10 here, so the second is strictly above the third: exactly two styles.
    return Label.DOUBLE, (ranked[0].style, ranked[1].style), ()


def _random_signs(
    responded: Sequence[str],
    positions: Mapping[str, int] | None,
    answer_seconds: Sequence[float],
) -> tuple[RandomSign, ...]:
    signs: list[RandomSign] = []
    if positions is not None:
        shown = [positions[item_id] for item_id in responded if item_id in positions]
        if len(shown) >= MIN_POSITION_SAMPLE:
            most = Counter(shown).most_common(1)[0][1]
            if Fraction(most, len(shown)) >= SAME_POSITION_SHARE:
                signs.append(RandomSign.SAME_POSITION)
    if answer_seconds and statistics.median(answer_seconds) < MIN_MEDIAN_SECONDS:
        signs.append(RandomSign.TOO_FAST)
    return tuple(signs)
