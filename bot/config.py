"""Configuration from the environment and an optional ``.env`` file (pydantic-settings).

Every setting is listed in the README. Bad configuration stops the bot with one line that says
what is wrong and how to fix it (see ``ConfigError`` and ``bot.cli``).
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.db import normalise_url
from storage.errors import StorageError

_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")


class Runtime(StrEnum):
    """Which Telegram library runs the bot."""

    AIOGRAM = "aiogram"
    """aiogram 3 (the default)."""
    PTB = "ptb"
    """python-telegram-bot."""


class ConfigError(Exception):
    """Configuration that cannot work; the message is one line for the person running the bot."""


class Settings(BaseSettings):
    """All settings; built once by the CLI and passed down."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", validate_default=True
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    bot_runtime: Runtime = Runtime.AIOGRAM
    database_url: str | None = None
    redis_url: str | None = None
    redis_prefix: str = Field(default="playbot", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    data_dir: Path = Path("var")
    default_locale: Literal["nl", "en"] = "nl"
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    data_keys: SecretStr | None = None
    index_key: SecretStr | None = None
    auto_migrate: bool = True

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not _TOKEN.match(value.get_secret_value().strip()):
            raise ValueError("must look like 123456789:AAE... (the token @BotFather gave you)")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return normalise_url(value.strip())
        except StorageError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.match(r"^(redis|rediss|unix)://", value.strip()):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value.strip()

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            if not all(re.fullmatch(r"-?\d+", p) for p in parts):
                raise ValueError("must be Telegram user ids separated by commas, e.g. 123,456")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("bot_runtime", mode="before")
    @classmethod
    def _runtime(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def effective_database_url(self) -> str:
        """``DATABASE_URL``, or the embedded SQLite file in ``DATA_DIR``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'playbot.sqlite3').resolve()}"


_HINTS = {
    "bot_runtime": "use aiogram or ptb",
    "default_locale": "use nl or en",
    "log_level": "use DEBUG, INFO, WARNING or ERROR",
    "auto_migrate": "use true or false",
}


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raises ``ConfigError`` with one readable line when they are wrong."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "configuration"
        message = str(error["msg"]).removeprefix("Value error, ")
        hint = _HINTS.get(name, "")
        line = f"{name.upper()} {message}" + (f" ({hint})" if hint else "")
        extra = len(exc.errors()) - 1
        if extra:
            line += f"; and {extra} more problem(s)"
        raise ConfigError(f"{line}. Set it in the environment or in .env.") from None
