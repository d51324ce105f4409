"""DSR tickets: the request types, the draft a conversation produces, the ``DsrTicket``
record, and the durable SQL store (SQLite file by default, PostgreSQL by URL).

A ticket is committed, together with its first audit entry and its outbox row, in one
transaction before ``TicketStore.create`` returns; delivery to the DSR backend reads the
outbox later (``assistant.delivery``), so nothing the user was told is filed can be lost.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
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
    insert,
    not_,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from assistant.redaction import SecretKind, redact

if TYPE_CHECKING:
    from assistant.config import Settings

T = TypeVar("T")


# --- the draft a conversation hands over (shared with assistant.rights) --------------------


class RequestType(StrEnum):
    ACCESS = "access"
    PORTABILITY = "portability"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    MARKETING_OPT_OUT = "marketing_opt_out"
    CONSENT_WITHDRAWAL = "consent_withdrawal"
    MINOR_DATA_DELETION = "minor_data_deletion"


class RequesterRole(StrEnum):
    SELF = "self"
    PARENT_GUARDIAN = "parent_guardian"
    AUTHORIZED_AGENT = "authorized_agent"


class Channel(StrEnum):
    CHAT = "chat"
    AGENT_CONSOLE = "agent_console"


@dataclass(frozen=True)
class Correction:
    """One rectification: what is wrong now and what it should be."""

    what: str
    correct_value: str


@dataclass(frozen=True)
class TicketDraft:
    """Everything a confirmed conversation hands to the store; the store adds ids and dates.

    ``request_id`` is minted when the conversation starts the request, so the same request
    confirmed twice (double click, retry) maps to one idempotency key and one ticket.
    """

    request_id: str
    request_type: RequestType
    email: str
    session_id: str
    channel: Channel = Channel.CHAT
    username: str | None = None
    phone: str | None = None
    requester_role: RequesterRole = RequesterRole.SELF
    subject_is_minor: bool = False
    child_account: str | None = None
    details: str | None = None
    corrections: tuple[Correction, ...] = ()
    cited_clause_ids: tuple[str, ...] = field(default_factory=tuple)


# --- vocabulary of the ticket ---------------------------------------------------------------


class TicketStatus(StrEnum):
    RECEIVED = "received"
    VERIFYING = "verifying"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


TERMINAL_STATUSES = frozenset(
    {TicketStatus.COMPLETED, TicketStatus.REJECTED, TicketStatus.CANCELLED}
)

# received -> verifying -> in_progress -> completed, with rejection or cancellation possible
# from any open state. received -> in_progress is only for tickets that need no identity
# check (see ``verification_required``); ``check_transition`` enforces that.
ALLOWED_TRANSITIONS: Mapping[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.RECEIVED: frozenset(
        {
            TicketStatus.VERIFYING,
            TicketStatus.IN_PROGRESS,
            TicketStatus.REJECTED,
            TicketStatus.CANCELLED,
        }
    ),
    TicketStatus.VERIFYING: frozenset(
        {TicketStatus.IN_PROGRESS, TicketStatus.REJECTED, TicketStatus.CANCELLED}
    ),
    TicketStatus.IN_PROGRESS: frozenset(
        {TicketStatus.COMPLETED, TicketStatus.REJECTED, TicketStatus.CANCELLED}
    ),
    TicketStatus.COMPLETED: frozenset(),
    TicketStatus.REJECTED: frozenset(),
    TicketStatus.CANCELLED: frozenset(),
}


class VerificationStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    FAILED = "failed"


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED_RETRYING = "failed_retrying"
    NOT_CONFIGURED = "not_configured"


LEGAL_BASIS: Mapping[RequestType, tuple[str, ...]] = {
    RequestType.ACCESS: ("GDPR Art. 15",),
    RequestType.RECTIFICATION: ("GDPR Art. 16",),
    RequestType.ERASURE: ("GDPR Art. 17",),
    RequestType.RESTRICTION: ("GDPR Art. 18",),
    RequestType.OBJECTION: ("GDPR Art. 21(1)",),
    RequestType.MARKETING_OPT_OUT: ("GDPR Art. 21(2)", "GDPR Art. 21(3)"),
    RequestType.CONSENT_WITHDRAWAL: ("GDPR Art. 7(3)",),
    RequestType.PORTABILITY: ("GDPR Art. 20",),
    RequestType.MINOR_DATA_DELETION: ("GDPR Art. 17", "GDPR Art. 8"),
}


def verification_required(request_type: RequestType) -> bool:
    """Policy: "We may require additional information to confirm your identity".

    Every request needs an identity check except a marketing opt-out: Art. 21(3) makes the
    objection to direct marketing absolute, an opt-out only ever *reduces* processing (a
    forged one can neither leak nor destroy data), and Art. 12(6) allows asking for proof
    of identity only where there is reasonable doubt. Consent withdrawal stays verified: it
    can switch off features that the real account holder relies on.
    """
    return request_type is not RequestType.MARKETING_OPT_OUT


def one_month_after(moment: datetime) -> datetime:
    """The same day and time next month, or that month's last day if it is shorter.

    Policy: "You have one month to receive a response" (GDPR Art. 12(3)). Jan 31 -> Feb 28
    (29 in leap years), Mar 31 -> Apr 30, Dec 15 -> Jan 15 of the next year.
    """
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L or U: read aloud safely
ID_RANDOM_CHARS = 8  # 30**8 ~ 6.6e11 (39 bits): not enumerable, still easy to read out
TICKET_ID_PATTERN = rf"^DSR-\d{{4}}-[{ID_ALPHABET}]{{{ID_RANDOM_CHARS}}}$"


def new_ticket_id(now: datetime) -> str:
    random_part = "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_RANDOM_CHARS))
    return f"DSR-{now.year:04d}-{random_part}"


def idempotency_key(channel: str, session_id: str, request_id: str) -> str:
    """sha256 of the JSON triple: unambiguous whatever characters the parts contain."""
    encoded = json.dumps([str(channel), session_id, request_id], ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- errors -------------------------------------------------------------------------------


class TicketError(Exception):
    """Base class: every message is meant for a human."""


class TicketValidationError(TicketError, ValueError):
    pass


class TicketNotFound(TicketError, LookupError):
    pass


class InvalidTransition(TicketError):
    pass


# --- the ticket record (pydantic: it crosses into JSON, webhooks, exports) ------------------

MAX_DETAILS = 8000
MAX_SHORT = 200
MAX_CORRECTIONS = 20
MAX_CITED = 50


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
ShortText = Annotated[str, Field(min_length=1, max_length=MAX_SHORT)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Identity(_Record):
    email: str = Field(max_length=254)
    username: ShortText | None = None
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ().\-]{6,31}$")

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        try:
            checked = validate_email(value.strip(), check_deliverability=False)
        except EmailNotValidError as exc:
            raise ValueError(str(exc)) from None
        return checked.normalized.lower()


class TicketCorrection(_Record):
    what: ShortText
    correct_value: str = Field(min_length=1, max_length=1000)


class Verification(_Record):
    required: bool = True
    status: VerificationStatus = VerificationStatus.PENDING


class AuditEntry(_Record):
    at: UtcDatetime
    actor: ShortText
    from_status: TicketStatus | None
    to_status: TicketStatus
    note: str | None = Field(default=None, max_length=1000)


class DeliverySummary(_Record):
    state: DeliveryState = DeliveryState.NOT_CONFIGURED
    attempts: int = Field(default=0, ge=0)
    last_error: str | None = None
    delivered_at: UtcDatetime | None = None


class DsrTicket(_Record):
    """One data subject request. Free-text fields are stored redacted (``assistant.redaction``)."""

    id: str = Field(pattern=TICKET_ID_PATTERN, examples=["DSR-2026-7F3K9QXW"])
    request_type: RequestType
    status: TicketStatus = TicketStatus.RECEIVED
    identity: Identity
    requester_role: RequesterRole = RequesterRole.SELF
    subject_is_minor: bool = False
    child_account: ShortText | None = None
    details: str | None = Field(default=None, max_length=MAX_DETAILS)
    corrections: list[TicketCorrection] = Field(default_factory=list, max_length=MAX_CORRECTIONS)
    legal_basis: list[str] = Field(min_length=1)
    cited_clause_ids: list[ShortText] = Field(default_factory=list, max_length=MAX_CITED)
    received_at: UtcDatetime
    due_at: UtcDatetime = Field(description="one calendar month after received_at")
    verification: Verification = Field(default_factory=Verification)
    channel: Channel = Channel.CHAT
    session_id: ShortText
    idempotency_key: str = Field(pattern=r"^[0-9a-f]{64}$")
    audit: list[AuditEntry] = Field(default_factory=list)
    delivery: DeliverySummary = Field(default_factory=DeliverySummary)

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.status not in TERMINAL_STATUSES and self.due_at < (now or utcnow())


def ticket_json_schema() -> str:
    """The exported schema (``evals/schemas/dsr-ticket.schema.json``), byte for byte."""
    return json.dumps(DsrTicket.model_json_schema(), indent=2, sort_keys=True) + "\n"


def _human_message(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "ticket"
        problems.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    return "Invalid ticket: " + "; ".join(problems)


def check_transition(ticket: DsrTicket, new_status: TicketStatus) -> None:
    current = ticket.status
    if new_status not in ALLOWED_TRANSITIONS[current]:
        allowed = ", ".join(sorted(ALLOWED_TRANSITIONS[current])) or "none: it is final"
        raise InvalidTransition(
            f"{ticket.id} cannot move from {current} to {new_status} (allowed next: {allowed})"
        )
    needs_check = ticket.verification.required and (
        ticket.verification.status is not VerificationStatus.VERIFIED
    )
    if current is TicketStatus.RECEIVED and new_status is TicketStatus.IN_PROGRESS and needs_check:
        raise InvalidTransition(f"{ticket.id} needs an identity check first: move it to verifying")


def _verification_after(ticket: DsrTicket, new_status: TicketStatus) -> VerificationStatus:
    """Leaving ``verifying`` records the outcome of the identity check."""
    if ticket.status is TicketStatus.VERIFYING:
        if new_status is TicketStatus.IN_PROGRESS:
            return VerificationStatus.VERIFIED
        if new_status is TicketStatus.REJECTED:
            return VerificationStatus.FAILED
    return ticket.verification.status


# --- building a ticket from a draft ---------------------------------------------------------


@dataclass
class _Redactor:
    """Redacts the free-text fields of one draft and remembers what it masked."""

    found: list[SecretKind] = field(default_factory=list)

    def __call__(self, text: str | None, limit: int, name: str) -> str | None:
        if text is None:
            return None
        if len(text) > limit:  # before redaction: bounds the work on hostile input
            raise TicketValidationError(
                f"Invalid ticket: {name} is too long ({len(text)} characters, at most {limit})"
            )
        result = redact(text)
        self.found.extend(kind for kind in result.found if kind not in self.found)
        return result.text


def build_ticket(draft: TicketDraft, now: datetime, ticket_id: str) -> DsrTicket:
    """Validate and redact a draft into a new ticket with its creation audit entry."""
    clean = _Redactor()
    if len(draft.corrections) > MAX_CORRECTIONS:
        raise TicketValidationError(f"Invalid ticket: at most {MAX_CORRECTIONS} corrections")
    request_type = _parse_type(draft.request_type)
    note = f"filed via {draft.channel}"
    raw: dict[str, Any] = {
        "id": ticket_id,
        "request_type": request_type,
        "identity": {
            "email": draft.email,
            "username": clean(draft.username, MAX_SHORT, "username"),
            "phone": draft.phone,
        },
        "requester_role": draft.requester_role,
        "subject_is_minor": draft.subject_is_minor,
        "child_account": clean(draft.child_account, MAX_SHORT, "child_account"),
        "details": clean(draft.details, MAX_DETAILS, "details"),
        "corrections": [
            {
                "what": clean(c.what, MAX_SHORT, "correction"),
                "correct_value": clean(c.correct_value, 1000, "correction"),
            }
            for c in draft.corrections
        ],
        "legal_basis": list(LEGAL_BASIS[request_type]),
        "cited_clause_ids": list(draft.cited_clause_ids),
        "received_at": now,
        "due_at": one_month_after(now),
        "verification": {"required": verification_required(request_type)},
        "channel": draft.channel,
        "session_id": draft.session_id,
        "idempotency_key": idempotency_key(draft.channel, draft.session_id, draft.request_id),
    }
    if clean.found:
        note += "; redacted: " + ", ".join(clean.found)
    raw["audit"] = [
        {
            "at": now,
            "actor": "assistant",
            "from_status": None,
            "to_status": "received",
            "note": note,
        }
    ]
    try:
        return DsrTicket.model_validate(raw)
    except ValidationError as exc:
        raise TicketValidationError(_human_message(exc)) from None


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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL + synchronous=FULL: a commit is on disk when it returns. busy_timeout lets a
    # writer wait for another instead of failing at once; with_retry covers the rest.
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=5000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
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

    def __init__(self, url: str, *, delivery_configured: bool = False) -> None:
        self.engine = make_engine(url)
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
                with_retry(partial(self._insert, ticket))
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

    def _insert(self, ticket: DsrTicket) -> None:
        entry = ticket.audit[0]
        with self.engine.begin() as conn:  # ticket, audit and outbox commit together
            conn.execute(insert(tickets_table).values(**_ticket_row(ticket)))
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
        target = _parse_status(new_status)
        now = _aware(now)
        clean_note = redact(note).text if note else None
        for _ in range(5):  # optimistic: lose a race -> re-read and re-check
            ticket = self.get(ticket_id)
            if ticket is None:
                raise TicketNotFound(f"no ticket {ticket_id}")
            check_transition(ticket, target)
            entry = _validated_audit(now, actor, ticket.status, target, clean_note)
            verification = _verification_after(ticket, target)
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

    # -- reading --

    def get(self, ticket_id: str) -> DsrTicket | None:
        found = self._select(tickets_table.c.id == ticket_id)
        return found[0] if found else None

    def get_by_idempotency_key(self, key: str) -> DsrTicket | None:
        found = self._select(tickets_table.c.idempotency_key == key)
        return found[0] if found else None

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
    ) -> _Tickets:
        """Most urgent first (earliest due date)."""
        if limit < 0 or offset < 0:
            raise TicketValidationError("limit and offset must not be negative")
        conditions = []
        if status is not None:
            conditions.append(tickets_table.c.status == _parse_status(status).value)
        if request_type is not None:
            conditions.append(tickets_table.c.request_type == _parse_type(request_type).value)
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


def _validated_audit(
    now: datetime, actor: str, old: TicketStatus, new: TicketStatus, note: str | None
) -> AuditEntry:
    try:
        return AuditEntry(at=now, actor=actor, from_status=old, to_status=new, note=note)
    except ValidationError as exc:
        raise TicketValidationError(_human_message(exc)) from None


def _choices(values: Iterable[StrEnum]) -> str:
    return ", ".join(v.value for v in values)


def _parse_status(value: TicketStatus | str) -> TicketStatus:
    try:
        return TicketStatus(value)
    except ValueError:
        raise TicketValidationError(
            f"unknown status {value!r}; expected one of: {_choices(TicketStatus)}"
        ) from None


def _parse_type(value: RequestType | str) -> RequestType:
    try:
        return RequestType(value)
    except ValueError:
        raise TicketValidationError(
            f"unknown request type {value!r}; expected one of: {_choices(RequestType)}"
        ) from None
