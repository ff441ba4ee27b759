"""Start-up wiring: keys, database, state store, translations and the engine, built once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

import locales
from bot.config import ConfigError, Settings
from dialogs.app import Dialogs, build_dialogs
from dialogs.delivery import PATIENT_BUDGET, RETRY_BUDGET, Messenger, perform
from dialogs.effects import Effect
from dialogs.engine import Engine
from dialogs.i18n import Translator
from dialogs.organisations.service import add_platform_admin
from storage import migrate
from storage.crypto import FieldCipher
from storage.db import create_engine, session_factory
from storage.errors import KeyConfigError
from storage.files import LocalFiles
from storage.key_check import key_problem
from storage.keys import KeyFile, KeyRing, build_key_ring
from storage.redis_state import RedisStateStore
from storage.state import MemoryStateStore, StateStore
from storage.uow import Database

log = structlog.get_logger(__name__)


def key_file_of(settings: Settings) -> KeyFile:
    """The generated key file of the embedded default, in ``DATA_DIR``."""
    return KeyFile(settings.data_dir / "keys.json")


def load_keys(settings: Settings) -> KeyRing:
    """Keys from ``DATA_KEYS`` and ``INDEX_KEY``, or the embedded key file (made once, warned)."""
    if settings.data_keys is not None or settings.index_key is not None:
        if settings.data_keys is None or settings.index_key is None:
            raise ConfigError(
                "DATA_KEYS and INDEX_KEY must be set together (run `playbot keys new`)."
            )
        try:
            return build_key_ring(
                settings.data_keys.get_secret_value(), settings.index_key.get_secret_value()
            )
        except KeyConfigError as exc:
            raise ConfigError(f"{exc}.") from None
    key_file = key_file_of(settings)
    try:
        loaded = key_file.load()
    except (OSError, ValueError, KeyError):
        raise ConfigError(
            f"{key_file.path} cannot be read; restore it from a backup (without it the stored "
            "personal data cannot be read), or remove it if this database is new."
        ) from None
    if loaded is None:
        loaded = key_file.create()
        log.warning(
            "key_file_created",
            hint="keys for personal data were generated next to the data; "
            "set DATA_KEYS and INDEX_KEY from a secret store in production",
        )
    try:
        return build_key_ring(*loaded)
    except KeyConfigError as exc:
        raise ConfigError(f"{key_file.path}: {exc}.") from None


@dataclass
class Services:
    """Everything a runtime needs; ``close()`` releases it."""

    settings: Settings
    keys: KeyRing
    sql: AsyncEngine
    db: Database
    states: StateStore
    translator: Translator
    engine: Engine
    dialogs: Dialogs
    messenger: Messenger | None = None
    """Set by the running runtime, so work outside updates (web pages, jobs) can send too."""

    async def deliver(self, effects: Sequence[Effect], *, patient: bool = False) -> None:
        """Perform effects made outside an update (e.g. telling a child their parent said yes).

        ``patient``: for background jobs, which may wait out Telegram's flood limits for minutes
        (``PATIENT_BUDGET``); a web page waits no longer than an update does.
        """
        if not effects:
            return
        if self.messenger is None:
            log.warning("effects_dropped_no_runtime", effects=len(effects))
            return
        await perform(
            self.messenger, effects, retry_budget=PATIENT_BUDGET if patient else RETRY_BUDGET
        )

    async def close(self) -> None:
        """Close connections (state store first: it may hold locks)."""
        await self.states.close()
        await self.sql.dispose()


def build_state_store(settings: Settings) -> StateStore:
    """Redis when ``REDIS_URL`` is set, otherwise in-process memory."""
    if settings.redis_url:
        try:
            return RedisStateStore.from_url(settings.redis_url, prefix=settings.redis_prefix)
        except ValueError as exc:
            raise ConfigError(f"REDIS_URL is not a Redis URL ({exc}).") from None
    return MemoryStateStore()


def ensure_data_dir(settings: Settings) -> None:
    """Create ``DATA_DIR`` (the SQLite file, the key file, logs and mail copies live there)."""
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"DATA_DIR {settings.data_dir} cannot be created ({exc.strerror}); "
            "point it at a writable folder."
        ) from None


async def open_database(settings: Settings, *, upgrade: bool) -> AsyncEngine:
    """The SQL engine, with the schema migrated (``upgrade``) or checked to be current."""
    ensure_data_dir(settings)  # the embedded SQLite file lives there
    sql = create_engine(settings.effective_database_url)
    try:
        if upgrade:
            await migrate.upgrade(sql)
        elif await migrate.current_revision(sql) != migrate.head_revision():
            raise ConfigError("the database schema is not up to date: run `playbot migrate`.")
    except ConfigError:
        await sql.dispose()
        raise
    except Exception as exc:
        await sql.dispose()
        raise ConfigError(
            f"cannot use the database at DATABASE_URL ({type(exc).__name__}); "
            "check that it is running and the URL is right."
        ) from None
    return sql


async def bootstrap_admins(db: Database, telegram_ids: frozenset[int]) -> None:
    """ADMIN_IDS become platform admins in SQL, where every role check looks."""
    if not telegram_ids:
        return
    async with db.unit_of_work() as uow:
        for telegram_id in sorted(telegram_ids):
            await add_platform_admin(uow, telegram_id=telegram_id, now=datetime.now(UTC))
        await uow.commit()


async def build_services(settings: Settings) -> Services:
    """Build and check everything before the first update is taken."""
    ensure_data_dir(settings)
    keys = load_keys(settings)
    sql = await open_database(settings, upgrade=settings.auto_migrate)
    problem = await key_problem(sql, keys)
    if problem is not None:
        await sql.dispose()
        source = "DATA_KEYS, INDEX_KEY" if settings.data_keys else str(key_file_of(settings).path)
        raise ConfigError(f"{problem}: use the keys this database was written with ({source}).")
    db = Database(session_factory(sql), FieldCipher(keys), keys, LocalFiles(settings.data_dir))
    states = build_state_store(settings)
    if isinstance(states, RedisStateStore):
        try:
            await states.redis.ping()
        except Exception as exc:
            await sql.dispose()
            raise ConfigError(
                f"cannot reach Redis at REDIS_URL ({type(exc).__name__}); check that it is running."
            ) from None
    translator = Translator(locales.DIRECTORY, default=settings.default_locale)
    dialogs = build_dialogs(
        stats_k=settings.stats_k,
        privacy_contact=settings.privacy_contact,
        admin_chat_id=settings.admin_chat_id,
    )
    engine = Engine(
        db=db,
        states=states,
        translator=translator,
        keys=keys,
        flows=dialogs.flows,
        commands=dialogs.commands,
        settings=settings.dialog_settings(),
        gate=dialogs.gate,
        group_reply=dialogs.group_reply,
        delivery_hook=dialogs.delivery_hook,
        offer_help=dialogs.offer_help,
    )
    await bootstrap_admins(db, settings.admin_ids)
    return Services(
        settings=settings,
        keys=keys,
        sql=sql,
        db=db,
        states=states,
        translator=translator,
        engine=engine,
        dialogs=dialogs,
    )
