"""Small-cell suppression for the anonymous statistics an organisation sees.

The privacy policy promises aggregate counts only, with small groups hidden and "no way to subtract
a hidden cell from a total". An organisation sees a table of counts (play style x age band, say)
with its row totals, column totals and grand total, or a single distribution with its total.
A *line* is one published equation: a row with its total, a column with its total, the row totals
with the grand total, the column totals with the grand total (a distribution has one line).

Rules, in this order:

1. **Primary suppression.** Every cell *and every total* with a count of 1 to k-1 is hidden.
2. **Zeros.** A zero is about nobody, so it is shown. But next to a hidden total it would say what
   a small group is *not* (a row ``0, hidden, 0`` says everyone in that row is in the hidden
   column). So a zero is hidden when a line it lies in has a hidden total, unless another line it
   lies in has a *shown* total of 0 (then it is implied anyway). Nothing else ever hides a zero,
   and complements are never zeros (hiding ``x`` beside a 0 leaves ``x`` in 0..x, little cover).
3. **Complementary suppression.** In a line with exactly one hidden entry, the smallest non-zero
   shown entry of that line is hidden too; rules 2 and 3 are repeated to a fixed point.
4. **Exact check.** Rule 3 is the classic method and it is not enough: combinations of rows and
   columns, and what is known about hidden entries, can still pin a cell, and two small cells
   hidden together give away their small sum. So while :func:`is_safe` fails, one more entry is
   hidden (the smallest that fixes the first failing entry) and rules 2-3 are applied again. This
   ends: with every non-zero entry hidden, every hidden entry can grow without limit (unless a
   *public* entry, below, is kept shown: then :func:`suppress` may give up).

**The guarantee** (what :func:`is_safe` checks and :func:`suppress` always reaches, or refuses).
Consider all tables of non-negative integers that agree with everything shown, where a hidden entry
is at least 1 unless a line it lies in has a hidden total (the attacker knows rule 2: only there
can a hidden entry be 0). Then:

a. no shown cell or total is in 1..k-1 (a public entry is shown as the caller published it);
b. every hidden entry takes at least two different values over those tables;
c. every hidden entry whose true count is in 1..k-1 takes a value of k or more in one of them:
   nobody can prove that a hidden group is small. Hence no sum of hidden entries that can be
   worked out (two small cells that cover each other, say) is in 1..k-1 either: it is constant
   over the tables, and in one of them a small member alone is already k or more (a sum without
   small members is 0 or at least k anyway).

The check is exact, not an estimate. The equations of a table with margins are those of a flow
network (source -> row -> column -> sink -> source), whose matrix is totally unimodular: the range
of an entry over integer tables is every integer between its real minimum and maximum, and those
come from augmenting paths (:func:`feasible_ranges`).

**Numbers published elsewhere.** A total that is also published outside the table (the same
people counted in another table, or as an overall number) is *public*: pass it as ``public``. It
stays shown, it is never chosen as a complement, and the check treats it as known, so the table is
safe together with the other publication. With some totals fixed a safe pattern may not exist
(ten people in four groups: each group is at most seven, whatever is hidden). When :func:`suppress`
has hidden every other non-zero entry and the check still fails, it raises :class:`Unprotectable`
and the caller publishes only the public numbers.

Not covered: an attacker who replays the order in which complements are chosen; and differences
between two publications (this month and last month, a group and its subgroup) that are not passed
as ``public``. Publish one table per group and period, or check the combination as one table.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

DEFAULT_K: Final = 10
"""The smallest group that may be shown (privacy.md: k >= 10 by default, configurable)."""

Entry = tuple[int | None, int | None]
"""A table entry: ``(row, column)`` for a cell, ``(row, None)`` for a row total, ``(None, column)``
for a column total and ``(None, None)`` for the grand total (``None`` means "summed over")."""


class Unprotectable(ValueError):
    """No hiding pattern was found that keeps the guarantee while the public entries stay shown."""


@dataclass(frozen=True, slots=True)
class Range:
    """The values a hidden entry can take given everything shown (every integer in between)."""

    low: int
    high: int | None
    """``None`` when there is no upper bound (nothing shown limits the entry)."""

    @property
    def is_exact(self) -> bool:
        """Whether the entry is pinned to a single value, i.e. disclosed."""
        return self.high == self.low


@dataclass(frozen=True, slots=True)
class ShownTable:
    """A table as it may be published; ``None`` marks a hidden cell or total."""

    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    grand_total: int | None

    def get(self, entry: Entry) -> int | None:
        """The shown value of ``entry`` (see :data:`Entry`)."""
        row, column = entry
        if row is None:
            return self.grand_total if column is None else self.column_totals[column]
        return self.row_totals[row] if column is None else self.cells[row][column]


@dataclass(frozen=True, slots=True)
class ShownDistribution:
    """A single distribution as it may be published; ``None`` marks a hidden count."""

    counts: tuple[int | None, ...]
    total: int | None


# --- tables ----------------------------------------------------------------------------------


def suppress(
    table: Sequence[Sequence[int]], *, k: int = DEFAULT_K, public: Collection[Entry] = ()
) -> ShownTable:
    """Hide small cells and totals, and enough others that none can be worked out again.

    ``public`` names entries that are published elsewhere as well (the grand total, say): they
    are always shown, even when small (the caller's choice), and never hidden as complements.
    Raises :class:`Unprotectable` when no pattern keeps the guarantee with them shown.

    Meant for the small tables a chat can show (up to about 10 x 10): every check is a few
    max-flow runs on a graph with one node per row and column.
    """
    network, entries = _table_network(table)
    unknown = set(public) - set(entries)
    if unknown:
        raise ValueError(f"public entries {sorted(unknown, key=str)} are not in the table")
    fixed = frozenset(i for i, entry in enumerate(entries) if entry in public)
    hidden = _suppress(network, _check_k(k), fixed)
    return _shown_table(table, network, {entries[arc] for arc in hidden})


def feasible_ranges(table: Sequence[Sequence[int]], shown: ShownTable) -> dict[Entry, Range]:
    """For every hidden entry, the exact range an attacker who knows the rules can narrow it to."""
    network, entries = _table_network(table)
    hidden = _hidden_arcs(table, network, entries, shown)
    return {entries[arc]: _range(network, hidden, arc) for arc in sorted(hidden)}


def is_safe(table: Sequence[Sequence[int]], shown: ShownTable, *, k: int = DEFAULT_K) -> bool:
    """Whether ``shown`` keeps the guarantee (b) and (c) of the module docstring for ``table``.

    (a) is not checked here: a caller may show a small count on purpose (k=1 checks only (b)).
    """
    network, entries = _table_network(table)
    hidden = _hidden_arcs(table, network, entries, shown)
    return not _unprotected(network, hidden, _check_k(k))


# --- distributions ---------------------------------------------------------------------------


def suppress_distribution(
    counts: Sequence[int], *, k: int = DEFAULT_K, public_total: bool = False
) -> ShownDistribution:
    """The one-dimensional :func:`suppress`: a distribution and its total.

    ``public_total``: the total is published elsewhere, so it stays shown (see :func:`suppress`;
    raises :class:`Unprotectable` when the counts cannot be protected with it shown).
    """
    network = _distribution_network(counts)
    fixed = frozenset({len(counts)}) if public_total else frozenset()
    hidden = _suppress(network, _check_k(k), fixed)
    total = network.arcs[-1].value
    return ShownDistribution(
        counts=tuple(None if i in hidden else count for i, count in enumerate(counts)),
        total=None if len(counts) in hidden else total,
    )


def distribution_ranges(counts: Sequence[int], shown: ShownDistribution) -> dict[int | None, Range]:
    """For every hidden count (by index; ``None`` is the total), its exact feasible range."""
    network = _distribution_network(counts)
    hidden = _hidden_distribution_arcs(network, shown)
    return {_distribution_key(network, arc): _range(network, hidden, arc) for arc in sorted(hidden)}


def is_distribution_safe(
    counts: Sequence[int], shown: ShownDistribution, *, k: int = DEFAULT_K
) -> bool:
    """The one-dimensional :func:`is_safe`."""
    network = _distribution_network(counts)
    hidden = _hidden_distribution_arcs(network, shown)
    return not _unprotected(network, hidden, _check_k(k))


# --- the network behind both -----------------------------------------------------------------
# Every entry is an arc whose flow is its count; every line (a row and its total, ...) is a node
# where flow is conserved. Hidden arcs are the unknowns, shown arcs are constants.


@dataclass(frozen=True, slots=True)
class _Arc:
    tail: int
    head: int
    value: int
    totals: tuple[int, ...]
    """The arcs that are the totals of the lines this arc lies in (for the zero rule)."""


@dataclass(frozen=True, slots=True)
class _Network:
    node_count: int
    arcs: tuple[_Arc, ...]

    def lines(self) -> Iterable[tuple[int, ...]]:
        """The arcs at each node: the entries of one line, its total among them."""
        for node in range(self.node_count):
            yield tuple(i for i, arc in enumerate(self.arcs) if node in (arc.tail, arc.head))


def _table_network(table: Sequence[Sequence[int]]) -> tuple[_Network, tuple[Entry, ...]]:
    """Nodes: 0 the source (row totals), 1 the sink (column totals), then rows, then columns."""
    rows = [tuple(_check_count(value) for value in row) for row in table]
    if not rows or not rows[0] or any(len(row) != len(rows[0]) for row in rows):
        raise ValueError("a table needs at least one row, one column and rows of equal length")
    n_rows, n_columns = len(rows), len(rows[0])
    row_total = [n_rows * n_columns + i for i in range(n_rows)]
    column_total = [n_rows * n_columns + n_rows + j for j in range(n_columns)]
    grand = n_rows * n_columns + n_rows + n_columns
    arcs: list[_Arc] = []
    entries: list[Entry] = []
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            arcs.append(_Arc(2 + i, 2 + n_rows + j, value, (row_total[i], column_total[j])))
            entries.append((i, j))
    for i, row in enumerate(rows):
        arcs.append(_Arc(0, 2 + i, sum(row), (grand,)))
        entries.append((i, None))
    for j in range(n_columns):
        arcs.append(_Arc(2 + n_rows + j, 1, sum(row[j] for row in rows), (grand,)))
        entries.append((None, j))
    arcs.append(_Arc(1, 0, sum(map(sum, rows)), ()))
    entries.append((None, None))
    return _Network(2 + n_rows + n_columns, tuple(arcs)), tuple(entries)


def _distribution_network(counts: Sequence[int]) -> _Network:
    """Two nodes: every count runs from 0 to 1, the total back from 1 to 0 (the last arc)."""
    values = [_check_count(count) for count in counts]
    if not values:
        raise ValueError("a distribution needs at least one count")
    total = len(values)
    arcs = [_Arc(0, 1, value, (total,)) for value in values]
    return _Network(2, (*arcs, _Arc(1, 0, sum(values), ())))


def _distribution_key(network: _Network, arc: int) -> int | None:
    return None if arc == len(network.arcs) - 1 else arc


def _check_count(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"counts are non-negative integers, not {value!r}")
    return value


def _check_k(k: int) -> int:
    if k < 1:
        raise ValueError(f"k is at least 1, not {k}")
    return k


def _shown_table(
    table: Sequence[Sequence[int]], network: _Network, hidden: set[Entry]
) -> ShownTable:
    n_rows, n_columns = len(table), len(table[0])
    totals = network.arcs[n_rows * n_columns :]

    def show(entry: Entry, value: int) -> int | None:
        return None if entry in hidden else value

    return ShownTable(
        cells=tuple(
            tuple(show((i, j), value) for j, value in enumerate(row)) for i, row in enumerate(table)
        ),
        row_totals=tuple(show((i, None), totals[i].value) for i in range(n_rows)),
        column_totals=tuple(show((None, j), totals[n_rows + j].value) for j in range(n_columns)),
        grand_total=show((None, None), totals[-1].value),
    )


def _hidden_arcs(
    table: Sequence[Sequence[int]],
    network: _Network,
    entries: tuple[Entry, ...],
    shown: ShownTable,
) -> frozenset[int]:
    """The arcs ``shown`` hides, after checking it publishes this table under these rules."""
    n_rows, n_columns = len(table), len(table[0])
    if (
        len(shown.cells) != n_rows
        or any(len(row) != n_columns for row in shown.cells)
        or len(shown.row_totals) != n_rows
        or len(shown.column_totals) != n_columns
    ):
        raise ValueError("the shown table does not have the table's shape")
    return _checked_hidden(network, [shown.get(entry) for entry in entries], names=entries)


def _hidden_distribution_arcs(network: _Network, shown: ShownDistribution) -> frozenset[int]:
    if len(shown.counts) != len(network.arcs) - 1:
        raise ValueError("the shown distribution does not have the distribution's length")
    names = [*range(len(shown.counts)), "total"]
    return _checked_hidden(network, [*shown.counts, shown.total], names=names)


def _checked_hidden(
    network: _Network, values: Sequence[int | None], *, names: Sequence[object]
) -> frozenset[int]:
    hidden = frozenset(i for i, value in enumerate(values) if value is None)
    for i, (arc, value) in enumerate(zip(network.arcs, values, strict=True)):
        if value is not None and value != arc.value:
            raise ValueError(f"{names[i]} is shown as {value}, but the count is {arc.value}")
        if value is None and arc.value < _lower_bound(network, hidden, i):
            # The attacker model assumes such a hidden entry is not 0 (rule 2); hiding it anyway
            # is another publisher's rule, which this check does not model.
            raise ValueError(f"{names[i]} is a zero hidden outside the zero rule")
    return hidden


# --- suppression ---------------------------------------------------------------------------


def _suppress(network: _Network, k: int, fixed: frozenset[int]) -> frozenset[int]:
    """The hidden arcs; ``fixed`` arcs (public) are never hidden."""
    hidden = {i for i, arc in enumerate(network.arcs) if 0 < arc.value < k and i not in fixed}
    while True:
        _close(network, hidden, fixed)
        failing = _unprotected(network, frozenset(hidden), k)
        if not failing:
            return frozenset(hidden)
        hidden.add(_complement_for(network, hidden, failing[0], k, fixed))


def _close(network: _Network, hidden: set[int], fixed: frozenset[int]) -> None:
    """Apply the zero rule and the one-hidden-per-line rule until neither hides anything more."""
    lines = tuple(network.lines())
    changed = True
    while changed:
        changed = False
        for i, arc in enumerate(network.arcs):
            if (
                i not in hidden
                and i not in fixed
                and arc.value == 0
                and _zero_is_hidden(network, hidden, arc)
            ):
                hidden.add(i)
                changed = True
        for line in lines:
            if sum(i in hidden for i in line) == 1:
                candidates = [
                    i
                    for i in line
                    if i not in hidden and i not in fixed and network.arcs[i].value > 0
                ]
                if candidates:
                    hidden.add(min(candidates, key=lambda i: (network.arcs[i].value, i)))
                    changed = True


def _zero_is_hidden(network: _Network, hidden: set[int] | frozenset[int], arc: _Arc) -> bool:
    """Rule 2: a zero next to a hidden total is hidden, unless a shown zero total implies it."""
    shown_zero_total = any(t not in hidden and network.arcs[t].value == 0 for t in arc.totals)
    return any(t in hidden for t in arc.totals) and not shown_zero_total


def _complement_for(
    network: _Network, hidden: set[int], failing: int, k: int, fixed: frozenset[int]
) -> int:
    """The next entry to hide: the smallest whose hiding protects ``failing`` (after rules 2-3).

    When no single entry does, the smallest on one of its lines, to widen its neighbourhood.
    """
    candidates = sorted(
        (
            i
            for i, arc in enumerate(network.arcs)
            if i not in hidden and i not in fixed and arc.value > 0
        ),
        key=lambda i: (network.arcs[i].value, i),
    )
    if not candidates:
        if fixed:  # a public total can pin what nothing else may cover
            raise Unprotectable("no safe pattern with the public entries shown")
        # With every non-zero entry hidden every hidden entry can grow without limit.
        raise AssertionError("an unprotected entry although every non-zero entry is hidden")
    for candidate in candidates:
        trial = {*hidden, candidate}
        _close(network, trial, fixed)
        if _protected(network, frozenset(trial), failing, k):
            return candidate
    ends = (network.arcs[failing].tail, network.arcs[failing].head)
    near = [i for i in candidates if network.arcs[i].tail in ends or network.arcs[i].head in ends]
    return (near or candidates)[0]


# --- the exact check -----------------------------------------------------------------------


def _lower_bound(network: _Network, hidden: frozenset[int], arc: int) -> int:
    """What an attacker knows about a hidden entry: not 0, unless rule 2 may have hidden a 0."""
    return 0 if any(t in hidden for t in network.arcs[arc].totals) else 1


def _unprotected(network: _Network, hidden: frozenset[int], k: int) -> list[int]:
    """The hidden arcs that break the guarantee, in a fixed order."""
    return [arc for arc in sorted(hidden) if not _protected(network, hidden, arc, k)]


def _protected(network: _Network, hidden: frozenset[int], arc: int, k: int) -> bool:
    """(b) the arc takes two values; (c) if it is small, it could also be k or more."""
    if not _can_vary(network, hidden, arc):
        return False
    value = network.arcs[arc].value
    if not 0 < value < k:
        return True
    grow = _max_flow(
        _residual(network, hidden, arc), network.arcs[arc].head, network.arcs[arc].tail
    )
    return grow is None or value + grow >= k


def _residual(network: _Network, hidden: frozenset[int], without: int) -> list[list[int | None]]:
    """Residual capacities between nodes (``None`` for unbounded), leaving out one arc.

    A hidden arc can grow without limit and shrink down to its lower bound; shown arcs are fixed.
    """
    size = network.node_count
    capacity: list[list[int | None]] = [[0] * size for _ in range(size)]
    for i in hidden:
        if i == without:
            continue
        arc = network.arcs[i]
        capacity[arc.tail][arc.head] = None
        slack = arc.value - _lower_bound(network, hidden, i)
        back = capacity[arc.head][arc.tail]
        if slack > 0 and back is not None:
            capacity[arc.head][arc.tail] = back + slack
    return capacity


def _can_vary(network: _Network, hidden: frozenset[int], arc: int) -> bool:
    """Whether ``arc`` takes two values: it lies on a cycle of the residual network."""
    capacity = _residual(network, hidden, arc)
    tail, head = network.arcs[arc].tail, network.arcs[arc].head
    can_grow = _reaches(capacity, head, tail)
    can_shrink = network.arcs[arc].value > _lower_bound(network, hidden, arc) and _reaches(
        capacity, tail, head
    )
    return can_grow or can_shrink


def _range(network: _Network, hidden: frozenset[int], arc: int) -> Range:
    """The exact range of a hidden arc: its value, plus and minus the most flow around it."""
    capacity = _residual(network, hidden, arc)
    tail, head, value = network.arcs[arc].tail, network.arcs[arc].head, network.arcs[arc].value
    grow = _max_flow(capacity, head, tail)
    shrink = _max_flow(capacity, tail, head)
    slack = value - _lower_bound(network, hidden, arc)
    low = value - (slack if shrink is None else min(slack, shrink))
    return Range(low=low, high=None if grow is None else value + grow)


def _reaches(capacity: list[list[int | None]], source: int, target: int) -> bool:
    seen = {source}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        if node == target:
            return True
        for nxt, cap in enumerate(capacity[node]):
            if nxt not in seen and cap != 0:
                seen.add(nxt)
                queue.append(nxt)
    return False


def _max_flow(capacity: list[list[int | None]], source: int, target: int) -> int | None:
    """Edmonds-Karp; ``None`` when a path of unbounded arcs makes the flow unbounded."""
    unbounded: list[list[int | None]] = [
        [None if cap is None else 0 for cap in row] for row in capacity
    ]
    if _reaches(unbounded, source, target):
        return None
    # Without an all-unbounded path every cut has only finite arcs, so this stands in for infinity.
    infinity = 1 + sum(cap for row in capacity for cap in row if cap is not None)
    residual = [[infinity if cap is None else cap for cap in row] for row in capacity]
    flow = 0
    while True:
        parent = _augmenting_path(residual, source, target)
        if parent is None:
            return flow
        path = []
        node = target
        while node != source:
            path.append((parent[node], node))
            node = parent[node]
        push = min(residual[u][v] for u, v in path)
        for u, v in path:
            residual[u][v] -= push
            residual[v][u] += push
        flow += push


def _augmenting_path(residual: list[list[int]], source: int, target: int) -> dict[int, int] | None:
    parent = {source: source}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        for nxt, cap in enumerate(residual[node]):
            if cap > 0 and nxt not in parent:
                parent[nxt] = node
                if nxt == target:
                    return parent
                queue.append(nxt)
    return None
