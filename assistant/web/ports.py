"""What the web app needs from the assistant: the slice of ``assistant.session.Assistant`` it
calls, as a Protocol, so the UI modules name their dependency and tests can pass a stand-in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

from assistant.contract import Reply
from assistant.policy import Policy
from assistant.ticket_store import TicketStore
from assistant.tickets import Channel, DsrTicket, TicketDraft

if TYPE_CHECKING:
    from assistant.drafting import Draft


class WebAssistant(Protocol):
    @property
    def policy(self) -> Policy: ...

    @property
    def tickets(self) -> TicketStore: ...

    def respond(self, session_id: str, message: str, channel: Channel = ...) -> Reply: ...

    def draft_reply(self, customer_message: str) -> Draft: ...

    def file_ticket_for_customer(self, draft: TicketDraft) -> DsrTicket: ...

    def record_feedback(
        self,
        session_id: str,
        message: str,
        reply: Reply,
        rating: Literal["up", "down"],
        comment: str | None = None,
    ) -> None: ...
