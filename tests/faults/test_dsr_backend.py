"""The DSR backend down, slow or hung: chat keeps filing tickets (they wait in the outbox),
the delivery worker keeps retrying, a hung delivery holds up only its own ticket, and once
the backend is back every ticket arrives once. Deliveries cannot be replayed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
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


HUNG_TIMEOUT = 2.0  # the per-attempt timeout in the hung-backend test


@pytest.fixture()
def patient_delivery(assistant: Assistant, backend: DsrBackend) -> Iterator[OutboxWorker]:
    """The worker as the app runs it (default pool size), with a 2 s attempt timeout."""
    sender = WebhookSender(backend.url, SECRET, timeout=HUNG_TIMEOUT)
    worker = OutboxWorker(assistant.tickets, sender, policy=FAST_RETRIES, poll_interval=0.05)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), daemon=True)
    thread.start()
    yield worker
    backend.released.set()
    stop.set()
    thread.join(timeout=30)
    sender.close()


def test_hung_deliveries_do_not_hold_up_a_healthy_ticket(
    assistant: Assistant, backend: DsrBackend, patient_delivery: OutboxWorker
) -> None:
    backend.hang_on = {f"hung-{n}@example.com" for n in range(4)}
    backend.start()
    hung = [file_one(assistant, f"hung-{n}") for n in range(4)]
    wait_until(lambda: backend.arrived >= 4)  # all four sends sit on the hung backend

    healthy = file_one(assistant, "healthy")
    filed_at = time.monotonic()  # committed to the outbox: from here on it is delivery's time
    wait_until(lambda: delivered(assistant, [healthy]))
    waited = time.monotonic() - filed_at
    # Delivered one at a time it waited for the hung sends' timeouts (4 x 2 s); in parallel
    # it goes out at once, well inside one attempt's timeout.
    assert waited < HUNG_TIMEOUT, f"healthy ticket waited {waited:.1f}s behind hung ones"

    backend.hang_on = set()
    backend.released.set()  # the hung sends are answered late; their retries get 409
    wait_until(lambda: delivered(assistant, hung))
    assert len(backend.accepted) == 5
    assert set(backend.accepted.values()) == {1}
    assert backend.bad_signatures == 0


class Recorder(httpx.BaseTransport):
    """Captures what the sender puts on the wire, as an attacker on the path could."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(201)


def test_a_captured_delivery_cannot_be_replayed(assistant: Assistant, backend: DsrBackend) -> None:
    backend.start()
    ticket_id = file_one(assistant, "replay")
    ticket = assistant.tickets.get(ticket_id)
    assert ticket is not None
    recorder = Recorder()
    WebhookSender(backend.url, SECRET, transport=recorder).send(ticket)
    (captured,) = recorder.requests
    headers = dict(captured.headers)  # lower-case names, as httpx keeps them

    def replay(**changed: str) -> int:
        sent = {**headers, **changed}
        return httpx.post(backend.url, content=captured.content, headers=sent).status_code

    assert replay() == 201  # the genuine delivery, as it would have arrived
    assert replay() == 409  # the same id again: recognised, not stored twice
    later = str(int(time.time()) + 60)  # re-dated, still inside the window
    assert replay(**{"webhook-id": "fresh-id", "idempotency-key": "fresh-id"}) == 401
    assert replay(**{"webhook-timestamp": later, "x-dsr-timestamp": later}) == 401
    stale = WebhookSender(backend.url, SECRET, clock=lambda: time.time() - 600)
    assert stale.send(ticket).status_code == 401  # outside the receiver's window
    assert backend.accepted == {ticket.idempotency_key: 1}
