"""Small behaviours of the content values themselves."""

from __future__ import annotations

import pytest

from dialogs.assessment.content import AssessmentContent, Text


def test_item_lookups(content: AssessmentContent) -> None:
    teen = content.questionnaire_for_age(14)
    item = teen.item("T03")
    assert item.option("T03_B").text == Text("🧭 Find out what lives in the grass")
    assert item.not_sure.id == "T03_X"
    assert len(item.choices) == 4
    with pytest.raises(KeyError):
        item.option("T04_A")
    with pytest.raises(KeyError):
        teen.item("K01")


def test_scoring_key_lookups(content: AssessmentContent) -> None:
    key = content.keys["1"]
    assert key.weight("T03_B", "explorer") == 2
    assert key.weight("T03_B", "mover") == 0
    assert key.weight("T03_X", "explorer") == 0
    assert key.primary_style("T03_B") == "explorer"
    assert key.primary_style("T03_X") is None


def test_activity_helpers(content: AssessmentContent) -> None:
    tree = content.catalogue.activity("MOV_TREE")
    assert tree.primary_style == "mover"
    assert tree.adventurous
    assert tree.suits_age(6)
    assert not content.catalogue.activity("MOV_SKATE").suits_age(9)
    with pytest.raises(KeyError):
        content.catalogue.activity("NOPE")


def test_style_and_tier_lookups(content: AssessmentContent) -> None:
    assert content.styles.info("joker").short_name == Text("Joker")
    with pytest.raises(KeyError):
        content.styles.info("dancer")
    with pytest.raises(KeyError):
        content.tiers.band("h99")
