"""A rights request in progress: its slots, what is still missing, and its stored form.

The session keeps a pending request between turns as a plain dict (``dump_state``) and
gets it back validated (``load_state``, pydantic with extra="forbid"), so a corrupted or
outdated session record fails loudly instead of filing a half-formed ticket.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.rights import slots as s
from assistant.tickets import RequesterRole, RequestType

Status = Literal["needs_info", "awaiting_confirmation", "filed", "cancelled"]

# Slots a type cannot be filed without, asked in this order; the email always comes last.
REQUIRED: dict[RequestType, tuple[str, ...]] = {
    RequestType.RECTIFICATION: (s.CORRECTION_WHAT, s.CORRECTION_VALUE),
    RequestType.OBJECTION: (s.OBJECTION_GROUNDS,),
    RequestType.MINOR_DATA_DELETION: (s.REQUESTER_ROLE,),
}
# Optional slots worth one question; "I don't know" or "skip" is a fine answer.
ASK_ONCE: dict[RequestType, tuple[str, ...]] = {
    RequestType.MINOR_DATA_DELETION: (s.CHILD_ACCOUNT,),
}


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass
class RequestInProgress:
    request_type: RequestType
    request_id: str = field(default_factory=_new_id)  # minted once: the idempotency key
    status: Status = "needs_info"
    slots: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    ticket_id: str | None = None
    cited_clause_ids: list[str] = field(default_factory=list)
    asked: str | None = None  # the slot the last question asked for, to read bare answers
    declined: list[str] = field(default_factory=list)  # optional slots the user skipped


def missing_slots(state: RequestInProgress) -> list[str]:
    """What is left to ask, in asking order."""
    out = [slot for slot in REQUIRED.get(state.request_type, ()) if not state.slots.get(slot)]
    # A child writing about their own account has nobody else's account to name.
    child_self = state.slots.get(s.REQUESTER_ROLE) == RequesterRole.SELF.value
    for slot in ASK_ONCE.get(state.request_type, ()):
        if not state.slots.get(slot) and slot not in state.declined and not child_self:
            out.append(slot)
    if not state.slots.get(s.EMAIL):
        out.append(s.EMAIL)
    return out


def refresh(state: RequestInProgress) -> None:
    """Recompute ``missing`` and the status that follows from it (open requests only)."""
    state.missing = missing_slots(state)
    if state.status in ("needs_info", "awaiting_confirmation"):
        state.status = "needs_info" if state.missing else "awaiting_confirmation"


class StoredRequest(BaseModel):
    """The serialised form, checked on the way back in."""

    model_config = ConfigDict(extra="forbid")

    request_type: RequestType
    request_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    status: Status
    slots: dict[str, str]
    missing: list[str]
    ticket_id: str | None = None
    cited_clause_ids: list[str] = Field(default_factory=list)
    asked: str | None = None
    declined: list[str] = Field(default_factory=list)


def dump_state(state: RequestInProgress) -> dict[str, Any]:
    data = asdict(state)
    data["request_type"] = state.request_type.value
    return StoredRequest.model_validate(data).model_dump(mode="json")


def load_state(data: dict[str, Any]) -> RequestInProgress:
    stored = StoredRequest.model_validate(data)
    return RequestInProgress(**stored.model_dump())
