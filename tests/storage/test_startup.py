"""Several app processes starting together on one database: each loads the curated bank."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select

from app import models as orm
from app.bank.loader import load_bank, read_bank
from app.db import make_engine, migrate, session_factory

BANK = Path(__file__).resolve().parents[1] / "browser" / "bank"


def test_app_processes_starting_together_load_the_bank_once(database_url):
    migrate(database_url)
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    errors: list[Exception] = []

    def start() -> None:
        try:
            with sessions() as session:
                load_bank(session, BANK)
        except Exception as error:  # collected, asserted below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        with sessions() as session:
            expected = sum(len(topic.exercises) for topic in read_bank(BANK))
            assert session.scalar(select(func.count()).select_from(orm.Exercise)) == expected
            assert session.scalar(select(func.count()).select_from(orm.Collection)) == 1
    finally:
        engine.dispose()
