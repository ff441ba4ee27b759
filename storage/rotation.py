"""Key rotation: re-encrypt every ``*_enc`` cell that is not under the active data key.

Works table by table in batches ordered by id, committing each batch, so an interrupted run loses
nothing and the next run simply finds less to do. Blind indexes do not change (the index key is
stable), so look-ups keep working throughout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.crypto import FieldCipher, key_id_of
from storage.models import Base


def encrypted_columns() -> list[tuple[Table, list[str]]]:
    """Every table with encrypted cells, and those columns."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c.name for c in table.columns if c.name.endswith("_enc")]
        if columns:
            found.append((table, columns))
    return found


@dataclass(frozen=True, slots=True)
class RotationReport:
    """What one run did."""

    rows_seen: int
    cells_rewritten: int


async def rows_to_check(engine: AsyncEngine) -> int:
    """How many rows hold encrypted cells (the length of the progress bar)."""
    total = 0
    async with engine.connect() as conn:
        for table, _ in encrypted_columns():
            total += int(await conn.scalar(select(func.count()).select_from(table)) or 0)
    return total


async def pending_cells(engine: AsyncEngine, cipher: FieldCipher) -> int:
    """Cells not yet under the active key (0: nothing to rotate)."""
    pending = 0
    async with engine.connect() as conn:
        for table, columns in encrypted_columns():
            result = await conn.execute(select(*(table.c[name] for name in columns)))
            for row in result:
                pending += sum(
                    1
                    for blob in row
                    if blob is not None and key_id_of(blob) != cipher.active_key_id
                )
    return pending


async def rotate(
    engine: AsyncEngine,
    cipher: FieldCipher,
    *,
    batch: int = 500,
    progress: Callable[[int], None] = lambda _n: None,
) -> RotationReport:
    """Re-encrypt under the active key; ``progress(n)`` is called after each batch of n rows."""
    seen = rewritten = 0
    for table, columns in encrypted_columns():
        last = None
        while True:
            async with engine.begin() as conn:
                query = select(table.c.id, *(table.c[name] for name in columns)).order_by(
                    table.c.id
                )
                if last is not None:
                    query = query.where(table.c.id > last)
                rows = (await conn.execute(query.limit(batch))).all()
                for row in rows:
                    changes, before = {}, []
                    for name, blob in zip(columns, row[1:], strict=True):
                        if blob is None or key_id_of(blob) == cipher.active_key_id:
                            continue
                        plain = cipher.decrypt(blob, table=table.name, column=name, row_id=row.id)
                        changes[name] = cipher.encrypt(
                            plain, table=table.name, column=name, row_id=row.id
                        )
                        before.append(table.c[name] == blob)
                    if changes:
                        # Compare-and-set: a cell the bot rewrote meanwhile (already under the
                        # active key) is left alone rather than overwritten with an old value.
                        result = await conn.execute(
                            update(table).where(table.c.id == row.id, *before).values(**changes)
                        )
                        rewritten += len(changes) if result.rowcount == 1 else 0
            if not rows:
                break
            last = rows[-1].id
            seen += len(rows)
            progress(len(rows))
    return RotationReport(rows_seen=seen, cells_rewritten=rewritten)
