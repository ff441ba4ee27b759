"""Organisation statistics: banding, tabulating, and nothing small ever shown."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.organisations.statistics import age_band, build, csv_rows
from storage.statistics import GroupCount, OrganisationCounts

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
        table_total = form.table.grand_total
        if table_total is not None and form.tier_counts.total is not None:
            assert table_total == form.tier_counts.total


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
    assert teen.table.grand_total == 27 and teen.bands == ("10-12", "13-16")
    assert stats.completed is None  # 27 + 3: showing 30 would give away the kids' 3
