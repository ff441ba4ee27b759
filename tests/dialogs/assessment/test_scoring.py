"""Opportunity-normalised scoring, labels without list-order tie-breaks, and stored results."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import random
import subprocess
import sys
from fractions import Fraction
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.assessment.content import (
    AssessmentContent,
    Item,
    ItemKind,
    Questionnaire,
    ScoringKey,
    Social,
    Thrill,
)
from dialogs.assessment.loader import load_content
from dialogs.assessment.scoring import (
    Label,
    Modifiers,
    RandomSign,
    Result,
    StyleScore,
    classify,
    modifiers,
    positions_shown,
    score,
    shuffled_options,
)
from tests.dialogs.assessment.po_catalog import ROOT

CONTENT = load_content()  # read-only, loaded once for the hypothesis strategies
FORMS = MappingProxyType({q.id: q for q in CONTENT.questionnaires})
KEY = CONTENT.keys["1"]
STYLES = KEY.styles

Answers = dict[str, str | None]


def form(name: str) -> tuple[Questionnaire, ScoringKey]:
    return FORMS[name], KEY


def option_of(item: Item, style: str, key: ScoringKey = KEY) -> str | None:
    """The id of the option keyed to ``style`` in ``item``, if offered."""
    for option in item.choices:
        if key.primary_style(option.id) == style:
            return option.id
    return None


@st.composite
def answer_sheets(draw: st.DrawFn, name: str) -> Answers:
    """Any mix of real answers, "not sure" and skipped items, modifiers included."""
    questionnaire = FORMS[name]
    answers: Answers = {}
    for item in questionnaire.items:
        answers[item.id] = draw(st.none() | st.sampled_from([o.id for o in item.options]))
    return answers


forms = st.sampled_from(sorted(FORMS))


# --- Labels --------------------------------------------------------------------------------------


def scores_of(**fractions: tuple[int, int]) -> list[StyleScore]:
    return [StyleScore(style, raw, maximum) for style, (raw, maximum) in fractions.items()]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # margin 0.25: clear
        (scores_of(mover=(8, 8), explorer=(6, 8), maker=(0, 8)), (Label.CLEAR, ("mover",), ())),
        # margin exactly 0.20 is clear (exact fractions, no float drift)
        (scores_of(mover=(5, 5), explorer=(4, 5), maker=(0, 5)), (Label.CLEAR, ("mover",), ())),
        # margin exactly 0.10 is leaning
        (
            scores_of(mover=(10, 10), explorer=(9, 10), maker=(0, 10)),
            (Label.LEANING, ("mover",), ("explorer",)),
        ),
        # leaning with a tie for second names both runners-up
        (
            scores_of(mover=(8, 8), joker=(7, 8), explorer=(7, 8), maker=(0, 8)),
            (Label.LEANING, ("mover",), ("explorer", "joker")),
        ),
        # margin 0.05: double style
        (
            scores_of(mover=(19, 20), explorer=(20, 20), maker=(0, 20)),
            (Label.DOUBLE, ("explorer", "mover"), ()),
        ),
        # a tie at the top is a double style, never a win for whoever is listed first
        (
            scores_of(joker=(6, 8), challenger=(6, 8), maker=(1, 8)),
            (Label.DOUBLE, ("challenger", "joker"), ()),
        ),
        # three tied: all-rounder
        (
            scores_of(joker=(4, 8), mover=(4, 8), maker=(4, 8), explorer=(0, 8)),
            (Label.ALL_ROUNDER, ("joker", "maker", "mover"), ()),
        ),
        # top three within 0.10: all-rounder
        (
            scores_of(mover=(20, 20), maker=(19, 20), joker=(19, 20), explorer=(0, 20)),
            (Label.ALL_ROUNDER, ("mover", "joker", "maker"), ()),
        ),
        # top minus third exactly 0.10 is not an all-rounder (same strictness as "double")
        (
            scores_of(mover=(20, 20), maker=(19, 20), joker=(18, 20), explorer=(0, 20)),
            (Label.DOUBLE, ("mover", "maker"), ()),
        ),
        # a style with too little opportunity: incomplete
        (scores_of(mover=(8, 8), explorer=(0, 2)), (Label.INCOMPLETE, (), ())),
    ],
)
def test_classify(
    scores: list[StyleScore], expected: tuple[Label, tuple[str, ...], tuple[str, ...]]
) -> None:
    assert classify(scores, answered=12, core_items=12) == expected


@pytest.mark.parametrize(
    ("answered", "core_items", "complete"),
    [(9, 12, True), (8, 12, False), (6, 8, True), (5, 8, False), (0, 0, False)],
)
def test_at_least_three_quarters_of_core_items(
    answered: int, core_items: int, complete: bool
) -> None:
    scores = scores_of(mover=(8, 8), explorer=(0, 8))
    label, _, _ = classify(scores, answered=answered, core_items=core_items)
    assert (label is not Label.INCOMPLETE) == complete


fractions = st.builds(
    lambda raw, extra: (raw, raw + extra), st.integers(0, 24), st.integers(0, 24)
).filter(lambda pair: pair[1] >= 4)


@given(st.lists(fractions, min_size=6, max_size=6), st.randoms(use_true_random=False))
def test_classify_ignores_the_order_styles_are_listed_in(
    pairs: list[tuple[int, int]], rnd: random.Random
) -> None:
    scores = [StyleScore(style, *pair) for style, pair in zip(STYLES, pairs, strict=True)]
    shuffled = list(scores)
    rnd.shuffle(shuffled)
    label, primary, secondary = classify(scores, answered=12, core_items=12)
    assert classify(shuffled, answered=12, core_items=12) == (label, primary, secondary)
    # Equal scores are never split: a style tied with a named one is named too.
    value = {score.style: score.fraction for score in scores}
    for group in (primary, secondary):
        named = {value[style] for style in group}
        assert {style for style in value if value[style] in named} == set(group)
    if label in (Label.CLEAR, Label.LEANING):
        assert list(value.values()).count(max(value.values())) == 1


# --- Scores --------------------------------------------------------------------------------------


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), forms)
def test_every_pct_is_between_0_and_1(data: st.DataObject, name: str) -> None:
    questionnaire, key = form(name)
    result = score(questionnaire, key, data.draw(answer_sheets(name)))
    for style_score in result.scores:
        assert 0 <= style_score.raw <= style_score.maximum
        assert 0.0 <= style_score.pct <= 1.0
    assert [s.style for s in result.scores] == list(key.styles)


@given(st.data(), forms, st.randoms(use_true_random=False))
def test_score_depends_on_option_ids_not_positions(
    data: st.DataObject, name: str, rnd: random.Random
) -> None:
    questionnaire, key = form(name)
    answers = data.draw(answer_sheets(name))
    reordered_items = []
    for item in questionnaire.items:
        choices = list(item.choices)
        rnd.shuffle(choices)
        reordered_items.append(dataclasses.replace(item, options=(*choices, item.not_sure)))
    reordered = dataclasses.replace(questionnaire, items=tuple(reordered_items))
    assert score(reordered, key, answers) == score(questionnaire, key, answers)


@given(st.data(), forms, st.text(min_size=1, max_size=12))
def test_stored_result_equals_a_recomputation(data: st.DataObject, name: str, seed: str) -> None:
    questionnaire, key = form(name)
    answers = data.draw(answer_sheets(name))
    seconds = data.draw(st.lists(st.floats(0.1, 30.0), max_size=12))
    positions = positions_shown(questionnaire, answers, seed)
    result = score(questionnaire, key, answers, positions=positions, answer_seconds=seconds)
    stored = json.loads(json.dumps(result.to_dict()))
    again = score(
        questionnaire,
        key,
        dict(answers),
        positions=positions_shown(questionnaire, answers, seed),
        answer_seconds=seconds,
    )
    assert Result.from_dict(stored) == result == again


@pytest.mark.parametrize("name", sorted(FORMS))
@pytest.mark.parametrize("style", STYLES)
def test_choosing_one_style_wherever_offered_is_clear_on_both_forms(name: str, style: str) -> None:
    """ "Equivalent" answers: the style's option wherever it is offered, anything elsewhere.

    Every combination of the other answers is tried: the style gets pct 1.0 and a clear label on
    both forms, because no other style can fill all its appearances from the items without it.
    """
    questionnaire, key = form(name)
    fixed = {item.id: option_of(item, style) for item in questionnaire.core_items}
    free = [item for item in questionnaire.core_items if fixed[item.id] is None]
    for combination in itertools.product(*[[o.id for o in item.choices] for item in free]):
        answers = fixed | dict(zip([item.id for item in free], combination, strict=True))
        result = score(questionnaire, key, answers)
        assert result.pct(style) == 1.0
        assert (result.label, result.primary) == (Label.CLEAR, (style,))


def sincere_answers(questionnaire: Questionnaire, ranking: tuple[str, ...]) -> Answers:
    """Always the favourite of the offered styles, by a fixed preference ``ranking``."""
    answers: Answers = {}
    for item in questionnaire.core_items:
        offered = {KEY.primary_style(option.id): option.id for option in item.choices}
        favourite = next(style for style in ranking if style in offered)
        answers[item.id] = offered[favourite]
    return answers


@given(st.permutations(STYLES))
def test_a_consistent_preference_gives_the_same_result_on_both_forms(
    ranking: list[str],
) -> None:
    """ "Equivalent" answers: the same preference order, applied to whatever each item offers.

    Full pct vectors cannot match across the forms (a 3-way choice has a base rate of 1/3, a 4-way
    one 1/4), but the favourite style gets pct 1.0, a clear label and the same headline on both.
    """
    results = [
        score(FORMS[name], KEY, sincere_answers(FORMS[name], tuple(ranking))) for name in FORMS
    ]
    for result in results:
        assert result.pct(ranking[0]) == 1.0
        assert (result.label, result.primary, result.secondary) == (Label.CLEAR, (ranking[0],), ())
        runner_up = max(s.fraction for s in result.scores if s.style != ranking[0])
        assert runner_up <= Fraction(3, 4)


def test_not_sure_and_skips_do_not_count_as_answered() -> None:
    questionnaire, key = form("teen")
    answers: Answers = {item.id: item.choices[0].id for item in questionnaire.core_items[:9]}
    answers[questionnaire.core_items[9].id] = questionnaire.core_items[9].not_sure.id
    assert score(questionnaire, key, answers).answered == 9
    assert score(questionnaire, key, answers).complete
    del answers[questionnaire.core_items[0].id]
    incomplete = score(questionnaire, key, answers)
    assert (incomplete.label, incomplete.primary, incomplete.answered) == (
        Label.INCOMPLETE,
        (),
        8,
    )


def test_max_counts_only_answered_items() -> None:
    questionnaire, key = form("kids")
    first = questionnaire.core_items[0]  # mover, explorer, challenger
    result = score(questionnaire, key, {first.id: option_of(first, "mover")})
    assert {s.style: (s.raw, s.maximum) for s in result.scores} == {
        "mover": (2, 2),
        "explorer": (0, 2),
        "challenger": (0, 2),
        "maker": (0, 0),
        "storyteller": (0, 0),
        "joker": (0, 0),
    }
    assert result.pct("maker") == 0.0


def test_answers_outside_the_questionnaire_are_bugs() -> None:
    questionnaire, key = form("teen")
    wrong = rf"answer T01=K01_A is not in teen {questionnaire.version}"
    with pytest.raises(ValueError, match=wrong):
        score(questionnaire, key, {"T01": "K01_A"})
    with pytest.raises(ValueError, match="answer Q99=None is not in teen"):
        score(questionnaire, key, {"Q99": None})
    other_key = dataclasses.replace(key, version="2")
    with pytest.raises(ValueError, match="uses key 1, not 2"):
        score(questionnaire, other_key, {})


def test_from_dict_refuses_foreign_data() -> None:
    with pytest.raises(ValueError, match="not a stored result"):
        Result.from_dict({"label": "clear"})
    with pytest.raises(ValueError):
        Result.from_dict({**score(*form("kids"), {}).to_dict(), "label": "winner"})


def test_to_dict_is_plain_json() -> None:
    questionnaire, key = form("kids")
    answers = {item.id: item.choices[0].id for item in questionnaire.core_items}
    stored = score(questionnaire, key, answers).to_dict()
    assert json.loads(json.dumps(stored)) == stored
    assert stored["questionnaire"] == "kids"
    assert stored["key_version"] == "1"
    assert set(stored["scores"]) == set(STYLES)


# --- Random clicking ---------------------------------------------------------------------------


def test_same_position_80_percent_is_flagged() -> None:
    questionnaire, key = form("teen")
    seed = "s1"
    answers: Answers = {}
    for index, item in enumerate(questionnaire.core_items):
        order = shuffled_options(item, seed)
        answers[item.id] = order[0 if index < 10 else 1].id  # 10 of 12 = 83 % first button
    result = score(
        questionnaire, key, answers, positions=positions_shown(questionnaire, answers, seed)
    )
    assert result.random_signs == (RandomSign.SAME_POSITION,)
    assert result.looks_random
    answers[questionnaire.core_items[0].id] = shuffled_options(questionnaire.core_items[0], seed)[
        2
    ].id
    # 9 of 12 = 75 %: not flagged
    calm = score(
        questionnaire, key, answers, positions=positions_shown(questionnaire, answers, seed)
    )
    assert calm.random_signs == ()


def test_always_not_sure_counts_as_the_same_position() -> None:
    questionnaire, key = form("kids")
    answers: Answers = {item.id: item.not_sure.id for item in questionnaire.core_items}
    result = score(
        questionnaire, key, answers, positions=positions_shown(questionnaire, answers, 1)
    )
    assert result.label is Label.INCOMPLETE
    assert RandomSign.SAME_POSITION in result.random_signs


@pytest.mark.parametrize(
    ("seconds", "flagged"),
    [([1.0, 1.2, 1.4, 5.0], True), ([1.0, 1.5, 1.6, 5.0], False), ([1.4], True), ([], False)],
)
def test_median_answer_time_under_one_and_a_half_seconds(
    seconds: list[float], flagged: bool
) -> None:
    result = score(*form("kids"), {}, answer_seconds=seconds)
    assert (RandomSign.TOO_FAST in result.random_signs) == flagged


def test_few_responses_say_nothing_about_positions() -> None:
    questionnaire, key = form("teen")
    answers = {item.id: item.choices[0].id for item in questionnaire.core_items[:3]}
    positions = {item_id: 0 for item_id in answers}
    assert score(questionnaire, key, answers, positions=positions).random_signs == ()


# --- Option order ------------------------------------------------------------------------------


@given(forms, st.text(max_size=20) | st.integers())
def test_shuffle_keeps_every_option_and_not_sure_last(name: str, seed: str | int) -> None:
    for item in FORMS[name].items:
        shown = shuffled_options(item, seed)
        assert shown[-1] == item.not_sure
        assert sorted(o.id for o in shown) == sorted(o.id for o in item.options)
        assert shuffled_options(item, seed) == shown


def test_modifier_options_keep_their_scale_order() -> None:
    for questionnaire in FORMS.values():
        for kind in (ItemKind.SOCIAL, ItemKind.THRILL):
            item = questionnaire.modifier(kind)
            assert shuffled_options(item, "any seed") == item.options


def test_shuffle_varies_with_the_seed() -> None:
    item = FORMS["teen"].core_items[0]
    orders = {tuple(o.id for o in shuffled_options(item, seed)) for seed in range(40)}
    assert len(orders) > 10


# Stored sessions recompute button positions from their seed: this order must never change.
PINNED_ORDER = ("T01_A", "T01_D", "T01_C", "T01_B", "T01_X")


def test_shuffle_is_pinned() -> None:
    shown = shuffled_options(FORMS["teen"].core_items[0], "session-42")
    assert tuple(option.id for option in shown) == PINNED_ORDER


def test_shuffle_is_the_same_in_another_process() -> None:
    code = (
        "from dialogs.assessment.loader import load_questionnaire\n"
        "from dialogs.assessment.scoring import shuffled_options\n"
        "item = load_questionnaire('teen', '1.0.0').core_items[0]\n"
        "print(','.join(o.id for o in shuffled_options(item, 'session-42')))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert tuple(out.stdout.strip().split(",")) == PINNED_ORDER


# --- Modifiers ---------------------------------------------------------------------------------


def test_modifiers_are_read_from_the_answers(content: AssessmentContent) -> None:
    teen = content.questionnaire_for_age(13)
    assert modifiers(teen, {"T_WHO": "T_WHO_C", "T_THRILL": "T_THRILL_A"}) == Modifiers(
        social=Social.GROUP, thrill=Thrill.CALM
    )
    assert modifiers(teen, {"T_WHO": "T_WHO_X"}) == Modifiers()
    kids = content.questionnaire_for_age(7)
    assert modifiers(kids, {"K_WHO": "K_WHO_A", "K_THRILL": "K_THRILL_C"}) == Modifiers(
        social=Social.ALONE, thrill=Thrill.HIGH
    )


def test_score_fraction_is_exact() -> None:
    assert StyleScore("mover", 3, 9).fraction == Fraction(1, 3)
    assert StyleScore("mover", 0, 0).pct == 0.0
