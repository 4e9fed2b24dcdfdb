"""The app factory: the lifespan owns the checker pool; the placeholder pages answer."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.checking.pool import CheckerPool
from app.main import create_app
from app.settings import Settings


def test_the_lifespan_starts_and_closes_the_checker_pool():
    app = create_app(Settings(check_workers=2, check_timeout=1.0))
    with TestClient(app) as client:
        pool = app.state.checker
        assert isinstance(pool, CheckerPool)
        assert pool.workers == 2 and pool.timeout == 1.0
        assert len(pool.worker_pids()) == 2
        assert client.get("/healthz").json() == {"status": "ok"}
        page = client.get("/")
        assert page.status_code == 200
        assert "Gyrus" in page.text
        assert "src=" not in page.text and "href=" not in page.text  # no external assets
    assert pool.closed


def test_settings_read_the_gyrus_environment(monkeypatch):
    monkeypatch.setenv("GYRUS_CHECK_TIMEOUT", "3.5")
    monkeypatch.setenv("GYRUS_CHECK_WORKERS", "3")
    monkeypatch.setenv("GYRUS_PORT", "8123")
    settings = Settings()
    assert (settings.check_timeout, settings.check_workers, settings.port) == (3.5, 3, 8123)
