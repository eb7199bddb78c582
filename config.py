"""Settings, read from environment variables here and nowhere else.

One class per environment; ``create_app`` picks one from ``HELPDESK_ENV``
(development by default) unless a class is passed in.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'helpdesk.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Attachments are stored in the database, so a backup holds everything.
    MAX_ATTACHMENT_BYTES = _env_int("MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024)
    MAX_CONTENT_LENGTH = MAX_ATTACHMENT_BYTES + 256 * 1024
    API_TOKEN_TTL_DAYS = _env_int("API_TOKEN_TTL_DAYS", 90)
    PAGE_SIZE = 25
    MAX_PAGE_SIZE = 100
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "helpdesk" / "translations")
    LANGUAGES = ("en", "ru")
    SLA_SWEEP_SECONDS = _env_int("SLA_SWEEP_SECONDS", 30)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    TESTING = True
    # Tests post forms without tokens; tests/security and the browser tests
    # switch CSRF back on to prove it guards every form.
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test"
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "TEST_DATABASE_URL", "sqlite:///" + str(INSTANCE_DIR / "test.sqlite3")
    )
    MAX_ATTACHMENT_BYTES = 64 * 1024
    MAX_CONTENT_LENGTH = MAX_ATTACHMENT_BYTES + 64 * 1024


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True

    @classmethod
    def check(cls) -> None:
        """Fail fast: production never runs on the development defaults."""
        if "SECRET_KEY" not in os.environ:
            raise RuntimeError("SECRET_KEY must be set in production")
        if "DATABASE_URL" not in os.environ:
            raise RuntimeError("DATABASE_URL must be set in production")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    return CONFIGS[os.environ.get("HELPDESK_ENV", "development")]
