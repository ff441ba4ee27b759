from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.organisations.suppression import (
    Entry,
    Range,
    ShownDistribution,
    ShownTable,
    Unprotectable,
    distribution_ranges,
    feasible_ranges,
    is_distribution_safe,
    is_safe,
    suppress,
    suppress_distribution,
)

Table = list[list[int]]

# --- independent models of the attacker, written without the module's flow network ------------


def entries(table: Table) -> list[Entry]:
    n_rows, n_columns = len(table), len(table[0])
    cells: list[Entry] = [(i, j) for i in range(n_rows) for j in range(n_columns)]
    margins: list[Entry] = [(i, None) for i in range(n_rows)]
    margins += [(None, j) for j in range(n_columns)]
    return [*cells, *margins, (None, None)]


def true_value(table: Table, entry: Entry) -> int:
    row, column = entry
    rows = range(len(table)) if row is None else [row]
    columns = range(len(table[0])) if column is None else [column]
    return sum(table[i][j] for i in rows for j in columns)


def lines(table: Table) -> list[tuple[Entry, list[Entry]]]:
    """Every published equation as (total, members)."""
    n_rows, n_columns = len(table), len(table[0])
    result: list[tuple[Entry, list[Entry]]] = []
    result += [((i, None), [(i, j) for j in range(n_columns)]) for i in range(n_rows)]
    result += [((None, j), [(i, j) for i in range(n_rows)]) for j in range(n_columns)]
    result.append(((None, None), [(i, None) for i in range(n_rows)]))
    result.append(((None, None), [(None, j) for j in range(n_columns)]))
    return result


def totals_of(entry: Entry) -> list[Entry]:
    row, column = entry
    if row is not None and column is not None:
        return [(row, None), (None, column)]
    if row is None and column is None:
        return []
    return [(None, None)]


def lower_bound(shown: ShownTable, entry: Entry) -> int:
    """The documented attacker: hidden means >= 1, unless a line of the entry has a hidden total."""
    return 0 if any(shown.get(total) is None for total in totals_of(entry)) else 1


def hidden_entries(table: Table, shown: ShownTable) -> list[Entry]:
    return [entry for entry in entries(table) if shown.get(entry) is None]


def derivable_from_one_line(table: Table, shown: ShownTable) -> list[Entry]:
    """The simple check: a line with exactly one hidden entry gives that entry away."""
    found = []
    for total, members in lines(table):
        hidden = [entry for entry in [total, *members] if shown.get(entry) is None]
        if len(hidden) == 1:
            found.append(hidden[0])
    return found


def propagate_bounds(table: Table, shown: ShownTable) -> dict[Entry, tuple[float, float]]:
    """Interval propagation over every line (sound, not complete): a second attacker."""
    bounds: dict[Entry, tuple[float, float]] = {}
    for entry in entries(table):
        value = shown.get(entry)
        bounds[entry] = (lower_bound(shown, entry), math.inf) if value is None else (value, value)
    changed = True
    while changed:
        changed = False
        for total, members in lines(table):
            low_sum = sum(bounds[m][0] for m in members)
            high_sum = sum(bounds[m][1] for m in members)
            updates = {total: (low_sum, high_sum)}
            for member in members:
                other_low = low_sum - bounds[member][0]
                other_high = (
                    high_sum - bounds[member][1] if bounds[member][1] != math.inf else math.inf
                )
                if other_high == math.inf:
                    other_high = sum(bounds[m][1] for m in members if m != member)
                updates[member] = (bounds[total][0] - other_high, bounds[total][1] - other_low)
            for entry, (low, high) in updates.items():
                old_low, old_high = bounds[entry]
                new = (max(old_low, low), min(old_high, high))
                if new != bounds[entry]:
                    bounds[entry] = new
                    changed = True
    return bounds


def brute_force_values(table: Table, shown: ShownTable, cap: int) -> dict[Entry, set[int]]:
    """Every value each hidden entry takes over all consistent tables with cells up to ``cap``."""
    n_rows, n_columns = len(table), len(table[0])
    hidden = hidden_entries(table, shown)
    hidden_cells = [(i, j) for (i, j) in hidden if i is not None and j is not None]
    grid = [[shown.cells[i][j] for j in range(n_columns)] for i in range(n_rows)]
    found: dict[Entry, set[int]] = {entry: set() for entry in hidden}

    def record() -> None:
        full = [[value or 0 for value in row] for row in grid]
        for entry in entries(table):
            value = true_value(full, entry)
            shown_value = shown.get(entry)
            if shown_value is not None and value != shown_value:
                return
            if shown_value is None and value < lower_bound(shown, entry):
                return
        for entry in hidden:
            found[entry].add(true_value(full, entry))

    def search(index: int) -> None:
        if index == len(hidden_cells):
            record()
            return
        i, j = hidden_cells[index]
        for value in range(cap + 1):
            grid[i][j] = value
            row = [v or 0 for v in grid[i]]
            column = [grid[r][j] or 0 for r in range(n_rows)]
            row_total, column_total = shown.row_totals[i], shown.column_totals[j]
            if row_total is not None and sum(row) > row_total:
                break
            if column_total is not None and sum(column) > column_total:
                break
            if (
                shown.grand_total is not None
                and sum(v or 0 for r in grid for v in r) > shown.grand_total
            ):
                break
            search(index + 1)
        grid[i][j] = None

    search(0)
    return found


# --- strategies ------------------------------------------------------------------------------

counts = st.one_of(st.integers(0, 12), st.integers(0, 40))


@st.composite
def tables(
    draw: st.DrawFn, max_rows: int = 6, max_columns: int = 5, count: st.SearchStrategy[int] = counts
) -> Table:
    n_rows = draw(st.integers(1, max_rows))
    n_columns = draw(st.integers(1, max_columns))
    return [[draw(count) for _ in range(n_columns)] for _ in range(n_rows)]


@st.composite
def published(draw: st.DrawFn) -> tuple[Table, ShownTable]:
    """A tiny table with an arbitrary hiding pattern (not ours) that obeys the zero rule."""
    table = draw(tables(max_rows=2, max_columns=3, count=st.integers(0, 3)))
    hidden = {entry for entry in entries(table) if draw(st.booleans())}
    cells = sorted((e for e in hidden if None not in e), key=str)
    hidden -= set(cells[4:])  # keeps the brute force small
    changed = True
    while changed:  # a zero may only be hidden next to a hidden total
        changed = False
        for entry in list(hidden):
            if true_value(table, entry) == 0 and not any(t in hidden for t in totals_of(entry)):
                hidden.discard(entry)
                changed = True
    return table, make_shown(table, hidden)


def make_shown(table: Table, hidden: set[Entry]) -> ShownTable:
    def show(entry: Entry) -> int | None:
        return None if entry in hidden else true_value(table, entry)

    n_rows, n_columns = len(table), len(table[0])
    return ShownTable(
        cells=tuple(tuple(show((i, j)) for j in range(n_columns)) for i in range(n_rows)),
        row_totals=tuple(show((i, None)) for i in range(n_rows)),
        column_totals=tuple(show((None, j)) for j in range(n_columns)),
        grand_total=show((None, None)),
    )


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(tables(), st.integers(2, 15))
def test_suppressed_tables_are_safe(table: Table, k: int) -> None:
    shown = suppress(table, k=k)

    for entry in entries(table):
        value = shown.get(entry)
        assert value is None or value == true_value(table, entry)
        assert value is None or not 1 <= value < k, f"{entry} = {value} is a small group"
    assert is_safe(table, shown, k=k)
    assert derivable_from_one_line(table, shown) == []
    bounds = propagate_bounds(table, shown)
    ranges = feasible_ranges(table, shown)
    assert set(ranges) == set(hidden_entries(table, shown))
    for entry, exact in ranges.items():
        low, high = bounds[entry]
        assert low < high, f"{entry} is pinned by bound propagation"
        assert not exact.is_exact
        if 1 <= true_value(table, entry) < k:  # nobody can prove the group is small
            assert exact.high is None or exact.high >= k
        assert exact.low <= true_value(table, entry)
        assert exact.high is None or true_value(table, entry) <= exact.high
        assert low <= exact.low and (exact.high is None or exact.high <= high)


@settings(max_examples=300, deadline=None)
@given(tables(), st.integers(2, 15))
def test_zero_rule(table: Table, k: int) -> None:
    shown = suppress(table, k=k)

    for entry in entries(table):
        if true_value(table, entry) != 0:
            continue
        totals = totals_of(entry)
        next_to_hidden = any(shown.get(t) is None for t in totals)
        implied = any(shown.get(t) == 0 for t in totals)
        assert (shown.get(entry) is None) == (next_to_hidden and not implied), entry


@settings(max_examples=150, deadline=None)
@given(published())
def test_feasible_ranges_are_exact(case: tuple[Table, ShownTable]) -> None:
    table, shown = case
    complete = shown.grand_total is not None
    # With the grand total shown no cell exceeds it, so the enumeration sees every table. Without
    # it, one more than the largest cell still finds any second value: moving one unit around a
    # cycle changes each cell by at most 1.
    cap = shown.grand_total if complete else 1 + max(map(max, table))
    assert cap is not None
    values = brute_force_values(table, shown, cap)
    ranges = feasible_ranges(table, shown)

    assert set(ranges) == set(values)
    for entry, found in values.items():
        exact = ranges[entry]
        assert true_value(table, entry) in found
        assert (len(found) >= 2) == (not exact.is_exact)
        assert exact.low <= min(found)
        assert exact.high is None or max(found) <= exact.high
        if complete:  # the exact range, without gaps (total unimodularity)
            assert exact.high is not None
            assert found == set(range(exact.low, exact.high + 1))
    assert is_safe(table, shown, k=1) == all(len(found) >= 2 for found in values.values())
    if complete:
        small_ones_could_be_three = all(
            max(found) >= 3 for entry, found in values.items() if 1 <= true_value(table, entry) < 3
        )
        assert is_safe(table, shown, k=3) == (
            is_safe(table, shown, k=1) and small_ones_could_be_three
        )


@settings(max_examples=300, deadline=None)
@given(st.lists(counts, min_size=1, max_size=8), st.integers(2, 15))
def test_suppressed_distributions_are_safe(values: list[int], k: int) -> None:
    shown = suppress_distribution(values, k=k)

    assert shown.total is None or shown.total == sum(values)
    assert shown.total is None or not 1 <= shown.total < k
    for value, shown_value in zip(values, shown.counts, strict=True):
        assert shown_value is None or (shown_value == value and not 1 <= value < k)
    assert is_distribution_safe(values, shown, k=k)
    hidden = [shown_value is None for shown_value in [*shown.counts, shown.total]]
    assert sum(hidden) != 1
    for index, exact in distribution_ranges(values, shown).items():
        value = sum(values) if index is None else values[index]
        assert not exact.is_exact
        assert not 1 <= value < k or exact.high is None or exact.high >= k


@st.composite
def public_entries(draw: st.DrawFn, table: Table) -> set[Entry]:
    """Totals published elsewhere as well: the grand total, maybe some margins."""
    margins = [e for e in entries(table) if None in e and e != (None, None)]
    return {(None, None), *draw(st.lists(st.sampled_from(margins), max_size=2))}


@settings(max_examples=300, deadline=None)
@given(st.data(), tables(), st.integers(2, 15))
def test_totals_published_elsewhere_stay_shown_and_give_nothing_away(
    data: st.DataObject, table: Table, k: int
) -> None:
    public = data.draw(public_entries(table))
    try:
        shown = suppress(table, k=k, public=public)
    except Unprotectable:
        # Nothing protects it: even hiding every other non-zero entry (and the zeros rule 2
        # hides next to them) leaves one pinned or provably small.
        everything = {e for e in entries(table) if e not in public and true_value(table, e)}
        changed = True
        while changed:
            changed = False
            for entry in entries(table):
                totals = totals_of(entry)
                if (
                    entry not in everything | public
                    and any(t in everything for t in totals)
                    and not any(t not in everything and true_value(table, t) == 0 for t in totals)
                ):
                    everything.add(entry)
                    changed = True
        assert not is_safe(table, make_shown(table, everything), k=k)
        return

    for entry in public:
        assert shown.get(entry) == true_value(table, entry)
    for entry in entries(table):
        value = shown.get(entry)
        assert value is None or value == true_value(table, entry)
        assert value is None or entry in public or not 1 <= value < k
    assert is_safe(table, shown, k=k)
    assert derivable_from_one_line(table, shown) == []
    bounds = propagate_bounds(table, shown)
    for entry in hidden_entries(table, shown):
        low, high = bounds[entry]
        assert low < high, f"{entry} is pinned by bound propagation"
        if 1 <= true_value(table, entry) < k:
            assert high >= k, f"{entry} is shown to be small"


@settings(max_examples=300, deadline=None)
@given(st.lists(counts, min_size=1, max_size=8), st.integers(2, 15))
def test_a_public_distribution_total_stays_shown(values: list[int], k: int) -> None:
    try:
        shown = suppress_distribution(values, k=k, public_total=True)
    except Unprotectable:
        everything = ShownDistribution(
            tuple(None if v else 0 for v in values), sum(values)
        )  # every count hidden: still one pinned or provably small
        assert not is_distribution_safe(values, everything, k=k)
        return

    assert shown.total == sum(values)
    assert is_distribution_safe(values, shown, k=k)
    hidden = [v for v, s in zip(values, shown.counts, strict=True) if s is None]
    assert len(hidden) != 1 and not 1 <= sum(hidden) < k


def test_a_public_grand_total_is_covered_inside_the_table() -> None:
    # Without the grand total, hiding it covers the two small rows (3 and 6). Published elsewhere
    # (as "finished"), it says the hidden rows hold 9: so the table hides a third row instead.
    table = [[25], [3], [10], [0], [11], [20], [6]]
    shown = suppress(table, k=10, public={(None, None)})

    assert shown.grand_total == 75
    hidden_rows = [i for i, total in enumerate(shown.row_totals) if total is None]
    assert sum(table[i][0] for i in hidden_rows) >= 10
    assert is_safe(table, shown)


def test_ten_people_in_four_groups_cannot_be_protected_with_their_total() -> None:
    with pytest.raises(Unprotectable):
        suppress([[3], [3], [3], [3]], k=10, public={(None, None)})
    with pytest.raises(Unprotectable):
        suppress_distribution([3, 3, 3, 3], k=10, public_total=True)
    assert suppress_distribution([3, 3, 3, 3], k=10).total is None  # without it: all hidden


def test_public_entries_must_be_in_the_table() -> None:
    with pytest.raises(ValueError, match="not in the table"):
        suppress([[12, 30]], k=10, public={(0, 2)})


# --- hand-made tables where naive suppression leaks --------------------------------------------


def test_a_small_cell_alone_is_given_away_by_its_total() -> None:
    table = [[3, 40, 50], [20, 30, 40]]
    naive = make_shown(table, {(0, 0)})

    assert not is_safe(table, naive)
    assert feasible_ranges(table, naive) == {(0, 0): Range(3, 3)}

    shown = suppress(table, k=10)
    assert shown.cells[0][0] is None
    assert is_safe(table, shown)


def test_a_complement_in_the_row_only_is_given_away_by_its_column() -> None:
    table = [[3, 40, 50], [20, 30, 40]]
    naive = make_shown(table, {(0, 0), (0, 1)})

    assert derivable_from_one_line(table, naive) == [(0, 0), (0, 1)]  # columns 0 and 1
    assert feasible_ranges(table, naive) == {(0, 0): Range(3, 3), (0, 1): Range(40, 40)}
    assert is_safe(table, suppress(table, k=10))


def test_a_block_of_ones_is_pinned_because_hidden_means_not_zero() -> None:
    # Every row and column has two hidden cells, so the classic check passes. But zeros are shown,
    # so everyone knows the four hidden cells are at least 1, and they add up to 2 per line.
    table = [[1, 1, 30], [1, 1, 30], [30, 30, 30]]
    naive = make_shown(table, {(0, 0), (0, 1), (1, 0), (1, 1)})

    assert derivable_from_one_line(table, naive) == []
    assert all(r == Range(1, 1) for r in feasible_ranges(table, naive).values())
    assert not is_safe(table, naive)

    shown = suppress(table, k=10)
    assert is_safe(table, shown)
    assert feasible_ranges(table, shown)[(0, 0)].high == 30


def test_a_bridge_between_two_blocks_is_given_away_by_rows_minus_columns() -> None:
    # Rows 0-1 minus columns 0-1 leaves exactly cell (0, 2): no single line shows it.
    table = [
        [5, 6, 4, 20],
        [7, 8, 20, 20],
        [20, 20, 5, 6],
        [20, 20, 7, 8],
    ]
    block_a = {(0, 0), (0, 1), (1, 0), (1, 1)}
    block_b = {(2, 2), (2, 3), (3, 2), (3, 3)}
    naive = make_shown(table, block_a | block_b | {(0, 2)})

    assert derivable_from_one_line(table, naive) == []
    ranges = feasible_ranges(table, naive)
    assert ranges[(0, 2)] == Range(4, 4)
    assert ranges[(0, 0)] == Range(1, 10)  # the blocks themselves are fine
    assert not is_safe(table, naive)

    shown = suppress(table, k=10)
    assert is_safe(table, shown)


def test_two_small_cells_do_not_cover_each_other() -> None:
    # Hiding 3 and 5 leaves each with several values (1..7), but their sum, 88 - 80 = 8, says
    # that the two groups together are fewer than 10 children.
    values = [12, 3, 41, 0, 27, 5]
    naive = ShownDistribution((12, None, 41, 0, 27, None), 88)

    assert distribution_ranges(values, naive) == {1: Range(1, 7), 5: Range(1, 7)}
    assert is_distribution_safe(values, naive, k=1)  # the plain "two values" check passes
    assert not is_distribution_safe(values, naive, k=10)

    shown = suppress_distribution(values, k=10)
    assert shown == ShownDistribution((None, None, 41, 0, 27, None), 88)
    assert distribution_ranges(values, shown)[1] == Range(1, 18)


def test_a_small_row_total_is_hidden_with_its_zeros_and_the_grand_total_is_covered() -> None:
    table = [[3, 4, 0], [30, 40, 50]]

    shown = suppress(table, k=10)

    assert shown.row_totals[0] is None
    assert shown.cells[0] == (None, None, None)  # the 0 would say what the small row is not
    assert shown.row_totals[1] is None or shown.grand_total is None
    assert is_safe(table, shown)


def test_a_small_organisation_shows_nothing() -> None:
    table = [[2, 3, 0], [1, 0, 2]]

    shown = suppress(table, k=10)

    assert shown == make_shown(table, set(entries(table)))
    assert is_safe(table, shown)


@pytest.mark.parametrize(
    "table",
    [
        [[0, 12], [15, 0]],
        [[0, 0], [0, 0]],
        [[10]],
        [[10, 0, 25]],
    ],
)
def test_nothing_small_nothing_hidden(table: Table) -> None:
    assert suppress(table, k=10) == make_shown(table, set())


def test_k_of_one_hides_nothing() -> None:
    table = [[1, 2], [3, 0]]
    assert suppress(table, k=1) == make_shown(table, set())


def test_default_k_is_ten() -> None:
    table = [[9, 10], [10, 10]]
    assert suppress(table) == suppress(table, k=10)
    assert suppress(table).cells[0][1] is None or suppress(table).cells[0][0] is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0, 3, 0], ShownDistribution((None, None, None), None)),  # the total is small
        ([0, 3, 20], ShownDistribution((0, None, None), 23)),
        ([12, 15, 0], ShownDistribution((12, 15, 0), 27)),
        ([1, 1, 50], ShownDistribution((None, None, None), 52)),  # 1 + 1 = 2 would pin both
        ([5], ShownDistribution((None,), None)),
        ([15], ShownDistribution((15,), 15)),
        ([0, 0], ShownDistribution((0, 0), 0)),
    ],
)
def test_distributions(values: list[int], expected: ShownDistribution) -> None:
    shown = suppress_distribution(values, k=10)

    assert shown == expected
    assert is_distribution_safe(values, shown)


def test_distribution_ranges_name_the_total_none() -> None:
    values = [0, 3, 20]
    assert distribution_ranges(values, ShownDistribution((0, None, 20), None)) == {
        1: Range(0, None),  # nothing limits a count once its total is hidden
        None: Range(20, None),
    }


def test_a_lone_hidden_count_is_unsafe() -> None:
    assert not is_distribution_safe([0, 3, 20], ShownDistribution((0, None, 20), 23))


@pytest.mark.parametrize(
    ("table", "k", "match"),
    [
        ([], 10, "at least one row"),
        ([[]], 10, "at least one row"),
        ([[1, 2], [3]], 10, "equal length"),
        ([[1, -2]], 10, "non-negative"),
        ([[1, True]], 10, "non-negative"),
        ([[1, 2]], 0, "k is at least 1"),
    ],
)
def test_bad_tables_are_refused(table: Sequence[Sequence[int]], k: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        suppress(table, k=k)


def test_is_safe_refuses_a_shown_table_of_another_table() -> None:
    table = [[3, 40], [20, 30]]
    with pytest.raises(ValueError, match=r"\(0, 1\) is shown as 41"):
        is_safe(table, make_shown([[3, 41], [20, 30]], {(0, 0)}))
    with pytest.raises(ValueError, match="shape"):
        is_safe(table, make_shown([[3, 40, 1], [20, 30, 1]], {(0, 0)}))


def test_is_safe_refuses_a_zero_hidden_outside_the_zero_rule() -> None:
    table = [[0, 40], [20, 30]]
    with pytest.raises(ValueError, match=r"\(0, 0\) is a zero hidden outside the zero rule"):
        is_safe(table, make_shown(table, {(0, 0), (0, 1)}))
