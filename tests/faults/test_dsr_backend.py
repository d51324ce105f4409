"""The DSR backend down or slow: chat keeps filing tickets (they wait in the outbox), the
delivery worker keeps retrying, and once the backend is back every ticket arrives once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant.config import Settings
from assistant.delivery import OutboxWorker, RetryPolicy, WebhookSender
from assistant.session import Assistant
from assistant.tickets import DeliveryState

from .backend import SECRET, DsrBackend
from .conftest import build_assistant, ready_to_confirm

FAST_RETRIES = RetryPolicy(base_delay=0.05, max_delay=0.2, failed_after=3)


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll for an outcome (not a timing assertion: the deadline only stops a hung test)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.05)


@pytest.fixture()
def backend() -> Iterator[DsrBackend]:
    server = DsrBackend()  # a reserved port; not started: the backend is down
    yield server
    server.stop()


@pytest.fixture()
def assistant(data_dir: Path, backend: DsrBackend) -> Assistant:
    settings = Settings(
        data_dir=data_dir, webhook_url=backend.url, webhook_secret=SecretStr(SECRET)
    )
    return build_assistant(settings)


@pytest.fixture()
def delivery(assistant: Assistant, backend: DsrBackend) -> Iterator[OutboxWorker]:
    """The background delivery worker, as the app runs it, with a short send timeout."""
    sender = WebhookSender(backend.url, SECRET, timeout=0.3)
    worker = OutboxWorker(assistant.tickets, sender, policy=FAST_RETRIES, poll_interval=0.05)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), daemon=True)
    thread.start()
    yield worker
    stop.set()
    thread.join(timeout=10)
    sender.close()


def file_one(assistant: Assistant, session: str) -> str:
    ready_to_confirm(assistant, session, email=f"{session}@example.com")
    reply = assistant.respond(session, "yes")
    assert reply.error is None and reply.ticket is not None, reply
    assert reply.ticket.id in reply.reply  # the user is given the ticket number
    return reply.ticket.id


def attempts(assistant: Assistant, ticket_id: str) -> int:
    ticket = assistant.tickets.get(ticket_id)
    assert ticket is not None
    return ticket.delivery.attempts


def delivered(assistant: Assistant, ids: list[str]) -> bool:
    states = [assistant.tickets.get(i).delivery.state for i in ids]  # type: ignore[union-attr]
    return all(state is DeliveryState.DELIVERED for state in states)


def test_backend_down_chat_still_files_and_delivery_catches_up(
    assistant: Assistant, backend: DsrBackend, delivery: OutboxWorker
) -> None:
    ids = [file_one(assistant, f"down-{n}") for n in range(3)]
    wait_until(lambda: all(attempts(assistant, i) >= 2 for i in ids))  # refused, retried
    for ticket_id in ids:
        ticket = assistant.tickets.get(ticket_id)
        assert ticket is not None and ticket.delivery.state is not DeliveryState.DELIVERED
        assert "connection error" in (ticket.delivery.last_error or "")

    backend.start()
    wait_until(lambda: delivered(assistant, ids))
    keys = {assistant.tickets.get(i).idempotency_key for i in ids}  # type: ignore[union-attr]
    assert set(backend.accepted) == keys
    assert set(backend.accepted.values()) == {1}
    assert backend.bad_signatures == 0


def test_backend_slow_times_out_chat_unaffected_and_each_ticket_stored_once(
    assistant: Assistant, backend: DsrBackend, delivery: OutboxWorker
) -> None:
    backend.delay = 1.0  # stores the ticket, then answers after the sender gave up
    backend.start()
    first = file_one(assistant, "slow-0")
    wait_until(lambda: backend.requests >= 1)
    # The worker is now stuck in a send to the slow backend; chat goes on regardless.
    second = file_one(assistant, "slow-1")
    wait_until(lambda: attempts(assistant, first) >= 2)
    ticket = assistant.tickets.get(first)
    assert ticket is not None and "timeout" in (ticket.delivery.last_error or "")

    backend.delay = 0.0  # recovered: a retry is answered 409 "already have it" = delivered
    wait_until(lambda: delivered(assistant, [first, second]))
    assert len(backend.accepted) == 2
    assert set(backend.accepted.values()) == {1}
