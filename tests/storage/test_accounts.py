"""The same SQL tests on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from bot.services import Services
from storage.models import AccountRow

TELEGRAM_ID = 987_654_321_012


async def test_account_is_found_by_telegram_id_and_stores_it_encrypted(services: Services) -> None:
    async with services.db.unit_of_work() as uow:
        assert await uow.accounts.by_telegram(TELEGRAM_ID) is None
        created = await uow.accounts.ensure(TELEGRAM_ID)
        await uow.commit()
    async with services.db.unit_of_work() as uow:
        found = await uow.accounts.by_telegram(TELEGRAM_ID)
        assert found == created
        assert await uow.accounts.ensure(TELEGRAM_ID) == created
        assert await uow.accounts.telegram_id(created.id) == TELEGRAM_ID
    async with services.db.sessions() as session:
        row = (await session.scalars(select(AccountRow))).one()
        assert str(TELEGRAM_ID).encode() not in row.tg_id_enc
        assert str(TELEGRAM_ID).encode() not in row.tg_index


async def test_locale_is_kept(services: Services) -> None:
    async with services.db.unit_of_work() as uow:
        account = await uow.accounts.ensure(TELEGRAM_ID)
        await uow.accounts.set_locale(account.id, "en")
        await uow.commit()
    async with services.db.unit_of_work() as uow:
        found = await uow.accounts.by_telegram(TELEGRAM_ID)
        assert found is not None and found.locale == "en"


async def test_nothing_is_kept_without_commit(services: Services) -> None:
    async with services.db.unit_of_work() as uow:
        await uow.accounts.ensure(TELEGRAM_ID)
    async with services.db.unit_of_work() as uow:
        assert await uow.accounts.by_telegram(TELEGRAM_ID) is None
