"""The bot's conversations, assembled: every flow and every command, in menu order."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.assessment.content import AssessmentContent
from dialogs.assessment.flow import AssessmentFlow
from dialogs.assessment.loader import load_content
from dialogs.common.flow import DESCRIPTIONS, LanguageFlow, cancel, help_command
from dialogs.context import Audience, CommandSpec, Context, Flow
from dialogs.engine import Gate
from dialogs.organisations.flow import OrganisationFlow
from dialogs.privacy.edit import EditFlow
from dialogs.privacy.flow import RETENTION, PrivacyFlow
from dialogs.registration.flow import RegistrationFlow
from storage.people import Profile


@dataclass(frozen=True, slots=True)
class Dialogs:
    """Flows and commands handed to the engine."""

    flows: tuple[Flow, ...]
    commands: tuple[CommandSpec, ...]
    gate: Gate


def build_dialogs(
    content: AssessmentContent | None = None,
    *,
    stats_k: int = 10,
    privacy_contact: str = "privacy@example.org",
) -> Dialogs:
    """Wire the flows together; the engine gets the result."""
    content = content or load_content()
    flows: dict[str, Flow] = {}
    commands: list[CommandSpec] = []
    language = LanguageFlow()
    assessment = AssessmentFlow(content)
    organisations = OrganisationFlow(content, k=stats_k)

    async def signed_up(ctx: Context, person: Profile) -> None:
        # An invite opened before signing up comes first; then the quiz.
        own = await ctx.uow.people.own(person.account_id)
        if own is None or not await organisations.offer(ctx, own):
            await assessment.ready(ctx, person)

    registration = RegistrationFlow(
        bands=content.tiers.bands,
        home=assessment.home,
        ready=signed_up,
        invite=organisations.open_invite,
    )
    privacy = PrivacyFlow(contact=privacy_contact, retention=RETENTION)
    edit = EditFlow(content.tiers.bands)
    for flow in (language, registration, assessment, organisations, privacy, edit):
        flows[flow.code] = flow
    # Note: order matters. It is the order of Telegram's command menu and of /help.
    commands += [
        CommandSpec("start", DESCRIPTIONS["start"], registration.start),
        CommandSpec("help", DESCRIPTIONS["help"], help_command(lambda: commands)),
        CommandSpec("result", DESCRIPTIONS["result"], assessment.result_command),
        CommandSpec("retake", DESCRIPTIONS["retake"], assessment.retake_command),
        CommandSpec("language", DESCRIPTIONS["language"], language.show),
        CommandSpec("organisations", DESCRIPTIONS["organisations"], organisations.list_command),
        CommandSpec("privacy", DESCRIPTIONS["privacy"], privacy.privacy_command),
        CommandSpec("mydata", DESCRIPTIONS["mydata"], privacy.mydata_command),
        CommandSpec("edit", DESCRIPTIONS["edit"], edit.edit_command),
        CommandSpec("forget", DESCRIPTIONS["forget"], privacy.forget_command),
        CommandSpec("cancel", DESCRIPTIONS["cancel"], cancel),
        CommandSpec(
            "invite",
            DESCRIPTIONS["invite"],
            organisations.invite_command,
            menu=False,
            audience=Audience.ORG_ADMIN,
        ),
        CommandSpec(
            "invites",
            DESCRIPTIONS["invites"],
            organisations.invites_command,
            menu=False,
            audience=Audience.ORG_ADMIN,
        ),
        CommandSpec(
            "stats",
            DESCRIPTIONS["stats"],
            organisations.stats_command,
            menu=False,
            audience=Audience.ORG_ADMIN,
        ),
        CommandSpec(
            "export",
            DESCRIPTIONS["export"],
            organisations.export_command,
            menu=False,
            audience=Audience.ORG_ADMIN,
        ),
        CommandSpec(
            "neworg",
            DESCRIPTIONS["neworg"],
            organisations.new_org_command,
            menu=False,
            audience=Audience.PLATFORM_ADMIN,
        ),
        CommandSpec(
            "orgadmin",
            DESCRIPTIONS["orgadmin"],
            organisations.org_admin_command,
            menu=False,
            audience=Audience.PLATFORM_ADMIN,
        ),
    ]
    return Dialogs(flows=tuple(flows.values()), commands=tuple(commands), gate=privacy.gate)
