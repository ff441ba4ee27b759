"""The assessment's content as frozen values: questionnaires, key, styles, tiers, activities.

These are plain data read from the versioned TOML files in ``content/`` (see ``loader.py``). Every
text a person sees is a ``Text`` (a catalog msgid in the "content" gettext domain), never rendered
text, so the caller renders it with the reader's locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

NOT_SURE_SUFFIX: Final = "_X"
"""Option id suffix of the "🤷 Not sure" option the loader adds to every item."""


class ItemKind(StrEnum):
    """What an item is for; stored values, do not rename."""

    CORE = "core"
    """A forced-choice scenario question; its options carry style weights."""
    SOCIAL = "social"
    """Modifier: who the child likes to play with; filters suggestions only."""
    THRILL = "thrill"
    """Modifier: how exciting play should be; filters suggestions only."""


class Social(StrEnum):
    """Answer to the "who with" modifier; stored values."""

    ALONE = "alone"
    """On my own."""
    PAIR = "pair"
    """With one friend."""
    GROUP = "group"
    """With a group."""


class Thrill(StrEnum):
    """Answer to the "how exciting" modifier; stored values."""

    CALM = "calm"
    """Calm play: no vigorous or risky ideas."""
    SOME = "some"
    """A bit exciting: anything goes."""
    HIGH = "high"
    """Very exciting: vigorous and adventurous ideas first."""


class SocialMode(StrEnum):
    """How many people an activity is made for."""

    ALONE = "alone"
    """Works best on your own."""
    PAIR = "pair"
    """Needs one other person."""
    GROUP = "group"
    """Needs three or more people."""
    ANY = "any"
    """Works alone or together."""


class Intensity(StrEnum):
    """Physical intensity, after the WHO light / moderate / vigorous bands."""

    LIGHT = "light"
    """Walking pace or slower."""
    MODERATE = "moderate"
    """Breathing harder, can still talk."""
    VIGOROUS = "vigorous"
    """Out of breath: running, jumping."""


class Risk(StrEnum):
    """Sandseter's risky-play categories an activity involves; every one needs a safety tip."""

    HEIGHTS = "heights"
    """Climbing up high."""
    SPEED = "speed"
    """Going fast (bikes, skates, sledges)."""
    TOOLS = "tools"
    """Knives, saws, scissors."""
    WATER = "water"
    """Ponds, streams, the sea."""
    ROUGH = "rough"
    """Rough-and-tumble play."""
    AWAY = "away"
    """Out of sight or in the dark ("disappear / get lost")."""


GROWN_UP_RISKS: Final = frozenset({Risk.HEIGHTS, Risk.TOOLS, Risk.WATER})
"""Risks that need ``with_grown_up`` when the activity is open to under-12s."""


class Tier(StrEnum):
    """Outdoor-time tier, from the hours-per-week band; stored values."""

    STARTER = "starter"
    """Under 2 hours a week."""
    GROWING = "growing"
    """2 to 4 hours a week."""
    ALMOST_THERE = "almost_there"
    """4 to 7 hours a week."""
    CHAMPION = "champion"
    """7 hours a week or more."""


@dataclass(frozen=True, slots=True)
class Text:
    """A translatable content string."""

    msgid: str
    """The English source text, which is also the catalog msgid."""
    context: str | None = None
    """Catalog msgctxt, only where one English string needs two different translations."""


@dataclass(frozen=True, slots=True)
class Option:
    """One answer button of an item."""

    id: str
    """Stable id stored with the answer and sent as the payload argument."""
    text: Text
    """Button label: an emoji, a space, then words."""
    value: str | None = None
    """For modifier items: the ``Social`` or ``Thrill`` value this option stands for."""
    not_sure: bool = False
    """True for the "🤷 Not sure" option, which has no weight and is always last."""


@dataclass(frozen=True, slots=True)
class Item:
    """One question."""

    id: str
    """Stable id, the key of the stored answer."""
    kind: ItemKind
    """Core (scored) or one of the two modifiers."""
    prompt: Text
    """The question, at most about 25 words."""
    options: tuple[Option, ...]
    """Answer options in authoring order, "not sure" last."""

    @property
    def choices(self) -> tuple[Option, ...]:
        """The options without "not sure"."""
        return tuple(option for option in self.options if not option.not_sure)

    @property
    def not_sure(self) -> Option:
        """The "not sure" option (validation guarantees there is exactly one)."""
        return self.options[-1]

    def option(self, option_id: str) -> Option:
        """Return the option with ``option_id``; ``KeyError`` if the item has none."""
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """One published version of a question set."""

    id: str
    """Form id: ``teen`` (10 to 16) or ``kids`` (6 to 9, read aloud by a parent)."""
    version: str
    """Semver of this file; a published version never changes."""
    key_version: str
    """The scoring key this version is scored with."""
    audience: str
    """Whom the questions speak to: ``child`` or ``parent`` (kids 1.0.0 only: "Ask your child")."""
    min_age: int
    """Youngest age the form is meant for."""
    max_age: int
    """Oldest age the form is meant for."""
    title: Text
    """Name of the quiz."""
    intro: Text
    """First message: what happens and that there are no wrong answers. May use ``{count}``, the
    number of questions (filled in after translation)."""
    items: tuple[Item, ...]
    """Core items first, then the two modifiers."""

    @property
    def core_items(self) -> tuple[Item, ...]:
        """The scored items."""
        return tuple(item for item in self.items if item.kind is ItemKind.CORE)

    def item(self, item_id: str) -> Item:
        """Return the item with ``item_id``; ``KeyError`` if there is none."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def modifier(self, kind: ItemKind) -> Item:
        """Return the modifier item of ``kind``; ``KeyError`` if there is none."""
        for item in self.items:
            if item.kind is kind and kind is not ItemKind.CORE:
                return item
        raise KeyError(kind)


@dataclass(frozen=True, slots=True)
class ScoringKey:
    """Weights per option id; versioned apart from the texts so wording fixes keep the key."""

    version: str
    """Key version, stored with every session."""
    styles: tuple[str, ...]
    """The style keys the weights refer to."""
    weights: Mapping[str, Mapping[str, int]]
    """Option id -> style -> weight (primary 2, secondary 1); read-only mappings."""

    def weight(self, option_id: str, style: str) -> int:
        """Weight of ``option_id`` for ``style``; 0 for "not sure" and unknown options."""
        return self.weights.get(option_id, {}).get(style, 0)

    def primary_style(self, option_id: str) -> str | None:
        """The style with the highest weight, or None when the option has none or a tie."""
        weights = self.weights.get(option_id, {})
        if not weights:
            return None
        top = max(weights.values())
        leaders = [style for style, weight in weights.items() if weight == top]
        return leaders[0] if len(leaders) == 1 else None


@dataclass(frozen=True, slots=True)
class StyleInfo:
    """How a style is named and shown."""

    key: str
    """Stable style key, e.g. ``explorer``."""
    emoji: str
    """One emoji shown next to the name."""
    name: Text
    """Full name, e.g. "Joker & team player"."""
    short_name: Text
    """Short name for double styles and bars, e.g. "Joker"."""
    description: Text
    """One line on what this style enjoys."""
    you_are: Text
    """Headline for a clear result, e.g. "You're an Explorer 🧭!"."""


@dataclass(frozen=True, slots=True)
class ResultTexts:
    """Templates for the result headline; placeholders in braces, filled after translation."""

    leaning: Text
    """Uses ``{top}`` and ``{second}``."""
    double: Text
    """Uses ``{styles}``, e.g. "Explorer-Maker 🧭🔨"."""
    all_rounder: Text
    """No placeholders."""
    incomplete: Text
    """Shown when too few core items were answered."""
    join_and: Text
    """Joins the last two names of a list: ``{rest}`` and ``{last}``."""
    disclaimer: Text
    """The honest note: for fun and ideas, not a test."""
    mostly: Text | None = None
    """Uses ``{top}``: a leaning result whose runners-up are not strong enough to name (styles 2
    on; without it every runner-up is named, as styles 1 did)."""


@dataclass(frozen=True, slots=True)
class Styles:
    """The style set and its wording."""

    version: str
    """Version of the styles file."""
    styles: tuple[StyleInfo, ...]
    """All styles, in display order for charts."""
    results: ResultTexts
    """Headline templates."""

    def info(self, key: str) -> StyleInfo:
        """Return the style with ``key``; ``KeyError`` if unknown."""
        for style in self.styles:
            if style.key == key:
                return style
        raise KeyError(key)

    @property
    def keys(self) -> tuple[str, ...]:
        """Style keys in display order."""
        return tuple(style.key for style in self.styles)


@dataclass(frozen=True, slots=True)
class Band:
    """One answer to "hours per week playing outside" at registration."""

    id: str
    """Stable band id stored in the profile, e.g. ``h2_4``."""
    label: Text
    """Button label."""
    min_hours: float
    """Lower bound, inclusive."""
    max_hours: float | None
    """Upper bound, exclusive; None for the open top band."""
    tier: Tier
    """Outdoor-time tier this band falls into."""


@dataclass(frozen=True, slots=True)
class TierInfo:
    """Wording and threshold of one tier."""

    tier: Tier
    """Which tier."""
    min_hours: float
    """Hours per week from which this tier starts."""
    name: Text
    """Short name."""
    message: Text
    """Kind goal message shown above the ideas."""


@dataclass(frozen=True, slots=True)
class Tiers:
    """Outdoor-time bands and tiers."""

    version: str
    """Version of the tiers file."""
    bands: tuple[Band, ...]
    """Registration bands, lowest first."""
    tiers: tuple[TierInfo, ...]
    """Tiers, lowest first."""

    def band(self, band_id: str) -> Band:
        """Return the band with ``band_id``; ``KeyError`` if unknown."""
        for band in self.bands:
            if band.id == band_id:
                return band
        raise KeyError(band_id)

    def tier_for_hours(self, hours: float) -> Tier:
        """The tier for a number of hours per week."""
        if hours < 0:
            raise ValueError("hours must not be negative")
        found = self.tiers[0].tier
        for info in self.tiers:
            if hours >= info.min_hours:
                found = info.tier
        return found

    def info(self, tier: Tier) -> TierInfo:
        """Wording of ``tier``."""
        for info in self.tiers:
            if info.tier is tier:
                return info
        raise KeyError(tier)


@dataclass(frozen=True, slots=True)
class Activity:
    """One outdoor play idea."""

    id: str
    """Stable id; fits a button payload."""
    title: Text
    """Short name."""
    how_to: Text
    """One line on how to play it."""
    styles: Mapping[str, int]
    """Style -> weight (primary 2, secondary 1); read-only."""
    min_age: int
    """Youngest age it suits."""
    max_age: int
    """Oldest age it suits."""
    social: SocialMode
    """How many people it is made for."""
    intensity: Intensity
    """Light, moderate or vigorous."""
    bone_strengthening: bool
    """Jumping or climbing (WHO: bone-strengthening on 3 days a week)."""
    duration: int
    """About how many minutes it takes."""
    materials: Text | None
    """What you need, or None for nothing."""
    with_grown_up: bool
    """Under-12s do this with a grown-up (heights, tools, water)."""
    risk: Risk | None
    """Risky-play category, if any; such an activity is "adventurous"."""
    safety_tip: Text | None
    """Short safety tip; required when ``risk`` is set."""
    near_home: bool
    """Can be done right outside the door (street, garden, nearby playground)."""

    @property
    def primary_style(self) -> str:
        """The style with the highest weight (validation guarantees a single one)."""
        return max(self.styles, key=lambda style: (self.styles[style], style))

    @property
    def adventurous(self) -> bool:
        """True when it involves a risky-play category."""
        return self.risk is not None

    def suits_age(self, age: int) -> bool:
        """True when ``age`` is within the activity's age range."""
        return self.min_age <= age <= self.max_age


@dataclass(frozen=True, slots=True)
class SuggestionTexts:
    """Labels used when showing an idea."""

    grown_up: Text
    """Mark for ideas to do with a grown-up."""
    together: Text
    """Mark for the starter idea to do with a grown-up or a friend."""
    safety: Text
    """Uses ``{tip}``."""
    minutes: Text
    """Uses ``{minutes}``."""
    materials: Text
    """Uses ``{materials}``."""


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The activity catalogue."""

    version: str
    """Version of the catalogue file."""
    activities: tuple[Activity, ...]
    """All activities."""
    texts: SuggestionTexts
    """Labels for showing an idea."""

    def activity(self, activity_id: str) -> Activity:
        """Return the activity with ``activity_id``; ``KeyError`` if unknown."""
        for activity in self.activities:
            if activity.id == activity_id:
                return activity
        raise KeyError(activity_id)


@dataclass(frozen=True, slots=True)
class AssessmentContent:
    """All current content, loaded and validated once by ``main()`` and passed down."""

    questionnaires: tuple[Questionnaire, ...]
    """The current questionnaire versions."""
    keys: Mapping[str, ScoringKey]
    """Scoring keys by version, for every key a current questionnaire names."""
    styles: Styles
    """Style names and result wording."""
    tiers: Tiers
    """Outdoor-time bands and tiers."""
    catalogue: Catalogue
    """Activity ideas."""
    earlier: tuple[Questionnaire, ...] = ()
    """Older published versions of the forms: sessions started on them go on and show their
    results with the version they began with."""

    def questionnaire(self, form: str, version: str) -> Questionnaire:
        """``form`` in ``version``, current or earlier; ``LookupError`` if it is not loaded."""
        for questionnaire in (*self.questionnaires, *self.earlier):
            if (questionnaire.id, questionnaire.version) == (form, version):
                return questionnaire
        raise LookupError(f"{form} {version} is not loaded")

    def questionnaire_for_age(self, age: int) -> Questionnaire:
        """The current form for ``age``: 6 to 9 get ``kids``, 10 to 16 get ``teen``."""
        for questionnaire in self.questionnaires:
            if questionnaire.min_age <= age <= questionnaire.max_age:
                return questionnaire
        raise ValueError(f"no questionnaire for age {age}")

    def key_for(self, questionnaire: Questionnaire) -> ScoringKey:
        """The scoring key ``questionnaire`` is scored with."""
        return self.keys[questionnaire.key_version]
