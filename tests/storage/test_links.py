"""Mailed links: single use, and a link stopped after it was checked cannot be used after all.

The same tests on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from bot.services import Services
from storage.links import Link, LinkProblem
from storage.models import LinkPurpose, Role

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


async def a_person(services: Services) -> uuid.UUID:
    async with services.db.unit_of_work() as uow:
        account = await uow.accounts.ensure(5_900_001)
        person = await uow.people.create(account_id=account.id, role=Role.SELF, step="nickname")
        await uow.commit()
    return person.id


async def test_a_link_revoked_after_it_was_checked_is_not_used(services: Services) -> None:
    """The password page checks the link, hashes for a while, then uses it: an address changed
    in the chat meanwhile must win."""
    person_id = await a_person(services)
    async with services.db.unit_of_work() as uow:
        token = await uow.links.create(
            person_id=person_id,
            purpose=LinkPurpose.PASSWORD,
            locale="en",
            now=NOW,
            valid_for=timedelta(days=1),
        )
        await uow.commit()
    async with services.db.unit_of_work() as page:
        link = await page.links.check(token, LinkPurpose.PASSWORD, now=NOW)
        assert isinstance(link, Link)
        async with services.db.unit_of_work() as chat:  # /edit of the address, committed first
            stopped = await chat.links.revoke(
                link.person_id, LinkPurpose.PASSWORD, because=LinkProblem.CLOSED, now=NOW
            )
            assert stopped == 1
            await chat.commit()
        assert not await page.links.use(link, now=NOW)
    async with services.db.unit_of_work() as uow:
        assert await uow.links.check(token, LinkPurpose.PASSWORD, now=NOW) is LinkProblem.CLOSED


async def test_revoking_counts_only_links_that_still_worked(services: Services) -> None:
    person_id = await a_person(services)
    async with services.db.unit_of_work() as uow:
        for days in (1, 10):  # one made 10 days ago and expired, one still working
            await uow.links.create(
                person_id=person_id,
                purpose=LinkPurpose.ORG_CONSENT,
                locale="en",
                now=NOW - timedelta(days=days),
                valid_for=timedelta(days=7),
            )
        await uow.commit()
    async with services.db.unit_of_work() as uow:
        purpose = LinkPurpose.ORG_CONSENT
        assert await uow.links.revoke(person_id, purpose, because=LinkProblem.CLOSED, now=NOW) == 1
        assert await uow.links.revoke(person_id, purpose, because=LinkProblem.CLOSED) == 0
