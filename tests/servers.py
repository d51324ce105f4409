"""Real servers for tests: PostgreSQL now, any command-line server (e.g. `chroma run`) later.

Every starter is a context manager that yields an address and stops the server on exit.
When a server cannot run here, ``unavailable(reason)`` skips the test, except under CI
(env ``CI`` set), where a missing server is a broken build and fails loudly.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import NoReturn

import pytest

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_USER = "postgres"  # the OS account PostgreSQL runs as when the tests run as root


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"required test server unavailable under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def free_port(host: str = "127.0.0.1") -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout:.0f}s")


@contextmanager
def serve_process(
    command: Sequence[str],
    port: int,
    log_path: Path,
    *,
    env: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server command until the block ends; ready once ``port`` accepts connections."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(command), stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
        try:
            try:
                wait_for_port(port, timeout=timeout)
            except TimeoutError:
                process.kill()
                tail = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{command[0]} did not start:\n{tail}") from None
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _as_pg_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; the test suite often does (containers).
    if os.geteuid() == 0:
        return ["runuser", "-u", PG_USER, "--", *command]
    return command


def _run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(
        _as_pg_user(command), cwd=cwd, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")


def _pg_workdir(tmpdir: Path) -> tuple[Path, bool]:
    """Where the cluster lives. As root, pytest's tmp dirs (mode 0700) are closed to the
    postgres account, so use a fresh directory under /tmp that it owns instead."""
    if os.geteuid() != 0:
        return Path(tmpdir), False
    workdir = Path(tempfile.mkdtemp(prefix="pg-test-"))
    shutil.chown(workdir, user=PG_USER, group=PG_USER)
    return workdir, True


@contextmanager
def start_postgres(tmpdir: Path, database: str = "assistant_test") -> Iterator[str]:
    """Start a throw-away PostgreSQL on 127.0.0.1 (trust auth); yield a SQLAlchemy URL.

    The URL names ``database``; the ``postgres`` maintenance database is there too, for
    tests that create one database each.
    """
    for binary in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / binary).exists():
            unavailable(f"PostgreSQL binaries not found in {PG_BIN} (set PG_BIN)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        unavailable("running as root and `runuser` is missing")
    workdir, owned = _pg_workdir(tmpdir)
    data, sockets, log = workdir / "data", workdir / "sockets", workdir / "postgres.log"
    port = free_port()
    try:
        _run(
            [str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", PG_USER, "-E", "UTF8"],
            workdir,
        )
        _run(["mkdir", "-p", str(sockets)], workdir)
        options = f"-h 127.0.0.1 -p {port} -k {sockets} -c fsync=off"
        _run(
            [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"],
            workdir,
        )
        try:
            _run(
                [
                    str(PG_BIN / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-U",
                    PG_USER,
                    database,
                ],
                workdir,
            )
            yield f"postgresql+psycopg://{PG_USER}@127.0.0.1:{port}/{database}"
        finally:
            _run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], workdir)
    finally:
        if owned:
            shutil.rmtree(workdir, ignore_errors=True)
