"""A real `gyrus serve` in a subprocess, for the browser and durability tests.

The server runs from a temp folder (so no `.env` of the developer's is read), with its data dir
and database given by the caller; its output goes to a log file that failing tests print.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "tests" / "browser" / "bank"
"""A tiny bank: one subject (calculus), one topic, three exercises."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gyrus_command() -> list[str]:
    """The installed `gyrus` script next to this Python, else the same CLI as a module."""
    script = Path(sys.executable).with_name("gyrus")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


class Server:
    """`gyrus serve --port P` with GYRUS_* settings; `start()` waits for /healthz."""

    def __init__(self, folder: Path, database_url: str, bank: Path = BANK, **env: str) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "server.log"
        self.env = {
            **os.environ,
            "GYRUS_DATA_DIR": str(folder / "data"),
            "GYRUS_DATABASE_URL": database_url,
            "GYRUS_BANK_PATH": str(bank),
            "GYRUS_SECRET_KEY": "test-secret-" + os.urandom(8).hex(),
            "GYRUS_CHECK_WORKERS": "2",
            "GYRUS_CHECK_TIMEOUT": "5",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> Server:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [*gyrus_command(), "serve", "--port", str(self.port)],
                cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gyrus serve exited ({self.process.returncode}):\n{self.log()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gyrus serve did not answer /healthz in {timeout:.0f} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL the server and everything it started (its checker workers): no clean-up."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM (uvicorn shuts down cleanly), then SIGKILL if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()
        try:  # checker workers left behind by a slow shutdown
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def log(self, tail: int = 80) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(lines[-tail:])
