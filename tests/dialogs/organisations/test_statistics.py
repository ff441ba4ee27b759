"""Organisation statistics: banding, tabulating, and nothing small ever shown."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.organisations.statistics import (
    FormStatistics,
    OrganisationStatistics,
    age_band,
    build,
    csv_rows,
)
from dialogs.organisations.suppression import ShownTable, is_distribution_safe, is_safe
from storage.statistics import GroupCount, OrganisationCounts
from tests.dialogs.organisations.test_suppression import (
    derivable_from_one_line,
    hidden_entries,
    propagate_bounds,
    true_value,
)

STYLES = ("mover", "explorer", "challenger", "maker", "storyteller", "joker")
TIERS = ("starter", "growing", "almost_there", "champion")
BANDS = {"h0_1": "starter", "h1_2": "starter", "h2_4": "growing", "h4_7": "almost_there"}

groups = st.lists(
    st.builds(
        GroupCount,
        questionnaire=st.sampled_from(["teen", "kids"]),
        questionnaire_version=st.sampled_from(["1.0.0", "1.1.0", "2.0.0"]),
        top_style=st.sampled_from([*STYLES, "mixed", None]),
        age=st.integers(6, 16),
        outdoor_band=st.sampled_from([*BANDS, "h7p", None]),
        count=st.integers(1, 30),
    ),
    max_size=25,
)


def published(stats_rows: list[list[str | int | None]]) -> list[int]:
    return [row[-1] for row in stats_rows[1:] if isinstance(row[-1], int)]


@settings(max_examples=60, deadline=None)
@given(groups=groups, k=st.integers(2, 12), members=st.integers(0, 200))
def test_nothing_under_k_is_ever_published(groups: list[GroupCount], k: int, members: int) -> None:
    counts = OrganisationCounts(
        members=members,
        started=members + 3,
        completed=sum(g.count for g in groups),
        groups=groups,
    )
    stats = build(counts, styles=STYLES, tier_of_band=BANDS, tiers=TIERS, k=k)
    numbers = published(csv_rows(stats, hidden="hidden"))
    assert all(n == 0 or n >= k for n in numbers)
    for form in stats.forms:  # each form's tiers cover exactly the people of its table
        if form.table is not None and form.tier_counts is not None:
            assert form.table.grand_total == form.tier_counts.total == form.total


def test_bands_and_forms() -> None:
    assert [age_band(a) for a in (5, 6, 9, 10, 12, 13, 16, 17)] == [
        "6-9",
        "6-9",
        "6-9",
        "10-12",
        "10-12",
        "13-16",
        "13-16",
        "13-16",
    ]
    groups = [
        GroupCount("teen", "1.0.0", "explorer", 12, "h2_4", 15),
        GroupCount("teen", "1.2.0", "mover", 14, "h0_1", 12),
        GroupCount("kids", "1.0.0", "maker", 7, None, 3),
    ]
    counts = OrganisationCounts(members=40, started=45, completed=30, groups=groups)
    stats = build(counts, styles=STYLES, tier_of_band=BANDS, tiers=TIERS, k=10)
    assert [(f.form, f.major) for f in stats.forms] == [("teen", "1")]  # 1.0 and 1.2: one major
    assert stats.hidden_forms == ("kids-1",)
    assert stats.members == 40
    teen = stats.forms[0]
    assert teen.table is not None
    assert teen.table.grand_total == 27 and teen.bands == ("10-12", "13-16")
    assert stats.completed is None  # 27 + 3: showing 30 would give away the kids' 3


# --- the same numbers published twice: a form's total is public ------------------------------

ROWS = (*STYLES, "mixed")
G = GroupCount


def true_form(groups: list[GroupCount], form: FormStatistics) -> tuple[list[list[int]], list[int]]:
    """The unsuppressed table (rows x the form's bands) and tier counts of one published form."""
    table = [[0] * len(form.bands) for _ in ROWS]
    tiers = dict.fromkeys(form.tiers, 0)
    for g in groups:
        if g.top_style is None or (g.questionnaire, g.questionnaire_version[0]) != (
            form.form,
            form.major,
        ):
            continue
        row = ROWS.index(g.top_style if g.top_style in STYLES else "mixed")
        if form.bands:
            table[row][form.bands.index(age_band(g.age))] += g.count
        tier = BANDS.get(g.outdoor_band or "", "unknown")
        if form.tiers:
            tiers[tier] += g.count
    return table, list(tiers.values())


def form_totals_known(stats: OrganisationStatistics) -> list[int | None]:
    """Each form's total as the organisation can work it out from everything published.

    Sources: the table's grand total, the tier counts when all are shown (they add up to it), and
    "finished", the sum over all forms (it gives away the one form total not known otherwise).
    """
    known: list[int | None] = []
    for form in stats.forms:
        sources = {form.total}  # the CSV's total rows
        if form.table is not None and form.table.grand_total is not None:
            sources.add(form.table.grand_total)
        if form.tier_counts is not None and None not in form.tier_counts.counts:
            sources.add(sum(c for c in form.tier_counts.counts if c is not None))
        assert len(sources) == 1, f"{form.form}: two different totals {sources}"
        known.append(sources.pop())
    if stats.completed is not None and known.count(None) == 1:
        missing = known.index(None)
        known[missing] = stats.completed - sum(t for t in known if t is not None)
    return known


def with_grand_total(shown: ShownTable, total: int | None) -> ShownTable:
    if total is None:
        return shown
    return ShownTable(shown.cells, shown.row_totals, shown.column_totals, total)


def assert_nothing_small_derivable(
    stats: OrganisationStatistics, groups: list[GroupCount], k: int
) -> None:
    """The auditor of test_suppression, given every total published elsewhere as well."""
    if stats.hidden_forms:
        assert stats.completed is None  # the sum would give a small form away
    else:
        assert stats.completed == sum(form.total for form in stats.forms)
    for form, known in zip(stats.forms, form_totals_known(stats), strict=True):
        table, tiers = true_form(groups, form)
        assert known == form.total == sum(map(sum, table)) or form.table is None
        if form.table is not None:
            shown = with_grand_total(form.table, known)
            assert shown == form.table, "a total published elsewhere is hidden in the table"
            assert is_safe(table, shown, k=k)
            bounds = propagate_bounds(table, shown)  # an attacker written independently
            assert derivable_from_one_line(table, shown) == []
            for entry in hidden_entries(table, shown):
                low, high = bounds[entry]
                assert low < high, f"{entry} is pinned"
                if 1 <= true_value(table, entry) < k:
                    assert high >= k, f"{entry} is shown to be under {k}"
        if form.tier_counts is not None:
            assert form.tier_counts.total == known == sum(tiers)
            assert is_distribution_safe(tiers, form.tier_counts, k=k)
            hidden = [c for c, s in zip(tiers, form.tier_counts.counts, strict=True) if s is None]
            assert len(hidden) != 1 and not 1 <= sum(hidden) < k


def test_the_finished_count_gives_no_hidden_style_away() -> None:
    # Shown before: row totals 25 + 10 + 11 + 20 = 66 with the grand total hidden, but "finished"
    # said 75 (so did the tiers: 36 + 19 + 20 + 0): the 9 people in the hidden rows, fewer than k.
    groups = [
        G("teen", "1.0.0", "storyteller", 14, "h1_2", 11),
        G("teen", "1.0.0", "challenger", 14, "h4_7", 10),
        G("teen", "1.0.0", "joker", 14, "h1_2", 20),
        G("teen", "1.0.0", "explorer", 11, "h2_4", 3),
        G("teen", "1.0.0", "mover", 11, "h2_4", 15),
        G("teen", "1.0.0", "mover", 14, "h4_7", 10),
        G("teen", "1.0.0", "mixed", 11, "h2_4", 1),
        G("teen", "1.0.0", "mixed", 14, "h1_2", 5),
    ]
    counts = OrganisationCounts(members=90, started=95, completed=75, groups=groups)

    stats = build(counts, styles=STYLES, tier_of_band=BANDS, tiers=TIERS, k=10)

    [teen] = stats.forms
    assert teen.table is not None and stats.completed == 75
    shown_rows = [t for t in teen.table.row_totals if t is not None]
    assert not 1 <= 75 - sum(shown_rows) < 10  # the hidden rows together: 3 + 10 + 6
    assert teen.table.grand_total == teen.total == 75
    assert_nothing_small_derivable(stats, groups, 10)
    rows = csv_rows(stats, hidden="hidden")
    assert ["style_by_age", "teen-1", "total", "total", 75] in rows
    assert ["outdoor_tier", "teen-1", "total", "", 75] in rows


def test_a_breakdown_that_cannot_be_protected_shows_only_the_total() -> None:
    # Twelve people in four styles and four tiers, three each: with 12 shown, each group is at
    # most 12 - 3 = 9 whatever is hidden. So only the 12 is published.
    groups = [
        G("teen", "1.0.0", style, 14, band, 3)
        for style, band in zip(STYLES, ["h0_1", "h2_4", "h4_7", "h7p"], strict=False)
    ]
    counts = OrganisationCounts(members=12, started=12, completed=12, groups=groups)

    stats = build(counts, styles=STYLES, tier_of_band=BANDS, tiers=TIERS, k=10)

    [teen] = stats.forms
    assert (teen.total, teen.table, teen.bands, teen.tier_counts, teen.tiers) == (
        12,
        None,
        (),
        None,
        (),
    )
    assert stats.completed == 12
    assert [row for row in csv_rows(stats, hidden="hidden") if row[1] == "teen-1"] == [
        ["style_by_age", "teen-1", "total", "total", 12],
        ["outdoor_tier", "teen-1", "total", "", 12],
    ]


@settings(max_examples=80, deadline=None)
@given(groups=groups, k=st.integers(2, 12))
def test_no_published_total_lets_anyone_work_out_a_small_group(
    groups: list[GroupCount], k: int
) -> None:
    counts = OrganisationCounts(members=500, started=500, completed=0, groups=groups)

    stats = build(counts, styles=STYLES, tier_of_band=BANDS, tiers=TIERS, k=k)

    assert_nothing_small_derivable(stats, groups, k)


# --- results without a style ------------------------------------------------------------------


def test_results_without_a_style_are_no_finished_quizzes() -> None:
    groups = [
        G("teen", "1.0.0", "mover", 14, "h2_4", 12),
        G("teen", "1.0.0", None, 14, "h2_4", 5),  # too many "not sure": no result
    ]
    counts = OrganisationCounts(members=17, started=17, completed=12, groups=groups)

    stats = build(counts, styles=STYLES, tier_of_band=BANDS, tiers=TIERS, k=10)

    [teen] = stats.forms
    assert stats.completed == 12 and teen.total == 12
    assert teen.table is not None
    assert teen.table.row_totals == (12, 0, 0, 0, 0, 0, 0)  # nobody as "double style"
