"""The chat contract: what `Assistant.respond` returns, as JSON for the UI, the CLI and evals.

Keep it stable. A breaking change bumps CONTRACT_VERSION and is noted in the CHANGELOG.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from assistant.answering.types import Citation as VerifiedCitation
    from assistant.policy import Clause

CONTRACT_VERSION = "1"

Intent = Literal["question", "rights_request", "out_of_scope", "chitchat"]
RequestStatus = Literal["needs_info", "awaiting_confirmation", "filed", "cancelled"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Citation(_Model):
    clause_id: str
    section: str
    quote: str = Field(description="verbatim text from the policy file")
    start: int = Field(ge=0, description="character offset of the quote in the policy file")
    end: int = Field(ge=0)

    @classmethod
    def of(cls, verified: VerifiedCitation) -> Citation:
        """The contract form of a citation the answering layer checked against the policy."""
        return cls(
            clause_id=verified.clause_id,
            section=verified.section,
            quote=verified.quote,
            start=verified.start,
            end=verified.end,
        )

    @classmethod
    def of_clause(cls, clause: Clause) -> Citation:
        """A whole clause cited, as a rights request cites the clause granting the right."""
        return cls(
            clause_id=clause.id,
            section=clause.section,
            quote=clause.text,
            start=clause.start,
            end=clause.end,
        )


class RequestState(_Model):
    request_type: str
    status: RequestStatus
    missing: list[str] = Field(default_factory=list)
    ticket_id: str | None = None


class TicketSummary(_Model):
    id: str
    request_type: str
    status: str
    email: str
    received_at: datetime
    due_at: datetime


class ErrorInfo(_Model):
    code: str
    message: str


class Reply(_Model):
    contract_version: str = CONTRACT_VERSION
    session: str
    reply: str
    intent: Intent
    abstained: bool = False
    # Added in contract 1 without a version bump (a new field with a default breaks no
    # reader): abstained, but the reply shows the passage that comes closest.
    closest_passage: bool = False
    citations: list[Citation] = Field(default_factory=list)
    request: RequestState | None = None
    ticket: TicketSummary | None = None
    error: ErrorInfo | None = None
    policy_version: str | None = None
