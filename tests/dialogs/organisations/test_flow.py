"""Organisations in the chat: invites, consent, withdrawal, admin commands and the role matrix."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import openpyxl
import pytest

from bot.config import Settings
from bot.services import Services, build_services
from dialogs.effects import SendDocument, SendPhoto
from dialogs.organisations import consent as org_consent
from storage.audit import Outcome
from storage.consents import ConsentScope, GivenBy, Method
from storage.links import LinkProblem
from storage.models import ProfileStatus
from tests.chat import ChatDriver

PLATFORM = 9_000_001
ADMIN_A = 9_000_002
ADMIN_B = 9_000_003
LINK = re.compile(r"https://t\.me/playbot\?start=([A-Za-z0-9_-]{1,64})")


@pytest.fixture
async def bot(make_settings: Callable[..., Settings]) -> AsyncIterator[Services]:
    services = await build_services(make_settings(admin_ids=frozenset({PLATFORM})))
    yield services
    await services.close()


async def setup_orgs(bot: Services) -> tuple[ChatDriver, ChatDriver, ChatDriver]:
    platform = ChatDriver(bot.engine, user_id=PLATFORM, language_code="en")
    await platform.send("/neworg school-a De Regenboog")
    assert "Organisation De Regenboog made, code school-a" in platform.last_text
    await platform.send("/neworg club-b Voetbalclub B")
    await platform.send(f"/orgadmin school-a {ADMIN_A}")
    await platform.send(f"/orgadmin club-b {ADMIN_B}")
    assert platform.last_text == "Done: they are now an admin of Voetbalclub B."
    return (
        platform,
        ChatDriver(bot.engine, user_id=ADMIN_A, language_code="en"),
        ChatDriver(bot.engine, user_id=ADMIN_B, language_code="en"),
    )


async def new_link(admin: ChatDriver, args: str = "") -> str:
    await admin.send(f"/invite {args}".strip())
    match = LINK.search(admin.last_text)
    assert match is not None, admin.last_text
    return match.group(1)


async def sign_up_teen(chat: ChatDriver, name: str = "Zoë") -> None:
    await chat.press("young person")
    await chat.send(name)
    await chat.press("16")
    await chat.send(f"{name.lower()}@example.nl")
    await chat.send("de Vries")
    await chat.send("Dorpsstraat 12, Utrecht")
    await chat.press("2 to 4")
    await chat.press("Yes, sign me up")


async def consents_of(bot: Services, user_id: int) -> list[tuple[str, str, str, str, bool]]:
    async with bot.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(user_id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        people = [own] + await uow.people.children(own.id)
        out = []
        for person in people:
            for c in await uow.consents.for_person(person.id):
                if c.scope is ConsentScope.ORGANISATION:
                    org = await uow.organisations.get(c.organisation_id)  # type: ignore[arg-type]
                    out.append(
                        (
                            person.nickname or "",
                            org.code,
                            c.given_by.value,
                            c.policy_version,
                            c.withdrawn_at is None,
                        )
                    )
        return out


async def invite_uses(bot: Services, code: str) -> list[int]:
    async with bot.db.unit_of_work() as uow:
        org = await uow.organisations.by_code(code)
        assert org is not None
        return [i.uses for i in await uow.organisations.invites(org.id)]


async def test_new_person_signs_up_through_an_invite_and_consents(bot: Services) -> None:
    _, admin_a, _ = await setup_orgs(bot)
    token = await new_link(admin_a, "30d 100x Class 5")
    assert "Works until" in admin_a.last_text and "Up to 100 people" in admin_a.last_text
    zoe = ChatDriver(bot.engine, user_id=5_100_001, language_code="en")
    await zoe.send(f"/start {token}")
    assert "De Regenboog invited you! First let's sign you up." in zoe.texts()[-2]
    await sign_up_teen(zoe)
    assert "De Regenboog</b> would like to see quiz results" in zoe.last_text
    assert "Not the answers to the questions." in zoe.last_text
    await zoe.press("✅ Yes")
    assert zoe.last_text == "✅ You're linked to De Regenboog."  # she reads about herself
    labels = [b.text for row in zoe.mine()[-1].keyboard or () for b in row]
    assert labels == ["▶️ Start the quiz"]  # no dead end: the quiz comes next
    assert await consents_of(bot, zoe.user.id) == [("Zoë", "school-a", "self", "1.0", True)]
    assert await invite_uses(bot, "school-a") == [1]
    await zoe.send(f"/start {token}")  # the same link again: no harm, nothing counted twice
    await zoe.press("✅ Yes")
    assert zoe.last_text == "You were already linked to De Regenboog. ✅"
    assert await invite_uses(bot, "school-a") == [1]
    assert len(await consents_of(bot, zoe.user.id)) == 1


async def test_forget_leaves_no_message_that_names_the_person(bot: Services) -> None:
    """Whatever the flows marked, a message that names the person goes with /forget."""
    _, admin_a, _ = await setup_orgs(bot)
    token = await new_link(admin_a)
    zoe = ChatDriver(bot.engine, user_id=5_100_009, language_code="en")
    await zoe.send(f"/start {token}")
    await sign_up_teen(zoe, name="Zorblaxia")
    await zoe.press("✅ Yes")
    await zoe.send("/organisations")
    await zoe.send("/start")  # "Welcome back, Zorblaxia!": no flow marks that one itself
    assert sum("Zorblaxia" in text for text in zoe.texts()) >= 3
    await zoe.send("/forget")
    await zoe.press("Yes, delete everything")
    assert zoe.last_text.startswith("🗑️ Done.")
    assert [t for t in zoe.texts() if "Zorblaxia" in t or "zorblaxia" in t] == []


async def test_no_is_respected(bot: Services) -> None:
    _, admin_a, _ = await setup_orgs(bot)
    token = await new_link(admin_a)
    zoe = ChatDriver(bot.engine, user_id=5_100_002, language_code="en")
    await zoe.send("/start")
    await sign_up_teen(zoe)
    await zoe.send(f"/start {token}")
    await zoe.press("No, thanks")
    assert zoe.last_text == "Okay! De Regenboog won't see anything about you."
    assert await consents_of(bot, zoe.user.id) == []
    await zoe.press("Start the quiz")  # no dead end: the quiz comes next
    assert "Question 1 of" in zoe.last_text
    await zoe.send("/start")
    assert "would like to see" not in zoe.last_text  # not asked again without the link


@pytest.mark.parametrize("problem", ["forged", "revoked", "used_up", "expired"])
async def test_bad_invites_get_a_friendly_message_and_the_normal_start(
    bot: Services, problem: str
) -> None:
    _, admin_a, _ = await setup_orgs(bot)
    token = await new_link(admin_a, "1x" if problem == "used_up" else "1d")
    if problem == "forged":
        token = "x" * 22
    elif problem == "revoked":
        await admin_a.send("/invites")
        await admin_a.press("Switch off 1")
        assert "switched off" in admin_a.last_text
    elif problem == "used_up":
        first = ChatDriver(bot.engine, user_id=5_100_010, language_code="en")
        await first.send("/start")
        await sign_up_teen(first, "Anna")
        await first.send(f"/start {token}")
        await first.press("✅ Yes")
    else:
        real = bot.engine.clock
        bot.engine.clock = lambda: real() + timedelta(days=2)
    late = ChatDriver(bot.engine, user_id=5_100_011, language_code="en")
    await late.send(f"/start {token}")
    assert late.texts()[-2].startswith("That invite link doesn't work (any more).")
    assert "<b>Who is chatting?</b>" in late.last_text
    await admin_a.send("/invites")  # the admin sees why
    state = {"forged": "active until", "revoked": "switched off"}.get(problem, problem)
    assert f" joined, {state.replace('_', ' ')}" in admin_a.last_text, admin_a.last_text


async def test_platform_admin_mistakes_are_explained(bot: Services) -> None:
    platform, _, _ = await setup_orgs(bot)
    await platform.send("/orgadmin nope 5")
    assert platform.last_text == "There is no organisation with the code nope. /neworg makes one."
    await platform.send("/orgadmin school-a someone")
    assert platform.last_text == "Usage: /orgadmin CODE TELEGRAM_ID"


async def test_a_member_may_change_their_mind_about_stopping(bot: Services) -> None:
    _, admin_a, _ = await setup_orgs(bot)
    zoe = ChatDriver(bot.engine, user_id=5_100_012, language_code="en")
    await zoe.send(f"/start {await new_link(admin_a)}")
    await sign_up_teen(zoe)
    await zoe.press("✅ Yes")
    await zoe.send("/organisations")
    await zoe.press("Stop De Regenboog")
    await zoe.press("No, keep sharing")
    assert zoe.last_text == "Okay, nothing changes. /organisations shows who sees what."
    assert [c[-1] for c in await consents_of(bot, zoe.user.id)] == [True]


async def test_parent_links_one_child(bot: Services) -> None:
    _, admin_a, _ = await setup_orgs(bot)
    token = await new_link(admin_a)
    parent = ChatDriver(bot.engine, user_id=5_100_020, language_code="en")
    await parent.sign_up_as_parent()
    for name, age in (("Tim", "8"), ("Mila", "11")):
        await parent.press("Add")
        await parent.send(name)
        await parent.press(age)
        await parent.press("Same as mine")
        await parent.press("Less than 1 hour")
        await parent.press("Add my child")
    await parent.send(f"/start {token}")
    assert "Which of your children may De Regenboog see?" in parent.last_text
    await parent.press("Yes for Mila")
    assert await consents_of(bot, parent.user.id) == [("Mila", "school-a", "parent", "1.0", True)]


async def test_under_16_needs_the_parents_yes_by_email(bot: Services) -> None:
    _, admin_a, _ = await setup_orgs(bot)
    token = await new_link(admin_a)
    sam = ChatDriver(bot.engine, user_id=5_100_030, language_code="en")
    await sam.send("/start")
    await sam.press("young person")
    await sam.send("Sam")
    await sam.press("12")
    await sam.send("parent@example.nl")
    await sam.press("Yes, send it")
    async with bot.db.unit_of_work() as uow:  # the parent said yes to the registration
        account = await uow.accounts.by_telegram(sam.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        await uow.consents.give(
            person_id=own.id,
            scope=ConsentScope.SERVICE,
            given_by=GivenBy.PARENT,
            method=Method.EMAIL,
            policy_version="1.0",
            now=bot.engine.clock(),
        )
        await uow.people.set_status(own.id, ProfileStatus.ACTIVE, now=bot.engine.clock())
        await uow.commit()
    await sam.send(f"/start {token}")
    assert "You're under 16, so your parent decides" in sam.last_text
    assert not any("✅ Yes" in b.text for r in sam.messenger.last.keyboard or () for b in r)
    await sam.press("Ask my parent")
    assert await consents_of(bot, sam.user.id) == []
    async with bot.db.unit_of_work() as uow:  # read the mailed link, as the parent would
        queued = await uow.outbox.claim_due(
            now=bot.engine.clock(), limit=10, lease=timedelta(minutes=1)
        )
        await uow.commit()
    [mail] = [q.mail for q in queued if q.purpose == "org_consent"]
    assert mail.subject == "May Sam share with De Regenboog?"
    link = re.search(r"/consent/([A-Za-z0-9_-]+)", mail.text)
    assert link is not None
    async with bot.db.unit_of_work() as uow:  # the parent's yes, as the web page records it
        answered = await org_consent.answer(
            uow,
            link.group(1),
            approve=True,
            now=bot.engine.clock(),
            settings=bot.engine.settings,
            translator=bot.translator,
        )
        await uow.commit()
    assert not isinstance(answered, LinkProblem) and answered.approved
    assert await consents_of(bot, sam.user.id) == [("Sam", "school-a", "parent", "1.0", True)]
    assert await invite_uses(bot, "school-a") == [1]


async def test_withdrawal_ends_access_at_once_and_tells_the_admins(bot: Services) -> None:
    _, admin_a, _ = await setup_orgs(bot)
    token = await new_link(admin_a)
    zoe = ChatDriver(bot.engine, user_id=5_100_040, language_code="en")
    await zoe.send(f"/start {token}")
    await sign_up_teen(zoe)
    await zoe.press("✅ Yes")
    effects = await admin_a.send("/export")
    [document] = [e for e in effects if isinstance(e, SendDocument)]
    sheet = openpyxl.load_workbook(io.BytesIO(document.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:5] == ("Zoë", "de Vries", 16, "zoë@example.nl", "Dorpsstraat 12, Utrecht")
    await zoe.send("/organisations")
    assert "De Regenboog: Zoë" in zoe.last_text
    await zoe.press("Stop De Regenboog")
    effects = await zoe.press("Yes, stop")
    assert zoe.last_text == "Done: De Regenboog no longer sees your data."
    told = [e for e in effects if getattr(e, "chat_id", None) == ADMIN_A]
    assert [e.text for e in told] == [  # type: ignore[union-attr]
        # Never chosen with /language: the language the admin chats in, not the default (nl).
        "A member left De Regenboog. Their data is no longer shared."
    ]
    assert "Zoë" not in told[0].text  # type: ignore[union-attr]
    effects = await admin_a.send("/export")
    [document] = [e for e in effects if isinstance(e, SendDocument)]
    sheet = openpyxl.load_workbook(io.BytesIO(document.content)).active
    assert sheet is not None and sheet.max_row == 1  # only the header: nobody left to export


ORG_COMMANDS = ["/invite", "/invites", "/stats", "/export"]
PLATFORM_COMMANDS = ["/neworg x-y Test", f"/orgadmin school-a {ADMIN_B}"]


@pytest.mark.parametrize("command", ORG_COMMANDS + PLATFORM_COMMANDS)
async def test_normal_users_are_refused_and_audited(bot: Services, command: str) -> None:
    await setup_orgs(bot)
    someone = ChatDriver(bot.engine, user_id=5_100_050, language_code="en")
    await someone.send("/start")
    await someone.send(command)
    assert someone.last_text == "Sorry, that command is only for admins."
    async with bot.db.unit_of_work() as uow:
        refused = [e for e in await uow.audit.events() if e.outcome is Outcome.REFUSED]
    assert [e.action for e in refused] == [f"command:{command.split()[0][1:]}"]


@pytest.mark.parametrize("command", ORG_COMMANDS)
async def test_an_admin_of_another_organisation_sees_nothing_of_it(
    bot: Services, command: str
) -> None:
    _, _, admin_b = await setup_orgs(bot)
    effects = await admin_b.send(f"{command} school-a")
    assert admin_b.last_text == "Sorry, you're not an admin of that organisation."
    assert not [e for e in effects if isinstance(e, SendDocument | SendPhoto)]
    async with bot.db.unit_of_work() as uow:
        refused = [e for e in await uow.audit.events() if e.outcome is Outcome.REFUSED]
    assert len(refused) == 1 and refused[0].subject and refused[0].subject.startswith("org:")


@pytest.mark.parametrize("command", PLATFORM_COMMANDS)
async def test_organisation_admins_cannot_use_platform_commands(
    bot: Services, command: str
) -> None:
    _, admin_a, _ = await setup_orgs(bot)
    await admin_a.send(command)
    assert admin_a.last_text == "Sorry, that command is only for admins."


async def test_statistics_hide_small_groups(bot: Services) -> None:
    _, admin_a, _ = await setup_orgs(bot)
    token = await new_link(admin_a)
    zoe = ChatDriver(bot.engine, user_id=5_100_060, language_code="en")
    await zoe.send(f"/start {token}")
    await sign_up_teen(zoe)
    await zoe.press("✅ Yes")
    effects = await admin_a.send("/stats")
    [summary] = [t for t in admin_a.texts() if t.startswith("<b>Statistics of De Regenboog")]
    assert "Members: fewer than 10" in summary
    assert "Quizzes finished: 0" in summary
    assert "Not counted: quizzes tapped through very fast" in summary  # why a quiz may be missing
    [csv_file] = [e for e in effects if isinstance(e, SendDocument)]
    content = csv_file.content.decode("utf-8-sig")
    assert "members,,,,hidden" in content
    assert "1" not in [line.rsplit(",", 1)[-1] for line in content.splitlines()]


async def test_help_shows_admin_commands_only_to_admins(bot: Services) -> None:
    platform, admin_a, _ = await setup_orgs(bot)
    someone = ChatDriver(bot.engine, user_id=5_100_070, language_code="en")
    await someone.send("/help")
    assert "For admins" not in someone.last_text
    await admin_a.send("/help")
    assert "/invite" in admin_a.last_text and "/neworg" not in admin_a.last_text
    await platform.send("/help")
    assert "/neworg" in platform.last_text
