"""The bot's conversations, assembled: every flow and every command, in menu order."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.assessment.content import AssessmentContent
from dialogs.assessment.flow import AssessmentFlow
from dialogs.assessment.loader import load_content
from dialogs.common.flow import DESCRIPTIONS, LanguageFlow, cancel, help_command
from dialogs.context import CommandSpec, Flow
from dialogs.registration.flow import RegistrationFlow


@dataclass(frozen=True, slots=True)
class Dialogs:
    """Flows and commands handed to the engine."""

    flows: tuple[Flow, ...]
    commands: tuple[CommandSpec, ...]


def build_dialogs(content: AssessmentContent | None = None) -> Dialogs:
    """Wire the flows together; the engine gets the result."""
    content = content or load_content()
    flows: dict[str, Flow] = {}
    commands: list[CommandSpec] = []
    language = LanguageFlow()
    assessment = AssessmentFlow(content)
    registration = RegistrationFlow(
        bands=content.tiers.bands, home=assessment.home, ready=assessment.ready
    )
    for flow in (language, registration, assessment):
        flows[flow.code] = flow
    # Note: order matters. It is the order of Telegram's command menu and of /help.
    commands += [
        CommandSpec("start", DESCRIPTIONS["start"], registration.start),
        CommandSpec("help", DESCRIPTIONS["help"], help_command(lambda: commands)),
        CommandSpec("result", DESCRIPTIONS["result"], assessment.result_command),
        CommandSpec("retake", DESCRIPTIONS["retake"], assessment.retake_command),
        CommandSpec("language", DESCRIPTIONS["language"], language.show),
        CommandSpec("cancel", DESCRIPTIONS["cancel"], cancel),
    ]
    return Dialogs(flows=tuple(flows.values()), commands=tuple(commands))
