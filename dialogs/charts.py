"""Charts as pictures (JPEG) for the chat: a child's six play-style scores, and a distribution.

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
import threading
import unicodedata
from collections.abc import Sequence
from io import BytesIO
from typing import Final, Protocol, cast

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox, BboxBase
from PIL import Image

WIDTH_INCHES: Final = 10.8
DPI: Final = 100
"""10.8 inches at 100 dpi: 1080 pixels wide."""
LEFT: Final = 0.30
RIGHT: Final = 0.97
"""Where the bars may go, as fractions of the width: the bar names stand left of ``LEFT``."""

JPEG_QUALITY: Final = 90
SUFFIX: Final = ".jpg"
"""File name ending for the pictures these functions return."""

FONT_FAMILY: Final = "DejaVu Sans"
"""Bundled with matplotlib, so every server has it; covers Dutch and other Latin diacritics."""

HIGHLIGHT: Final = "#0072B2"
"""Okabe-Ito blue: the top style(s), and every bar of a distribution."""
MUTED: Final = "#BBBBBB"
"""Light grey for the other styles: differs from the blue in lightness, not only in hue."""
INK: Final = "#222222"
QUIET_INK: Final = "#555555"
GRID: Final = "#E5E5E5"

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
    """Six horizontal bars, 0-100 %, with the top style(s) highlighted; a JPEG.

    :param scores: ``(style id, translated label, percentage 0..100)`` in the order to show them
        (the caller's order: a tie is never broken by list order, so nothing is re-sorted here).

    The same scores and title always give the same picture, so recent pictures are kept (a
    bounded cache of bytes). So the title must not name anyone: the cache would keep the name
    after /forget.
    """
    return _cached_style_chart(tuple(scores), title, top_margin)


@functools.lru_cache(maxsize=256)
def _cached_style_chart(
    scores: tuple[tuple[str, str, float], ...], title: str, top_margin: float
) -> bytes:
    highlighted = top_styles(scores, margin=top_margin)
    template = _style_template(title, tuple(label for _, label, _ in scores))
    return template.render(
        [percent for _, _, percent in scores], [style in highlighted for style, _, _ in scores]
    )


@functools.lru_cache(maxsize=8)
def _style_template(title: str, labels: tuple[str, ...]) -> _StyleTemplate:
    """One template per title and set of labels: in practice two titles in each language."""
    return _StyleTemplate(title, labels)


class _AggCanvas(Protocol):
    """What the style template uses of matplotlib's Agg canvas, which has no type hints."""

    def draw(self) -> None: ...
    def copy_from_bbox(self, bbox: BboxBase) -> object: ...
    def restore_region(self, region: object) -> None: ...
    def get_renderer(self) -> RendererAgg: ...
    def get_width_height(self) -> tuple[int, int]: ...
    def buffer_rgba(self) -> memoryview: ...


class _StyleTemplate:
    """A style chart drawn once without its bars, then finished for each set of scores.

    Building a figure (axes, grid, title) and laying out its text cost three quarters of a chart,
    and they are the same for every child who reads the same language. So they are drawn once into
    a background, and each chart restores it and draws only what differs: the bars, their names in
    normal or bold, and the numbers (matplotlib's "blitting": the parts that differ are
    *animated* artists, which a full draw leaves out). About a third of the CPU of a fresh figure.

    A matplotlib figure is not safe to draw from two threads at once, and charts are drawn in
    worker threads, so drawing holds a lock; encoding the picture does not.
    """

    def __init__(self, title: str, labels: Sequence[str]) -> None:
        self._figure, axes = _figure(len(labels), title)
        positions = list(range(len(labels)))[::-1]  # the first score on top
        axes.set_xlim(0, 118)  # room for a bold "100%" after a full bar
        baseline = _value_axis(axes, [0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        self._bars = list(
            axes.barh(positions, [0.0] * len(labels), height=0.68, color=MUTED, animated=True)
        )
        names: list[tuple[Text, Text]] = []  # (normal, bold) for each bar
        self._values: list[tuple[Text, Text]] = []  # the same
        for y, label in zip(positions, labels, strict=True):
            names.append(
                (
                    _category_label(axes, y=y, text=label, bold=False),
                    _category_label(axes, y=y, text=label, bold=True),
                )
            )
            self._values.append(
                (
                    _value_label(axes, y=y, x=0, text="", bold=False),
                    _value_label(axes, y=y, x=0, text="", bold=True),
                )
            )
        for artist in (baseline, *(text for pair in (*names, *self._values) for text in pair)):
            artist.set_animated(True)  # the baseline too: it goes over the bars
        self._baseline = baseline
        canvas = self._figure.canvas
        assert isinstance(canvas, FigureCanvasAgg)  # ``_figure`` gave it one
        self._canvas = cast(_AggCanvas, canvas)
        self._canvas.draw()
        self._background = self._canvas.copy_from_bbox(self._figure.bbox)
        # The names stand left of the bars, where nothing else is drawn: each one is drawn once in
        # both weights and kept as pixels, which saves drawing six texts for every chart.
        renderer = self._canvas.get_renderer()
        self._names: list[tuple[object, object]] = []
        for pair in names:
            box = Bbox.union([text.get_window_extent(renderer) for text in pair]).padded(4)
            kept = []
            for text in pair:
                self._canvas.restore_region(self._background)
                text.draw(renderer)
                kept.append(self._canvas.copy_from_bbox(box))
            self._names.append((kept[0], kept[1]))
        self._lock = threading.Lock()

    def render(self, percents: Sequence[float], top: Sequence[bool]) -> bytes:
        """The chart with these bars (``top``: highlighted), as a JPEG."""
        with self._lock:
            self._canvas.restore_region(self._background)
            renderer = self._canvas.get_renderer()
            for bar, percent, is_top in zip(self._bars, percents, top, strict=True):
                bar.set_width(percent)
                bar.set_color(HIGHLIGHT if is_top else MUTED)
                bar.draw(renderer)
            self._baseline.draw(renderer)
            for names, values, percent, is_top in zip(
                self._names, self._values, percents, top, strict=True
            ):
                self._canvas.restore_region(names[is_top])
                value = values[is_top]
                value.set_x(percent + 1.2)
                value.set_text(f"{percent:.0f}%")
                value.draw(renderer)
            width, height = self._canvas.get_width_height()
            # A copy, without the alpha channel: the figure is opaque white.
            pixels = Image.frombytes(
                "RGB", (width, height), self._canvas.buffer_rgba(), "raw", "RGBX"
            )
        buffer = BytesIO()
        pixels.save(buffer, format="jpeg", quality=JPEG_QUALITY, subsampling=0)
        return buffer.getvalue()


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
    """Horizontal bars of a distribution; ``None`` (suppressed) gets no bar, only the label; a JPEG.

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
    axes.set_xlim(0, limit)
    ticks = [
        int(tick)
        for tick in MaxNLocator(nbins=4, integer=True).tick_values(0, limit)
        if 0 <= tick <= limit
    ]
    _value_axis(axes, ticks, [str(tick) for tick in ticks])
    for y, (label, count) in zip(positions, counts, strict=True):
        _category_label(axes, y=y, text=label, bold=False)
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
    return _encode(figure)


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
    """A 1080-pixel-wide figure, as tall as the bars need (450 to 1600 pixels).

    The axes draw no axis of their own (``_value_axis`` and ``_category_label`` do, with plain
    text): matplotlib's tick machinery builds and lays out every tick twice, and was a third of
    the cost of a chart.
    """
    height = min(16.0, max(4.5, 2.2 + 1.05 * bars))
    title_lines = textwrap.wrap(printable(title), width=40)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    # Across the full width, left of the bar labels too.
    figure.text(
        0.02,
        1 - 0.25 / height,
        "\n".join(title_lines),
        va="top",
        ha="left",
        fontsize=TITLE_SIZE,
        fontfamily=FONT_FAMILY,
        fontweight="bold",
        color=INK,
    )
    # Fixed margins, not a layout engine: the labels are short and their room is known, and a
    # layout engine draws the figure twice.
    bottom = 0.75 / height
    top = 1 - (0.45 + 0.62 * len(title_lines)) / height
    axes = figure.add_axes((LEFT, bottom, RIGHT - LEFT, top - bottom))
    axes.set_axis_off()
    axes.set_ylim(-0.5, bars - 0.5)
    return figure, axes


def _value_axis(axes: Axes, ticks: Sequence[float], labels: Sequence[str]) -> Line2D:
    """Light vertical lines at ``ticks``, labelled under the bars, and the line the bars start on
    (returned).

    Call after setting the x limits: the lines are in data units.
    """
    below = axes.get_xaxis_transform()  # x in data units, y as a fraction of the axes' height
    for x, label in zip(ticks, labels, strict=True):
        axes.axvline(x, color=GRID, linewidth=1.2, zorder=0)
        axes.text(
            x,
            -0.02,
            label,
            transform=below,
            va="top",
            ha="center",
            fontsize=TICK_SIZE,
            fontfamily=FONT_FAMILY,
            color=QUIET_INK,
        )
    return axes.axvline(axes.get_xlim()[0], color=MUTED, linewidth=1.0, zorder=3)


def _category_label(axes: Axes, *, y: float, text: str, bold: bool) -> Text:
    """The name of a bar, left of the axes, wrapped to two short lines so long Dutch words fit."""
    return axes.text(
        -0.02,
        y,
        "\n".join(textwrap.wrap(printable(text), width=16, max_lines=2, placeholder="…")),
        transform=axes.get_yaxis_transform(),  # x as a fraction of the axes' width, y in data
        va="center",
        ha="right",
        fontsize=LABEL_SIZE,
        fontfamily=FONT_FAMILY,
        fontweight="bold" if bold else "normal",
        color=INK,
    )


def _value_label(axes: Axes, *, y: float, x: float, text: str, bold: bool) -> Text:
    """The number just after the end of a bar."""
    return axes.text(
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


def _encode(figure: Figure) -> bytes:
    """The figure as a JPEG (what Telegram turns every photo into anyway).

    Full colour resolution (no chroma subsampling) keeps the edges of text and bars clean; the
    encoding costs a fifth of a PNG's, which was a quarter of the cost of a chart.
    """
    buffer = BytesIO()
    figure.savefig(
        buffer,
        format="jpeg",
        dpi=DPI,
        pil_kwargs={"quality": JPEG_QUALITY, "subsampling": 0},
    )
    return buffer.getvalue()
