"""Processes for the multi-process tests: chat workers and a `chroma run` server.

Shared by tests/scale and tests/faults (import as ``scale.harness``).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from servers import free_port, serve_process, unavailable

from assistant.contract import Reply

WORKER = Path(__file__).with_name("worker.py")
ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


class ChatProcess:
    """One worker subprocess; ``ask`` sends a turn and waits for its reply line."""

    def __init__(self, config: dict[str, Any], log_path: Path, timeout: float = 120.0) -> None:
        self.timeout = timeout
        self._log = log_path.open("wb")
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), json.dumps(config)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            encoding="utf-8",
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        ready = json.loads(self._next_line())
        self.pid = int(ready["ready"])

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _next_line(self) -> str:
        try:
            line = self._lines.get(timeout=self.timeout)
        except queue.Empty:
            pid, waited = self.process.pid, self.timeout
            raise TimeoutError(f"worker {pid} sent nothing in {waited}s") from None
        if line is None:
            raise RuntimeError(f"worker exited ({self.process.wait()}): see {self._log.name}")
        return line

    def send(self, session: str, message: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"session": session, "message": message}) + "\n")
        self.process.stdin.flush()

    def receive(self) -> Reply:
        return Reply.model_validate_json(self._next_line())

    def ask(self, session: str, message: str) -> Reply:
        self.send(session, message)
        return self.receive()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


@contextmanager
def chat_process(config: dict[str, Any], log_path: Path) -> Iterator[ChatProcess]:
    worker = ChatProcess(config, log_path)
    try:
        yield worker
    finally:
        worker.close()


def chroma_heartbeat(port: int) -> bool:
    try:
        return httpx.get(f"http://{HOST}:{port}/api/v2/heartbeat", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def wait_for_chroma(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not chroma_heartbeat(port):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no chroma heartbeat on port {port}")
        time.sleep(0.2)


@contextmanager
def chroma_server(
    workdir: Path, port: int | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`chroma run` on loopback; the same ``workdir`` and ``port`` restart the same database."""
    binary = Path(sys.executable).parent / "chroma"
    if not binary.exists():
        unavailable(f"no `chroma` executable next to {sys.executable}")
    port = port or free_port(HOST)
    command = [str(binary), "run", "--path", str(workdir / "db"), "--host", HOST]
    command += ["--port", str(port)]
    log = workdir / f"chroma-{time.monotonic_ns()}.log"
    with serve_process(command, port, log) as process:
        wait_for_chroma(port)
        yield process, port


def fresh_database(server_url: str) -> str:
    """A new empty database on a running PostgreSQL server; returns its URL."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(server_url)
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = f"host={server.host} port={server.port} user={server.username} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.set(database=name).render_as_string(hide_password=False)
