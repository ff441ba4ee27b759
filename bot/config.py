"""Configuration from the environment and an optional ``.env`` file (pydantic-settings).

Every setting is listed in the README. Bad configuration stops the bot with one line that says
what is wrong and how to fix it (see ``ConfigError`` and ``bot.cli``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from dialogs.registration.fields import FieldRules, parse_requirements
from dialogs.settings import DialogSettings
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
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)
    public_url: str | None = None
    smtp_url: SecretStr | None = None
    mail_from: str = "Play Style bot <noreply@playbot.invalid>"
    policy_version: str = Field(default="1.0", pattern=r"^[A-Za-z0-9._-]{1,20}$")
    profile_fields: str = ""
    min_age: int = Field(default=6, ge=1, le=120)
    max_age: int = Field(default=16, ge=1, le=120)
    consent_days: int = Field(default=7, ge=1, le=90)
    draft_days: int = Field(default=30, ge=1, le=365)
    request_days: int = Field(default=365, ge=30, le=3650)
    stats_k: int = Field(default=10, ge=2, le=1000)
    bot_username: str = Field(default="playbot", pattern=r"^[A-Za-z0-9_]{3,64}$")
    privacy_contact: str = "privacy@example.org"
    admin_chat_id: int | None = None

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

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError("must be the http(s) address people open, e.g. https://bot.example.nl")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not re.match(r"^smtps?(\+starttls)?://[^/\s]+$", value.get_secret_value().strip()):
            raise ValueError(
                "must look like smtp://user:password@host:587 (smtps:// for TLS, "
                "smtp+starttls:// for STARTTLS)"
            )
        return value

    @field_validator("profile_fields")
    @classmethod
    def _profile_fields(cls, value: str) -> str:
        try:
            FieldRules(requirements=parse_requirements(value))
        except ValueError as exc:
            raise ValueError(str(exc)) from None
        return value

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

    @model_validator(mode="after")
    def _ages(self) -> Settings:
        if self.min_age > self.max_age:
            raise ValueError("MIN_AGE must not be above MAX_AGE")
        return self

    @property
    def effective_public_url(self) -> str:
        """``PUBLIC_URL``, or the local web server."""
        return self.public_url or f"http://{self.web_host}:{self.web_port}"

    def dialog_settings(self) -> DialogSettings:
        """The part of the configuration the conversations see."""
        return DialogSettings(
            default_locale=self.default_locale,
            admin_ids=self.admin_ids,
            fields=FieldRules(
                requirements=parse_requirements(self.profile_fields),
                min_age=self.min_age,
                max_age=self.max_age,
            ),
            policy_version=self.policy_version,
            public_url=self.effective_public_url,
            consent_valid=timedelta(days=self.consent_days),
            draft_kept=timedelta(days=self.draft_days),
            request_kept=timedelta(days=self.request_days),
            stats_k=self.stats_k,
            bot_username=self.bot_username,
            admin_chat_id=self.admin_chat_id,
        )

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
        name = str(error["loc"][0]) if error["loc"] else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        hint = _HINTS.get(name, "")
        line = (f"{name.upper()} {message}" if name else message) + (f" ({hint})" if hint else "")
        extra = len(exc.errors()) - 1
        if extra:
            line += f"; and {extra} more problem(s)"
        raise ConfigError(f"{line}. Set it in the environment or in .env.") from None
