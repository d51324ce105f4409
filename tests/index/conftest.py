"""A real `chroma run` server for the tests of the server path of the index."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servers import free_port, serve_process, unavailable

HOST = "127.0.0.1"


def _wait_for_heartbeat(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://{HOST}:{port}/api/v2/heartbeat"
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"chroma server on port {port} sent no heartbeat in {timeout:.0f}s")


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    binary = Path(sys.executable).parent / "chroma"
    if not binary.exists():
        unavailable(f"no `chroma` executable next to {sys.executable}")
    workdir = tmp_path_factory.mktemp("chroma-server")
    port = free_port(HOST)
    command = [str(binary), "run", "--path", str(workdir / "db"), "--host", HOST]
    with serve_process([*command, "--port", str(port)], port, workdir / "chroma.log"):
        _wait_for_heartbeat(port)
        yield HOST, port
