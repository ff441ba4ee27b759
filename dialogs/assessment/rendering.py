"""Turns results and ideas into text in the reader's language.

Plain text only: the runtime escapes it for its parse mode (names contain "&"). Every string comes
from the content catalog passed in, so these functions are pure and locale-explicit.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Final

from dialogs.assessment.catalog import Catalog, render, translate
from dialogs.assessment.content import Catalogue, Styles
from dialogs.assessment.scoring import Label, Result
from dialogs.assessment.suggestions import Suggestion

BAR_CELLS: Final = 5
"""Cells in a text bar; each cell is 20 %."""
FULL_CELL: Final = "🟩"
EMPTY_CELL: Final = "⬜"
MAX_RUNNERS_UP: Final = 2
"""A leaning headline names at most this many runners-up: more, tied, are no "lots of"."""
STRONG_RUNNER_UP: Final = Fraction(1, 3)
"""A runner-up is named only when picked at least this share of the times it was offered: more
than chance on the teen form (1 of 4 options), at least chance on the kids form (1 of 3)."""


def style_label(styles: Styles, style: str, catalog: Catalog) -> str:
    """Short name and emoji, e.g. "Explorer 🧭"."""
    info = styles.info(style)
    return f"{translate(info.short_name, catalog)} {info.emoji}"


def join_names(names: Sequence[str], styles: Styles, catalog: Catalog) -> str:
    """Join names as "A", "A and B" or "A, B and C" in the reader's language."""
    if len(names) <= 1:
        return "".join(names)
    return render(styles.results.join_and, catalog, rest=", ".join(names[:-1]), last=names[-1])


def named_runners_up(result: Result, styles: Styles) -> tuple[str, ...]:
    """The runners-up a leaning headline names: only strong ones (docs/playstyle.md: "mostly
    Explorer, with lots of Maker").

    The stored ``secondary`` is every style tied in second place, however low; "lots of" is only
    said of one or two that were picked at least ``STRONG_RUNNER_UP`` of the time. Styles files
    without the "mostly" text (styles 1) name them all, as they always did.
    """
    if result.label is not Label.LEANING or styles.results.mostly is None:
        return result.secondary
    scores = {score.style: score.fraction for score in result.scores}
    strong = all(scores.get(style, Fraction(0)) >= STRONG_RUNNER_UP for style in result.secondary)
    return result.secondary if strong and len(result.secondary) <= MAX_RUNNERS_UP else ()


def headline_names(result: Result, styles: Styles, catalog: Catalog) -> tuple[str, ...]:
    """The headline's style names with their emoji, as the headline writes them.

    A clear result names the style in full ("Joker & team player 😄", as its "You're a ..."
    line); the others use the short names of the bars ("Joker 😄"). "Why this result?" uses these,
    so it never names a style differently from the card.
    """
    if result.label is Label.CLEAR:
        info = styles.info(result.primary[0])
        return (f"{translate(info.name, catalog)} {info.emoji}",)
    return tuple(style_label(styles, style, catalog) for style in result.primary)


def headline(result: Result, styles: Styles, catalog: Catalog) -> str:
    """The result in one line: clear, leaning, double style, all-rounder, or "a few more"."""
    texts = styles.results
    if result.label is Label.INCOMPLETE:
        return translate(texts.incomplete, catalog)
    if result.label is Label.ALL_ROUNDER:
        return translate(texts.all_rounder, catalog)
    if result.label is Label.CLEAR:
        return translate(styles.info(result.primary[0]).you_are, catalog)
    if result.label is Label.LEANING:
        top = style_label(styles, result.primary[0], catalog)
        runners_up = named_runners_up(result, styles)
        if not runners_up and texts.mostly is not None:
            return render(texts.mostly, catalog, top=top)
        second = [style_label(styles, style, catalog) for style in runners_up]
        return render(texts.leaning, catalog, top=top, second=join_names(second, styles, catalog))
    names = "-".join(translate(styles.info(style).short_name, catalog) for style in result.primary)
    emoji = "".join(styles.info(style).emoji for style in result.primary)
    return render(texts.double, catalog, styles=f"{names} {emoji}")


def bar(pct: float, *, cells: int = BAR_CELLS) -> str:
    """A text bar like 🟩🟩🟩⬜⬜ for 0..1 (rounded to the nearest cell)."""
    filled = max(0, min(cells, round(pct * cells)))
    return FULL_CELL * filled + EMPTY_CELL * (cells - filled)


def bars(result: Result, styles: Styles, catalog: Catalog) -> tuple[str, ...]:
    """One line per style in the styles file's order: "🧭 Explorer 🟩🟩🟩⬜⬜"."""
    by_style = result.pct_by_style()
    return tuple(
        f"{info.emoji} {translate(info.short_name, catalog)} {bar(by_style.get(info.key, 0.0))}"
        for info in styles.styles
    )


def idea(suggestion: Suggestion, catalogue: Catalogue, catalog: Catalog) -> tuple[str, ...]:
    """The lines of one idea: title, how-to, time, materials, company mark, safety tip."""
    activity = suggestion.activity
    texts = catalogue.texts
    lines = [
        translate(activity.title, catalog),
        translate(activity.how_to, catalog),
        render(texts.minutes, catalog, minutes=str(activity.duration)),
    ]
    if activity.materials is not None:
        materials = translate(activity.materials, catalog)
        lines.append(render(texts.materials, catalog, materials=materials))
    if suggestion.with_grown_up:
        lines.append(translate(texts.grown_up, catalog))
    elif suggestion.together:
        lines.append(translate(texts.together, catalog))
    if activity.safety_tip is not None:
        lines.append(render(texts.safety, catalog, tip=translate(activity.safety_tip, catalog)))
    return tuple(lines)
