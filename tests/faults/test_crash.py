"""Processes killed with SIGKILL between storing and delivering: a fresh delivery worker
delivers every filed ticket, and the backend ends up holding each ticket exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from scale.harness import chat_process
from sqlalchemy import select

from assistant.ticket_store import TicketStore, outbox_table
from assistant.tickets import DeliveryState, utcnow

from .backend import SECRET, DsrBackend

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def backend() -> Iterator[DsrBackend]:
    server = DsrBackend().start()
    yield server
    server.stop()


def delivery_env(data_dir: Path, backend: DsrBackend) -> dict[str, str]:
    return {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_WEBHOOK_URL": backend.url,
        "ASSISTANT_WEBHOOK_SECRET": SECRET,
        "ASSISTANT_DELIVERY_TIMEOUT": "3",  # a claim's lease: 3 x 3 s + 5 s
        "HF_HUB_OFFLINE": "1",
    }


def deliver(data_dir: Path, backend: DsrBackend, *extra: str) -> subprocess.Popen[str]:
    """`privacy-assistant tickets deliver` as its own process (a fresh worker)."""
    command = [sys.executable, "-m", "assistant.cli", "tickets", "deliver", *extra]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=delivery_env(data_dir, backend),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.05)


def file_ticket_then_die(data_dir: Path, backend: DsrBackend, log: Path) -> str:
    config = {
        "settings": {
            "data_dir": str(data_dir),
            "webhook_url": backend.url,
            "webhook_secret": SECRET,
        }
    }
    with chat_process(config, log) as worker:
        worker.ask("crash", "Please delete my account and all my data")
        worker.ask("crash", "ada@example.com")
        filed = worker.ask("crash", "yes")
        assert filed.ticket is not None  # the user has been told: it must not be lost
        worker.kill()  # SIGKILL: no cleanup, no delivery
    return filed.ticket.id


def test_killed_after_commit_a_fresh_worker_delivers_exactly_once(
    tmp_path: Path, backend: DsrBackend
) -> None:
    data_dir = tmp_path / "data"
    ticket_id = file_ticket_then_die(data_dir, backend, tmp_path / "chat.log")
    assert backend.requests == 0

    first = deliver(data_dir, backend, "--once")
    assert first.wait(timeout=120) == 0, first.stderr.read() if first.stderr else ""
    second = deliver(data_dir, backend, "--once")  # nothing left to send
    assert second.wait(timeout=120) == 0

    with TicketStore(f"sqlite:///{data_dir / 'tickets.sqlite3'}") as store:
        ticket = store.get(ticket_id)
    assert ticket is not None and ticket.delivery.state is DeliveryState.DELIVERED
    assert backend.accepted == {ticket.idempotency_key: 1}
    assert backend.requests == 1


def test_worker_killed_mid_send_the_retry_is_deduplicated(
    tmp_path: Path, backend: DsrBackend
) -> None:
    data_dir = tmp_path / "data"
    ticket_id = file_ticket_then_die(data_dir, backend, tmp_path / "chat.log")
    backend.delay = 60.0  # the backend stores the ticket but has not answered yet...
    running = deliver(data_dir, backend)
    try:
        wait_for(lambda: backend.requests >= 1)
    finally:
        running.kill()  # ...when the worker dies: it never learns the send succeeded
        running.wait()

    backend.delay = 0.0
    # The dead worker's claim holds the row until its lease ends; then any worker may take it.
    with TicketStore(f"sqlite:///{data_dir / 'tickets.sqlite3'}") as store:
        with store.engine.connect() as conn:
            leased_until = conn.execute(select(outbox_table.c.next_attempt_at)).scalar_one()
        assert leased_until > utcnow()
        wait_for(lambda: utcnow() >= leased_until, timeout=30)
    fresh = deliver(data_dir, backend, "--once")
    assert fresh.wait(timeout=120) == 0

    with TicketStore(f"sqlite:///{data_dir / 'tickets.sqlite3'}") as store:
        ticket = store.get(ticket_id)
    assert ticket is not None and ticket.delivery.state is DeliveryState.DELIVERED
    assert backend.requests == 2  # sent twice (at-least-once)...
    assert backend.accepted == {ticket.idempotency_key: 1}  # ...stored once
