"""Settings from the environment (prefix GYRUS_): one place an operator configures the app."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.checking.pool import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, default_workers

BUNDLED_BANK = Path(__file__).resolve().parents[1] / "exercises"
"""The curated bank shipped with the app (`exercises/<subject>/<topic>.yaml`)."""

SECRET_FILE = "secret_key"
"""The file in `data_dir` that keeps a generated secret key, so CSRF tokens survive restarts."""


class Settings(BaseSettings):
    """What `GYRUS_*` environment variables (or a `.env` file) say."""

    model_config = SettingsConfigDict(env_prefix="GYRUS_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    """Where the default SQLite file and the generated session key live."""
    database_url: str = ""
    """Default: the SQLite file `data_dir/gyrus.db` (created on first start). Or
    `postgresql+psycopg://user:password@host/dbname` for several app processes."""
    sqlite_synchronous: Literal["normal", "full"] = "normal"
    """When a SQLite commit waits for the disk. "normal" (SQLite's advice for WAL mode): a
    commit is in the WAL file before the learner gets an answer, so it survives the app being
    killed or crashing; only a power cut or an OS crash may lose the last moments' commits
    (never the file's consistency), and the server does not stop for an fsync at every
    commit — ~1 ms each on our machines, during which a one-worker server serves nobody.
    "full": an fsync at every commit, for a machine that may lose power."""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    check_timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0)
    check_workers: int = Field(default_factory=default_workers, ge=1)
    check_memory_mb: int = Field(default=DEFAULT_MEMORY_MB, ge=0)
    threads: int = Field(default=4, ge=1, le=200)
    """Requests doing database work at once in one app process (the thread pool's size);
    waiting for a check does not hold one of these threads."""

    secret_key: str | None = None
    """Keys the CSRF tokens. Unset: generated once and kept in `data_dir/secret_key`.
    Several app processes must share one value (set it, or share the data dir)."""
    https_only: bool = False
    """Mark the cookies Secure: set it when the app is served over HTTPS."""
    session_max_age: int = Field(default=14 * 24 * 3600, ge=60)
    """Seconds a sign-in lasts unused (its cookie's max-age); each use extends it."""
    trusted_proxies: str = ""
    """Reverse proxies (comma-separated addresses or networks, `*` for any) whose
    X-Forwarded-For/-Proto headers are believed. Empty: none; the connection's address is
    the client's."""

    bank_path: Path = BUNDLED_BANK
    """The curated bank, loaded (idempotently) at start when the folder exists."""
    load_bank: bool = True
    templates_dir: Path | None = None
    """A folder whose templates take precedence over the built-in ones (same names)."""

    login_max_failures: int = Field(default=5, ge=1)
    """Failed log-ins per email and address in `login_window_seconds`."""
    login_max_failures_per_ip: int = Field(default=30, ge=1)
    """Failed log-ins per address, whatever the email (a classroom shares one address)."""
    login_window_seconds: float = Field(default=300.0, gt=0)
    api_max_requests: int = Field(default=120, ge=1)
    """Checks per user per `api_window_seconds` through /api/v1 (each one costs a worker)."""
    api_window_seconds: float = Field(default=60.0, gt=0)
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    """The largest import file accepted (used by the import pages)."""
    log_requests: bool = True

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'gyrus.db'}"
        return self

    def session_secret(self) -> str:
        """The configured key, else the one kept in the data dir (made on first use).

        A key generated per start would log every learner out at each restart.
        """
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / SECRET_FILE
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_text(encoding="utf-8").strip()
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(key)
        return key
