"""Loading the shipped content files through importlib.resources."""

from __future__ import annotations

import pytest

from dialogs.assessment.content import AssessmentContent, ItemKind, Tier
from dialogs.assessment.loader import (
    CURRENT_QUESTIONNAIRES,
    content_files,
    load_activities,
    load_questionnaire,
    load_scoring_key,
    load_styles,
    load_tiers,
    questionnaire_for_age,
    read_bytes,
)
from dialogs.errors import ContentError


def test_every_content_file_loads_and_validates() -> None:
    loaders = {
        "teen": lambda version: load_questionnaire("teen", version),
        "kids": lambda version: load_questionnaire("kids", version),
        "key": load_scoring_key,
        "styles": load_styles,
        "tiers": load_tiers,
        "activities": load_activities,
    }
    for name in content_files():
        kind, _, version = name.removesuffix(".toml").partition("-")
        assert loaders[kind](version) is not None, name


def test_load_content_bundles_the_current_versions(content: AssessmentContent) -> None:
    assert [(q.id, q.version) for q in content.questionnaires] == list(CURRENT_QUESTIONNAIRES)
    assert set(content.keys) == {q.key_version for q in content.questionnaires}
    assert content.key_for(content.questionnaire_for_age(12)).version == "1"


@pytest.mark.parametrize(("age", "form"), [(6, "kids"), (9, "kids"), (10, "teen"), (16, "teen")])
def test_questionnaire_for_age(content: AssessmentContent, age: int, form: str) -> None:
    assert questionnaire_for_age(age).id == form
    assert content.questionnaire_for_age(age).id == form


@pytest.mark.parametrize("age", [5, 17, -1])
def test_no_questionnaire_outside_6_to_16(content: AssessmentContent, age: int) -> None:
    with pytest.raises(ValueError, match=f"no questionnaire for age {age}"):
        questionnaire_for_age(age)
    with pytest.raises(ValueError, match=f"no questionnaire for age {age}"):
        content.questionnaire_for_age(age)


def test_loader_adds_not_sure_last_with_a_stable_id() -> None:
    teen = load_questionnaire("teen", "1.0.0")
    for item in teen.items:
        assert item.options[-1].id == f"{item.id}_X"
        assert item.options[-1].not_sure
        assert item.options[-1].text.msgid == "🤷 Not sure"
        assert not any(option.not_sure for option in item.choices)


def test_modifiers_are_found_by_kind() -> None:
    kids = load_questionnaire("kids", "1.0.0")
    assert kids.modifier(ItemKind.SOCIAL).id == "K_WHO"
    assert kids.modifier(ItemKind.THRILL).id == "K_THRILL"
    with pytest.raises(KeyError):
        kids.modifier(ItemKind.CORE)


def test_unknown_versions_are_content_errors() -> None:
    with pytest.raises(ContentError, match=r"teen-9\.9\.9\.toml does not exist"):
        load_questionnaire("teen", "9.9.9")
    with pytest.raises(ContentError, match=r"key-404\.toml does not exist"):
        load_scoring_key("404")
    with pytest.raises(ContentError, match="is not a content file name"):
        read_bytes("../loader.py")
    with pytest.raises(ContentError, match="is not a content file name"):
        load_questionnaire("teen", "1.0.0/../../x")


def test_tiers_map_hours_to_tiers() -> None:
    tiers = load_tiers()
    assert [(band.id, band.tier) for band in tiers.bands] == [
        ("h0_1", Tier.STARTER),
        ("h1_2", Tier.STARTER),
        ("h2_4", Tier.GROWING),
        ("h4_7", Tier.ALMOST_THERE),
        ("h7p", Tier.CHAMPION),
    ]
    assert tiers.band("h4_7").tier is Tier.ALMOST_THERE
    for hours, tier in [
        (0, "starter"),
        (1.99, "starter"),
        (2, "growing"),
        (3.9, "growing"),
        (4, "almost_there"),
        (6.9, "almost_there"),
        (7, "champion"),
        (40, "champion"),
    ]:
        assert tiers.tier_for_hours(hours) == tier
    with pytest.raises(ValueError, match="must not be negative"):
        tiers.tier_for_hours(-1)
