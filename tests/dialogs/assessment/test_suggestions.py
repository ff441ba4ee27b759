"""Ideas follow the tier rules, respect age and modifiers, vary, and are reproducible per seed."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
from dialogs.assessment.loader import load_content
from dialogs.assessment.scoring import Modifiers
from dialogs.assessment.suggestions import (
    Reason,
    fits_modifiers,
    needs_grown_up,
    rank_styles,
    suggest,
)

CONTENT = load_content()  # read-only, loaded once for the hypothesis strategies
CATALOGUE = CONTENT.catalogue
STYLES = CONTENT.styles.keys

profiles = st.fixed_dictionaries(
    {style: st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]) | st.floats(0, 1) for style in STYLES}
)
modifier_sets = st.builds(
    Modifiers,
    social=st.none() | st.sampled_from(Social),
    thrill=st.none() | st.sampled_from(Thrill),
)
seeds = st.text(max_size=10) | st.integers()
NO_MODIFIERS = Modifiers()

EXPLORER_FIRST: Mapping[str, float] = MappingProxyType(
    {
        "explorer": 1.0,
        "maker": 0.6,
        "mover": 0.3,
        "challenger": 0.2,
        "storyteller": 0.1,
        "joker": 0.0,
    }
)


def ideas(
    *,
    tier: Tier,
    age: int = 10,
    scores: Mapping[str, float] = EXPLORER_FIRST,
    modifiers: Modifiers = NO_MODIFIERS,
    seed: str | int = "seed",
    catalogue: Catalogue = CATALOGUE,
) -> list[tuple[Activity, Reason]]:
    found = suggest(catalogue, scores=scores, tier=tier, age=age, modifiers=modifiers, seed=seed)
    return [(suggestion.activity, suggestion.reason) for suggestion in found]


@given(profiles, st.sampled_from(Tier), st.integers(6, 16), modifier_sets, seeds)
def test_always_two_or_three_ideas_within_the_age_range(
    scores: dict[str, float], tier: Tier, age: int, modifiers: Modifiers, seed: str | int
) -> None:
    found = suggest(CATALOGUE, scores=scores, tier=tier, age=age, modifiers=modifiers, seed=seed)
    assert 2 <= len(found) <= 3
    assert len({suggestion.activity.id for suggestion in found}) == len(found)
    for suggestion in found:
        activity = suggestion.activity
        assert activity.min_age <= age <= activity.max_age
        if activity.with_grown_up and age < 12:
            assert suggestion.with_grown_up
        assert suggestion.with_grown_up == needs_grown_up(activity, age)
    assert found == suggest(
        CATALOGUE, scores=scores, tier=tier, age=age, modifiers=modifiers, seed=seed
    )
    expected = {
        Tier.STARTER: {2},
        Tier.GROWING: {2},
        Tier.ALMOST_THERE: {3},
        Tier.CHAMPION: {2} if modifiers.thrill is Thrill.CALM else {3},
    }
    assert len(found) in expected[tier]


@pytest.mark.parametrize(
    ("tier", "social", "thrill"),
    list(
        itertools.product(
            [Tier.GROWING, Tier.ALMOST_THERE, Tier.CHAMPION], [None, *Social], [None, *Thrill]
        )
    ),
)
def test_ideas_are_varied_outside_the_starter_tier(
    tier: Tier, social: Social | None, thrill: Thrill | None
) -> None:
    for age, top in itertools.product(range(6, 17), STYLES):
        scores = {style: 1.0 if style == top else 0.3 for style in STYLES}
        found = ideas(tier=tier, age=age, scores=scores, modifiers=Modifiers(social, thrill))
        primaries = [activity.primary_style for activity, _ in found]
        assert len(set(primaries)) == len(primaries), (age, top, primaries)


@pytest.mark.parametrize("age", range(6, 17))
def test_starter_gives_two_short_near_home_ideas_from_the_top_style(age: int) -> None:
    found = suggest(
        CATALOGUE,
        scores=EXPLORER_FIRST,
        tier=Tier.STARTER,
        age=age,
        modifiers=Modifiers(),
        seed="s",
    )
    assert [s.reason for s in found] == [Reason.TOP_STYLE, Reason.TOP_STYLE]
    assert [s.together for s in found] == [False, True]
    for suggestion in found:
        assert suggestion.activity.primary_style == "explorer"
        assert suggestion.activity.duration <= 20
        assert suggestion.activity.near_home


def test_starter_prefers_company_for_the_together_idea() -> None:
    found = ideas(tier=Tier.STARTER, age=8)
    assert found[1][0].social is not SocialMode.ALONE


def test_growing_gives_the_top_and_the_second_style() -> None:
    found = ideas(tier=Tier.GROWING)
    assert [(a.primary_style, reason) for a, reason in found] == [
        ("explorer", Reason.TOP_STYLE),
        ("maker", Reason.SECOND_STYLE),
    ]


@pytest.mark.parametrize("age", range(6, 17))
def test_almost_there_adds_a_jumping_or_climbing_idea(age: int) -> None:
    found = ideas(tier=Tier.ALMOST_THERE, age=age)
    assert [reason for _, reason in found] == [Reason.TOP_STYLE, Reason.SECOND_STYLE, Reason.BONES]
    assert found[2][0].bone_strengthening


@pytest.mark.parametrize("age", range(6, 17))
def test_champion_tries_another_style_and_an_adventure(age: int) -> None:
    found = ideas(tier=Tier.CHAMPION, age=age)
    assert [reason for _, reason in found] == [
        Reason.TOP_STYLE,
        Reason.NEW_STYLE,
        Reason.ADVENTURE,
    ]
    assert found[1][0].primary_style not in {"explorer", "maker"}
    adventure = found[2][0]
    assert adventure.adventurous
    assert adventure.safety_tip is not None


def test_calm_champions_get_no_adventure_and_nothing_vigorous() -> None:
    found = ideas(tier=Tier.CHAMPION, modifiers=Modifiers(thrill=Thrill.CALM))
    assert [reason for _, reason in found] == [Reason.TOP_STYLE, Reason.NEW_STYLE]
    for activity, _ in found:
        assert not activity.adventurous
        assert activity.intensity is not Intensity.VIGOROUS


@pytest.mark.parametrize("social", list(Social))
def test_social_preference_is_respected_when_possible(social: Social) -> None:
    for tier in Tier:
        for activity, _ in ideas(tier=tier, age=12, modifiers=Modifiers(social=social)):
            assert fits_modifiers(activity, Modifiers(social=social)), (tier, activity.id)


def test_tied_styles_are_broken_by_the_seed_not_by_order() -> None:
    tied = dict.fromkeys(STYLES, 0.5)
    reversed_order = dict(reversed(list(tied.items())))
    firsts = set()
    for seed in range(30):
        ranking = rank_styles(tied, seed)
        assert rank_styles(reversed_order, seed) == ranking
        firsts.add(ranking[0])
        assert ideas(tier=Tier.GROWING, scores=tied, seed=seed) == ideas(
            tier=Tier.GROWING, scores=reversed_order, seed=seed
        )
    assert len(firsts) >= 4  # every tied style gets its turn at the top


def test_catalogue_order_does_not_matter() -> None:
    shuffled = dataclasses.replace(CATALOGUE, activities=tuple(reversed(CATALOGUE.activities)))
    for tier, age in itertools.product(Tier, (6, 11, 16)):
        assert ideas(tier=tier, age=age) == ideas(tier=tier, age=age, catalogue=shuffled)


def test_different_seeds_give_some_variety() -> None:
    found = {tuple(a.id for a, _ in ideas(tier=Tier.GROWING, seed=seed)) for seed in range(30)}
    assert len(found) > 3


def test_recent_ideas_are_avoided_when_others_fit() -> None:
    first = suggest(
        CATALOGUE, scores=EXPLORER_FIRST, tier=Tier.GROWING, age=10, modifiers=Modifiers(), seed="s"
    )
    recent = [s.activity.id for s in first]
    again = suggest(
        CATALOGUE,
        scores=EXPLORER_FIRST,
        tier=Tier.GROWING,
        age=10,
        modifiers=Modifiers(),
        seed="s",
        avoid=recent,
    )
    assert not {s.activity.id for s in again} & set(recent)
    assert [s.activity.primary_style for s in again] == ["explorer", "maker"]


def test_a_tiny_catalogue_still_gives_what_it_can() -> None:
    two = dataclasses.replace(CATALOGUE, activities=CATALOGUE.activities[:2])
    assert len(ideas(tier=Tier.CHAMPION, age=10, catalogue=two)) == 2
    none_for_age = dataclasses.replace(CATALOGUE, activities=())
    assert ideas(tier=Tier.GROWING, catalogue=none_for_age) == []


def activity(**changes: object) -> Activity:
    return dataclasses.replace(CATALOGUE.activity("EXP_BUGS"), **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "age", "expected"),
    [
        ({"with_grown_up": True}, 11, True),
        ({"with_grown_up": True}, 12, False),
        ({"near_home": False}, 9, True),
        ({"near_home": False}, 10, False),
        ({"risk": Risk.AWAY}, 9, True),
        ({"risk": Risk.AWAY}, 10, False),
        ({}, 6, False),
    ],
)
def test_needs_grown_up(changes: dict[str, object], age: int, expected: bool) -> None:
    assert needs_grown_up(activity(**changes), age) == expected


@pytest.mark.parametrize(
    ("changes", "modifiers", "fits"),
    [
        ({"social": SocialMode.ANY}, Modifiers(social=Social.GROUP), True),
        ({"social": SocialMode.ALONE}, Modifiers(social=Social.GROUP), False),
        ({"social": SocialMode.PAIR}, Modifiers(social=Social.PAIR), True),
        ({"social": SocialMode.GROUP}, Modifiers(social=Social.ALONE), False),
        ({"intensity": Intensity.VIGOROUS}, Modifiers(thrill=Thrill.CALM), False),
        ({"risk": Risk.HEIGHTS}, Modifiers(thrill=Thrill.CALM), False),
        ({"risk": Risk.HEIGHTS}, Modifiers(thrill=Thrill.SOME), True),
        ({"intensity": Intensity.VIGOROUS}, Modifiers(), True),
    ],
)
def test_fits_modifiers(changes: dict[str, object], modifiers: Modifiers, fits: bool) -> None:
    assert fits_modifiers(activity(**changes), modifiers) == fits


def test_suggestion_to_dict() -> None:
    found = suggest(
        CATALOGUE, scores=EXPLORER_FIRST, tier=Tier.STARTER, age=7, modifiers=Modifiers(), seed=1
    )
    stored = found[1].to_dict()
    assert stored == {
        "activity": found[1].activity.id,
        "reason": "top_style",
        "with_grown_up": found[1].with_grown_up,
        "together": True,
    }
