"""Charts as PNG pictures for the chat: a child's six play-style scores, and a distribution.

Drawn with matplotlib's object-oriented API (``Figure`` on an Agg canvas), never ``pyplot``:
pyplot keeps a global list of open figures and a current figure, which leaks memory and is not
safe when several updates draw at once. No rcParams are changed either, for the same reason.

Pictures are 1080 pixels wide (what Telegram keeps for a photo on a phone) with large text, since
the chat shows them about a third of that size. Colours come from the Okabe-Ito palette, which
stays distinguishable with every common colour-vision deficiency, and the highlighted bars are
also bold, so nothing depends on colour alone.

Labels arrive translated. Emoji are dropped: the bundled DejaVu Sans has none and a server rarely
has an emoji font, so they would show as empty boxes. So are other characters the font lacks.
"""

from __future__ import annotations

import functools
import math
import textwrap
import unicodedata
from collections.abc import Sequence
from io import BytesIO
from typing import Final

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

WIDTH_INCHES: Final = 10.8
DPI: Final = 100
"""10.8 inches at 100 dpi: 1080 pixels wide."""

FONT_FAMILY: Final = "DejaVu Sans"
"""Bundled with matplotlib, so every server has it; covers Dutch and other Latin diacritics."""

HIGHLIGHT: Final = "#0072B2"
"""Okabe-Ito blue: the top style(s), and every bar of a distribution."""
MUTED: Final = "#BBBBBB"
"""Light grey for the other styles: differs from the blue in lightness, not only in hue."""
INK: Final = "#222222"
QUIET_INK: Final = "#555555"

TITLE_SIZE: Final = 30
LABEL_SIZE: Final = 26
TICK_SIZE: Final = 20

TOP_MARGIN: Final = 10.0
"""Styles within this many percentage points of the best are highlighted too: playstyle.md calls
a margin under 0.10 a double style (or an all-rounder), so the picture matches the words."""

_INVISIBLE: Final = frozenset({"\u200d", "\ufe0e", "\ufe0f"})
"""Zero-width joiner and variation selectors: parts of emoji sequences, dropped with them."""


def style_chart(
    scores: Sequence[tuple[str, str, float]], *, title: str, top_margin: float = TOP_MARGIN
) -> bytes:
    """Six horizontal bars, 0-100 %, with the top style(s) highlighted; a PNG.

    :param scores: ``(style id, translated label, percentage 0..100)`` in the order to show them
        (the caller's order: a tie is never broken by list order, so nothing is re-sorted here).

    The same scores and title always give the same picture, and drawing one costs about a
    hundred milliseconds of CPU, so recent pictures are kept (a bounded cache of bytes).
    """
    return _cached_style_chart(tuple(scores), title, top_margin)


@functools.lru_cache(maxsize=256)
def _cached_style_chart(
    scores: tuple[tuple[str, str, float], ...], title: str, top_margin: float
) -> bytes:
    highlighted = top_styles(scores, margin=top_margin)
    top = [style in highlighted for style, _, _ in scores]

    figure, axes = _figure(len(scores), title)
    positions = list(range(len(scores)))[::-1]  # the first score on top
    bars = axes.barh(
        positions,
        [percent for _, _, percent in scores],
        height=0.68,
        color=[HIGHLIGHT if is_top else MUTED for is_top in top],
    )
    for bar, (style, _, percent), is_top in zip(bars, scores, top, strict=True):
        bar.set_gid(style)  # names the bar in SVG output and in tests
        _value_label(
            axes,
            y=bar.get_y() + bar.get_height() / 2,
            x=percent + 1.2,
            bold=is_top,
            text=f"{percent:.0f}%",
        )
    axes.set_xlim(0, 112)  # room for "100%" after a full bar
    axes.set_xticks(
        [0, 25, 50, 75, 100],
        labels=["0%", "25%", "50%", "75%", "100%"],
        fontsize=TICK_SIZE,
        fontfamily=FONT_FAMILY,
        color=QUIET_INK,
    )
    axes.set_yticks(positions, labels=[_label(label) for _, label, _ in scores])
    for tick, is_top in zip(axes.get_yticklabels(), top, strict=True):
        _style_label(tick, bold=is_top)
    return _png(figure)


def top_styles(
    scores: Sequence[tuple[str, str, float]], *, margin: float = TOP_MARGIN
) -> frozenset[str]:
    """The ids of the best style and of every style within ``margin`` points of it."""
    if not scores:
        raise ValueError("a style chart needs at least one score")
    for style, _, percent in scores:
        if not (math.isfinite(percent) and 0 <= percent <= 100):
            raise ValueError(f"score of {style!r} is {percent}, not a percentage 0..100")
    best = max(percent for _, _, percent in scores)
    return frozenset(style for style, _, percent in scores if best - percent <= margin)


def distribution_chart(
    counts: Sequence[tuple[str, int | None]], *, title: str, suppressed_label: str
) -> bytes:
    """Horizontal bars of a distribution; ``None`` (suppressed) gets no bar, only the label; a PNG.

    Meant for the statistics in ``organisations.suppression``: ``suppressed_label`` is the
    translated "< 10". Works best with up to about a dozen bars.
    """
    if not counts:
        raise ValueError("a distribution chart needs at least one count")
    for label, count in counts:
        if count is not None and count < 0:
            raise ValueError(f"count of {label!r} is {count}")
    shown = [count for _, count in counts if count is not None]
    largest = max(shown, default=0)

    figure, axes = _figure(len(counts), title)
    positions = list(range(len(counts)))[::-1]
    limit = max(largest, 1) * 1.18  # room for the value after the longest bar
    for y, (_, count) in zip(positions, counts, strict=True):
        if count is None:
            axes.text(
                limit * 0.01,
                y,
                printable(suppressed_label),
                va="center",
                ha="left",
                fontsize=LABEL_SIZE,
                fontfamily=FONT_FAMILY,
                fontstyle="italic",
                color=QUIET_INK,
            )
            continue
        axes.barh([y], [count], height=0.68, color=HIGHLIGHT)
        _value_label(axes, y=y, x=count + limit * 0.01, text=str(count), bold=False)
    axes.set_xlim(0, limit)
    ticks = [
        int(tick)
        for tick in MaxNLocator(nbins=4, integer=True).tick_values(0, limit)
        if 0 <= tick <= limit
    ]
    axes.set_xticks(
        ticks,
        labels=[str(tick) for tick in ticks],
        fontsize=TICK_SIZE,
        fontfamily=FONT_FAMILY,
        color=QUIET_INK,
    )
    axes.set_yticks(positions, labels=[_label(label) for label, _ in counts])
    for tick in axes.get_yticklabels():
        _style_label(tick, bold=False)
    return _png(figure)


def printable(text: str) -> str:
    """``text`` without the characters the chart font cannot draw (emoji, mostly).

    Also escapes ``$``, which matplotlib would otherwise read as the start of a formula.
    """
    font = get_font(findfont(FontProperties(family=FONT_FAMILY), fallback_to_default=False))
    kept = "".join(
        char
        for char in unicodedata.normalize("NFC", text)
        if char.isspace() or (char not in _INVISIBLE and font.get_char_index(ord(char)) != 0)
    )
    return " ".join(kept.split()).replace("$", r"\$")


# --- drawing ---------------------------------------------------------------------------------


def _figure(bars: int, title: str) -> tuple[Figure, Axes]:
    """A 1080-pixel-wide figure, as tall as the bars need (450 to 1600 pixels)."""
    height = min(16.0, max(4.5, 2.2 + 1.05 * bars))
    title_lines = textwrap.wrap(printable(title), width=40)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    # Fixed margins, not a layout engine: the labels are short and their room is known, and a
    # layout engine draws the figure twice (it was half the cost of a chart, per result card).
    top_inches = 0.45 + 0.62 * len(title_lines)
    figure.subplots_adjust(left=0.30, right=0.97, bottom=0.75 / height, top=1 - top_inches / height)
    FigureCanvasAgg(figure)
    # A figure title, not an axes title: it may use the full width, left of the bar labels too.
    figure.suptitle(
        "\n".join(title_lines),
        y=1 - 0.25 / height,
        va="top",
        x=0.02,
        ha="left",
        fontsize=TITLE_SIZE,
        fontfamily=FONT_FAMILY,
        fontweight="bold",
        color=INK,
    )
    axes = figure.add_subplot()
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    axes.spines["left"].set_color(MUTED)
    axes.tick_params(axis="y", length=0, pad=10)
    axes.tick_params(axis="x", length=0)
    axes.grid(axis="x", color="#E5E5E5", linewidth=1.2)
    axes.set_axisbelow(True)
    return figure, axes


def _label(text: str) -> str:
    """A bar label, wrapped to two short lines so long Dutch words still fit beside the bars."""
    return "\n".join(textwrap.wrap(printable(text), width=16, max_lines=2, placeholder="…"))


def _style_label(label: Text, *, bold: bool) -> None:
    """A category label beside the bars."""
    label.set_fontsize(LABEL_SIZE)
    label.set_fontfamily(FONT_FAMILY)
    label.set_fontweight("bold" if bold else "normal")
    label.set_color(INK)


def _value_label(axes: Axes, *, y: float, x: float, text: str, bold: bool) -> None:
    """The number just after the end of a bar."""
    axes.text(
        x,
        y,
        text,
        va="center",
        ha="left",
        fontsize=LABEL_SIZE,
        fontfamily=FONT_FAMILY,
        fontweight="bold" if bold else "normal",
        color=INK,
    )


def _png(figure: Figure) -> bytes:
    """The figure as PNG bytes, without the "Software: matplotlib x.y" stamp."""
    buffer = BytesIO()
    figure.savefig(
        buffer,
        format="png",
        dpi=DPI,
        metadata={"Software": None},
        pil_kwargs={"compress_level": 3},  # a little larger, much faster than the default 6
    )
    return buffer.getvalue()
