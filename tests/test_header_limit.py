"""Oversized request headers are refused by a real `gyrus serve` (issue 17), and the server
goes on serving: a head that arrives whole is refused by the app (431, with the security
headers), one that outgrows the parser's buffer while it arrives by the parser itself (400)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serving import Server

from app.web.limits import HEADER_LIMIT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("headers")
    running = Server(folder, f"sqlite:///{folder / 'gyrus.db'}", GYRUS_CHECK_WORKERS="1").start()
    try:
        yield running
    finally:
        running.stop()


def raw_get(port: int, header_bytes: int, timeout: float = 30.0) -> bytes:
    """GET /healthz with one header of `header_bytes`, over a raw socket; what came back
    (b"" when the server closed the connection before answering)."""
    head = (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"X-Padding: " + b"a" * header_bytes + b"\r\n\r\n")
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        try:
            connection.sendall(head)
            while chunk := connection.recv(65536):
                received += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass  # refused mid-send: the answer (if any) was read or lost
    return received


def status_of(answer: bytes) -> int | None:
    if not answer.startswith(b"HTTP/1.1 "):
        return None
    return int(answer.split(b" ", 2)[1])


def test_a_normal_header_is_served(server: Server) -> None:
    assert status_of(raw_get(server.port, 2_000)) == 200


def test_a_100_kb_header_is_refused_and_the_server_serves_on(server: Server) -> None:
    answer = raw_get(server.port, 100 * 1024)
    assert status_of(answer) in (400, 431), answer[:300]
    if status_of(answer) == 431:
        assert b"x-content-type-options: nosniff" in answer.lower()
    assert httpx.get(server.url + "/healthz", timeout=30).status_code == 200


def test_a_header_larger_than_one_read_is_refused_by_the_parser(server: Server) -> None:
    answer = raw_get(server.port, 4 * 1024 * 1024)
    assert status_of(answer) in (None, 400, 431), answer[:300]
    assert b"200 OK" not in answer
    assert httpx.get(server.url + "/healthz", timeout=30).status_code == 200


def test_a_header_just_under_the_limit_is_served(server: Server) -> None:
    assert status_of(raw_get(server.port, HEADER_LIMIT - 1024)) == 200
