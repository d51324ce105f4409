"""DSR tickets: the request types, the draft a conversation produces, the ``DsrTicket``
record with its due date, legal basis and lifecycle rules, and how a draft becomes a
validated, redacted ticket.

Storing tickets is ``assistant.ticket_store`` (``TicketStore``); this module has no
database code, so the conversation and the UI can use the vocabulary without SQL.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

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

from assistant.redaction import SecretKind, redact

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
    filed_by: str = "assistant"  # the audit actor: the signed-in agent for console tickets
    customer_message: str | None = None  # the customer's own words, shown to staff (redacted)


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


class Outcome(StrEnum):
    """What one delivery attempt did (recorded by the store's outbox, decided by delivery)."""

    DELIVERED = "delivered"
    RETRY = "retry"  # transient: 5xx, 408, 429, timeout, connection refused, bug in a sender
    PERMANENT_ERROR = "permanent_error"  # the backend refused the ticket itself (4xx)


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


def verification_after(ticket: DsrTicket, new_status: TicketStatus) -> VerificationStatus:
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
    request_type = parse_request_type(draft.request_type)
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
            "actor": draft.filed_by,
            "from_status": None,
            "to_status": "received",
            "note": note,
        }
    ]
    try:
        return DsrTicket.model_validate(raw)
    except ValidationError as exc:
        raise TicketValidationError(_human_message(exc)) from None


def audit_entry(
    now: datetime, actor: str, old: TicketStatus, new: TicketStatus, note: str | None
) -> AuditEntry:
    """One validated status-change entry (actor and note lengths are checked here)."""
    try:
        return AuditEntry(at=now, actor=actor, from_status=old, to_status=new, note=note)
    except ValidationError as exc:
        raise TicketValidationError(_human_message(exc)) from None


def _choices(values: Iterable[StrEnum]) -> str:
    return ", ".join(v.value for v in values)


def parse_status(value: TicketStatus | str) -> TicketStatus:
    try:
        return TicketStatus(value)
    except ValueError:
        raise TicketValidationError(
            f"unknown status {value!r}; expected one of: {_choices(TicketStatus)}"
        ) from None


def parse_request_type(value: RequestType | str) -> RequestType:
    try:
        return RequestType(value)
    except ValueError:
        raise TicketValidationError(
            f"unknown request type {value!r}; expected one of: {_choices(RequestType)}"
        ) from None
