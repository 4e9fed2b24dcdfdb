"""A PostgreSQL server that does not answer (a network partition, a frozen host: the connection
is accepted by the kernel, and then nothing) costs a request a bounded wait and an error the
app turns into a 503, never a thread held for minutes."""

from __future__ import annotations

import socket
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app import db

HANG_S = 30.0
"""A guard: without a connect timeout the connection would wait for ever."""


def test_a_server_that_never_answers_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.setattr(db, "CONNECT_TIMEOUT_S", 1, raising=False)
    with socket.socket() as silent:  # listens, never accepts, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        engine = db.make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres")
        errors: list[BaseException] = []

        def connect() -> None:
            try:
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
            except BaseException as error:  # noqa: BLE001 - collected, asserted below
                errors.append(error)

        worker = threading.Thread(target=connect, daemon=True)
        worker.start()
        worker.join(HANG_S)
        still_waiting = worker.is_alive()  # before the socket closes (which ends the wait)
        engine.dispose()
    assert not still_waiting, f"the connection still waits after {HANG_S:.0f} s"
    assert len(errors) == 1 and isinstance(errors[0], OperationalError), errors
