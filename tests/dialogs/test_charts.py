from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

import numpy
import pytest
from PIL import Image

from dialogs import charts
from dialogs.charts import distribution_chart, printable, style_chart, top_styles

SCORES = [
    ("explorer", "Ontdekker", 82.0),
    ("maker", "Maker – knutselaar", 75.5),
    ("mover", "Beweger", 40.0),
    ("social", "Samenspeler", 33.3),
    ("imaginer", "Fantast (één, café, ë, ĳ)", 12.0),
    ("nature", "Natuurvriend", 0.0),
]
COUNTS: list[tuple[str, int | None]] = [
    ("6–8 jaar", 23),
    ("9–10 jaar", None),
    ("11–12 jaar", 41),
    ("13–16 jaar", 0),
]


def picture(data: bytes) -> Image.Image:
    """The chart as an image; it must be a JPEG (Telegram's own format for photos)."""
    image = Image.open(BytesIO(data))
    assert image.format == "JPEG"
    return image


@pytest.fixture(autouse=True)
def warnings_are_errors() -> Iterator[None]:
    """A missing glyph is only a warning in matplotlib; here it fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


CHARTS: list[tuple[str, Callable[[], bytes]]] = [
    ("style", lambda: style_chart(SCORES, title="Jouw speelstijl: ontdekker én maker")),
    (
        "distribution",
        lambda: distribution_chart(COUNTS, title="Kinderen per leeftijd", suppressed_label="< 10"),
    ),
    (
        "all suppressed",
        lambda: distribution_chart([("a", None)], title="t", suppressed_label="<10"),
    ),
    ("all zero", lambda: distribution_chart([("a", 0), ("b", 0)], title="t", suppressed_label="x")),
    (
        "many bars",
        lambda: distribution_chart(
            [(f"groep {i}", i * 7) for i in range(20)], title="t", suppressed_label="x"
        ),
    ),
]


@pytest.mark.parametrize("draw", [draw for _, draw in CHARTS], ids=[name for name, _ in CHARTS])
def test_charts_are_phone_sized_pictures(draw: Callable[[], bytes]) -> None:
    data = draw()

    image = picture(data)
    width, height = image.size
    assert width == 1080
    assert 400 <= height <= 1600
    assert len(data) < 200_000
    assert image.mode == "RGB"
    assert b"matplotlib" not in data  # no "Software" stamp


@pytest.mark.parametrize(
    ("margin", "expected"),
    [
        (10.0, {"explorer", "maker"}),  # within 10 points: a double style
        (5.0, {"explorer"}),
        (50.0, {"explorer", "maker", "mover", "social"}),
    ],
)
def test_top_styles(margin: float, expected: set[str]) -> None:
    assert top_styles(SCORES, margin=margin) == expected


def test_ties_are_all_top() -> None:
    scores = [("a", "A", 40.0), ("b", "B", 40.0), ("c", "C", 20.0)]
    assert top_styles(scores, margin=0) == {"a", "b"}


def highlighted_pixels(data: bytes) -> int:
    """Pixels in the highlight colour (Okabe-Ito blue, #0072B2)."""
    pixels = numpy.asarray(picture(data), dtype=int)
    red, green, blue = (pixels[..., channel] for channel in range(3))
    mask = (abs(red - 0x00) < 8) & (abs(green - 0x72) < 8) & (abs(blue - 0xB2) < 8)
    return int(mask.sum())


def test_the_highlight_follows_the_top_styles() -> None:
    one = highlighted_pixels(style_chart(SCORES, title="t", top_margin=5))
    two = highlighted_pixels(style_chart(SCORES, title="t"))

    assert 0 < one < two  # the maker bar (76 %) turns blue as well


@pytest.mark.parametrize("percent", [-1.0, 100.5, float("nan"), float("inf")])
def test_style_chart_refuses_what_is_not_a_percentage(percent: float) -> None:
    with pytest.raises(ValueError, match="not a percentage"):
        style_chart([("explorer", "Ontdekker", percent)], title="t")


def test_charts_refuse_nothing_to_draw() -> None:
    with pytest.raises(ValueError, match="at least one"):
        style_chart([], title="t")
    with pytest.raises(ValueError, match="at least one"):
        distribution_chart([], title="t", suppressed_label="x")
    with pytest.raises(ValueError, match="count of 'a' is -1"):
        distribution_chart([("a", -1)], title="t", suppressed_label="x")


def test_emoji_are_dropped_instead_of_drawn_as_boxes() -> None:
    data = style_chart([("explorer", "Ontdekker 🧭", 60.0), ("maker", "🛠️ Maker", 40.0)], title="🌳")
    assert picture(data).width == 1080


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ontdekker 🧭", "Ontdekker"),
        ("🛠️ Maker", "Maker"),  # with its variation selector
        ("👨‍👩‍👧 Samen", "Samen"),  # a zero-width-joiner sequence
        ("één café ë ĳ – “ja”", "één café ë ĳ – “ja”"),
        ("e\u0301e\u0301n", "één"),  # decomposed accents are composed
        ("kost $5", r"kost \$5"),  # not a formula
        ("  veel   ruimte ", "veel ruimte"),
    ],
)
def test_printable(text: str, expected: str) -> None:
    assert printable(text) == expected


def test_no_pyplot_state_is_left_behind() -> None:
    # A fresh interpreter, because another test may have imported pyplot for its own reasons.
    code = (
        "import sys\n"
        "from dialogs.charts import style_chart, distribution_chart\n"
        "style_chart([('a', 'A', 50.0)], title='t')\n"
        "distribution_chart([('a', 3)], title='t', suppressed_label='x')\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=60)
    if "matplotlib.pyplot" in sys.modules:
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []


def test_a_chart_keeps_nothing_of_the_chart_before() -> None:
    charts._cached_style_chart.cache_clear()
    # Charts with one title share a drawn background and redraw only the bars and their labels;
    # a bar, number or bold name of an earlier chart must not show through.
    first = style_chart(SCORES, title="t")
    other = [(style, label, 100.0 - percent) for style, label, percent in SCORES]
    style_chart(other, title="t")
    style_chart([(style, label, 0.0) for style, label, _ in SCORES], title="t")
    charts._cached_style_chart.cache_clear()

    assert style_chart(SCORES, title="t") == first


def test_charts_drawn_at_once_in_threads_are_the_charts_drawn_alone() -> None:
    variants = [
        [
            (style, label, float((index * 17 + shift * 29) % 101))
            for index, (style, label, _) in enumerate(SCORES)
        ]
        for shift in range(12)
    ]
    alone = [style_chart(scores, title="t") for scores in variants]
    charts._cached_style_chart.cache_clear()

    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda scores: style_chart(scores, title="t"), variants))

    assert together == alone
    assert len(set(alone)) == len(alone)


def test_a_full_bar_keeps_its_number_inside_the_picture() -> None:
    data = style_chart([("explorer", "Ontdekker", 100.0), ("maker", "Maker", 99.0)], title="t")

    pixels = numpy.asarray(picture(data).convert("L"), dtype=int)
    assert pixels[:, -12:].min() > 200  # the right edge stays blank: "100%" is not cut off
