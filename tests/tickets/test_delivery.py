"""Delivery through the outbox to a real HTTP backend on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy import select, update
from standardwebhooks import Webhook, WebhookVerificationError

from assistant.config import Settings
from assistant.delivery import (
    CONSENT_REQUEST_ROUTE,
    PRIVACY_REQUEST_ROUTE,
    DeliveryConfigError,
    DeliveryResult,
    FidesSender,
    OutboxWorker,
    Outcome,
    RetryPolicy,
    WebhookSender,
    build_sender,
    classify_status,
    fides_payload,
    standard_secret,
    webhook_body,
)
from assistant.ticket_store import DeliveryAttempt, TicketStore, outbox_table
from assistant.tickets import (
    Correction,
    DeliveryState,
    DsrTicket,
    RequestType,
    TicketDraft,
)

from .backend import WEBHOOK_SECRET, FakeClock, Receiver

MakeDraft = Callable[..., TicketDraft]
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def webhook(receiver: Receiver, secret: str = WEBHOOK_SECRET) -> WebhookSender:
    return WebhookSender(receiver.url, secret, timeout=5.0)


def file_tickets(store: TicketStore, make_draft: MakeDraft, n: int) -> list[DsrTicket]:
    return [store.create(make_draft(), now=T0) for _ in range(n)]


class ScriptedSender:
    """For backoff arithmetic only: answers from a script, never touches the network."""

    name = "scripted"
    timeout = 1.0

    def __init__(self, *results: DeliveryResult | Exception) -> None:
        self.results = list(results)
        self.sent: list[str] = []

    def send(self, ticket: DsrTicket) -> DeliveryResult:
        self.sent.append(ticket.id)
        result = self.results.pop(0) if len(self.results) > 1 else self.results[0]
        if isinstance(result, Exception):
            raise result
        return result


# --- the whole path ------------------------------------------------------------------------


def test_backend_down_then_failing_then_recovered_gets_each_ticket_once(
    store: TicketStore, make_draft: MakeDraft, receiver: Receiver
) -> None:
    tickets = file_tickets(store, make_draft, 5)
    clock = FakeClock(T0)
    worker = OutboxWorker(store, webhook(receiver), clock=clock)

    down = worker.run_once()  # nothing listens on the port yet
    assert (down.delivered, down.retrying) == (0, 5)
    assert all("connection error" in (t.delivery.last_error or "") for t in store.list())

    receiver.fail_next = 7
    receiver.start()
    assert worker.run_once().attempted == 0  # nothing is due before its backoff ends
    clock.advance(minutes=15)
    assert worker.run_once().retrying == 5  # five 500s
    clock.advance(minutes=15)
    partial = worker.run_once()  # two more 500s, then the backend recovers
    assert (partial.delivered, partial.retrying) == (3, 2)
    clock.advance(minutes=15)
    assert worker.run_once().delivered == 2
    clock.advance(hours=5)
    assert worker.run_once().attempted == 0  # delivered rows are never sent again

    keys = {t.idempotency_key for t in tickets}
    assert set(receiver.accepted) == keys
    assert set(receiver.successes().values()) == {1}
    assert all(r.signature_ok for r in receiver.requests)
    for ticket in store.list():
        assert ticket.delivery.state is DeliveryState.DELIVERED
        attempts = store.delivery_attempts(ticket.id)
        assert [a.attempt for a in attempts] == list(range(1, len(attempts) + 1))
        assert attempts[0].status_code is None and attempts[0].outcome is Outcome.RETRY
        assert attempts[-1].status_code == 201 and attempts[-1].outcome is Outcome.DELIVERED
        assert ticket.delivery.attempts == len(attempts)
        assert all(a.duration_ms >= 0 and a.sender == "webhook" for a in attempts)


def test_the_request_is_signed_and_carries_the_idempotency_key(
    store: TicketStore, make_draft: MakeDraft, receiver: Receiver
) -> None:
    receiver.start()
    made = store.create(make_draft(details="please send me everything"))
    OutboxWorker(store, webhook(receiver)).run_once()
    (request,) = receiver.requests
    assert request.status == 201 and request.signature_ok
    # What a DSR backend runs: the off-the-shelf library, given the secret's whsec_ form.
    Webhook(standard_secret(WEBHOOK_SECRET)).verify(request.body, request.headers)
    assert request.headers["webhook-id"] == made.idempotency_key
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
    assert request.headers["webhook-signature"].startswith("v1,")
    assert not {"x-dsr-signature", "idempotency-key"} & {h.lower() for h in request.headers}
    assert request.headers["Content-Type"] == "application/json"
    sent = json.loads(request.body)
    assert sent["id"] == made.id and sent["details"] == "please send me everything"
    assert "delivery" not in sent
    assert DsrTicket.model_validate(sent | {"delivery": made.delivery.model_dump()}).id == made.id


def test_a_wrong_secret_is_refused_by_the_receiver(
    store: TicketStore, make_draft: MakeDraft, receiver: Receiver
) -> None:
    receiver.start()
    made = store.create(make_draft())
    assert webhook(receiver, secret="not-the-secret").send(made).status_code == 401
    assert webhook(receiver).send(made).status_code == 201
    assert [r.signature_ok for r in receiver.requests] == [False, True]


def test_the_signature_covers_id_timestamp_and_body(
    store: TicketStore, make_draft: MakeDraft
) -> None:
    made = store.create(make_draft())
    body = webhook_body(made)
    headers = WebhookSender("http://127.0.0.1:9/x", WEBHOOK_SECRET).headers(made, body)
    verifier = Webhook(standard_secret(WEBHOOK_SECRET))
    verifier.verify(body, headers, json_parse=False)
    later = str(int(headers["webhook-timestamp"]) + 30)
    for changed, forged in [
        ({"webhook-id": "another-key"}, body),
        ({"webhook-timestamp": later}, body),
        ({}, body.replace(b"ada@example.com", b"eve@example.com")),
    ]:
        with pytest.raises(WebhookVerificationError):
            verifier.verify(forged, headers | changed, json_parse=False)


def test_a_delivery_outside_the_receivers_window_is_refused(
    store: TicketStore, make_draft: MakeDraft, receiver: Receiver
) -> None:
    receiver.start()
    made = store.create(make_draft())
    stale = WebhookSender(receiver.url, WEBHOOK_SECRET, clock=lambda: time.time() - 400)
    result = stale.send(made)
    assert (result.outcome, result.status_code) == (Outcome.PERMANENT_ERROR, 401)
    assert receiver.accepted == {}


@pytest.mark.parametrize(
    "secret",
    [
        WEBHOOK_SECRET,  # a secret from before Standard Webhooks: its UTF-8 bytes are the key
        "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",  # the standard form, used as given
    ],
)
def test_configured_secrets_map_to_the_standard_form(
    secret: str, store: TicketStore, make_draft: MakeDraft
) -> None:
    made = store.create(make_draft())
    body = webhook_body(made)
    headers = WebhookSender("http://127.0.0.1:9/x", secret).headers(made, body)
    Webhook(standard_secret(secret)).verify(body, headers, json_parse=False)
    assert standard_secret(secret).startswith("whsec_")
    assert standard_secret(standard_secret(secret)) == standard_secret(secret)


def test_a_malformed_standard_secret_is_a_configuration_error() -> None:
    with pytest.raises(DeliveryConfigError, match="base64"):
        WebhookSender("http://127.0.0.1:9/x", "whsec_not*base64!")
    with pytest.raises(DeliveryConfigError):
        WebhookSender("http://127.0.0.1:9/x", "")


def test_a_resend_after_a_lost_acknowledgement_is_deduplicated(
    store: TicketStore, make_draft: MakeDraft, receiver: Receiver
) -> None:
    """The worker died after sending and before recording: the backend answers 409."""
    receiver.start()
    made = store.create(make_draft())
    worker = OutboxWorker(store, webhook(receiver))
    worker.run_once()
    with store.engine.begin() as conn:  # as if the delivered mark was never committed
        conn.execute(update(outbox_table).values(state="pending"))
    assert worker.run_once().delivered == 1
    assert [r.status for r in receiver.requests] == [201, 409]
    assert receiver.successes()[made.idempotency_key] == 1
    assert store.get(made.id).delivery.state is DeliveryState.DELIVERED  # type: ignore[union-attr]


def test_a_permanent_error_is_kept_flagged_and_retried_at_the_cap(
    store: TicketStore, make_draft: MakeDraft, receiver: Receiver
) -> None:
    receiver.status_override = 422
    receiver.start()
    made = store.create(make_draft(), now=T0)
    clock = FakeClock(T0)
    worker = OutboxWorker(store, webhook(receiver), clock=clock)
    assert worker.run_once().failed == 1
    flagged = store.get(made.id)
    assert flagged is not None
    assert flagged.delivery.state is DeliveryState.FAILED_RETRYING
    assert (flagged.delivery.last_error or "").startswith("HTTP 422")
    clock.advance(seconds=599)
    assert worker.run_once().attempted == 0
    receiver.status_override = None  # a human fixed the backend
    clock.advance(seconds=1)
    assert worker.run_once().delivered == 1
    assert store.get(made.id).delivery.state is DeliveryState.DELIVERED  # type: ignore[union-attr]


def test_a_crashing_sender_loses_nothing(
    store: TicketStore, make_draft: MakeDraft, receiver: Receiver
) -> None:
    made = store.create(make_draft(), now=T0)
    clock = FakeClock(T0)
    broken = ScriptedSender(RuntimeError("boom"))
    assert OutboxWorker(store, broken, clock=clock).run_once().retrying == 1
    assert store.get(made.id).delivery.last_error == "RuntimeError: boom"  # type: ignore[union-attr]
    receiver.start()
    clock.advance(minutes=10)
    assert OutboxWorker(store, webhook(receiver), clock=clock).run_once().delivered == 1
    assert set(receiver.accepted) == {made.idempotency_key}


CREATE_AND_DIE = textwrap.dedent(
    """
    import os, sys
    from assistant.ticket_store import TicketStore
    from assistant.tickets import RequestType, TicketDraft
    store = TicketStore(sys.argv[1], delivery_configured=True)
    for i in range(4):
        store.create(TicketDraft(request_id=f"crash-{i}", request_type=RequestType.ERASURE,
                                 email="ada@example.com", session_id="crash"))
    os._exit(3)  # no close, no delivery, no cleanup
    """
)


def test_tickets_committed_by_a_process_that_died_are_delivered(
    store: TicketStore, db_url: str, receiver: Receiver
) -> None:
    died = subprocess.run([sys.executable, "-c", CREATE_AND_DIE, db_url], check=False, timeout=60)
    assert died.returncode == 3
    receiver.start()
    assert OutboxWorker(store, webhook(receiver)).run_once().delivered == 4
    filed = store.tickets_for_session("crash")
    assert len(filed) == 4
    assert set(receiver.accepted) == {t.idempotency_key for t in filed}


def test_tickets_filed_before_a_backend_existed_are_delivered_later(
    db_url: str, make_draft: MakeDraft, receiver: Receiver
) -> None:
    with TicketStore(db_url) as local:
        made = local.create(make_draft())
        assert made.delivery.state is DeliveryState.NOT_CONFIGURED
    receiver.start()
    with TicketStore(db_url, delivery_configured=True) as configured:
        assert OutboxWorker(configured, webhook(receiver)).run_once().delivered == 1
        assert configured.get(made.id).delivery.state is DeliveryState.DELIVERED  # type: ignore[union-attr]


def test_run_forever_delivers_in_the_background_and_stops(
    store: TicketStore, make_draft: MakeDraft, receiver: Receiver
) -> None:
    receiver.start()
    stop = threading.Event()
    worker = OutboxWorker(store, webhook(receiver), poll_interval=0.02)
    thread = threading.Thread(target=worker.run_forever, args=(stop,))
    thread.start()
    try:
        made = store.create(make_draft())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not receiver.accepted:
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert set(receiver.accepted) == {made.idempotency_key}


def test_two_workers_with_thread_pools_never_send_the_same_ticket(
    db_url: str, make_draft: MakeDraft
) -> None:
    """Two workers on separate engines (as two processes would be), four threads each."""
    with TicketStore(db_url, delivery_configured=True) as one, TicketStore(db_url) as two:
        filed = {one.create(make_draft()).id for _ in range(30)}
        sent: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(2)

        class SlowSender:
            name = "slow"
            timeout = 1.0

            def __init__(self) -> None:
                self.count = 0

            def send(self, ticket: DsrTicket) -> DeliveryResult:
                with lock:
                    sent.append(ticket.id)
                    self.count += 1
                time.sleep(0.01)  # widen the race window
                return DeliveryResult(Outcome.DELIVERED, 201)

        senders = [SlowSender(), SlowSender()]
        workers = [
            OutboxWorker(store, s, workers=4) for store, s in zip((one, two), senders, strict=True)
        ]

        def run(worker: OutboxWorker) -> None:
            start.wait()
            worker.run_once()

        threads = [threading.Thread(target=run, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(sent) == sorted(filed)  # all sent, none twice
        assert all(s.count > 0 for s in senders)  # and both workers really worked
        assert {t.delivery.state for t in one.list()} == {DeliveryState.DELIVERED}


def test_a_claim_holds_until_its_lease_ends_and_a_late_result_is_not_recorded(
    store: TicketStore, make_draft: MakeDraft
) -> None:
    made = store.create(make_draft(), now=T0)
    lease = timedelta(seconds=20)
    (first,) = store.claim_due_deliveries(T0, 10, T0 + lease)
    assert store.claim_due_deliveries(T0 + lease / 2, 10, T0 + 2 * lease) == []  # held
    # The first worker hung past its lease (or died): the row is anyone's again.
    (second,) = store.claim_due_deliveries(T0 + lease, 10, T0 + 2 * lease)
    done = DeliveryAttempt(made.id, 1, T0 + lease, "webhook", Outcome.DELIVERED, 201, None, 7)
    assert not store.record_delivery_attempt(first, done, DeliveryState.DELIVERED, T0 + lease)
    assert store.record_delivery_attempt(second, done, DeliveryState.DELIVERED, T0 + lease)
    assert [a.attempt for a in store.delivery_attempts(made.id)] == [1]
    assert store.get(made.id).delivery.state is DeliveryState.DELIVERED  # type: ignore[union-attr]
    assert store.claim_due_deliveries(T0 + 10 * lease, 10, T0 + 11 * lease) == []


def test_the_pool_size_is_configurable_and_bounded(store: TicketStore) -> None:
    sender = ScriptedSender(DeliveryResult(Outcome.DELIVERED, 201))
    worker = OutboxWorker.from_settings(store, sender, Settings(delivery_workers=3))
    assert worker.workers == 3
    with pytest.raises(DeliveryConfigError):
        OutboxWorker(store, sender, workers=0)
    with pytest.raises(ValueError):
        Settings(delivery_workers=0)


DELIVER_IN_A_PROCESS = textwrap.dedent(
    """
    import pathlib, sys, time
    from assistant.delivery import DeliveryResult, OutboxWorker, Outcome
    from assistant.ticket_store import TicketStore

    class Recording:
        name, timeout = "recording", 1.0
        def send(self, ticket):
            with open(sys.argv[2], "a") as out:
                out.write(ticket.id + "\\n")
            time.sleep(0.05)
            return DeliveryResult(Outcome.DELIVERED, 201)

    with TicketStore(sys.argv[1]) as store:
        pathlib.Path(sys.argv[2] + ".ready").touch()
        deadline = time.monotonic() + 60
        while len(list(pathlib.Path(sys.argv[2]).parent.glob("*.ready"))) < int(sys.argv[3]):
            assert time.monotonic() < deadline
            time.sleep(0.005)  # start together
        OutboxWorker(store, Recording(), workers=4).run_once()
    """
)


def test_worker_processes_sharing_a_database_never_send_the_same_ticket(
    store: TicketStore, db_url: str, make_draft: MakeDraft, tmp_path: Path
) -> None:
    filed = {store.create(make_draft()).id for _ in range(40)}
    logs = [tmp_path / f"sent-{n}.txt" for n in range(3)]
    processes = [
        subprocess.Popen([sys.executable, "-c", DELIVER_IN_A_PROCESS, db_url, str(log), "3"])
        for log in logs
    ]
    assert [p.wait(timeout=120) for p in processes] == [0, 0, 0]
    sent = [line for log in logs if log.exists() for line in log.read_text().split()]
    assert sorted(sent) == sorted(filed)  # every ticket sent, none by two processes
    assert sum(log.exists() for log in logs) >= 2  # the work really was shared


# --- retry policy --------------------------------------------------------------------------


@given(st.integers(1, 60), st.floats(0, 1))
def test_backoff_is_bounded_and_never_zero(attempts: int, jitter: float) -> None:
    policy = RetryPolicy(base_delay=2.0, max_delay=600.0)
    delay = policy.delay(attempts, jitter)
    step = min(600.0, 2.0 * 2 ** (attempts - 1))
    assert step / 2 <= delay <= step <= 600.0
    assert policy.delay(attempts, jitter) <= policy.delay(attempts + 1, jitter)


def test_retries_back_off_then_flag_but_never_stop(
    store: TicketStore, make_draft: MakeDraft
) -> None:
    made = store.create(make_draft(), now=T0)
    clock = FakeClock(T0)
    sender = ScriptedSender(DeliveryResult(Outcome.RETRY, 503, "HTTP 503: busy"))
    worker = OutboxWorker(store, sender, clock=clock, jitter=lambda: 1.0)
    gaps = []
    for _ in range(12):
        before = clock.now
        assert worker.run_once().retrying == 1
        with store.engine.connect() as conn:
            due = conn.execute(select(outbox_table.c.next_attempt_at)).scalar_one()
        gaps.append((due - before).total_seconds())
        state = store.get(made.id).delivery.state  # type: ignore[union-attr]
        clock.now = due
    assert gaps == [2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600, 600]
    assert state is DeliveryState.FAILED_RETRYING
    assert len(sender.sent) == 12
    assert len(store.delivery_attempts(made.id)) == 12


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.DELIVERED),
        (201, Outcome.DELIVERED),
        (202, Outcome.DELIVERED),
        (409, Outcome.DELIVERED),
        (400, Outcome.PERMANENT_ERROR),
        (401, Outcome.PERMANENT_ERROR),
        (404, Outcome.PERMANENT_ERROR),
        (422, Outcome.PERMANENT_ERROR),
        (408, Outcome.RETRY),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
    ],
)
def test_status_codes(status: int, outcome: Outcome) -> None:
    assert classify_status(status) is outcome


def test_error_text_from_the_backend_is_redacted(store: TicketStore, make_draft: MakeDraft) -> None:
    made = store.create(make_draft())
    echo = ScriptedSender(
        DeliveryResult(Outcome.RETRY, 500, "HTTP 500: bad card 4111 1111 1111 1111")
    )
    OutboxWorker(store, echo).run_once()
    assert store.get(made.id).delivery.last_error == "HTTP 500: bad card [REDACTED:payment_card]"  # type: ignore[union-attr]


# --- Fides ---------------------------------------------------------------------------------


def test_fides_erasure_payload(store: TicketStore, make_draft: MakeDraft) -> None:
    made = store.create(
        make_draft(
            request_type=RequestType.MINOR_DATA_DELETION,
            phone="+44 20 7946 0958",
            subject_is_minor=True,
            child_account="kid_ada",
            cited_clause_ids=("children.1",),
        ),
        now=T0,
    )
    route, body = fides_payload(made)
    assert route == PRIVACY_REQUEST_ROUTE
    (request,) = body
    assert request["external_id"] == made.id
    assert request["requested_at"] == "2026-05-04T09:00:00+00:00"
    assert request["policy_key"] == "default_erasure_policy"
    assert request["identity"] == {"email": "ada@example.com", "phone_number": "+44 20 7946 0958"}
    custom = request["custom_privacy_request_fields"]
    assert custom["subject_is_minor"] == {"label": "Subject is a minor", "value": True}
    assert custom["legal_basis"]["value"] == "GDPR Art. 17; GDPR Art. 8"
    assert custom["due_at"]["value"] == "2026-06-04T09:00:00+00:00"
    assert custom["cited_clauses"]["value"] == "children.1"
    assert custom["child_account"]["value"] == "kid_ada"
    for field in custom.values():
        assert set(field) == {"label", "value"}
        assert isinstance(field["value"], bool | int | str)


def test_fides_rectification_carries_the_corrections(
    store: TicketStore, make_draft: MakeDraft
) -> None:
    made = store.create(
        make_draft(
            request_type=RequestType.RECTIFICATION,
            corrections=(Correction("surname", "Lovelace"),),
        )
    )
    _, (request,) = fides_payload(made)
    assert request["policy_key"] == "workallies_rectification_policy"
    assert json.loads(request["custom_privacy_request_fields"]["corrections"]["value"]) == [
        {"what": "surname", "correct_value": "Lovelace"}
    ]
    assert "phone_number" not in request["identity"]


@pytest.mark.parametrize("kind", [RequestType.MARKETING_OPT_OUT, RequestType.CONSENT_WITHDRAWAL])
def test_fides_consent_requests_use_the_consent_route(
    kind: RequestType, store: TicketStore, make_draft: MakeDraft
) -> None:
    route, body = fides_payload(store.create(make_draft(request_type=kind)))
    assert route == CONSENT_REQUEST_ROUTE
    assert set(body) == {"identity", "custom_privacy_request_fields"}
    assert body["identity"] == {"email": "ada@example.com"}


def test_every_request_type_maps_to_a_fides_route(
    store: TicketStore, make_draft: MakeDraft
) -> None:
    for kind in RequestType:
        route, _ = fides_payload(store.create(make_draft(request_type=kind)))
        assert route in {PRIVACY_REQUEST_ROUTE, CONSENT_REQUEST_ROUTE}


def test_fides_sender_posts_with_the_token_and_reads_bulk_failures(
    store: TicketStore, make_draft: MakeDraft, receiver: Receiver
) -> None:
    receiver.fides = True
    receiver.start()
    made = store.create(make_draft(request_type=RequestType.ACCESS))
    fides = FidesSender(f"http://127.0.0.1:{receiver.port}/", "fides-token")
    assert fides.send(made).outcome is Outcome.DELIVERED
    request = receiver.requests[-1]
    assert request.path == PRIVACY_REQUEST_ROUTE
    assert request.headers["Authorization"] == "Bearer fides-token"
    assert json.loads(request.body)[0]["external_id"] == made.id

    receiver.status_override = 200
    receiver.response_json = {"succeeded": [], "failed": [{"message": "Policy not found"}]}
    refused = fides.send(made)
    assert refused.outcome is Outcome.PERMANENT_ERROR
    assert refused.error == "Fides refused: Policy not found"
    fides.close()


# --- configuration -------------------------------------------------------------------------


def test_build_sender_from_settings() -> None:
    assert build_sender(Settings()) is None
    hook = build_sender(Settings(webhook_url="http://127.0.0.1:9/x", webhook_secret=SecretStr("s")))
    assert isinstance(hook, WebhookSender)
    fides = build_sender(Settings(fides_url="http://127.0.0.1:9", fides_token=SecretStr("t")))
    assert isinstance(fides, FidesSender)
    with pytest.raises(DeliveryConfigError, match="WEBHOOK_SECRET"):
        build_sender(Settings(webhook_url="http://127.0.0.1:9/x"))
    with pytest.raises(DeliveryConfigError, match="FIDES_TOKEN"):
        build_sender(Settings(fides_url="http://127.0.0.1:9"))
    with pytest.raises(DeliveryConfigError, match="either"):
        build_sender(
            Settings(
                webhook_url="http://127.0.0.1:9/x",
                webhook_secret=SecretStr("s"),
                fides_url="http://127.0.0.1:9",
                fides_token=SecretStr("t"),
            )
        )


def test_webhook_body_is_stable_between_attempts(store: TicketStore, make_draft: MakeDraft) -> None:
    made = store.create(make_draft())
    retried = made.model_copy(
        update={"delivery": made.delivery.model_copy(update={"attempts": 3, "last_error": "x"})}
    )
    assert webhook_body(made) == webhook_body(retried)
