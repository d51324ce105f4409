"""Delivery of filed tickets to the DSR backend: a transactional-outbox worker and senders.

``TicketStore.create`` writes each ticket's outbox row in the ticket's own transaction.
``OutboxWorker`` later claims due rows through the store, hands each ticket to a ``Sender``
on a bounded pool of threads and records every attempt through the store. Delivery is
at-least-once: a crash after sending and before recording resends, so every request carries
the ticket's idempotency key (the webhook's ``webhook-id``) for the backend to deduplicate.
Nothing is ever dropped: there is no attempt limit, only a capped backoff.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import httpx
from standardwebhooks import Webhook

from assistant.ticket_store import DeliveryAttempt, OutboxClaim, TicketStore
from assistant.tickets import DeliveryState, DsrTicket, Outcome, RequestType, utcnow

if TYPE_CHECKING:
    from assistant.config import Settings

log = logging.getLogger(__name__)

USER_AGENT = "workallies-privacy-assistant"


@dataclass(frozen=True)
class DeliveryResult:
    outcome: Outcome
    status_code: int | None = None
    error: str | None = None


class Sender(Protocol):
    name: str
    timeout: float  # seconds one attempt may wait on each of connect, write and read

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


DEFAULT_ATTEMPT_TIMEOUT = 10.0
SECRET_PREFIX = "whsec_"


def webhook_signer(secret: str) -> Webhook:
    """The Standard Webhooks signer for ``ASSISTANT_WEBHOOK_SECRET``.

    ``whsec_<base64>`` is the standard form (the key is the decoded bytes). Any other value
    is a secret from before the switch: its UTF-8 bytes are the key, as they always were;
    ``standard_secret`` gives the ``whsec_`` form to hand to the receiver's library.
    """
    key = secret.encode()
    if secret.startswith(SECRET_PREFIX):
        encoded = secret.removeprefix(SECRET_PREFIX)
        try:  # strict, where the library would skip stray characters
            key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except binascii.Error as exc:
            raise DeliveryConfigError(f"the {SECRET_PREFIX} webhook secret is not base64") from exc
    if not key:
        raise DeliveryConfigError("a webhook secret is required to sign deliveries")
    return Webhook(key)


def standard_secret(secret: str) -> str:
    """The ``whsec_`` form of a configured secret (unchanged if it already is one)."""
    if secret.startswith(SECRET_PREFIX):
        return secret
    return SECRET_PREFIX + base64.b64encode(secret.encode()).decode()


def webhook_body(ticket: DsrTicket) -> bytes:
    # The delivery summary is excluded: it changes between attempts, the ticket does not.
    payload = ticket.model_dump(mode="json", exclude={"delivery"})
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookSender:
    """POST the ticket JSON, signed the Standard Webhooks way.

    ``webhook-signature`` covers ``webhook-id``, ``webhook-timestamp`` and the body, so a
    captured request can be neither re-dated nor given a fresh id. ``webhook-id`` is the
    ticket's idempotency key, the same on every attempt: receivers reject timestamps outside
    their window and deduplicate on the id (409 for an id they already hold).
    """

    name = "webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        timeout: float = DEFAULT_ATTEMPT_TIMEOUT,
        *,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self._signer = webhook_signer(secret)
        self._clock = clock
        self._client = httpx.Client(timeout=timeout, transport=transport)

    def headers(self, ticket: DsrTicket, body: bytes) -> dict[str, str]:
        sent_at = datetime.fromtimestamp(math.floor(self._clock()), UTC)
        return {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": ticket.idempotency_key,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": self._signer.sign(ticket.idempotency_key, sent_at, body),
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
        timeout: float = DEFAULT_ATTEMPT_TIMEOUT,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
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
        return WebhookSender(
            settings.webhook_url,
            settings.webhook_secret.get_secret_value(),
            settings.delivery_timeout,
        )
    if settings.fides_url:
        if settings.fides_token is None:
            raise DeliveryConfigError("ASSISTANT_FIDES_URL needs ASSISTANT_FIDES_TOKEN")
        return FidesSender(
            settings.fides_url, settings.fides_token.get_secret_value(), settings.delivery_timeout
        )
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


DEFAULT_WORKERS = 8


def claim_lease(timeout: float) -> timedelta:
    """How long a claimed row stays with its worker: an attempt's connect, write and read
    waits are each bounded by ``timeout``; the margin covers the database round trips."""
    return timedelta(seconds=3 * timeout + 5)


@dataclass
class RunReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0  # permanent errors: kept, retried at the cap, flagged for a human

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed

    def add(self, outcome: Outcome) -> None:
        if outcome is Outcome.DELIVERED:
            self.delivered += 1
        elif outcome is Outcome.RETRY:
            self.retrying += 1
        else:
            self.failed += 1


_InFlight = set[Future[Outcome]]


class OutboxWorker:
    """Claims due outbox rows through the store and delivers them on ``workers`` threads.

    Each claim is a lease written to the row (``claim_lease`` of the sender's timeout), so
    any number of workers, in one process or several, on SQLite or PostgreSQL, never hold
    the same row at once; a worker that dies mid-send leaves its rows due again when their
    lease ends. A hung backend holds only the threads sending to it, each for at most one
    attempt's timeout; the other threads keep delivering.
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
        workers: int = DEFAULT_WORKERS,
    ) -> None:
        if workers < 1:
            raise DeliveryConfigError("the delivery worker pool needs at least one thread")
        self.store = store
        self.sender = sender
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.jitter = jitter
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.workers = workers
        self.lease = claim_lease(sender.timeout)

    @classmethod
    def from_settings(cls, store: TicketStore, sender: Sender, settings: Settings) -> OutboxWorker:
        return cls(store, sender, workers=settings.delivery_workers)

    def run_once(self) -> RunReport:
        """Try every row that is due now (up to ``batch_size``); return what happened."""
        now = self.clock()
        report = RunReport()
        claimed = 0
        with ThreadPoolExecutor(self.workers, thread_name_prefix="dsr-delivery") as pool:
            in_flight: _InFlight = set()
            while True:
                room = min(self.workers - len(in_flight), self.batch_size - claimed)
                claimed += self._dispatch(pool, in_flight, now, room)
                if not in_flight:
                    return report
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    report.add(future.result())  # a database error surfaces here

    def run_forever(self, stop_event: threading.Event) -> None:
        """For a background thread: poll until ``stop_event`` is set; never dies on errors.

        A free thread takes the next due row at once: a row never waits for a batch."""
        failures = 0
        with ThreadPoolExecutor(self.workers, thread_name_prefix="dsr-delivery") as pool:
            in_flight: _InFlight = set()
            while not stop_event.is_set():
                try:
                    self._dispatch(pool, in_flight, self.clock(), self.workers - len(in_flight))
                    failures = 0
                except Exception:  # a database outage must not kill the thread
                    failures += 1
                    log.exception("outbox claim failed (%d in a row)", failures)
                    stop_event.wait(min(self.policy.max_delay, self.poll_interval * 2**failures))
                    continue
                if not in_flight:
                    stop_event.wait(self.poll_interval)
                    continue
                done, in_flight = wait(
                    in_flight, timeout=self.poll_interval, return_when=FIRST_COMPLETED
                )
                for future in done:
                    if future.exception() is not None:  # its lease runs out: retried later
                        log.error("delivery attempt failed", exc_info=future.exception())

    # -- one row --

    def _dispatch(
        self, pool: ThreadPoolExecutor, in_flight: _InFlight, now: datetime, room: int
    ) -> int:
        if room <= 0:
            return 0
        claims = self.store.claim_due_deliveries(now, room, self.clock() + self.lease)
        in_flight.update(pool.submit(self._attempt, claim) for claim in claims)
        return len(claims)

    def _attempt(self, claim: OutboxClaim) -> Outcome:
        result, started, duration_ms = self._send(claim.ticket_id)
        self._record(claim, result, started, duration_ms)
        return result.outcome

    def _send(self, ticket_id: str) -> tuple[DeliveryResult, datetime, int]:
        started = self.clock()
        begun = time.perf_counter()
        try:
            ticket = self.store.get(ticket_id)
            if ticket is None:
                raise LookupError(f"outbox row for missing ticket {ticket_id}")
            result = self.sender.send(ticket)
        except Exception as exc:  # a sender bug is retried, never loses the ticket
            log.exception("sender %s raised for %s", self.sender.name, ticket_id)
            result = DeliveryResult(Outcome.RETRY, error=f"{type(exc).__name__}: {exc}")
        return result, started, round((time.perf_counter() - begun) * 1000)

    def _record(
        self, claim: OutboxClaim, result: DeliveryResult, at: datetime, duration_ms: int
    ) -> None:
        attempts = claim.attempts + 1
        state, due = DeliveryState.DELIVERED, at
        if result.outcome is not Outcome.DELIVERED:
            permanent = result.outcome is Outcome.PERMANENT_ERROR
            delay = (
                self.policy.max_delay if permanent else self.policy.delay(attempts, self.jitter())
            )
            flagged = permanent or attempts >= self.policy.failed_after
            state = DeliveryState.FAILED_RETRYING if flagged else DeliveryState.PENDING
            due = at + timedelta(seconds=delay)
        attempt = DeliveryAttempt(
            ticket_id=claim.ticket_id,
            attempt=attempts,
            at=at,
            sender=self.sender.name,
            outcome=result.outcome,
            status_code=result.status_code,
            error=result.error,
            duration_ms=duration_ms,
        )
        if not self.store.record_delivery_attempt(claim, attempt, state, due):
            log.warning("lease on %s ran out mid-attempt; another worker took it", claim.ticket_id)
