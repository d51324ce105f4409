"""The reusable server starters in tests/servers.py (PostgreSQL is exercised by the store tests)."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
from servers import free_port, serve_process, wait_for_port


def test_serve_process_starts_waits_and_stops(tmp_path: Path) -> None:
    (tmp_path / "hello.txt").write_text("hi")
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    command += ["--directory", str(tmp_path)]
    with serve_process(command, port, tmp_path / "server.log", timeout=30) as process:
        response = httpx.get(f"http://127.0.0.1:{port}/hello.txt", timeout=5)
        assert process.poll() is None
    assert process.poll() is not None  # stopped when the block ended
    assert (response.status_code, response.text) == (200, "hi")


def test_serve_process_reports_a_server_that_never_listens(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-c", "print('boom'); raise SystemExit(1)"]
    with (
        pytest.raises(RuntimeError, match="did not start"),
        serve_process(command, port, tmp_path / "server.log", timeout=1),
    ):
        pass


def test_wait_for_port_times_out_on_a_closed_port() -> None:
    with pytest.raises(TimeoutError):
        wait_for_port(free_port(), timeout=0.3)
