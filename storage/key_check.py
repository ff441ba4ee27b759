"""Do the configured keys belong to this database? Checked at every start.

A process that starts with keys other than the ones the data was written with (a fresh key file
next to a shared PostgreSQL database, a wrong secret, an old key dropped before rotation ended)
would read nothing back, take everyone for a new person, and write data nobody else can read.
A few small queries at start stop it first.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.accounts import telegram_index
from storage.crypto import FieldCipher, key_id_of
from storage.errors import DecryptError
from storage.keys import KeyRing
from storage.models import AccountRow
from storage.rotation import encrypted_columns


async def key_problem(engine: AsyncEngine, keys: KeyRing) -> str | None:
    """What is wrong with ``keys`` for the data in ``engine``, or None when they fit.

    Samples one stored value per encrypted column for its key id, and checks the index key on
    one account (its Telegram id must give the stored look-up hash).
    """
    configured = {key_id for key_id, _ in keys.data_keys}
    foreign: set[str] = set()
    async with engine.connect() as conn:
        for table, columns in encrypted_columns():
            for name in columns:
                column = table.c[name]
                blob = await conn.scalar(select(column).where(column.is_not(None)).limit(1))
                if blob is not None and key_id_of(blob) not in configured:
                    foreign.add(key_id_of(blob))
        if foreign:
            return (
                f"the database holds data encrypted with key {', '.join(sorted(foreign))}, "
                "which is not among the configured keys"
            )
        account = (
            await conn.execute(select(AccountRow.id, AccountRow.tg_id_enc, AccountRow.tg_index))
        ).first()
    if account is None:
        return None
    try:
        telegram_id = FieldCipher(keys).decrypt(
            account.tg_id_enc, table="accounts", column="tg_id_enc", row_id=account.id
        )
    except DecryptError:
        return "the configured data keys cannot read the database"
    if telegram_index(keys, int(telegram_id)) != account.tg_index:
        return "INDEX_KEY is not the one this database was written with"
    return None
