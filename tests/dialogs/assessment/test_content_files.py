"""The published content keeps the model's promises (docs/playstyle.md) and is never edited."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from types import MappingProxyType

import pytest

from dialogs.assessment.content import AssessmentContent, Risk, SocialMode, Tier
from dialogs.assessment.loader import content_files, read_bytes
from dialogs.assessment.validation import (
    MAX_WORDS,
    pair_cooccurrence,
    style_counts,
    word_count,
)
from dialogs.payload import Payload, PayloadCodec

# A published file is never edited: new content is a new file (teen-1.0.1.toml, key-2.toml, ...)
# with its own line here. If this test fails because you edited a file, undo the edit.
PUBLISHED = MappingProxyType(
    {
        "activities-1.toml": "8afb63f4ddd2f3af7ebb786f6cc233ee8d48f17cd0109fdd96d2a4044493c46d",
        "key-1.toml": "709abd1a6c9b3a22f8557710346f6dbc274593cd87e7f0361aa6ba74f5cd3f1b",
        "kids-1.0.0.toml": "6056a4b95ddc00fab50f6a3e8fe25697c504dfdd228547c880e8c41caf9d4ad9",
        "kids-1.1.0.toml": "c67b92dda064f5c4f70e04151c5abed29c8ef336aff5473228a97d805d23df01",
        "styles-1.toml": "c86de70107333c56c03260516a551fa7efb46ad97469d36bae363d6e3a70d6d1",
        "styles-2.toml": "1451ed49b585ead8476b7a8287240735520558574234acf237a897376862c431",
        "teen-1.0.0.toml": "2e5ad13b0149f4218c46414e81d914916be81ed0d7b891ad5d45fb9e4fb41d4f",
        "teen-1.0.1.toml": "cc4a1e01c13d875158abe49086d8be47f22eca45f27b3b4465912c9a76f936d5",
        "tiers-1.toml": "87bae247d56c3f721386b72d0ba160c2752d3e2bc7f50a2615156a515037ace7",
        "tiers-2.toml": "b6f82778fb7dfc6c925e3c19c93001ae094ff84fb6a954ead69ad01c381a36ba",
    }
)


def test_every_content_file_is_pinned() -> None:
    assert set(content_files()) == set(PUBLISHED)


@pytest.mark.parametrize(("name", "digest"), sorted(PUBLISHED.items()))
def test_published_file_is_unchanged(name: str, digest: str) -> None:
    assert hashlib.sha256(read_bytes(name)).hexdigest() == digest


# (form, core items, options per item, appearances per style, pair co-occurrence counts)
FORMS = (("teen", 12, 4, 8, frozenset({4, 5})), ("kids", 8, 3, 4, frozenset({1, 2})))


@pytest.mark.parametrize(("form", "items", "options", "per_style", "pair_counts"), FORMS)
def test_forms_are_balanced(
    content: AssessmentContent,
    form: str,
    items: int,
    options: int,
    per_style: int,
    pair_counts: frozenset[int],
) -> None:
    questionnaire = next(q for q in content.questionnaires if q.id == form)
    key = content.key_for(questionnaire)
    assert len(questionnaire.core_items) == items
    assert {len(item.choices) for item in questionnaire.core_items} == {options}
    assert style_counts(questionnaire, key) == dict.fromkeys(key.styles, per_style)
    # Every pair of styles meets about equally often: counts differ by at most 1 (the best
    # possible: 72 pair slots over 15 pairs in the teen form, 24 over 15 in the kids form).
    cooccurrence = pair_cooccurrence(questionnaire, key)
    assert len(cooccurrence) == 15
    assert set(cooccurrence.values()) == pair_counts
    assert max(cooccurrence.values()) - min(cooccurrence.values()) <= 1


def test_both_forms_end_with_who_and_how_exciting(content: AssessmentContent) -> None:
    for questionnaire in content.questionnaires:
        kinds = [item.kind.value for item in questionnaire.items]
        assert kinds[-2:] == ["social", "thrill"]
        for item in questionnaire.items:
            assert item.options[-1].id == f"{item.id}_X"


def test_kids_prompts_speak_to_the_child(content: AssessmentContent) -> None:
    # A child of 6 to 9 may play alone, or a parent hands over the phone or reads the questions
    # to them: either way the questions speak to the child, never "Ask your child: ...".
    kids = content.questionnaire_for_age(7)
    assert kids.audience == "child"
    assert not any("your child" in item.prompt.msgid.lower() for item in kids.items)
    assert "your child" not in kids.intro.msgid.lower()
    assert [item.id for item in kids.items] == [
        item.id for item in content.questionnaire("kids", "1.0.0").items
    ]  # the same questions, so the same key and statistics


def test_earlier_versions_stay_loaded_for_the_sessions_begun_on_them(
    content: AssessmentContent,
) -> None:
    earlier = {(q.id, q.version) for q in content.earlier}
    assert earlier == {("kids", "1.0.0"), ("teen", "1.0.0")}
    old = content.questionnaire("kids", "1.0.0")
    assert old.audience == "parent"
    assert all(item.prompt.msgid.startswith("Ask your child: ") for item in old.items)
    with pytest.raises(LookupError):
        content.questionnaire("kids", "9.9.9")


def test_intros_count_the_questions_that_follow(content: AssessmentContent) -> None:
    for questionnaire in content.questionnaires:
        assert "{count}" in questionnaire.intro.msgid, questionnaire.id
        intro = questionnaire.intro.msgid.format(count="14")
        assert re.findall(r"\d+", intro) == ["14"], intro  # no number of its own


def test_tier_messages_promise_no_time_the_ideas_may_break(content: AssessmentContent) -> None:
    # Starter ideas are "short" (up to 20 minutes, longer when nothing fits), and each idea shows
    # its own minutes: a tier message naming minutes would contradict them.
    for info in content.tiers.tiers:
        assert not re.search(r"\d", info.message.msgid), info.message.msgid
    starter = content.tiers.info(Tier.STARTER).message.msgid
    assert starter == "Let's find a short, fun idea to play outside!"


def test_key_options_are_single_loaded_and_cover_both_forms(content: AssessmentContent) -> None:
    key = content.keys["1"]
    scored = {
        option.id
        for q in content.questionnaires
        for item in q.core_items
        for option in item.choices
    }
    assert set(key.weights) == scored
    assert all(list(weights.values()) == [2] for weights in key.weights.values())


def test_messages_are_short(content: AssessmentContent) -> None:
    texts = [q.intro for q in content.questionnaires]
    texts += [item.prompt for q in content.questionnaires for item in q.items]
    texts += [activity.how_to for activity in content.catalogue.activities]
    assert max(word_count(text.msgid) for text in texts) <= MAX_WORDS


def test_every_id_fits_a_worst_case_payload(content: AssessmentContent) -> None:
    codec = PayloadCodec(b"k" * 32)
    ids = [item.id for q in content.questionnaires for item in q.items]
    ids += [
        option.id for q in content.questionnaires for item in q.items for option in item.options
    ]
    ids += [activity.id for activity in content.catalogue.activities]
    ids += [band.id for band in content.tiers.bands]
    for value in ids:
        for action in ("pick", "back"):
            payload = Payload(flow="as", action=action, arg=value, screen=36**5 - 1)
            assert len(codec.encode(payload, user_id=-(10**13))) <= 64


def test_activity_catalogue_is_big_and_varied(content: AssessmentContent) -> None:
    activities = content.catalogue.activities
    assert len(activities) >= 36
    per_style = Counter(activity.primary_style for activity in activities)
    assert set(per_style) == set(content.styles.keys)
    assert min(per_style.values()) >= 6
    assert {activity.social for activity in activities} == set(SocialMode)
    assert sum(activity.bone_strengthening for activity in activities) >= 6


@pytest.mark.parametrize("age", range(6, 17))
def test_every_style_has_ideas_for_every_age(content: AssessmentContent, age: int) -> None:
    suitable = [a for a in content.catalogue.activities if a.suits_age(age)]
    per_style = Counter(activity.primary_style for activity in suitable)
    assert min(per_style[style] for style in content.styles.keys) >= 3
    short_near_home = Counter(a.primary_style for a in suitable if a.duration <= 20 and a.near_home)
    assert min(short_near_home[style] for style in content.styles.keys) >= 1
    assert any(a.bone_strengthening for a in suitable)
    assert any(a.adventurous for a in suitable)


def test_risky_activities_have_safety_tips_and_grown_ups(content: AssessmentContent) -> None:
    for activity in content.catalogue.activities:
        assert (activity.risk is None) == (activity.safety_tip is None), activity.id
        grown_up_risk = activity.risk in {Risk.HEIGHTS, Risk.TOOLS, Risk.WATER}
        if grown_up_risk and activity.min_age < 12:
            assert activity.with_grown_up, activity.id


def test_styles_match_the_model(content: AssessmentContent) -> None:
    table = [(s.key, s.name.msgid, s.emoji) for s in content.styles.styles]
    assert table == [
        ("mover", "Mover", "🏃"),
        ("explorer", "Explorer", "🧭"),
        ("challenger", "Challenger", "🏆"),
        ("maker", "Maker", "🔨"),
        ("storyteller", "Storyteller", "🐉"),
        ("joker", "Joker & team player", "😄"),
    ]
