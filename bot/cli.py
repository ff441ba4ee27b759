"""The ``playbot`` command line (typer)."""

from __future__ import annotations

import asyncio
import gc
import os
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import structlog
import typer

from bot.config import ConfigError, Runtime, Settings, load_settings
from bot.lifecycle import new_event_loop, running
from bot.logs import setup_logging
from bot.runtimes.terminal import html_to_plain
from bot.services import Services, build_services, key_file_of, load_keys, open_database
from dialogs.assessment.loader import load_content
from dialogs.assessment.rescoring import rescore
from dialogs.context import CommandHandler, Context
from dialogs.effects import Send
from dialogs.errors import ContentError
from dialogs.events import CommandSent, Incoming, UserRef
from dialogs.i18n import negotiate
from dialogs.organisations.service import (
    OrganisationError,
    add_admin,
    create_organisation,
    invite_link,
    new_invite,
    statistics,
)
from dialogs.organisations.statistics import csv_rows
from dialogs.requests.flow import RequestsFlow
from dialogs.spreadsheets import csv_bytes
from storage import migrate as migrations
from storage.crypto import FieldCipher
from storage.db import session_factory
from storage.files import LocalFiles
from storage.keys import (
    KeyRing,
    format_data_keys,
    format_index_key,
    new_key,
    new_key_id,
)
from storage.organisations import Organisation
from storage.rotation import pending_cells, rotate, rows_to_check
from storage.state import ConversationState
from storage.uow import Database, UnitOfWork

app = typer.Typer(
    name="playbot",
    help="A Telegram bot for a children's play-style assessment that keeps its privacy promises.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
keys_app = typer.Typer(help="Manage encryption keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
log = structlog.get_logger(__name__)
T = TypeVar("T")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line for the operator and exit without a traceback."""
    typer.echo(f"playbot: {message}", err=True)
    return typer.Exit(code)


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        raise fail(str(exc)) from None


class _Refused(Exception):
    """A command that refused before changing anything; the message is for the operator."""


def _run_async(main: Callable[[], Awaitable[T]]) -> T:
    try:
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            return runner.run(main())  # type: ignore[arg-type]
    except ConfigError as exc:
        raise fail(str(exc)) from None
    except _Refused as exc:
        raise fail(str(exc), code=1) from None


def _terminal_language() -> str | None:
    """The terminal's language (``LC_ALL`` or ``LANG``, e.g. ``en_GB``), as Telegram would give
    it; None when unset."""
    language = os.environ.get("LC_ALL") or os.environ.get("LANG") or None
    return language.split(".")[0] if language else None


def _terminal_locale(default: str) -> str:
    """The catalog for texts printed in this terminal."""
    return negotiate(_terminal_language(), default)


def _tune_gc() -> None:
    # Objects built at start-up never die; freezing them and collecting less often cuts the
    # collector's pauses under load (measured: p99 170 ms -> 26-52 ms in docs/perf research).
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


async def _serve(services: Services, runtime: Runtime) -> None:
    """Poll Telegram until SIGTERM or SIGINT."""
    settings = services.settings
    assert settings.bot_token is not None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    token = settings.bot_token.get_secret_value()
    log.info("bot_starting", runtime=runtime.value)
    _tune_gc()
    if runtime is Runtime.PTB:
        from bot.runtimes.ptb_app import run_ptb

        await run_ptb(services, token=token, api_url=settings.telegram_api_url, stop=stop)
    else:
        from bot.runtimes.aiogram_app import run_aiogram

        await run_aiogram(services, token=token, api_url=settings.telegram_api_url, stop=stop)
    log.info("bot_stopped")


async def _chat(services: Services) -> None:
    from bot.runtimes.terminal import run_terminal

    user_id = int(os.environ.get("PLAYBOT_CHAT_USER", "1000"))
    await run_terminal(
        services,
        files=LocalFiles(services.settings.data_dir).chat_dir(services.engine.user_key(user_id)),
        user_id=user_id,
        language_code=_terminal_language(),
    )


async def _with_services(settings: Settings, body: Callable[[Services], Awaitable[None]]) -> None:
    async with running(settings) as services:
        await body(services)


@app.command()
def run(
    runtime: Annotated[
        Runtime | None,
        typer.Option(help="Telegram library to run on (default: BOT_RUNTIME, else aiogram)."),
    ] = None,
) -> None:
    """Run the bot: long polling on Telegram, or the terminal chat when BOT_TOKEN is not set."""
    settings = _settings()
    if settings.bot_token is None:
        setup_logging(settings.log_level, file=settings.data_dir / "logs" / "playbot.log")
        typer.echo("No BOT_TOKEN set: starting the terminal chat.", err=True)
        _run_async(lambda: _with_services(settings, _chat))
        return
    setup_logging(settings.log_level)
    chosen = runtime or settings.bot_runtime
    _run_async(lambda: _with_services(settings, lambda s: _serve(s, chosen)))


@app.command()
def chat() -> None:
    """Chat with the bot in this terminal (no Telegram needed); ends at end of input."""
    settings = _settings()
    setup_logging(settings.log_level, file=settings.data_dir / "logs" / "playbot.log")
    _run_async(lambda: _with_services(settings, _chat))


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (servers; the bot also does this on start)."""
    settings = _settings()
    setup_logging(settings.log_level)

    async def main() -> None:
        engine = await open_database(settings, upgrade=True)
        try:
            typer.echo(f"Database is at revision {await migrations.current_revision(engine)}.")
        finally:
            await engine.dispose()

    _run_async(main)


@keys_app.command("new")
def keys_new() -> None:
    """Print fresh DATA_KEYS and INDEX_KEY values for a new deployment."""
    typer.echo(f"DATA_KEYS={new_key_id()}:{new_key()}")
    typer.echo(f"INDEX_KEY={new_key()}")


@keys_app.command("rotate")
def keys_rotate(
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Rows per transaction.")] = 500,
) -> None:
    """Re-encrypt all personal data under a new key; safe to interrupt and run again.

    With the embedded key file a new key is made first (unless a rotation is still unfinished).
    With DATA_KEYS, put the new key first yourself (`playbot keys new`), keep the old ones, run
    this, then drop the old keys.
    """
    settings = _settings()
    setup_logging("WARNING")

    async def rotate_all() -> None:
        keys = load_keys(settings)
        engine = await open_database(settings, upgrade=settings.auto_migrate)
        try:
            cipher = FieldCipher(keys)
            unfinished = await pending_cells(engine, cipher)
            if not unfinished and settings.data_keys is None:
                keys = KeyRing(
                    data_keys=((new_key_id(), secrets.token_bytes(32)), *keys.data_keys),
                    index_key=keys.index_key,
                )
                key_file = key_file_of(settings)
                key_file.save(format_data_keys(keys.data_keys), format_index_key(keys.index_key))
                cipher = FieldCipher(keys)
                typer.echo(f"New key {keys.active_id} added to {key_file.path}.")
            elif not unfinished:
                typer.echo(
                    f"Everything is already under key {keys.active_id}. To rotate, put a new key "
                    "first in DATA_KEYS (playbot keys new) and run this again."
                )
                return
            total = await rows_to_check(engine)
            label = f"Re-encrypting under {keys.active_id}"
            with typer.progressbar(length=total, label=label) as bar:
                report = await rotate(engine, cipher, batch=batch, progress=bar.update)
            typer.echo(
                f"Done: {report.cells_rewritten} values re-encrypted in {report.rows_seen} rows."
            )
        finally:
            await engine.dispose()

    _run_async(rotate_all)


@app.command("rescore")
def rescore_command(
    key: Annotated[
        str | None,
        typer.Option(help="Scoring key version to use (default: each session's own key)."),
    ] = None,
) -> None:
    """Recompute stored results from the stored answers (e.g. after a scoring-key change)."""
    settings = _settings()
    setup_logging("WARNING")

    async def run_rescore() -> None:
        keys = load_keys(settings)
        engine = await open_database(settings, upgrade=settings.auto_migrate)
        try:
            db = Database(session_factory(engine), FieldCipher(keys), keys)
            try:
                report = await rescore(db, key_version=key)
            except ContentError as exc:
                raise ConfigError(f"scoring key {key!r} cannot be used: {exc}") from None
            typer.echo(
                f"Checked {report.checked} results: {report.changed} changed, "
                f"{report.skipped} skipped (the key does not fit their questions)."
            )
        finally:
            await engine.dispose()

    _run_async(run_rescore)


org_app = typer.Typer(help="Organisations, their admins and invite links.", no_args_is_help=True)
org_admin_app = typer.Typer(help="Organisation admins.", no_args_is_help=True)
org_app.add_typer(org_admin_app, name="admin")
app.add_typer(org_app, name="org")


async def _in_unit_of_work(
    settings: Settings, work: Callable[[UnitOfWork, Services], Awaitable[None]]
) -> None:
    """Run ``work`` in one transaction with the bot's services, committing at the end."""
    services = await build_services(settings)
    try:
        async with services.db.unit_of_work() as uow:
            await work(uow, services)
            await uow.commit()
    finally:
        await services.close()


def _org_command(work: Callable[[UnitOfWork, Services], Awaitable[None]]) -> None:
    settings = _settings()
    setup_logging("WARNING")

    async def run_work() -> None:
        try:
            await _in_unit_of_work(settings, work)
        except OrganisationError as exc:
            raise ConfigError(str(exc)) from None

    _run_async(run_work)


async def _organisation(uow: UnitOfWork, code: str) -> Organisation:
    organisation = await uow.organisations.by_code(code)
    if organisation is None:
        raise OrganisationError(f"no organisation with code {code} (see `playbot org list`)")
    return organisation


@org_app.command("create")
def org_create(code: str, name: str) -> None:
    """Create an organisation (CODE is what admins type in commands)."""

    async def work(uow: UnitOfWork, services: Services) -> None:
        organisation = await create_organisation(
            uow, code=code, name=name, now=services.engine.clock(), actor_id=None
        )
        typer.echo(f"Created {organisation.name} ({organisation.code}).")

    _org_command(work)


@org_app.command("list")
def org_list() -> None:
    """List organisations."""

    async def work(uow: UnitOfWork, services: Services) -> None:
        for organisation in await uow.organisations.all():
            admins = len(await uow.organisations.admins_of(organisation.id))
            members = len(await uow.consents.members(organisation.id))
            typer.echo(
                f"{organisation.code:20} {organisation.name}  admins={admins} members={members}"
            )

    _org_command(work)


@org_admin_app.command("add")
def org_admin_add(code: str, telegram_id: int) -> None:
    """Make a Telegram user an admin of an organisation."""

    async def work(uow: UnitOfWork, services: Services) -> None:
        organisation = await _organisation(uow, code)
        await add_admin(
            uow,
            organisation=organisation,
            telegram_id=telegram_id,
            now=services.engine.clock(),
            actor_id=None,
        )
        typer.echo(f"{telegram_id} is now an admin of {organisation.name}.")

    _org_command(work)


@org_app.command("invite")
def org_invite(
    code: str,
    days: Annotated[int | None, typer.Option(help="Expires after this many days.")] = None,
    uses: Annotated[int | None, typer.Option(help="At most this many people can join.")] = None,
    label: Annotated[str | None, typer.Option(help="A note for the admins, e.g. a class.")] = None,
) -> None:
    """Make an invite link and print it."""

    async def work(uow: UnitOfWork, services: Services) -> None:
        organisation = await _organisation(uow, code)
        invite = await new_invite(
            uow,
            organisation=organisation,
            now=services.engine.clock(),
            days=days,
            uses=uses,
            label=label,
            actor_id=None,
        )
        typer.echo(invite_link(services.engine.settings.bot_username, invite.token))

    _org_command(work)


@org_app.command("invites")
def org_invites(code: str) -> None:
    """List an organisation's invite links with their use counts."""

    async def work(uow: UnitOfWork, services: Services) -> None:
        organisation = await _organisation(uow, code)
        now = services.engine.clock()
        for invite in await uow.organisations.invites(organisation.id):
            state = (
                "revoked" if invite.revoked_at else "active" if invite.usable(now) else "expired"
            )
            limit = f"/{invite.max_uses}" if invite.max_uses else ""
            typer.echo(
                f"{invite.token}  {invite.uses}{limit} joined  {state}  {invite.label or ''}"
            )

    _org_command(work)


@org_app.command("stats")
def org_stats(code: str) -> None:
    """Print an organisation's anonymous statistics as CSV (small groups hidden)."""

    async def work(uow: UnitOfWork, services: Services) -> None:
        organisation = await _organisation(uow, code)
        stats = await statistics(
            uow,
            organisation=organisation,
            content=load_content(),
            k=services.engine.settings.stats_k,
        )
        sys.stdout.write(csv_bytes(csv_rows(stats, hidden="hidden")).decode("utf-8-sig"))

    _org_command(work)


requests_app = typer.Typer(
    help="Requests that need a person (the same as the admin commands in the chat).",
    no_args_is_help=True,
)
app.add_typer(requests_app, name="requests")
CLI_CHAT = 0
"""The "chat" of the command line: what the handlers say to it is printed."""


def _request_command(pick: Callable[[RequestsFlow], CommandHandler], args: str) -> None:
    """Run a request command's chat handler here: its answer is printed, messages to people are
    sent through Telegram when BOT_TOKEN is set."""
    settings = _settings()
    setup_logging("WARNING")

    async def run_handler() -> None:
        services = await build_services(settings)
        try:
            if settings.bot_token is not None:
                from bot.runtimes.aiogram_app import AiogramMessenger, build_bot

                bot = build_bot(settings.bot_token.get_secret_value(), settings.telegram_api_url)
                services.messenger = AiogramMessenger(bot)
            engine = services.engine
            async with services.db.unit_of_work() as uow:
                ctx = Context(
                    incoming=Incoming(None, UserRef(CLI_CHAT), CLI_CHAT, CommandSent("cli")),
                    state=ConversationState(),
                    uow=uow,
                    account=None,
                    translator=services.translator,
                    texts=services.translator.texts(_terminal_locale(settings.default_locale)),
                    codec=engine.codec,
                    settings=engine.settings,
                    now=engine.clock(),
                )
                await pick(services.dialogs.requests)(ctx, args)
                outgoing = [e for e in ctx.effects if getattr(e, "chat_id", None) != CLI_CHAT]
                if outgoing and services.messenger is None:
                    # Saved but never sent would read as done: nothing is kept instead.
                    await uow.rollback()
                    raise _Refused(
                        "Nothing was changed: this step sends a message through Telegram, so it "
                        "needs BOT_TOKEN (set it, or use the command in the chat)."
                    )
                await uow.commit()
            for effect in ctx.effects:
                if isinstance(effect, Send) and effect.chat_id == CLI_CHAT:
                    typer.echo(html_to_plain(effect.text))
            await services.deliver(outgoing)
        finally:
            await services.close()

    _run_async(run_handler)


@requests_app.command("list")
def requests_list() -> None:
    """Open requests, the earliest deadline first."""
    _request_command(lambda r: r.list_command, "")


@requests_app.command("show")
def requests_show(number: int) -> None:
    """One request and its messages."""
    _request_command(lambda r: r.show_command, str(number))


@requests_app.command("done")
def requests_done(number: int) -> None:
    """Close a request."""
    _request_command(lambda r: r.done_command, str(number))


@requests_app.command("reject")
def requests_reject(number: int, reason: str) -> None:
    """Refuse a request; the person gets the reason."""
    _request_command(lambda r: r.reject_command, f"{number} {reason}")


@requests_app.command("extend")
def requests_extend(number: int, reason: str) -> None:
    """Two more months; the person gets the reason (only within the first month)."""
    _request_command(lambda r: r.extend_command, f"{number} {reason}")


@requests_app.command("hold")
def requests_hold(number: int, reason: str) -> None:
    """Legal hold: the person's data cannot be erased until released."""
    _request_command(lambda r: r.hold_command, f"{number} {reason}")


@requests_app.command("release")
def requests_release(number: int) -> None:
    """End a hold."""
    _request_command(lambda r: r.release_command, str(number))


@requests_app.command("reply")
def requests_reply(number: int, text: str) -> None:
    """Answer the person of a request (sent when BOT_TOKEN is set)."""
    _request_command(lambda r: r.reply_command, f"{number} {text}")


@requests_app.command("new")
def requests_new(kind: str, email: str, text: str) -> None:
    """Register a request that came another way, e.g. a parent who lost their Telegram account."""
    _request_command(lambda r: r.new_command, f"{kind} {email} {text}")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
