"""The bot's conversations, assembled: every flow and every command, in menu order."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.assessment.content import AssessmentContent
from dialogs.assessment.flow import AssessmentFlow
from dialogs.assessment.loader import load_content
from dialogs.common.flow import DESCRIPTIONS, LanguageFlow, cancel, help_command
from dialogs.context import Audience, CommandHandler, CommandSpec, Context, Flow
from dialogs.engine import DeliveryHook, Gate, GroupReply
from dialogs.organisations.flow import OrganisationFlow
from dialogs.privacy.edit import EditFlow
from dialogs.privacy.flow import PrivacyFlow
from dialogs.registration.flow import RegistrationFlow
from dialogs.registration.move import MoveFlow
from dialogs.requests.flow import RequestsFlow
from storage.people import Profile


@dataclass(frozen=True, slots=True)
class Dialogs:
    """Flows and commands handed to the engine."""

    flows: tuple[Flow, ...]
    commands: tuple[CommandSpec, ...]
    gate: Gate
    group_reply: GroupReply
    delivery_hook: DeliveryHook
    offer_help: CommandHandler
    requests: RequestsFlow
    """For the reminder job."""


def build_dialogs(
    content: AssessmentContent | None = None,
    *,
    stats_k: int = 10,
    privacy_contact: str = "privacy@example.org",
    admin_chat_id: int | None = None,
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
    privacy = PrivacyFlow(contact=privacy_contact, bands=content.tiers.bands)
    edit = EditFlow(content.tiers.bands, contact=privacy_contact)
    requests = RequestsFlow(admin_chat_id=admin_chat_id)
    move = MoveFlow()
    for flow in (language, registration, move, assessment, organisations, privacy, edit, requests):
        flows[flow.code] = flow

    def admin(name: str, handler: CommandHandler, audience: Audience) -> CommandSpec:
        return CommandSpec(
            name,
            DESCRIPTIONS[name],
            handler,
            menu=False,
            audience=audience,
            in_admin_chat=audience is Audience.PLATFORM_ADMIN,
        )

    org_admin, platform_admin = Audience.ORG_ADMIN, Audience.PLATFORM_ADMIN
    # Note: order matters. It is the order of Telegram's command menu and of /help.
    commands += [
        CommandSpec("start", DESCRIPTIONS["start"], registration.start),
        CommandSpec(
            "help", DESCRIPTIONS["help"], help_command(lambda: commands), in_admin_chat=True
        ),
        CommandSpec("result", DESCRIPTIONS["result"], assessment.result_command),
        CommandSpec("retake", DESCRIPTIONS["retake"], assessment.retake_command),
        CommandSpec("language", DESCRIPTIONS["language"], language.show),
        CommandSpec("organisations", DESCRIPTIONS["organisations"], organisations.list_command),
        CommandSpec("privacy", DESCRIPTIONS["privacy"], privacy.privacy_command),
        CommandSpec("mydata", DESCRIPTIONS["mydata"], privacy.mydata_command),
        CommandSpec("edit", DESCRIPTIONS["edit"], edit.edit_command),
        CommandSpec("forget", DESCRIPTIONS["forget"], privacy.forget_command),
        CommandSpec("cancel", DESCRIPTIONS["cancel"], cancel),
        admin("invite", organisations.invite_command, org_admin),
        admin("invites", organisations.invites_command, org_admin),
        admin("stats", organisations.stats_command, org_admin),
        admin("export", organisations.export_command, org_admin),
        admin("requests", requests.list_command, platform_admin),
        admin("request", requests.show_command, platform_admin),
        admin("assign", requests.assign_command, platform_admin),
        admin("reply", requests.reply_command, platform_admin),
        admin("done", requests.done_command, platform_admin),
        admin("reject", requests.reject_command, platform_admin),
        admin("extend", requests.extend_command, platform_admin),
        admin("hold", requests.hold_command, platform_admin),
        admin("release", requests.release_command, platform_admin),
        admin("newrequest", requests.new_command, platform_admin),
        admin("neworg", organisations.new_org_command, platform_admin),
        admin("orgadmin", organisations.org_admin_command, platform_admin),
    ]
    return Dialogs(
        flows=tuple(flows.values()),
        commands=tuple(commands),
        gate=privacy.gate,
        group_reply=requests.admin_reply,
        delivery_hook=requests.remember_posts,
        offer_help=requests.suggest,
        requests=requests,
    )
