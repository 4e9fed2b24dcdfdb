"""The app factory: the lifespan owns the checker pool and the database; settings from GYRUS_*."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.checking.pool import CheckerPool
from app.main import create_app
from app.settings import Settings


def test_the_lifespan_starts_and_closes_the_checker_pool(tmp_path):
    settings = Settings(check_workers=2, check_timeout=1.0, data_dir=tmp_path, load_bank=False)
    app = create_app(settings)
    with TestClient(app) as client:
        pool = app.state.checker
        assert isinstance(pool, CheckerPool)
        assert pool.workers == 2 and pool.timeout == 1.0
        assert len(pool.worker_pids()) == 2
        assert client.get("/healthz").json() == {"status": "ok"}
        page = client.get("/")
        assert page.status_code == 200 and page.url.path == "/login"
        assert "Gyrus" in page.text
    assert pool.closed
    assert (tmp_path / "gyrus.db").exists()  # the default database lives in the data dir
    assert (tmp_path / "secret_key").exists()  # and so does the generated session key



def test_settings_read_the_gyrus_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GYRUS_CHECK_TIMEOUT", "3.5")
    monkeypatch.setenv("GYRUS_CHECK_WORKERS", "3")
    monkeypatch.setenv("GYRUS_PORT", "8123")
    monkeypatch.setenv("GYRUS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GYRUS_HTTPS_ONLY", "true")
    settings = Settings()
    assert (settings.check_timeout, settings.check_workers, settings.port) == (3.5, 3, 8123)
    assert settings.database_url == f"sqlite:///{tmp_path / 'gyrus.db'}"
    assert settings.https_only is True


@pytest.mark.slow
def test_gyrus_serve_says_what_it_is_doing_on_first_start(tmp_path):
    """A real `gyrus serve` on the tiny browser bank: migrating, the bank's counts per subject,
    the checker, then the address to open, on the terminal before uvicorn's own lines."""
    from serving import Server

    server = Server(tmp_path, f"sqlite:///{tmp_path / 'gyrus.db'}").start()
    try:
        log = server.log()
    finally:
        server.stop()
    said = [line for line in log.splitlines() if line.startswith("Gyrus:")]
    assert said[0].startswith("Gyrus: migrating the database (sqlite:///")
    assert said[1].startswith("Gyrus: loading the curated bank from ")
    assert re.match(r"Gyrus: the bank has (\d+) exercises \(calculus 3, .*\); \1 new, 0 updated",
                    said[2]), said[2]
    assert said[3] == "Gyrus: starting 2 checker workers…"
    assert said[-1] == f"Gyrus: ready. Open http://127.0.0.1:{server.port}/ in a browser."
    assert log.index(said[-1]) < log.index("Uvicorn running")
