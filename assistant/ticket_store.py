"""The durable ticket store: SQL tables, engine, transient-error retry and ``TicketStore``
(SQLite file by default, PostgreSQL by URL).

A ticket is committed, together with its first audit entry and its outbox row, in one
transaction before ``TicketStore.create`` returns; delivery to the DSR backend reads the
outbox later (``assistant.delivery``), so nothing the user was told is filed can be lost.

The record, its validation and lifecycle rules live in ``assistant.tickets``; this module
only persists them. The model's own errors (``TicketValidationError``, ``InvalidTransition``)
are raised from there, so they are defined there; ``TicketNotFound`` is the store's own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    and_,
    create_engine,
    event,
    func,
    insert,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from assistant.redaction import redact
from assistant.tickets import (
    MAX_SHORT,
    TERMINAL_STATUSES,
    AuditEntry,
    DeliveryState,
    DeliverySummary,
    DsrTicket,
    Identity,
    Outcome,
    RequestType,
    TicketCorrection,
    TicketDraft,
    TicketError,
    TicketStatus,
    TicketValidationError,
    Verification,
    VerificationStatus,
    audit_entry,
    build_ticket,
    check_transition,
    idempotency_key,
    new_ticket_id,
    parse_request_type,
    parse_status,
    utcnow,
    verification_after,
)

if TYPE_CHECKING:
    from assistant.config import Settings

T = TypeVar("T")


class TicketNotFound(TicketError, LookupError):
    pass


# --- tables ---------------------------------------------------------------------------------


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite stores naive text, so re-attach UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

tickets_table = Table(
    "tickets",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("request_type", String(32), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),
    Column("email", String(254), nullable=False),
    Column("username", String(MAX_SHORT)),
    Column("phone", String(32)),
    Column("requester_role", String(32), nullable=False),
    Column("subject_is_minor", Boolean, nullable=False),
    Column("child_account", String(MAX_SHORT)),
    Column("details", Text),
    Column("corrections", JSON, nullable=False),
    Column("legal_basis", JSON, nullable=False),
    Column("cited_clause_ids", JSON, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False, index=True),
    Column("verification_required", Boolean, nullable=False),
    Column("verification_status", String(16), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("session_id", String(MAX_SHORT), nullable=False, index=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

audit_table = Table(
    "ticket_audit",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(32), ForeignKey("tickets.id"), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(MAX_SHORT), nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("note", Text),
)

# One row per ticket: the transactional outbox *and* the delivery summary's single source.
outbox_table = Table(
    "outbox",
    metadata,
    Column("ticket_id", String(32), ForeignKey("tickets.id"), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", Text),
    Column("delivered_at", UtcDateTime),
    Index("ix_outbox_due", "state", "next_attempt_at"),
)

delivery_attempts_table = Table(
    "delivery_attempts",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(32), ForeignKey("tickets.id"), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("sender", String(32), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("duration_ms", Integer, nullable=False),
)

# The customer's own words beside the ticket, for staff (redacted). A table of its own, so
# databases created before it gain it through create_all without a migration.
MAX_CUSTOMER_MESSAGE = 20_000
ticket_messages_table = Table(
    "ticket_messages",
    metadata,
    Column("ticket_id", String(32), ForeignKey("tickets.id"), primary_key=True),
    Column("message", Text, nullable=False),
)


@dataclass(frozen=True)
class OutboxClaim:
    """One due outbox row taken by one delivery worker until ``lease_until``.

    The claim is written to the row itself (``next_attempt_at = lease_until``), so every
    worker in every process sees it; a worker that dies simply lets the lease run out.
    """

    ticket_id: str
    attempts: int  # attempts recorded before this one
    lease_until: datetime


@dataclass(frozen=True)
class DeliveryAttempt:
    """What one delivery attempt did, as the outbox records it."""

    ticket_id: str
    attempt: int
    at: datetime
    sender: str
    outcome: Outcome
    status_code: int | None
    error: str | None
    duration_ms: int


def _ticket_row(ticket: DsrTicket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "idempotency_key": ticket.idempotency_key,
        "request_type": ticket.request_type.value,
        "status": ticket.status.value,
        "email": ticket.identity.email,
        "username": ticket.identity.username,
        "phone": ticket.identity.phone,
        "requester_role": ticket.requester_role.value,
        "subject_is_minor": ticket.subject_is_minor,
        "child_account": ticket.child_account,
        "details": ticket.details,
        "corrections": [c.model_dump() for c in ticket.corrections],
        "legal_basis": ticket.legal_basis,
        "cited_clause_ids": ticket.cited_clause_ids,
        "received_at": ticket.received_at,
        "due_at": ticket.due_at,
        "verification_required": ticket.verification.required,
        "verification_status": ticket.verification.status.value,
        "channel": ticket.channel.value,
        "session_id": ticket.session_id,
        "updated_at": ticket.received_at,
    }


def _ticket_from_rows(row: Any, audit: Sequence[Any], outbox: Any | None) -> DsrTicket:
    delivery = DeliverySummary()
    if outbox is not None:
        delivery = DeliverySummary(
            state=outbox.state,
            attempts=outbox.attempts,
            last_error=outbox.last_error,
            delivered_at=outbox.delivered_at,
        )
    return DsrTicket(
        id=row.id,
        request_type=row.request_type,
        status=row.status,
        identity=Identity(email=row.email, username=row.username, phone=row.phone),
        requester_role=row.requester_role,
        subject_is_minor=row.subject_is_minor,
        child_account=row.child_account,
        details=row.details,
        corrections=[TicketCorrection(**c) for c in row.corrections],
        legal_basis=row.legal_basis,
        cited_clause_ids=row.cited_clause_ids,
        received_at=row.received_at,
        due_at=row.due_at,
        verification=Verification(
            required=row.verification_required, status=row.verification_status
        ),
        channel=row.channel,
        session_id=row.session_id,
        idempotency_key=row.idempotency_key,
        audit=[
            AuditEntry(
                at=a.at,
                actor=a.actor,
                from_status=a.from_status,
                to_status=a.to_status,
                note=a.note,
            )
            for a in audit
        ],
        delivery=delivery,
    )


# --- engine and transient-error retry -------------------------------------------------------


def normalise_url(url: str) -> str:
    """``postgresql://`` would pick psycopg2, which we do not ship: use psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _sqlite_pragmas(lock_wait_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # WAL + synchronous=FULL: a commit is on disk when it returns. busy_timeout lets a
        # writer wait for another instead of failing at once; with_retry covers the rest.
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            "foreign_keys=ON",
            f"busy_timeout={lock_wait_ms}",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return on_connect


DEFAULT_LOCK_WAIT = 5.0


def make_engine(url: str, lock_wait: float = DEFAULT_LOCK_WAIT) -> Engine:
    """``lock_wait``: seconds a SQLite writer waits for another's lock before an attempt
    fails (``with_retry`` then tries again a few times)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas(round(lock_wait * 1000)))
        return engine
    return create_engine(url, pool_pre_ping=True)


_TRANSIENT_TEXT = (
    "database is locked",
    "database is busy",
    "deadlock detected",
    "could not serialize",
)
_TRANSIENT_SQLSTATE = frozenset({"40001", "40P01", "57P01", "08006", "08003"})


def is_transient(exc: OperationalError) -> bool:
    if exc.connection_invalidated:
        return True
    if getattr(exc.orig, "sqlstate", None) in _TRANSIENT_SQLSTATE:
        return True
    text = str(exc.orig).lower()
    return any(marker in text for marker in _TRANSIENT_TEXT)


def with_retry(operation: Callable[[], T], attempts: int = 6, first_delay: float = 0.05) -> T:
    """Run ``operation``; on a transient OperationalError wait briefly and run it again."""
    for attempt in range(attempts):
        try:
            return operation()
        except OperationalError as exc:
            if attempt == attempts - 1 or not is_transient(exc):
                raise
            time.sleep(first_delay * 2**attempt)
    raise AssertionError("unreachable")


_Tickets = list[DsrTicket]  # spelled once: inside TicketStore, ``list`` is the method


# --- the store ------------------------------------------------------------------------------


class TicketStore:
    """Tickets in SQL. Every public method is one short transaction (retried if transient)."""

    def __init__(
        self,
        url: str,
        *,
        delivery_configured: bool = False,
        lock_wait: float = DEFAULT_LOCK_WAIT,
    ) -> None:
        self.engine = make_engine(url, lock_wait)
        # New tickets wait in the outbox either way; the state only tells the DSR team
        # whether a backend is expected to pick them up.
        self.delivery_configured = delivery_configured
        with_retry(lambda: metadata.create_all(self.engine))

    @classmethod
    def from_settings(cls, settings: Settings) -> TicketStore:
        configured = bool(settings.webhook_url or settings.fides_url)
        return cls(settings.sqlalchemy_url, delivery_configured=configured)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> TicketStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- writing --

    def create(self, draft: TicketDraft, now: datetime | None = None) -> DsrTicket:
        """File a draft, or return the ticket already filed for the same request."""
        now = _aware(now)
        key = idempotency_key(draft.channel, draft.session_id, draft.request_id)
        existing = self.get_by_idempotency_key(key)
        if existing is not None:
            return existing
        for _ in range(5):  # a fresh random id on the (astronomically rare) id collision
            ticket = build_ticket(draft, now, new_ticket_id(now))
            try:
                with_retry(partial(self._insert, ticket, _customer_message(draft)))
            except IntegrityError:
                # Either a concurrent create() of the same request won the unique key, or
                # the random id collided. Read back by key to tell which.
                existing = self.get_by_idempotency_key(key)
                if existing is not None:
                    return existing
                continue
            return ticket.model_copy(update={"delivery": self._initial_delivery()})
        raise TicketError("could not allocate a unique ticket id")

    def _initial_delivery(self) -> DeliverySummary:
        state = DeliveryState.PENDING if self.delivery_configured else DeliveryState.NOT_CONFIGURED
        return DeliverySummary(state=state)

    def _insert(self, ticket: DsrTicket, message: str | None = None) -> None:
        entry = ticket.audit[0]
        with self.engine.begin() as conn:  # ticket, audit and outbox commit together
            conn.execute(insert(tickets_table).values(**_ticket_row(ticket)))
            if message:
                conn.execute(
                    insert(ticket_messages_table).values(ticket_id=ticket.id, message=message)
                )
            conn.execute(insert(audit_table).values(ticket_id=ticket.id, **_audit_row(entry)))
            conn.execute(
                insert(outbox_table).values(
                    ticket_id=ticket.id,
                    state=self._initial_delivery().state.value,
                    attempts=0,
                    next_attempt_at=ticket.received_at,
                )
            )

    def update_status(
        self,
        ticket_id: str,
        new_status: TicketStatus | str,
        *,
        actor: str,
        note: str | None = None,
        now: datetime | None = None,
    ) -> DsrTicket:
        """Move a ticket along its lifecycle and append the audit entry, atomically."""
        target = parse_status(new_status)
        now = _aware(now)
        clean_note = redact(note).text if note else None
        for _ in range(5):  # optimistic: lose a race -> re-read and re-check
            ticket = self.get(ticket_id)
            if ticket is None:
                raise TicketNotFound(f"no ticket {ticket_id}")
            check_transition(ticket, target)
            entry = audit_entry(now, actor, ticket.status, target, clean_note)
            verification = verification_after(ticket, target)
            if with_retry(partial(self._apply, ticket, entry, verification)):
                return self.get(ticket_id) or ticket
        raise TicketError(f"{ticket_id} is being changed by someone else; try again")

    def _apply(
        self, ticket: DsrTicket, entry: AuditEntry, verification: VerificationStatus
    ) -> bool:
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(tickets_table)
                .where(tickets_table.c.id == ticket.id, tickets_table.c.status == ticket.status)
                .values(
                    status=entry.to_status.value,
                    verification_status=verification.value,
                    updated_at=entry.at,
                )
            ).rowcount
            if changed != 1:
                return False
            conn.execute(insert(audit_table).values(ticket_id=ticket.id, **_audit_row(entry)))
            return True

    # -- the outbox: delivery asks for due rows and records attempts only through these --

    def claim_due_deliveries(
        self, now: datetime, limit: int, lease_until: datetime
    ) -> list[OutboxClaim]:
        """Claim up to ``limit`` rows due at ``now`` until ``lease_until``.

        One ``UPDATE ... RETURNING`` over the due rows: SQLite runs it under its write lock,
        PostgreSQL picks the rows with ``FOR UPDATE SKIP LOCKED``; either way, of several
        workers or processes that see the same due row exactly one claims it.
        """
        if limit <= 0:
            return []
        due = (
            select(outbox_table.c.ticket_id)
            .where(
                outbox_table.c.state != DeliveryState.DELIVERED.value,
                outbox_table.c.next_attempt_at <= now,
            )
            .order_by(outbox_table.c.next_attempt_at, outbox_table.c.ticket_id)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        claim = (
            update(outbox_table)
            .where(outbox_table.c.ticket_id.in_(due.scalar_subquery()))
            .values(next_attempt_at=lease_until)
            .returning(outbox_table.c.ticket_id, outbox_table.c.attempts)
        )

        def run() -> list[OutboxClaim]:
            with self.engine.begin() as conn:
                rows = conn.execute(claim).all()
            return [OutboxClaim(row.ticket_id, row.attempts, lease_until) for row in rows]

        return with_retry(run)

    def record_delivery_attempt(
        self,
        claim: OutboxClaim,
        attempt: DeliveryAttempt,
        state: DeliveryState,
        next_attempt_at: datetime,
    ) -> bool:
        """Record an attempt with the row's new state and when it is due again.

        Only while the claim still holds: False when the lease ran out and another worker
        claimed the row (that worker records its own attempt; the receiver deduplicates).
        """
        error = redact(attempt.error[:500]).text if attempt.error else None
        values: dict[str, Any] = {
            "attempts": attempt.attempt,
            "last_error": error,
            "state": state.value,
            "next_attempt_at": next_attempt_at,
        }
        if state is DeliveryState.DELIVERED:
            values["delivered_at"] = attempt.at

        def record() -> bool:
            with self.engine.begin() as conn:
                held = conn.execute(
                    update(outbox_table)
                    .where(
                        outbox_table.c.ticket_id == claim.ticket_id,
                        outbox_table.c.attempts == claim.attempts,
                        outbox_table.c.next_attempt_at == claim.lease_until,
                    )
                    .values(**values)
                ).rowcount
                if held != 1:
                    return False
                row = {**attempt.__dict__, "outcome": attempt.outcome.value, "error": error}
                conn.execute(insert(delivery_attempts_table).values(**row))
                return True

        return with_retry(record)

    def delivery_attempts(self, ticket_id: str) -> list[DeliveryAttempt]:
        """Every attempt for one ticket, oldest first."""
        table = delivery_attempts_table
        query = select(table).where(table.c.ticket_id == ticket_id).order_by(table.c.seq)

        def read() -> list[DeliveryAttempt]:
            with self.engine.connect() as conn:
                return [
                    DeliveryAttempt(
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

    # -- reading --

    def get(self, ticket_id: str) -> DsrTicket | None:
        found = self._select(tickets_table.c.id == ticket_id)
        return found[0] if found else None

    def get_by_idempotency_key(self, key: str) -> DsrTicket | None:
        found = self._select(tickets_table.c.idempotency_key == key)
        return found[0] if found else None

    def customer_message(self, ticket_id: str) -> str | None:
        """The customer's message filed with the ticket (redacted), if one was."""
        query = select(ticket_messages_table.c.message).where(
            ticket_messages_table.c.ticket_id == ticket_id
        )

        def read() -> str | None:
            with self.engine.connect() as conn:
                return conn.execute(query).scalar_one_or_none()

        return with_retry(read)

    def tickets_for_session(self, session_id: str) -> _Tickets:
        return self._select(tickets_table.c.session_id == session_id, order="received")

    def list(
        self,
        *,
        status: TicketStatus | str | None = None,
        request_type: RequestType | str | None = None,
        overdue: bool | None = None,
        limit: int = 100,
        offset: int = 0,
        now: datetime | None = None,
        search: str | None = None,
    ) -> _Tickets:
        """Most urgent first (earliest due date). ``search`` matches a ticket id or email
        (any part, any case) or a request type ("erasure", "opt-out")."""
        if limit < 0 or offset < 0:
            raise TicketValidationError("limit and offset must not be negative")
        conditions = [_matching(search)] if search and search.strip() else []
        if status is not None:
            conditions.append(tickets_table.c.status == parse_status(status).value)
        if request_type is not None:
            conditions.append(
                tickets_table.c.request_type == parse_request_type(request_type).value
            )
        if overdue is not None:
            late = and_(
                tickets_table.c.due_at < (now or utcnow()),
                tickets_table.c.status.not_in([s.value for s in TERMINAL_STATUSES]),
            )
            conditions.append(late if overdue else not_(late))
        return self._select(and_(true(), *conditions), limit=limit, offset=offset)

    def _select(
        self, where: Any, *, order: str = "due", limit: int | None = None, offset: int = 0
    ) -> _Tickets:
        columns = tickets_table.c
        ordering = (
            (columns.received_at, columns.id)
            if order == "received"
            else (columns.due_at, columns.id)
        )
        query = select(tickets_table).where(where).order_by(*ordering).offset(offset)
        if limit is not None:
            query = query.limit(limit)

        def read() -> _Tickets:
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
                return self._hydrate(conn, rows)

        return with_retry(read)

    @staticmethod
    def _hydrate(conn: Connection, rows: Sequence[Any]) -> _Tickets:
        ids = [row.id for row in rows]
        if not ids:
            return []
        audits: dict[str, list[Any]] = {i: [] for i in ids}
        audit_rows = conn.execute(
            select(audit_table).where(audit_table.c.ticket_id.in_(ids)).order_by(audit_table.c.seq)
        )
        for entry in audit_rows:
            audits[entry.ticket_id].append(entry)
        outboxes = {
            o.ticket_id: o
            for o in conn.execute(select(outbox_table).where(outbox_table.c.ticket_id.in_(ids)))
        }
        return [_ticket_from_rows(row, audits[row.id], outboxes.get(row.id)) for row in rows]


MIN_TYPE_SEARCH = 3


def _matching(search: str) -> Any:
    """Tickets whose id or email contains ``search``, or whose type it names."""
    text = search.strip().lower()
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    columns = tickets_table.c
    matches = [
        func.lower(columns.id).like(like, escape="\\"),
        func.lower(columns.email).like(like, escape="\\"),
    ]
    as_type = "_".join(text.replace("-", " ").split())
    named = [  # by the start of a word of the type's name: "opt-out", "minor", "erasure"
        kind.value
        for kind in RequestType
        if len(as_type) >= MIN_TYPE_SEARCH and f"_{as_type}" in f"_{kind.value}"
    ]
    if named:
        matches.append(columns.request_type.in_(named))
    return or_(*matches)


def _customer_message(draft: TicketDraft) -> str | None:
    if not draft.customer_message or not draft.customer_message.strip():
        return None
    return redact(draft.customer_message[:MAX_CUSTOMER_MESSAGE]).text


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise TicketValidationError("timestamps must be timezone-aware")
    return now.astimezone(UTC)


def _audit_row(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at,
        "actor": entry.actor,
        "from_status": entry.from_status.value if entry.from_status else None,
        "to_status": entry.to_status.value,
        "note": entry.note,
    }
