"""A small stand-in for ``assistant.session.Assistant`` with the same web-facing API.

Used only while the real ``Assistant.for_testing`` cannot be imported. It answers from the
real policy (quoting the clause that shares the most words with the question, or
abstaining), runs a two-step erasure request, and files real tickets in a real store.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from assistant.contract import Citation, Reply, RequestState, TicketSummary
from assistant.policy import Clause, Policy, load_policy
from assistant.ticket_store import TicketStore
from assistant.tickets import Channel, DsrTicket, RequestType, TicketDraft

POLICY_PATH = Path(__file__).resolve().parents[2] / "corpus" / "workallies-privacy-policy.txt"
_STOP_WORDS = (
    "a an and are as at be by can do does for from how i in is it me my of on or our so "
    "that the this to we what when where which who why will with you your"
)
STOP = frozenset(_STOP_WORDS.split())
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if w not in STOP and len(w) > 2}


@dataclass
class _Request:
    request_id: str
    email: str | None = None
    status: str = "needs_info"


@dataclass
class StandInDraftPreview:
    request_type: str
    email: str | None = None
    details: str | None = None
    missing: list[str] = field(default_factory=list)


@dataclass
class StandInDraft:
    reply_text: str
    citations: list[Citation]
    abstained: bool
    request: StandInDraftPreview | None
    secrets_removed: bool = False
    policy_version: str = ""


class StandInAssistant:
    def __init__(self, data_dir: Path) -> None:
        self.policy: Policy = load_policy(POLICY_PATH)
        self.tickets = TicketStore(f"sqlite:///{data_dir / 'tickets.sqlite3'}")
        self.feedback: list[tuple[str, str, Reply, str]] = []
        self.calls: list[tuple[str, str]] = []
        self._requests: dict[str, _Request] = {}

    def _best(self, question: str) -> Clause | None:
        wanted = _words(question)
        scored = [(len(wanted & _words(c.text)), c) for c in self.policy.clauses]
        score, clause = max(scored, key=lambda pair: pair[0])
        return clause if score >= 2 else None

    def _reply(self, session_id: str, text: str, intent: str, **fields: object) -> Reply:
        return Reply.model_validate(
            {
                "session": session_id,
                "reply": text,
                "intent": intent,
                "policy_version": self.policy.version,
                **fields,
            }
        )

    def respond(self, session_id: str, message: str, channel: Channel = Channel.CHAT) -> Reply:
        self.calls.append((session_id, message))
        request = self._requests.get(session_id)
        if request is not None:
            return self._continue(session_id, request, message, channel)
        if re.search(r"\b(delete|erase)\b", message, re.I):
            request = self._requests[session_id] = _Request(uuid.uuid4().hex)
            return self._continue(session_id, request, message, channel)
        clause = self._best(message)
        if clause is None:
            return self._reply(
                session_id,
                "The privacy policy does not say anything about that.",
                "question",
                abstained=True,
            )
        quote = clause.text.split(". ")[0].rstrip(".") + "."
        start = self.policy.text.index(quote)
        citation = Citation(
            clause_id=clause.id,
            section=clause.section,
            quote=quote,
            start=start,
            end=start + len(quote),
        )
        return self._reply(
            session_id, f'The policy says: "{quote}" [1]', "question", citations=[citation]
        )

    def _continue(
        self, session_id: str, request: _Request, message: str, channel: Channel
    ) -> Reply:
        found = EMAIL_RE.search(message)
        if found:
            request.email = found.group(0)
        if request.status == "awaiting_confirmation" and message.strip().lower() == "cancel":
            del self._requests[session_id]
            return self._state_reply(session_id, "Cancelled: nothing was filed.", "cancelled")
        if request.email is None:
            return self._state_reply(
                session_id,
                "Which email address is linked to your account?",
                "needs_info",
                missing=["email"],
            )
        if request.status == "awaiting_confirmation" and message.strip().lower() == "yes":
            ticket = self.tickets.create(
                TicketDraft(
                    request_id=request.request_id,
                    request_type=RequestType.ERASURE,
                    email=request.email,
                    session_id=session_id,
                    channel=channel,
                )
            )
            del self._requests[session_id]
            summary = TicketSummary(
                id=ticket.id,
                request_type=ticket.request_type.value,
                status=ticket.status.value,
                email=ticket.identity.email,
                received_at=ticket.received_at,
                due_at=ticket.due_at,
            )
            return self._state_reply(
                session_id,
                f"Done: your request is filed as {ticket.id}.",
                "filed",
                ticket_id=ticket.id,
                ticket=summary,
            )
        request.status = "awaiting_confirmation"
        return self._state_reply(
            session_id,
            f"I will file an erasure request for {request.email}. Shall I file it? (yes/cancel)",
            "awaiting_confirmation",
        )

    def _state_reply(
        self,
        session_id: str,
        text: str,
        status: str,
        *,
        missing: list[str] | None = None,
        ticket_id: str | None = None,
        ticket: TicketSummary | None = None,
    ) -> Reply:
        state = RequestState.model_validate(
            {
                "request_type": "erasure",
                "status": status,
                "missing": missing or [],
                "ticket_id": ticket_id,
            }
        )
        return self._reply(session_id, text, "rights_request", request=state, ticket=ticket)

    def draft_reply(self, customer_message: str) -> StandInDraft:
        reply = self.respond(f"draft-{uuid.uuid4().hex}", customer_message, Channel.AGENT_CONSOLE)
        preview = None
        if reply.request is not None:
            email = EMAIL_RE.search(customer_message)
            preview = StandInDraftPreview(
                "erasure",
                email.group(0) if email else None,
                None,
                [] if email else ["email"],
            )
        return StandInDraft(
            f"Hello,\n\n{reply.reply}\n\nKind regards,\nWorkAllies Support",
            reply.citations,
            reply.abstained,
            preview,
            policy_version=self.policy.version,
        )

    def file_ticket_for_customer(self, draft: TicketDraft) -> DsrTicket:
        return self.tickets.create(draft)

    def record_feedback(
        self,
        session_id: str,
        message: str,
        reply: Reply,
        rating: Literal["up", "down"],
        comment: str | None = None,
    ) -> None:
        self.feedback.append((session_id, message, reply, rating))
