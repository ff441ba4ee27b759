"""The counts behind /stats, from a real database: a quiz without a result is not finished."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.services import Services, build_services
from dialogs.assessment.scoring import MIXED, Label
from dialogs.organisations.statistics import build
from storage.consents import ConsentScope, GivenBy, Method
from storage.models import Role
from storage.statistics import GroupCount

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
STYLES = ("mover", "explorer", "challenger", "maker", "storyteller", "joker")


@pytest.fixture
async def bot(make_settings: Callable[..., Settings], database_url: str) -> AsyncIterator[Services]:
    services = await build_services(make_settings(database_url=database_url))
    yield services
    await services.close()


async def test_results_without_a_style_are_not_counted_as_finished(bot: Services) -> None:
    # What the quiz stores for each label: the leading style, "mixed", or nothing (incomplete).
    finished = [("mover", Label.CLEAR), (MIXED, Label.DOUBLE), (None, Label.INCOMPLETE)]
    async with bot.db.unit_of_work() as uow:
        org = await uow.organisations.create(name="De Regenboog", code="rb", now=NOW)
        for number, (top_style, label) in enumerate(finished):
            account = await uow.accounts.ensure(7_100_000 + number)
            person = await uow.people.create(account_id=account.id, role=Role.SELF, step="done")
            await uow.consents.give(
                person_id=person.id,
                scope=ConsentScope.ORGANISATION,
                organisation_id=org.id,
                given_by=GivenBy.SELF,
                method=Method.CHAT,
                policy_version="1.0",
                now=NOW,
            )
            session = await uow.assessments.start(
                person_id=person.id,
                questionnaire="teen",
                questionnaire_version="1.0.0",
                key_version="1",
                locale="en",
                seed="00ff",
                age=14,
                outdoor_band="h2_4",
                now=NOW,
            )
            await uow.assessments.complete(
                session.id,
                result={"label": label.value},
                suggestions=[],
                looks_random=False,
                top_style=top_style,
                now=NOW,
            )
        await uow.commit()

    async with bot.db.unit_of_work() as uow:
        counts = await uow.statistics.organisation_counts(org.id)

    assert (counts.members, counts.started, counts.completed) == (3, 3, 2)
    assert sorted(counts.groups, key=lambda g: g.top_style or "") == [
        GroupCount("teen", "1.0.0", MIXED, 14, "h2_4", 1),
        GroupCount("teen", "1.0.0", "mover", 14, "h2_4", 1),
    ]
    stats = build(counts, styles=STYLES, tier_of_band={"h2_4": "growing"}, tiers=["growing"], k=1)
    [teen] = stats.forms
    assert stats.completed == teen.total == 2
    assert teen.table is not None and teen.table.row_totals[-1] == 1  # one double style, not two
