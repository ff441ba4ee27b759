"""Picks 2 or 3 outdoor ideas from the style profile, the outdoor-time tier, the age and modifiers.

The tier rules come from docs/playstyle.md:

- starter: 2 short, near-home ideas from the top style; the second one with a grown-up or friend;
- growing: 1 from the top style and 1 from the second style;
- almost there: those two plus a bone-strengthening (jumping or climbing) idea;
- champion: 1 from the top style, 1 from a style outside the top two, and, unless the child wants
  calm play, an adventurous idea with a safety tip.

Age is a hard filter; modifiers and the slot's wishes (short, near home, another style) are relaxed
step by step when the catalogue has nothing that fits, so there are always 2 or 3 ideas when at
least 2 activities suit the age. Ties, including tied styles, are broken by the session seed, never
by the order of a list, and the same seed always gives the same ideas.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from dialogs.assessment.content import (
    Activity,
    Catalogue,
    Intensity,
    Risk,
    Social,
    SocialMode,
    Thrill,
    Tier,
)
from dialogs.assessment.scoring import Modifiers

SHORT_MINUTES: Final = 20
"""A starter idea takes at most this long (a 15-minute idea, with a little slack)."""
GROWN_UP_AGE: Final = 12
"""Under this age, activities flagged ``with_grown_up`` are marked so."""
ALONE_AWAY_AGE: Final = 10
"""Under this age, nothing away from home or out of sight without a grown-up."""
JITTER: Final = 0.2
"""Seeded noise added to the style affinity, so equal profiles do not always get the same ideas."""

_SOCIAL_FITS: Final = MappingProxyType(
    {
        Social.ALONE: frozenset({SocialMode.ALONE, SocialMode.ANY}),
        Social.PAIR: frozenset({SocialMode.PAIR, SocialMode.ANY}),
        Social.GROUP: frozenset({SocialMode.GROUP, SocialMode.ANY}),
    }
)


class Reason(StrEnum):
    """Why an idea was picked; stored values."""

    TOP_STYLE = "top_style"
    """From the child's top style."""
    SECOND_STYLE = "second_style"
    """From the child's second style, for variety."""
    BONES = "bones"
    """A jumping or climbing idea (bone-strengthening, 3 days a week)."""
    NEW_STYLE = "new_style"
    """From a style outside the child's top two, to try something different."""
    ADVENTURE = "adventure"
    """An adventurous idea, shown with its safety tip."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One idea for the result card."""

    activity: Activity
    """The activity."""
    reason: Reason
    """Why it was picked."""
    with_grown_up: bool
    """Show "with a grown-up": heights, tools or water under 12, or away from home under 10."""
    together: bool
    """Show "ask a grown-up or a friend to join you" (the starter tier's second idea)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict for storage (the activity by id)."""
        return {
            "activity": self.activity.id,
            "reason": self.reason.value,
            "with_grown_up": self.with_grown_up,
            "together": self.together,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], catalogue: Catalogue) -> Suggestion:
        """Rebuild a stored idea; ``KeyError`` if its activity is not in ``catalogue``."""
        return cls(
            activity=catalogue.activity(str(data["activity"])),
            reason=Reason(data["reason"]),
            with_grown_up=bool(data["with_grown_up"]),
            together=bool(data["together"]),
        )


def needs_grown_up(activity: Activity, age: int) -> bool:
    """True when a child of ``age`` should do ``activity`` with a grown-up."""
    if activity.with_grown_up and age < GROWN_UP_AGE:
        return True
    away = not activity.near_home or activity.risk is Risk.AWAY
    return away and age < ALONE_AWAY_AGE


def fits_modifiers(activity: Activity, modifiers: Modifiers) -> bool:
    """True when the activity suits who the child plays with and how exciting they like it."""
    if modifiers.social is not None and activity.social not in _SOCIAL_FITS[modifiers.social]:
        return False
    calm = modifiers.thrill is Thrill.CALM
    return not (calm and (activity.intensity is Intensity.VIGOROUS or activity.adventurous))


Wish = Callable[[Activity], bool]


class _Picker:
    """Chooses activities one slot at a time, relaxing wishes in order until one fits."""

    def __init__(
        self,
        pool: Sequence[Activity],
        *,
        scores: Mapping[str, float],
        modifiers: Modifiers,
        avoid: Collection[str],
        rng: random.Random,
    ) -> None:
        self._pool = sorted(pool, key=lambda activity: activity.id)
        self._scores = scores
        self._modifiers = modifiers
        self._avoid = frozenset(avoid)
        # One random draw per activity, taken in id order: ties break by seed, not file order.
        self._draw = {activity.id: rng.random() for activity in self._pool}
        self.chosen: list[Activity] = []

    @property
    def used_styles(self) -> frozenset[str]:
        return frozenset(activity.primary_style for activity in self.chosen)

    def _rank(self, activity: Activity) -> tuple[float, float]:
        affinity = sum(self._scores.get(style, 0.0) * w for style, w in activity.styles.items())
        if self._modifiers.thrill is Thrill.HIGH and (
            activity.intensity is Intensity.VIGOROUS or activity.adventurous
        ):
            affinity += 0.5
        draw = self._draw[activity.id]
        return round(affinity + JITTER * draw, 9), draw

    def pick(self, wishes: Sequence[Wish], *, required: bool = True) -> Activity | None:
        """The best unused activity for the first wish any activity meets.

        A required slot falls back to any unused activity; an optional one stays empty instead.
        """
        fallback: tuple[Wish, ...] = (_anything,) if required else ()
        # Relax in this order: first recent ideas may come back, then the modifiers are dropped.
        relaxations = ((True, True), (True, False), (False, True), (False, False))
        for wish in (*wishes, *fallback):
            for use_modifiers, use_avoid in relaxations:
                candidates = [
                    activity
                    for activity in self._pool
                    if activity not in self.chosen
                    and wish(activity)
                    and (not use_modifiers or fits_modifiers(activity, self._modifiers))
                    and (not use_avoid or activity.id not in self._avoid)
                ]
                if candidates:
                    best = max(candidates, key=self._rank)
                    self.chosen.append(best)
                    return best
        return None

    def new_style(self, activity: Activity) -> bool:
        """Wish: a primary style no chosen idea has yet."""
        return activity.primary_style not in self.used_styles


def _anything(activity: Activity) -> bool:
    return True


def _style(style: str) -> Wish:
    return lambda activity: activity.primary_style == style


def _style_in(styles: frozenset[str]) -> Wish:
    return lambda activity: activity.primary_style in styles


def _short(activity: Activity) -> bool:
    return activity.duration <= SHORT_MINUTES


def _short_near_home(activity: Activity) -> bool:
    return _short(activity) and activity.near_home


def _both(first: Wish, second: Wish) -> Wish:
    return lambda activity: first(activity) and second(activity)


def _not_alone(activity: Activity) -> bool:
    return activity.social is not SocialMode.ALONE


def _bones(activity: Activity) -> bool:
    return activity.bone_strengthening


def _adventurous(activity: Activity) -> bool:
    return activity.adventurous


def rank_styles(scores: Mapping[str, float], seed: str | int) -> tuple[str, ...]:
    """Styles from highest to lowest score; equal scores in an order drawn from the seed."""
    # Not for security: a reproducible, unbiased tie-break.
    rng = random.Random(f"{seed}:styles")  # noqa: S311
    draws = {style: rng.random() for style in sorted(scores)}
    return tuple(sorted(scores, key=lambda style: (-scores[style], draws[style])))


def suggest(
    catalogue: Catalogue,
    *,
    scores: Mapping[str, float],
    tier: Tier,
    age: int,
    modifiers: Modifiers,
    seed: str | int,
    avoid: Collection[str] = (),
) -> tuple[Suggestion, ...]:
    """Pick 2 or 3 ideas (fewer only when fewer than 2 activities suit ``age``).

    :param scores: style -> pct in 0..1, e.g. ``Result.pct_by_style()``.
    :param seed: the session's seed, so the same session always gets the same ideas.
    :param avoid: activity ids suggested recently; used only when nothing else fits.
    """
    ranked = rank_styles(scores, seed)
    top = ranked[0]
    second = ranked[1] if len(ranked) > 1 else top
    picker = _Picker(
        [activity for activity in catalogue.activities if activity.suits_age(age)],
        scores=scores,
        modifiers=modifiers,
        avoid=avoid,
        rng=random.Random(f"{seed}:activities"),  # noqa: S311 - reproducible, not secret
    )
    picks: list[tuple[Activity | None, Reason, bool]] = []
    if tier is Tier.STARTER:
        # Both from the top style (the rule asks for it), short and near home; the second one is
        # to do with a grown-up or a friend, so prefer one made for company, but not at the cost
        # of being short and near home.
        wishes = [
            _both(_style(top), _short_near_home),
            _both(_style(top), _short),
            _style(top),
            _both(_short_near_home, picker.new_style),
        ]
        picks.append((picker.pick(wishes), Reason.TOP_STYLE, False))
        with_company = [option for wish in wishes for option in (_both(wish, _not_alone), wish)]
        picks.append((picker.pick(with_company), Reason.TOP_STYLE, True))
        return _marked(picks, age)
    picks.append((picker.pick([_style(top)]), Reason.TOP_STYLE, False))
    if tier is Tier.CHAMPION:
        others = frozenset(ranked[2:])
        picks.append((picker.pick([_style_in(others), picker.new_style]), Reason.NEW_STYLE, False))
        if modifiers.thrill is not Thrill.CALM:
            wishes = [_both(_adventurous, picker.new_style), _adventurous]
            picks.append((picker.pick(wishes, required=False), Reason.ADVENTURE, False))
        return _marked(picks, age)
    picks.append((picker.pick([_style(second), picker.new_style]), Reason.SECOND_STYLE, False))
    if tier is Tier.ALMOST_THERE:
        wishes = [_both(_bones, picker.new_style), _bones]
        picks.append((picker.pick(wishes, required=False), Reason.BONES, False))
    return _marked(picks, age)


def _marked(
    picks: Sequence[tuple[Activity | None, Reason, bool]], age: int
) -> tuple[Suggestion, ...]:
    return tuple(
        Suggestion(
            activity=activity,
            reason=reason,
            with_grown_up=needs_grown_up(activity, age),
            together=together,
        )
        for activity, reason, together in picks
        if activity is not None
    )
