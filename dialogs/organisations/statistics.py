"""An organisation's anonymous statistics: grouped counts, banded, with small groups hidden.

What is published, per questionnaire form and major version (never an overall table as well, so
no total can be subtracted from another):

* a table of play style (rows) by age band (columns), with its totals;
* the outdoor-time tiers, as a distribution of the same people.

Above them: how many members, how many sessions were started, how many finished. Every number
goes through ``suppression``: nothing under k is shown, and nothing hidden can be worked out.

A form's total is published three times: as the table's grand total, as the sum of its tiers, and
inside "finished" (the sum of all forms). So it is *public* in both suppressions: always shown
(a form is only published with at least k people), never a complement, and known to the check.
Tables and tiers then meet only in that total, so each is safe on its own and both together.
When a breakdown cannot be protected with its total shown (ten people in four groups: each group
is at most seven), that breakdown is left out and only the total is published.

Results without a play style (too many "not sure" answers) are no finished quizzes here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from dialogs.organisations.suppression import (
    DEFAULT_K,
    ShownDistribution,
    ShownTable,
    Unprotectable,
    suppress,
    suppress_distribution,
)
from storage.statistics import OrganisationCounts

AGE_BANDS: Final = (("6-9", 6, 9), ("10-12", 10, 12), ("13-16", 13, 16))
"""Age bands: the 6-9 form's readers, and two bands for the 10-16 form."""
MIXED: Final = "mixed"
"""Row for double styles and all-rounders."""
UNKNOWN: Final = "unknown"
"""Tier of people who gave no outdoor time (the field was optional or off)."""


def age_band(age: int) -> str:
    """The band an age falls in (ages outside 6-16 go to the nearest band)."""
    for name, low, high in AGE_BANDS:
        if low <= age <= high:
            return name
    return AGE_BANDS[0][0] if age < AGE_BANDS[0][1] else AGE_BANDS[-1][0]


@dataclass(frozen=True, slots=True)
class FormStatistics:
    """One questionnaire form and major version."""

    form: str
    major: str
    total: int
    """How many finished this form: at least k, and always shown."""
    styles: tuple[str, ...]
    """Row labels of ``table``: style keys, then ``mixed``."""
    bands: tuple[str, ...]
    """Column labels of ``table``: age bands (none when the table is left out)."""
    table: ShownTable | None
    """Style by age band, its grand total ``total``; None when only the total can be shown."""
    tiers: tuple[str, ...]
    """Labels of ``tier_counts`` (none when the tiers are left out)."""
    tier_counts: ShownDistribution | None
    """Outdoor-time tiers, their total ``total``; None when only the total can be shown."""


@dataclass(frozen=True, slots=True)
class OrganisationStatistics:
    """Everything an organisation may see about its members, all anonymous."""

    k: int
    members: int | None
    started: int | None
    completed: int | None
    forms: tuple[FormStatistics, ...]
    """Forms with enough people to publish."""
    hidden_forms: tuple[str, ...]
    """Forms with too few people: named, with no numbers."""


def _shown(value: int, k: int) -> int | None:
    return value if value == 0 or value >= k else None


def build(
    counts: OrganisationCounts,
    *,
    styles: Sequence[str],
    tier_of_band: dict[str, str],
    tiers: Sequence[str],
    k: int = DEFAULT_K,
) -> OrganisationStatistics:
    """Band, tabulate and suppress an organisation's grouped counts."""
    by_form: dict[tuple[str, str], list[tuple[str, str, str | None, int]]] = defaultdict(list)
    for group in counts.groups:
        if group.top_style is None:  # no result (too many "not sure"): not a finished quiz
            continue
        major = group.questionnaire_version.split(".")[0]
        style = group.top_style if group.top_style and group.top_style in styles else MIXED
        tier = tier_of_band.get(group.outdoor_band or "")
        by_form[(group.questionnaire, major)].append(
            (style, age_band(group.age), tier, group.count)
        )
    keys = sorted(by_form)
    # A form with fewer than k people is not published at all; then the overall number of
    # finished quizzes is hidden too, or it would give that small form away by subtraction.
    form_totals = [sum(g[3] for g in by_form[key]) for key in keys]
    shown_totals = [total if total >= k else None for total in form_totals]
    completed = sum(form_totals) if None not in shown_totals else None
    rows = (*styles, MIXED)
    forms: list[FormStatistics] = []
    hidden: list[str] = []
    for key, total in zip(keys, shown_totals, strict=True):
        if total is None or total == 0:
            hidden.append(f"{key[0]}-{key[1]}")
            continue
        groups = by_form[key]
        bands = tuple(name for name, _, _ in AGE_BANDS if any(g[1] == name for g in groups))
        table = [[0] * len(bands) for _ in rows]
        # Everyone of the table is in exactly one tier ("unknown" without an answer), so both
        # publications share one total: the form's, which is public (see the module docstring).
        tier_totals = dict.fromkeys((*tiers, UNKNOWN), 0)
        for style, band, tier, count in groups:
            table[rows.index(style)][bands.index(band)] += count
            tier_totals[tier if tier in tier_totals else UNKNOWN] += count
        if not tier_totals[UNKNOWN]:
            del tier_totals[UNKNOWN]
        shown_table: ShownTable | None
        try:
            shown_table = suppress(table, k=k, public=[(None, None)])
        except Unprotectable:
            shown_table, bands = None, ()
        shown_tiers: ShownDistribution | None
        try:
            shown_tiers = suppress_distribution(list(tier_totals.values()), k=k, public_total=True)
        except Unprotectable:
            shown_tiers, tier_totals = None, {}
        forms.append(
            FormStatistics(
                form=key[0],
                major=key[1],
                total=total,
                styles=rows,
                bands=bands,
                table=shown_table,
                tiers=tuple(tier_totals),
                tier_counts=shown_tiers,
            )
        )
    return OrganisationStatistics(
        k=k,
        members=_shown(counts.members, k),
        started=_shown(counts.started, k),
        completed=completed,
        forms=tuple(forms),
        hidden_forms=tuple(hidden),
    )


def csv_rows(stats: OrganisationStatistics, *, hidden: str) -> list[list[str | int | None]]:
    """The statistics as rows for a CSV file: section, form, row, column, count."""
    out: list[list[str | int | None]] = [["section", "form", "row", "column", "count"]]

    def value(number: int | None) -> str | int:
        return hidden if number is None else number

    out.append(["members", "", "", "", value(stats.members)])
    out.append(["started", "", "", "", value(stats.started)])
    out.append(["completed", "", "", "", value(stats.completed)])
    for form in stats.forms:
        name = f"{form.form}-{form.major}"
        table = form.table
        if table is not None:
            for r, style in enumerate(form.styles):
                for c, band in enumerate(form.bands):
                    out.append(["style_by_age", name, style, band, value(table.cells[r][c])])
                out.append(["style_by_age", name, style, "total", value(table.row_totals[r])])
            for c, band in enumerate(form.bands):
                out.append(["style_by_age", name, "total", band, value(table.column_totals[c])])
        out.append(["style_by_age", name, "total", "total", form.total])
        if form.tier_counts is not None:
            for tier, count in zip(form.tiers, form.tier_counts.counts, strict=True):
                out.append(["outdoor_tier", name, tier, "", value(count)])
        out.append(["outdoor_tier", name, "total", "", form.total])
    for name in stats.hidden_forms:
        out.append(["hidden_form", name, "", "", hidden])
    return out
