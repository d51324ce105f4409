"""Delivery of filed tickets to the DSR backend: a transactional-outbox worker and senders.

``TicketStore.create`` writes each ticket's outbox row in the ticket's own transaction.
``OutboxWorker`` later claims due rows, hands each ticket to a ``Sender`` and records the
attempt. Delivery is at-least-once: a crash after sending and before recording resends,
so every request carries the ticket's idempotency key for the backend to deduplicate.
Nothing is ever dropped: there is no attempt limit, only a capped backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

import httpx
from sqlalchemy import Connection, Row, insert, select, update

from assistant.redaction import redact
from assistant.ticket_store import (
    TicketStore,
    delivery_attempts_table,
    outbox_table,
    with_retry,
)
from assistant.tickets import DeliveryState, DsrTicket, RequestType, utcnow

if TYPE_CHECKING:
    from assistant.config import Settings

log = logging.getLogger(__name__)

USER_AGENT = "workallies-privacy-assistant"


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # transient: 5xx, 408, 429, timeout, connection refused, bug in a sender
    PERMANENT_ERROR = "permanent_error"  # the backend refused the ticket itself (4xx)


@dataclass(frozen=True)
class DeliveryResult:
    outcome: Outcome
    status_code: int | None = None
    error: str | None = None


class Sender(Protocol):
    name: str

    def send(self, ticket: DsrTicket) -> DeliveryResult: ...


class DeliveryConfigError(ValueError):
    pass


def classify_status(status_code: int) -> Outcome:
    """2xx delivered; 409 means the backend already holds this idempotency key."""
    if 200 <= status_code < 300 or status_code == 409:
        return Outcome.DELIVERED
    if status_code in (408, 425, 429) or status_code >= 500:
        return Outcome.RETRY
    return Outcome.PERMANENT_ERROR


def _post(
    client: httpx.Client, url: str, body: bytes, headers: dict[str, str]
) -> tuple[DeliveryResult, httpx.Response | None]:
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException as exc:
        return DeliveryResult(Outcome.RETRY, error=f"timeout: {exc!r}"), None
    except httpx.TransportError as exc:
        return DeliveryResult(Outcome.RETRY, error=f"connection error: {exc!r}"), None
    outcome = classify_status(response.status_code)
    error = None
    if outcome is not Outcome.DELIVERED:
        error = f"HTTP {response.status_code}: {response.text[:300]}"
    return DeliveryResult(outcome, response.status_code, error), response


# --- generic webhook --------------------------------------------------------------------------


def sign(body: bytes, secret: str) -> str:
    """``X-DSR-Signature`` value: HMAC-SHA256 of the raw body, hex, prefixed ``sha256=``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, secret: str, header: str) -> bool:
    """For receivers (and tests): constant-time comparison."""
    return hmac.compare_digest(sign(body, secret), header)


def webhook_body(ticket: DsrTicket) -> bytes:
    # The delivery summary is excluded: it changes between attempts, the ticket does not.
    payload = ticket.model_dump(mode="json", exclude={"delivery"})
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookSender:
    """POST the ticket JSON, signed. Receivers must deduplicate on ``Idempotency-Key``.

    Only the body is signed (the backend's contract); ``X-DSR-Timestamp`` is informative.
    """

    name = "webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        timeout: float = 10.0,
        *,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not secret:
            raise DeliveryConfigError("a webhook secret is required to sign deliveries")
        self.url = url
        self._secret = secret
        self._clock = clock
        self._client = httpx.Client(timeout=timeout, transport=transport)

    def headers(self, ticket: DsrTicket, body: bytes) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-DSR-Signature": sign(body, self._secret),
            "X-DSR-Timestamp": str(int(self._clock())),
            "Idempotency-Key": ticket.idempotency_key,
        }

    def send(self, ticket: DsrTicket) -> DeliveryResult:
        body = webhook_body(ticket)
        return _post(self._client, self.url, body, self.headers(ticket, body))[0]

    def close(self) -> None:
        self._client.close()


# --- Fides ------------------------------------------------------------------------------------
# Field names follow ethyca/fides, src/fides/api/schemas/privacy_request.py:
#   PrivacyRequestCreate {external_id, requested_at, identity, policy_key,
#                         custom_privacy_request_fields: {key: {label, value}}}
#   ConsentRequestCreate {identity, custom_privacy_request_fields}
#   Identity {email, phone_number}; custom field values are scalars (bool|number|str|null).
# Routes (fides/api/v1/urn_registry.py, prefix /api/v1): PRIVACY_REQUESTS = "/privacy-request"
# (body: a JSON list, response BulkPostPrivacyRequests {succeeded, failed}) and
# CONSENT_REQUEST = "/consent-request" (starts Fides' own identity verification for consent).
# Fides seeds "default_access_policy" and "default_erasure_policy"; the other keys below are
# policies the DSR team must create in Fides before enabling it.

PRIVACY_REQUEST_ROUTE = "/api/v1/privacy-request"
CONSENT_REQUEST_ROUTE = "/api/v1/consent-request"

FIDES_POLICY_KEYS: Mapping[RequestType, str] = {
    RequestType.ACCESS: "default_access_policy",
    RequestType.PORTABILITY: "default_access_policy",
    RequestType.ERASURE: "default_erasure_policy",
    RequestType.MINOR_DATA_DELETION: "default_erasure_policy",
    RequestType.RECTIFICATION: "workallies_rectification_policy",
    RequestType.RESTRICTION: "workallies_restriction_policy",
    RequestType.OBJECTION: "workallies_objection_policy",
}
CONSENT_REQUEST_TYPES = frozenset({RequestType.MARKETING_OPT_OUT, RequestType.CONSENT_WITHDRAWAL})


def _field(label: str, value: bool | int | str | None) -> dict[str, Any]:
    return {"label": label, "value": value}


def fides_custom_fields(ticket: DsrTicket) -> dict[str, dict[str, Any]]:
    fields = {
        "dsr_ticket_id": _field("DSR ticket", ticket.id),
        "request_type": _field("Request type", ticket.request_type.value),
        "legal_basis": _field("Legal basis", "; ".join(ticket.legal_basis)),
        "due_at": _field("Response due", ticket.due_at.isoformat()),
        "requester_role": _field("Requester role", ticket.requester_role.value),
        "subject_is_minor": _field("Subject is a minor", ticket.subject_is_minor),
        "verification_required": _field("Identity check required", ticket.verification.required),
        "idempotency_key": _field("Idempotency key", ticket.idempotency_key),
    }
    optional = {
        "username": ("Username", ticket.identity.username),
        "child_account": ("Child account", ticket.child_account),
        "details": ("Details / grounds", ticket.details),  # objection grounds live here
        "cited_clauses": ("Cited policy clauses", ", ".join(ticket.cited_clause_ids) or None),
        # Values must be scalars, so corrections travel as a JSON string.
        "corrections": (
            "Corrections",
            json.dumps([c.model_dump() for c in ticket.corrections])
            if ticket.corrections
            else None,
        ),
    }
    fields.update({key: _field(label, value) for key, (label, value) in optional.items() if value})
    return fields


def fides_payload(ticket: DsrTicket) -> tuple[str, Any]:
    """The Fides route and JSON body for one ticket."""
    identity = {"email": ticket.identity.email}
    if ticket.identity.phone:
        identity["phone_number"] = ticket.identity.phone
    custom = fides_custom_fields(ticket)
    if ticket.request_type in CONSENT_REQUEST_TYPES:
        return CONSENT_REQUEST_ROUTE, {
            "identity": identity,
            "custom_privacy_request_fields": custom,
        }
    request = {
        "external_id": ticket.id,
        "requested_at": ticket.received_at.isoformat(),
        "policy_key": FIDES_POLICY_KEYS[ticket.request_type],
        "identity": identity,
        "custom_privacy_request_fields": custom,
    }
    return PRIVACY_REQUEST_ROUTE, [request]


class FidesSender:
    """POST to a Fides server with an OAuth bearer token.

    Fides has no idempotency key: a retry after a timeout that Fides did process can create
    a duplicate request there; ``external_id`` (our ticket id) lets the DSR team spot it.
    """

    name = "fides"

    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: float = 10.0,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(timeout=timeout, transport=transport)
        self._token = token

    def send(self, ticket: DsrTicket) -> DeliveryResult:
        route, payload = fides_payload(ticket)
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Authorization": f"Bearer {self._token}",
            "Idempotency-Key": ticket.idempotency_key,
        }
        result, response = _post(self._client, self.base_url + route, body, headers)
        if response is not None and result.outcome is Outcome.DELIVERED:
            return _bulk_outcome(result, response)
        return result

    def close(self) -> None:
        self._client.close()


def _bulk_outcome(result: DeliveryResult, response: httpx.Response) -> DeliveryResult:
    """The bulk route answers 200 even when it refused every request: look inside."""
    try:
        failed = response.json().get("failed") or []
    except (ValueError, AttributeError):
        return result  # not the bulk shape (consent route, or a proxy): the status decides
    if not failed:
        return result
    message = str(failed[0].get("message", failed[0]))[:300]
    return DeliveryResult(Outcome.PERMANENT_ERROR, result.status_code, f"Fides refused: {message}")


# --- settings -> sender -----------------------------------------------------------------------


def build_sender(settings: Settings) -> Sender | None:
    """The configured backend, or None: tickets then wait in the outbox (``not_configured``)."""
    if settings.webhook_url and settings.fides_url:
        raise DeliveryConfigError("configure either ASSISTANT_WEBHOOK_URL or ASSISTANT_FIDES_URL")
    if settings.webhook_url:
        if settings.webhook_secret is None:
            raise DeliveryConfigError("ASSISTANT_WEBHOOK_URL needs ASSISTANT_WEBHOOK_SECRET")
        return WebhookSender(settings.webhook_url, settings.webhook_secret.get_secret_value())
    if settings.fides_url:
        if settings.fides_token is None:
            raise DeliveryConfigError("ASSISTANT_FIDES_URL needs ASSISTANT_FIDES_TOKEN")
        return FidesSender(settings.fides_url, settings.fides_token.get_secret_value())
    return None


# --- the outbox worker ------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with "equal jitter": half the step fixed, half random.

    The fixed half keeps retries from spinning; the random half spreads a backlog so a
    recovering backend is not hit by every ticket at once. After ``failed_after`` attempts
    the state turns ``failed_retrying`` (a human should look) but retries continue at the cap.
    """

    base_delay: float = 2.0
    max_delay: float = 600.0
    failed_after: int = 5

    def delay(self, attempts: int, jitter: float) -> float:
        step = min(self.max_delay, self.base_delay * 2 ** max(attempts - 1, 0))
        return step / 2 + jitter * step / 2


@dataclass
class RunReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0  # permanent errors: kept, retried at the cap, flagged for a human

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed


@dataclass(frozen=True)
class AttemptRecord:
    ticket_id: str
    attempt: int
    at: datetime
    sender: str
    outcome: Outcome
    status_code: int | None
    error: str | None
    duration_ms: int


class OutboxWorker:
    """Claims due outbox rows, sends them, records every attempt.

    On PostgreSQL each row is claimed with ``FOR UPDATE SKIP LOCKED`` inside a transaction
    held across the send, so concurrent workers never send the same row; a worker that dies
    mid-send releases the lock with its connection and the row is simply due again. SQLite
    has no row locks: run a single worker there (the CLI and the app each start one).
    """

    def __init__(
        self,
        store: TicketStore,
        sender: Sender,
        *,
        policy: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
        jitter: Callable[[], float] = random.random,
        batch_size: int = 50,
        poll_interval: float = 2.0,
    ) -> None:
        self.store = store
        self.sender = sender
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.jitter = jitter
        self.batch_size = batch_size
        self.poll_interval = poll_interval

    def run_once(self) -> RunReport:
        """Try every row that is due now (up to ``batch_size``); return what happened."""
        now = self.clock()
        report = RunReport()
        for _ in range(self.batch_size):
            outcome = self._deliver_next(now)
            if outcome is None:
                break
            if outcome is Outcome.DELIVERED:
                report.delivered += 1
            elif outcome is Outcome.RETRY:
                report.retrying += 1
            else:
                report.failed += 1
        return report

    def run_forever(self, stop_event: threading.Event) -> None:
        """For a background thread: poll until ``stop_event`` is set; never dies on errors."""
        failures = 0
        while not stop_event.is_set():
            try:
                report = self.run_once()
                failures = 0
            except Exception:  # a database outage must not kill the thread
                failures += 1
                log.exception("outbox run failed (%d in a row)", failures)
                stop_event.wait(min(self.policy.max_delay, self.poll_interval * 2**failures))
                continue
            if report.attempted < self.batch_size:
                stop_event.wait(self.poll_interval)

    # -- one row --

    def _due(self, now: datetime) -> Any:
        return (
            select(outbox_table)
            .where(
                outbox_table.c.state != DeliveryState.DELIVERED.value,
                outbox_table.c.next_attempt_at <= now,
            )
            .order_by(outbox_table.c.next_attempt_at, outbox_table.c.ticket_id)
            .limit(1)
        )

    def _deliver_next(self, now: datetime) -> Outcome | None:
        if self.store.dialect == "postgresql":
            with self.store.engine.begin() as conn:
                row = conn.execute(self._due(now).with_for_update(skip_locked=True)).first()
                if row is None:
                    return None
                result, started, duration_ms = self._send(row.ticket_id)
                self._record(conn, row, result, started, duration_ms)
                return result.outcome

        def claim() -> Row[Any] | None:
            with self.store.engine.connect() as conn:
                return conn.execute(self._due(now)).first()

        row = with_retry(claim)
        if row is None:
            return None
        result, started, duration_ms = self._send(row.ticket_id)

        def record() -> None:
            with self.store.engine.begin() as conn:
                self._record(conn, row, result, started, duration_ms)

        with_retry(record)
        return result.outcome

    def _send(self, ticket_id: str) -> tuple[DeliveryResult, datetime, int]:
        started = self.clock()
        begun = time.perf_counter()
        ticket = self.store.get(ticket_id)
        try:
            if ticket is None:
                raise LookupError(f"outbox row for missing ticket {ticket_id}")
            result = self.sender.send(ticket)
        except Exception as exc:  # a sender bug is retried, never loses the ticket
            log.exception("sender %s raised for %s", self.sender.name, ticket_id)
            result = DeliveryResult(Outcome.RETRY, error=f"{type(exc).__name__}: {exc}")
        return result, started, round((time.perf_counter() - begun) * 1000)

    def _record(
        self, conn: Connection, row: Any, result: DeliveryResult, at: datetime, duration_ms: int
    ) -> None:
        attempts = row.attempts + 1
        error = redact(result.error[:500]).text if result.error else None
        values: dict[str, Any] = {"attempts": attempts, "last_error": error}
        if result.outcome is Outcome.DELIVERED:
            values.update(state=DeliveryState.DELIVERED.value, delivered_at=at, last_error=None)
        else:
            permanent = result.outcome is Outcome.PERMANENT_ERROR
            delay = (
                self.policy.max_delay if permanent else self.policy.delay(attempts, self.jitter())
            )
            flagged = permanent or attempts >= self.policy.failed_after
            state = DeliveryState.FAILED_RETRYING if flagged else DeliveryState.PENDING
            values.update(state=state.value, next_attempt_at=at + timedelta(seconds=delay))
        conn.execute(
            update(outbox_table).where(outbox_table.c.ticket_id == row.ticket_id).values(**values)
        )
        conn.execute(
            insert(delivery_attempts_table).values(
                ticket_id=row.ticket_id,
                attempt=attempts,
                at=at,
                sender=self.sender.name,
                outcome=result.outcome.value,
                status_code=result.status_code,
                error=error,
                duration_ms=duration_ms,
            )
        )


def delivery_attempts(store: TicketStore, ticket_id: str) -> list[AttemptRecord]:
    """Every attempt for one ticket, oldest first (for ``tickets show`` and the staff view)."""
    table = delivery_attempts_table
    query = select(table).where(table.c.ticket_id == ticket_id).order_by(table.c.seq)

    def read() -> list[AttemptRecord]:
        with store.engine.connect() as conn:
            return [
                AttemptRecord(
                    ticket_id=r.ticket_id,
                    attempt=r.attempt,
                    at=r.at,
                    sender=r.sender,
                    outcome=Outcome(r.outcome),
                    status_code=r.status_code,
                    error=r.error,
                    duration_ms=r.duration_ms,
                )
                for r in conn.execute(query)
            ]

    return with_retry(read)
