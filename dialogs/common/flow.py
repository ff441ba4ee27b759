"""Commands that work everywhere: /help, /language, /cancel."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from dialogs.context import (
    Audience,
    Cancellable,
    CommandHandler,
    CommandSpec,
    Context,
    keyboard,
)
from dialogs.i18n import N_, SUPPORTED
from dialogs.payload import Payload
from dialogs.requests.button import ask_person_button

LANGUAGE_NAMES: Final[Mapping[str, str]] = {"nl": "🇳🇱 Nederlands", "en": "🇬🇧 English"}
"""Each language is named in itself, so anyone can find theirs."""


class LanguageFlow:
    """The language picker. Its buttons never go stale, so it can sit beside any other flow."""

    code = "lang"

    async def show(self, ctx: Context, _args: str = "") -> None:
        """/language: one button per language."""
        buttons = [
            ctx.button(LANGUAGE_NAMES[locale], self.code, "set", locale, timeless=True)
            for locale in SUPPORTED
        ]
        ctx.say(ctx._("Which language shall we use?"), keyboard(buttons))

    async def on_button(self, ctx: Context, payload: Payload) -> None:
        if payload.action != "set" or payload.arg not in SUPPORTED:
            ctx.answer(ctx._("Sorry, I can't use that button."))
            return
        account = ctx.account or await ctx.uow.accounts.ensure(ctx.user_id, locale=ctx.locale)
        await ctx.uow.accounts.set_locale(account.id, payload.arg)
        ctx.switch_locale(payload.arg)
        ctx.answer()
        ctx.show(ctx._("Okay! I'll speak English from now on."))
        await ctx.resume_flow()

    async def on_text(self, ctx: Context, text: str) -> None:  # never current: state-less
        await self.show(ctx)

    async def resume(self, ctx: Context) -> None:
        await self.show(ctx)


def help_command(commands: Callable[[], list[CommandSpec]]) -> CommandHandler:
    """/help: what the bot can do, built from the command table so it never goes out of date."""

    async def show_help(ctx: Context, _args: str) -> None:
        lines = [ctx._("<b>Here's what I can do:</b>")]
        for spec in commands():
            if spec.menu and spec.audience is Audience.EVERYONE:
                lines.append(f"/{spec.name} – {ctx._(spec.description)}")
        lines.append("")
        lines.append(ctx._("Use the buttons under my messages to answer."))
        admin = [
            f"/{spec.name} – {ctx._(spec.description)}"
            for spec in commands()
            if spec.audience is not Audience.EVERYONE and await ctx.may_use(spec.audience)
        ]
        if admin:
            lines += ["", ctx._("<b>For admins:</b>"), *admin]
        ctx.say("\n".join(lines), keyboard([ask_person_button(ctx)]))

    return show_help


async def cancel(ctx: Context, _args: str) -> None:
    """/cancel: leave whatever is going on."""
    if ctx.state.flow is None:
        ctx.say(ctx._("There's nothing to stop right now. Tap /help to see what I can do."))
        return
    flow: object = ctx.flows.get(ctx.state.flow)
    if isinstance(flow, Cancellable):
        await flow.cancel(ctx)
        return
    ctx.go(None)
    ctx.new_screen()
    ctx.say(ctx._("Okay, I've stopped. Tap /start to begin again."))


DESCRIPTIONS: Final = {
    "start": N_("Start or continue"),
    "help": N_("What I can do"),
    "result": N_("See my play style again"),
    "retake": N_("Do the quiz again"),
    "language": N_("Nederlands / English"),
    "cancel": N_("Stop what we are doing"),
    "organisations": N_("Organisations that see my data"),
    "privacy": N_("What happens with my data"),
    "mydata": N_("See and download all my data"),
    "edit": N_("Correct my details"),
    "forget": N_("Delete all my data"),
    "requests": N_("Open requests by due date"),
    "request": N_("A request and its messages (/request N)"),
    "assign": N_("Take a request on (/assign N)"),
    "reply": N_("Answer a request (/reply N text)"),
    "done": N_("Close a request (/done N)"),
    "reject": N_("Refuse a request, with a reason (/reject N reason)"),
    "extend": N_("Two more months, with a reason (/extend N reason)"),
    "hold": N_("Legal hold: erasure waits (/hold N reason)"),
    "release": N_("End a hold (/release N)"),
    "newrequest": N_("Register a request that came by e-mail (/newrequest TYPE e-mail text)"),
    "invite": N_("Make an invite link (/invite [code] [30d] [100x] [label])"),
    "invites": N_("List invite links and switch them off"),
    "stats": N_("Anonymous statistics of your organisation"),
    "export": N_("Members' profiles and results (XLSX)"),
    "neworg": N_("New organisation (/neworg CODE Name)"),
    "orgadmin": N_("Add an organisation admin (/orgadmin CODE TELEGRAM_ID)"),
}
