"""Settings from the environment (prefix GYRUS_): one place an operator configures the app."""

from __future__ import annotations

import os

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_workers() -> int:
    """Two checker workers at least (a runaway check must not block the next), four at most."""
    return min(4, max(2, os.cpu_count() or 2))


class Settings(BaseSettings):
    """What `GYRUS_*` environment variables (or a `.env` file) say; the web issue adds more."""

    model_config = SettingsConfigDict(env_prefix="GYRUS_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///data/gyrus.db"
    """SQLite file relative to the working directory (created on first start), or
    `postgresql+psycopg://user:password@host/dbname` for several app processes."""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    check_timeout: float = Field(default=2.0, gt=0)
    check_workers: int = Field(default_factory=_default_workers, ge=1)
    check_memory_mb: int = Field(default=1024, ge=0)
