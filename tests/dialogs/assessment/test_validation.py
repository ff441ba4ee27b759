"""Every content rule fails loudly, with a message that says what is wrong, on a small fixture."""

from __future__ import annotations

import dataclasses

import pytest

from dialogs.assessment import validation
from dialogs.assessment.content import ItemKind, Questionnaire, ScoringKey
from dialogs.assessment.loader import (
    parse_activities,
    parse_questionnaire,
    parse_scoring_key,
    parse_styles,
    parse_tiers,
)
from dialogs.errors import ContentError

STYLES = ("mover", "explorer", "challenger", "maker", "storyteller", "joker")

# 3 items x 4 options = 12 slots, every style twice.
MINI = """
id = "mini"
version = "1.0.0"
key = "9"
audience = "child"
min_age = 10
max_age = 16
title = "Mini quiz"
intro = "A tiny quiz."
not_sure = "🤷 Not sure"

[[items]]
id = "M01"
kind = "core"
prompt = "Pick one?"
options = [
    { id = "M01_A", text = "🏃 Run" },
    { id = "M01_B", text = "🧭 Look" },
    { id = "M01_C", text = "🏆 Win" },
    { id = "M01_D", text = "🔨 Build" },
]

[[items]]
id = "M02"
kind = "core"
prompt = "Pick another?"
options = [
    { id = "M02_A", text = "🐉 Pretend" },
    { id = "M02_B", text = "😄 Laugh" },
    { id = "M02_C", text = "🏃 Jump" },
    { id = "M02_D", text = "🧭 Search" },
]

[[items]]
id = "M03"
kind = "core"
prompt = "And one more?"
options = [
    { id = "M03_A", text = "🏆 Race" },
    { id = "M03_B", text = "🔨 Make" },
    { id = "M03_C", text = "🐉 Tell" },
    { id = "M03_D", text = "😄 Joke" },
]

[[items]]
id = "M_WHO"
kind = "social"
prompt = "Who with?"
options = [
    { id = "M_WHO_A", text = "🧍 Me", value = "alone" },
    { id = "M_WHO_B", text = "👫 Friend", value = "pair" },
    { id = "M_WHO_C", text = "👥 Group", value = "group" },
]

[[items]]
id = "M_THRILL"
kind = "thrill"
prompt = "How exciting?"
options = [
    { id = "M_THRILL_A", text = "😌 Calm", value = "calm" },
    { id = "M_THRILL_B", text = "🙂 Some", value = "some" },
    { id = "M_THRILL_C", text = "🤩 Very", value = "high" },
]
"""

MINI_KEY = """
version = "9"
styles = ["mover", "explorer", "challenger", "maker", "storyteller", "joker"]

[weights]
M01_A = { mover = 2 }
M01_B = { explorer = 2 }
M01_C = { challenger = 2 }
M01_D = { maker = 2 }
M02_A = { storyteller = 2 }
M02_B = { joker = 2 }
M02_C = { mover = 2 }
M02_D = { explorer = 2 }
M03_A = { challenger = 2 }
M03_B = { maker = 2 }
M03_C = { storyteller = 2 }
M03_D = { joker = 2 }
"""


def replaced(source: str, old: str, new: str) -> str:
    assert old in source, f"fixture does not contain {old!r}"
    return source.replace(old, new, 1)


def check(questionnaire: str = MINI, key: str = MINI_KEY) -> None:
    parsed_key = parse_scoring_key(key, name="key-9.toml")
    parsed = parse_questionnaire(questionnaire, name="mini-1.0.0.toml")
    validation.validate_questionnaire(parsed, parsed_key)


def mini() -> tuple[Questionnaire, ScoringKey]:
    return (
        parse_questionnaire(MINI, name="mini-1.0.0.toml"),
        parse_scoring_key(MINI_KEY, name="key-9.toml"),
    )


def test_the_fixtures_are_valid() -> None:
    check()


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        (
            '{ id = "M01_B", text = "🧭 Look" }',
            '{ id = "M01_A", text = "🧭 Look" }',
            "more than once",
        ),
        ('id = "M01"', 'id = "M0123456X"', "longer than 8"),
        ('"M01_A", text', '"M01_ABCDEFGHI", text', "longer than 12"),
        ('"M01_A", text', '"M01-A", text', r"outside \[A-Za-z0-9_\]"),
        ('"M01_A", text', '"M02_Z", text', "must start with M01_"),
        ('"M01_A", text', '"M01_X", text', "reserved"),
        ('"🏃 Run"', '"Run fast"', "must start with an emoji"),
        ('"🏃 Run"', '"🏃"', "must start with an emoji"),
        (
            '"🏃 Run"',
            '"🏃 Run as fast as you can to the big tree and back"',
            "longer than 40 characters",
        ),
        ('prompt = "Pick one?"', 'prompt = "' + "word " * 26 + '"', "longer than 25 words"),
        (
            '{ id = "M01_D", text = "🔨 Build" },',
            '{ id = "M01_D", text = "🔨 Build" }, { id = "M01_E", text = "🐉 Act" },',
            "needs 2 to 4 options",
        ),
        ('value = "alone"', 'value = "solo"', "options must be exactly alone, pair, group"),
        ('kind = "thrill"', 'kind = "social"', "exactly one social modifier"),
        (
            '{ id = "M01_A", text = "🏃 Run" }',
            '{ id = "M01_A", text = "🏃 Run", value = "calm" }',
            "only modifier options have a value",
        ),
        ('key = "9"', 'key = "8"', "names key 8"),
        ('audience = "child"', 'audience = "teacher"', "audience must be"),
        ("min_age = 10", "min_age = 17", "age range 17-16 is empty"),
        ('version = "1.0.0"', 'version = "one"', "is not like 1 or 1.0.0"),
        ('kind = "core"', 'kind = "bonus"', "expected one of core, social, thrill"),
        ('title = "Mini quiz"', 'title = "Mini quiz"\ncolour = "red"', "unknown field"),
        ("min_age = 10", 'min_age = "ten"', "wrong type"),
        ("min_age = 10", "min_age = true", "must not be true/false"),
        ('intro = "A tiny quiz."', "", "missing field 'intro'"),
        ('title = "Mini quiz"', 'title = "Mini quiz', "not valid TOML"),
    ],
)
def test_broken_questionnaire(old: str, new: str, match: str) -> None:
    with pytest.raises(ContentError, match=match):
        check(questionnaire=replaced(MINI, old, new))


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("M03_D = { joker = 2 }", "M03_D = { mover = 2 }", "not balanced"),
        ("M01_B = { explorer = 2 }", "M01_B = { mover = 2 }", "two options have the same style"),
        ("M01_A = { mover = 2 }\n", "", "M01_A has no weights"),
        (
            "M01_A = { mover = 2 }",
            "M01_A = { mover = 2 }\nM_WHO_A = { joker = 2 }",
            "M_WHO_A must not have weights",
        ),
        (
            "M01_A = { mover = 2 }",
            "M01_A = { mover = 2 }\nM01_X = { joker = 2 }",
            "M01_X must not have weights",
        ),
        ("M01_A = { mover = 2 }", "M01_A = { mover = 3 }", "weight 3 for 'mover' is not 1 or 2"),
        ("M01_A = { mover = 2 }", "M01_A = { runner = 2 }", "unknown style 'runner'"),
        ("M01_A = { mover = 2 }", "M01_A = { mover = 2, joker = 2 }", "exactly one primary"),
        ("M01_A = { mover = 2 }", "M01_A = { mover = 1 }", "exactly one primary"),
        ("M01_A = { mover = 2 }", "M01_A = {}", "has no style weights"),
        ("M01_A = { mover = 2 }", "M01_A = { mover = true }", "must be a whole number"),
        ('"mover", "explorer"', '"mover", "mover"', "'mover' is listed twice"),
        ('"mover", "explorer"', '"Mover", "explorer"', "not lower-case ASCII"),
    ],
)
def test_broken_scoring_key(old: str, new: str, match: str) -> None:
    with pytest.raises(ContentError, match=match):
        check(key=replaced(MINI_KEY, old, new))


def test_not_sure_must_be_last() -> None:
    questionnaire, key = mini()
    first = questionnaire.items[0]
    moved = dataclasses.replace(first, options=(first.options[-1], *first.options[:-1]))
    broken = dataclasses.replace(questionnaire, items=(moved, *questionnaire.items[1:]))
    with pytest.raises(ContentError, match="'not sure' must be the last option"):
        validation.validate_questionnaire(broken, key)


def test_not_sure_only_once() -> None:
    questionnaire, key = mini()
    first = questionnaire.items[0]
    doubled = dataclasses.replace(
        first,
        options=(
            *first.options[:-1],
            dataclasses.replace(first.options[0], id="M01_Y", not_sure=True),
            first.options[-1],
        ),
    )
    broken = dataclasses.replace(questionnaire, items=(doubled, *questionnaire.items[1:]))
    with pytest.raises(ContentError, match="'not sure' must be the last option, once"):
        validation.validate_questionnaire(broken, key)


def test_core_items_come_before_modifiers() -> None:
    questionnaire, key = mini()
    items = questionnaire.items
    reordered = (*items[:2], items[3], items[2], items[4])
    assert reordered[3].kind is ItemKind.CORE
    with pytest.raises(ContentError, match="core items must come before the modifier items"):
        validation.validate_questionnaire(dataclasses.replace(questionnaire, items=reordered), key)


def test_a_questionnaire_needs_core_items() -> None:
    questionnaire, key = mini()
    modifiers_only = dataclasses.replace(questionnaire, items=questionnaire.items[3:])
    with pytest.raises(ContentError, match="has no core items"):
        validation.validate_questionnaire(modifiers_only, key)


def test_payload_check_refuses_ids_that_cannot_fit() -> None:
    validation.check_payloads(["A" * 40])  # the longest argument that still fits 64 bytes
    with pytest.raises(ContentError, match="does not fit a button payload"):
        validation.check_payloads(["A" * 41])
    with pytest.raises(ContentError, match="does not fit a button payload"):
        validation.check_payloads(["has.dot"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("🌳 Climb a tree", True),
        ("🏞️ 7 hours or more", True),
        ("👨‍👩‍👧 A family", True),
        ("Climb a tree", False),
        ("🌳", False),
        ("🌳Climb", False),
        ("🌳  Climb", False),
        ("A🌳 Climb", False),
    ],
)
def test_starts_with_emoji_and_word(text: str, expected: bool) -> None:
    assert validation.starts_with_emoji_and_word(text) == expected


# --- Styles --------------------------------------------------------------------------------------

STYLES_FILE = """
version = "1"

[[styles]]
key = "mover"
emoji = "🏃"
name = "Mover"
short_name = "Mover"
description = "Moves."
you_are = "You're a Mover 🏃!"

[results]
leaning = "Mostly {top}, with {second}!"
double = "Double: {styles}!"
all_rounder = "All-rounder!"
incomplete = "A few more!"
join_and = "{rest} and {last}"
disclaimer = "For fun."
"""


def test_styles_fixture_is_valid() -> None:
    validation.validate_styles(parse_styles(STYLES_FILE, name="styles-1.toml"))


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ('emoji = "🏃"', 'emoji = "R"', "must be an emoji"),
        ('key = "mover"', 'key = "Mover!"', "not lower-case ASCII"),
        ('leaning = "Mostly {top}, with {second}!"\n', "", "missing field 'leaning'"),
    ],
)
def test_broken_styles(old: str, new: str, match: str) -> None:
    with pytest.raises(ContentError, match=match):
        validation.validate_styles(parse_styles(replaced(STYLES_FILE, old, new), name="s"))


def test_styles_listed_twice() -> None:
    styles = parse_styles(STYLES_FILE, name="styles-1.toml")
    doubled = dataclasses.replace(styles, styles=styles.styles * 2)
    with pytest.raises(ContentError, match="'mover' is listed twice"):
        validation.validate_styles(doubled)


def test_styles_must_match_the_key() -> None:
    styles = parse_styles(STYLES_FILE, name="styles-1.toml")
    with pytest.raises(ContentError, match="do not match the styles of key 9"):
        validation.check_same_styles(styles, mini()[1])


# --- Tiers ---------------------------------------------------------------------------------------

TIERS_FILE = """
version = "1"

[[bands]]
id = "low"
label = "🌱 Under 2 hours"
min_hours = 0
max_hours = 2
tier = "starter"

[[bands]]
id = "mid"
label = "🌳 2 to 4 hours"
min_hours = 2
max_hours = 4
tier = "growing"

[[bands]]
id = "upper"
label = "🌲 4 to 7 hours"
min_hours = 4
max_hours = 7
tier = "almost_there"

[[bands]]
id = "high"
label = "🏞️ 7 hours or more"
min_hours = 7
tier = "champion"

[[tiers]]
id = "starter"
min_hours = 0
name = "Starter"
message = "Start!"

[[tiers]]
id = "growing"
min_hours = 2
name = "Growing"
message = "Grow!"

[[tiers]]
id = "almost_there"
min_hours = 4
name = "Almost"
message = "Almost!"

[[tiers]]
id = "champion"
min_hours = 7
name = "Champion"
message = "Champion!"
"""


def test_tiers_fixture_is_valid() -> None:
    tiers = parse_tiers(TIERS_FILE, name="tiers-1.toml")
    assert [band.tier.value for band in tiers.bands] == [
        "starter",
        "growing",
        "almost_there",
        "champion",
    ]


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("min_hours = 2\nmax_hours = 4", "min_hours = 3\nmax_hours = 4", "starts at 3.0, not 2.0"),
        ("min_hours = 7\ntier", "min_hours = 7\nmax_hours = 9\ntier", "only the last band"),
        ("max_hours = 2\n", "", "only the last band"),
        ('tier = "growing"', 'tier = "starter"', "lies in tier growing, not starter"),
        ("min_hours = 2\nname", "min_hours = 3\nname", "band mid: spans two tiers"),
        ('id = "growing"', 'id = "champion"', "in that order"),
        ("min_hours = 0\nname", "min_hours = 1\nname", "must start at 0"),
        ('id = "low"', 'id = "low band"', "outside"),
        ('label = "🌱 Under 2 hours"', 'label = "Under 2 hours"', "must start with an emoji"),
        ('tier = "starter"', 'tier = "beginner"', "expected one of starter"),
    ],
)
def test_broken_tiers(old: str, new: str, match: str) -> None:
    with pytest.raises(ContentError, match=match):
        parse_tiers(replaced(TIERS_FILE, old, new), name="tiers-1.toml")


# --- Activities ----------------------------------------------------------------------------------

ACTIVITIES_FILE = """
version = "1"

[texts]
grown_up = "🧑 With a grown-up"
together = "👫 Together"
safety = "⛑️ Safety: {tip}"
minutes = "⏱️ {minutes} minutes"
materials = "🎒 You need: {materials}"

[[activities]]
id = "POND"
title = "Pond dipping"
how_to = "Scoop and look."
styles = { explorer = 2, maker = 1 }
min_age = 6
max_age = 16
social = "any"
intensity = "light"
bone_strengthening = false
duration = 30
materials = "a net"
with_grown_up = true
risk = "water"
safety_tip = "Kneel at the edge."
near_home = false

[[activities]]
id = "TAG"
title = "Tag"
how_to = "Run and tag."
styles = { mover = 2 }
min_age = 6
max_age = 12
social = "group"
intensity = "vigorous"
bone_strengthening = false
duration = 15
with_grown_up = false
near_home = true
"""


def test_activities_fixture_is_valid() -> None:
    catalogue = parse_activities(ACTIVITIES_FILE, name="activities-1.toml", styles=STYLES)
    assert [activity.id for activity in catalogue.activities] == ["POND", "TAG"]
    assert catalogue.activity("TAG").materials is None


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        (
            "with_grown_up = true",
            "with_grown_up = false",
            "water for under-12s needs with_grown_up",
        ),
        ('safety_tip = "Kneel at the edge."\n', "", "risk water needs a safety_tip"),
        ('risk = "water"\n', "", "a safety_tip needs a risk category"),
        ('risk = "water"', 'risk = "lava"', "expected one of heights"),
        ('social = "group"', 'social = "crowd"', "expected one of alone, pair, group, any"),
        ('intensity = "light"', 'intensity = "wild"', "expected one of light"),
        ("styles = { mover = 2 }", "styles = { dancer = 2 }", "unknown style 'dancer'"),
        ("styles = { mover = 2 }", "styles = { mover = 1 }", "exactly one primary"),
        ('id = "TAG"', 'id = "POND"', "id is used more than once"),
        ('id = "TAG"', 'id = "TAG-1"', "outside"),
        ('id = "TAG"', 'id = "TAG_THE_LONG_ONE"', "longer than 12"),
        ("max_age = 12", "max_age = 5", "age range 6-5 is empty"),
        ("duration = 15", "duration = 0", "duration must be 1 to 180"),
        ('how_to = "Run and tag."', 'how_to = "' + "run " * 26 + '"', "longer than 25 words"),
        ("near_home = true", "near_home = 1", "wrong type"),
        ('together = "👫 Together"\n', "", "missing field 'together'"),
    ],
)
def test_broken_activities(old: str, new: str, match: str) -> None:
    with pytest.raises(ContentError, match=match):
        parse_activities(replaced(ACTIVITIES_FILE, old, new), name="a", styles=STYLES)


def test_heights_over_twelve_need_no_grown_up() -> None:
    source = replaced(ACTIVITIES_FILE, 'risk = "water"', 'risk = "heights"')
    source = replaced(source, "with_grown_up = true", "with_grown_up = false")
    with pytest.raises(ContentError, match="heights for under-12s"):
        parse_activities(source, name="a", styles=STYLES)
    teen_only = replaced(source, "min_age = 6", "min_age = 12")
    parse_activities(teen_only, name="a", styles=STYLES)
