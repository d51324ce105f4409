"""DSR tickets: the request types, the draft a conversation produces, and (to come) the durable store."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


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
