"""The app a browser test drives: one real `gyrus serve` per test module, on SQLite or, with
GYRUS_TEST_BACKEND=postgresql, on a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pg import fresh_postgres, use_postgres
from serving import Server


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    databases = fresh_postgres() if use_postgres() else None
    url = next(databases) if databases else f"sqlite:///{folder / 'gyrus.db'}"
    running = Server(folder, url)
    try:
        yield running.start()
    finally:
        running.stop()
        if databases:
            databases.close()
