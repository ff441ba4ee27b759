"""Result headlines, bars and ideas rendered in Dutch and English from the content catalogs."""

from __future__ import annotations

import pytest

from dialogs.assessment.content import AssessmentContent, Tier
from dialogs.assessment.rendering import bar, bars, headline, headline_names, idea, join_names
from dialogs.assessment.scoring import Label, Modifiers, Result, StyleScore
from dialogs.assessment.suggestions import Reason, Suggestion
from tests.dialogs.assessment.po_catalog import PoCatalog

RAWS = {"mover": 8, "explorer": 6, "challenger": 4, "maker": 2, "storyteller": 1, "joker": 0}
"""Picks of 8 chances per style (a full teen quiz offers each style 8 times)."""


def result(
    label: Label,
    primary: tuple[str, ...],
    secondary: tuple[str, ...] = (),
    raws: dict[str, int] | None = None,
) -> Result:
    return Result(
        questionnaire="teen",
        questionnaire_version="1.0.0",
        key_version="1",
        label=label,
        scores=tuple(StyleScore(style, raw, 8) for style, raw in (raws or RAWS).items()),
        primary=primary,
        secondary=secondary,
        answered=12,
        core_items=12,
        random_signs=(),
    )


@pytest.mark.parametrize(
    ("label", "primary", "secondary", "english", "dutch"),
    [
        (Label.CLEAR, ("explorer",), (), "You're an Explorer 🧭!", "Je bent een Ontdekker 🧭!"),
        (
            Label.LEANING,
            ("mover",),
            ("explorer",),
            "You're mostly Mover 🏃, with lots of Explorer 🧭!",
            "Je bent vooral Beweger 🏃, met veel Ontdekker 🧭!",
        ),
        (
            Label.DOUBLE,
            ("explorer", "maker"),
            (),
            "You're a double style: Explorer-Maker 🧭🔨!",
            "Je hebt een dubbele stijl: Ontdekker-Bouwer 🧭🔨!",
        ),
        (
            Label.ALL_ROUNDER,
            ("explorer", "maker", "mover"),
            (),
            "You like lots of kinds of play! 🌈",
            "Je houdt van heel veel soorten spelen! 🌈",
        ),
        (
            Label.INCOMPLETE,
            (),
            (),
            "Just a few more questions to find your style!",
            "Nog een paar vragen, dan weten we je stijl!",
        ),
    ],
)
def test_headline(
    content: AssessmentContent,
    catalogs: dict[str, PoCatalog],
    label: Label,
    primary: tuple[str, ...],
    secondary: tuple[str, ...],
    english: str,
    dutch: str,
) -> None:
    shown = result(label, primary, secondary)
    assert headline(shown, content.styles, catalogs["en"]) == english
    assert headline(shown, content.styles, catalogs["nl"]) == dutch


@pytest.mark.parametrize(
    ("raws", "secondary", "english"),
    [
        (  # two strong runners-up, tied: both named
            {"joker": 4, "maker": 3, "mover": 3, "explorer": 1, "challenger": 1, "storyteller": 0},
            ("maker", "mover"),
            "You're mostly Joker 😄, with lots of Maker 🔨 and Mover 🏃!",
        ),
        (  # the walkthrough: four styles tied at 2 of 8 are no "lots of"
            {"joker": 3, "explorer": 2, "maker": 2, "mover": 2, "storyteller": 2, "challenger": 1},
            ("explorer", "maker", "mover", "storyteller"),
            "You're mostly Joker 😄!",
        ),
        (  # one runner-up, picked no more often than by chance (1 of 4 options)
            {"joker": 3, "maker": 2, "mover": 1, "explorer": 1, "challenger": 1, "storyteller": 1},
            ("maker",),
            "You're mostly Joker 😄!",
        ),
        (  # three strong runners-up are no leaning towards any of them
            {"joker": 6, "maker": 5, "mover": 5, "explorer": 5, "challenger": 0, "storyteller": 0},
            ("maker", "mover", "explorer"),
            "You're mostly Joker 😄!",
        ),
    ],
)
def test_leaning_names_only_strong_runners_up(
    content: AssessmentContent,
    catalogs: dict[str, PoCatalog],
    raws: dict[str, int],
    secondary: tuple[str, ...],
    english: str,
) -> None:
    shown = result(Label.LEANING, ("joker",), secondary, raws)
    assert headline(shown, content.styles, catalogs["en"]) == english
    assert headline_names(shown, content.styles, catalogs["en"]) == ("Joker 😄",)


def test_a_leaning_result_in_dutch(
    content: AssessmentContent, catalogs: dict[str, PoCatalog]
) -> None:
    raws = {"joker": 3, "explorer": 2, "maker": 2, "mover": 2, "storyteller": 2, "challenger": 1}
    shown = result(Label.LEANING, ("joker",), ("explorer", "maker", "mover", "storyteller"), raws)
    assert headline(shown, content.styles, catalogs["nl"]) == "Je bent vooral Grapjas 😄!"


def test_headline_names_are_the_cards(
    content: AssessmentContent, catalogs: dict[str, PoCatalog]
) -> None:
    english = catalogs["en"]
    clear = result(Label.CLEAR, ("joker",))
    assert headline_names(clear, content.styles, english) == ("Joker & team player 😄",)
    double = result(Label.DOUBLE, ("explorer", "maker"))
    assert headline_names(double, content.styles, english) == ("Explorer 🧭", "Maker 🔨")


def test_join_names(content: AssessmentContent, catalogs: dict[str, PoCatalog]) -> None:
    dutch = catalogs["nl"]
    assert join_names([], content.styles, dutch) == ""
    assert join_names(["A"], content.styles, dutch) == "A"
    assert join_names(["A", "B", "C"], content.styles, dutch) == "A, B en C"


@pytest.mark.parametrize(
    ("pct", "expected"),
    [(0.0, "⬜⬜⬜⬜⬜"), (0.5, "🟩🟩⬜⬜⬜"), (0.75, "🟩🟩🟩🟩⬜"), (1.0, "🟩🟩🟩🟩🟩")],
)
def test_bar(pct: float, expected: str) -> None:
    assert bar(pct) == expected


def test_bars_show_all_six_styles(
    content: AssessmentContent, catalogs: dict[str, PoCatalog]
) -> None:
    lines = bars(result(Label.CLEAR, ("mover",)), content.styles, catalogs["nl"])
    assert lines[0] == "🏃 Beweger 🟩🟩🟩🟩🟩"
    assert lines[-1] == "😄 Grapjas ⬜⬜⬜⬜⬜"
    assert len(lines) == 6


def test_idea_lines(content: AssessmentContent, catalogs: dict[str, PoCatalog]) -> None:
    pond = content.catalogue.activity("EXP_POND")
    suggestion = Suggestion(
        activity=pond, reason=Reason.ADVENTURE, with_grown_up=True, together=False
    )
    assert idea(suggestion, content.catalogue, catalogs["nl"]) == (
        "Waterdiertjes scheppen",
        "Schep met een netje water uit een vijver. Bekijk de diertjes in een pot en zet ze dan "
        "terug.",
        "⏱️ Ongeveer 30 minuten",
        "🎒 Je hebt nodig: een schepnet en een doorzichtige pot",
        "🧑 Samen met een volwassene",
        "⛑️ Let op: Kniel aan de kant, leun nooit voorover en was daarna je handen.",
    )
    shadow = content.catalogue.activity("MOV_SHADOW")
    together = Suggestion(
        activity=shadow, reason=Reason.TOP_STYLE, with_grown_up=False, together=True
    )
    assert idea(together, content.catalogue, catalogs["en"]) == (
        "Shadow tag",
        "Tag someone by stepping on their shadow. Best on a sunny day!",
        "⏱️ About 15 minutes",
        "👫 Ask a grown-up or a friend to join you",
    )


def test_tier_messages_render(content: AssessmentContent, catalogs: dict[str, PoCatalog]) -> None:
    from dialogs.assessment.catalog import translate

    messages = [translate(content.tiers.info(tier).message, catalogs["nl"]) for tier in Tier]
    assert messages[0] == "We zoeken een kort en leuk buitenidee!"
    assert messages[-1] == "Je bent een buitenkampioen 🌟"
    assert Modifiers() == Modifiers(social=None, thrill=None)
