"""The Assistant: routes one chat turn and builds the `Reply`.

This is where the two paths meet: answering (retrieval → grounded answer with
verbatim citations, or an honest abstention) and rights requests (recognise →
collect → confirm → a ticket committed to the store before the user is told).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from assistant import rights
from assistant.answering import Answer, Generator, build_generator
from assistant.answering.combine import combine_answers
from assistant.answering.see_also import SeeAlso
from assistant.answering.types import Cited
from assistant.brand import Brand, brand_of
from assistant.chitchat import chitchat_reply, classify_chitchat, possible_chitchat
from assistant.config import Settings
from assistant.contract import Citation, ErrorInfo, Reply, RequestState, TicketSummary
from assistant.conversation import (
    CONTEXT_SEARCH_WIDTH,
    Turn,
    answer_in_context,
    rank_in_context,
    separate_questions,
)
from assistant.drafting import Draft, draft_reply
from assistant.feedback import FeedbackStore
from assistant.inputs import check_session_id, clean_message
from assistant.language import EMAIL_RE
from assistant.policy import Policy
from assistant.question_bank import NO_MATCHES
from assistant.redaction import redact
from assistant.retrieval import Hit, Retriever
from assistant.sessions import (
    MemorySessionStore,
    SessionLocks,
    SessionState,
    SessionStore,
    SqlSessionStore,
)
from assistant.templates import load_template
from assistant.ticket_store import TicketStore
from assistant.tickets import (
    Channel,
    DsrTicket,
    TicketDraft,
    TicketValidationError,
)

log = logging.getLogger(__name__)

QUOTED_USER_TURNS = 4  # the customer's last messages kept with a chat ticket
TICKET_ID_RE = re.compile(r"\bDSR-\d{4}-[A-Z0-9]{6,12}\b", re.IGNORECASE)
# "what's the status of my request?", "show me the tickets of x@y.com": a lookup, not a
# question about the policy nor a new request.
TICKET_LOOKUP_RE = re.compile(
    r"\b(?:show|see|view|list|check|look up|track|status)\b[^.?!]{0,40}?"
    r"\b(?:tickets?|dsrs?|requests?)\b(?! (?:a|an|the|for|to|that|my data)\b)",
    re.IGNORECASE,
)
# Asks for other people's requests in bulk ("a list of all DSR tickets filed today with
# their emails"): refused like any request for someone else's data, whoever claims to ask.
BULK_REQUESTS_RE = re.compile(
    r"\b(?:all|every|list|other|others'?|everyone'?s?)\b[^.?!]{0,60}?"
    r"\b(?:tickets?|dsrs?|requests?)\b[^.?!]{0,60}?"
    r"\b(?:emails?|filed|today|users?'?|people|customers?'?|members?'?)\b",
    re.IGNORECASE,
)


@dataclass
class _Turn:
    """What every step of one chat turn needs to know."""

    session_id: str
    state: SessionState
    channel: Channel


@dataclass(frozen=True)
class _TurnResult:
    reply: Reply
    remember_question: str | None = None
    remember_cited: Cited = field(default_factory=Cited)


class Assistant:
    def __init__(
        self,
        *,
        settings: Settings,
        policy: Policy,
        retriever: Retriever,
        generator: Generator,
        tickets: TicketStore,
        sessions: SessionStore | None = None,
        feedback: FeedbackStore | None = None,
        generator_factory: Callable[[Policy], Generator] | None = None,
    ) -> None:
        self.settings = settings
        self._policy = policy
        self.retriever = retriever
        self.generator = generator
        # A generator built from settings is rebuilt when a new policy version goes live,
        # so citations are verified against the text that retrieval now searches.
        self._generator_factory = generator_factory
        self._generator_version = policy.version
        self.tickets = tickets
        self.sessions = sessions or MemorySessionStore()
        self.feedback = feedback or FeedbackStore(tickets.engine)
        self._locks = SessionLocks()
        self._text = load_template("session")
        self._see_also = SeeAlso(self._text["see_also"], self._text["see_also_item"])

    @property
    def policy(self) -> Policy:
        """The active policy: the version retrieval searches, which a live ingest can change."""
        current = getattr(self.retriever, "policy", None)
        return current if isinstance(current, Policy) else self._policy

    @property
    def brand(self) -> Brand:
        """The company the active policy belongs to (cached per policy text)."""
        return brand_of(self.policy, self.settings.company_name)

    def _sync_generator(self) -> None:
        policy = self.policy
        if self._generator_factory and policy.version != self._generator_version:
            self.generator = self._generator_factory(policy)
            self._generator_version = policy.version

    # ------------------------------------------------------------ construction

    @classmethod
    def from_settings(cls, settings: Settings | None = None, embedder: Any = None) -> Assistant:
        """Load the model once, ingest the default policy on first use, open the stores."""
        from assistant.retrieval import load_retriever

        settings = settings or Settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        retriever = load_retriever(settings, embedder=embedder)
        tickets = TicketStore.from_settings(settings)
        # With a database server, conversations live there too: any app process can take
        # any turn. The embedded default (SQLite, one process) keeps them in memory.
        idle = settings.session_idle_minutes * 60
        sessions: SessionStore = (
            SqlSessionStore(tickets.engine, idle_seconds=idle)
            if settings.database_url
            else MemorySessionStore(idle_seconds=idle)
        )
        return cls(
            settings=settings,
            policy=retriever.policy,
            retriever=retriever,
            generator=build_generator(settings, policy=retriever.policy),
            tickets=tickets,
            sessions=sessions,
            generator_factory=lambda policy: build_generator(settings, policy=policy),
        )

    @classmethod
    def for_testing(cls, data_dir: str | Path, **overrides: Any) -> Assistant:
        """Fast and deterministic: hashing embedder instead of the model, SQLite in data_dir."""
        from assistant.embedding import HashingEmbedder

        settings = Settings(data_dir=Path(data_dir), **overrides)
        return cls.from_settings(settings, embedder=HashingEmbedder())

    # ------------------------------------------------------------ the chat turn

    def respond(self, session_id: str, message: str, channel: Channel = Channel.CHAT) -> Reply:
        if problem := check_session_id(session_id):
            return self._error_reply("invalid", problem.code, problem.message)
        cleaned = clean_message(message, self.settings.max_message_chars)
        if cleaned.problem:
            return self._error_reply(session_id, cleaned.problem.code, cleaned.problem.message)
        self._sync_generator()
        with self._locks.hold(session_id):
            state = self.sessions.load(session_id)
            redacted = redact(cleaned.text)
            # Passwords stated in words ("my bank login is ...") go too, before anything
            # reads or stores the message.
            text, stated = rights.scrub_stated_passwords(redacted.text)
            try:
                result = self._route(_Turn(session_id, state, channel), text)
            except Exception:  # one bad turn must never take the session down
                log.exception("turn failed for a session")
                return self._error_reply(session_id, "internal_error", self._text["internal_error"])
            reply = result.reply
            if redacted.found or stated:
                reply = reply.model_copy(
                    update={"reply": f"{self._text['secret_removed']}\n\n{reply.reply}"}
                )
            state.add("user", text)
            state.add("assistant", reply.reply)
            if result.remember_question:
                state.last_question = result.remember_question
                state.last_cited = result.remember_cited
            self.sessions.save(session_id, state)
        return reply

    def _route(self, turn: _Turn, text: str) -> _TurnResult:
        offered, turn.state.offered_request = turn.state.offered_request, None
        if offered and turn.state.pending_request is None:
            offered_kind, after_cancel = rights.read_offer(offered)
            # After a cancel only "file it" restarts: "ok thanks" just acknowledges it.
            if rights.says_yes(text) and (not after_cancel or rights.says_file_it(text)):
                return self._start_request(
                    turn, rights.detection_for(offered_kind, text, self.brand)
                )
        if mentioned := TICKET_ID_RE.search(text):
            return self._ticket_status(turn, mentioned.group(0).upper())
        bulk = BULK_REQUESTS_RE.search(text)
        if bulk and not re.search(r"\b(?:my|mine)\b", bulk.group(0), re.IGNORECASE):
            refusal = self._text["other_person"]
            return _TurnResult(self._reply(turn.session_id, refusal, "rights_request"))
        if TICKET_LOOKUP_RE.search(text) and turn.state.pending_request is None:
            return self._ticket_lookup(turn, text)
        if turn.state.pending_request is not None:
            result = self._continue_request(turn, text)
            if result is not None:
                return result
        elif kind := classify_chitchat(text):
            return _TurnResult(self._reply(turn.session_id, chitchat_reply(kind), "chitchat"))
        detection = rights.detect_request(text, self.brand)
        if detection is not None:
            return self._start_request(turn, detection, text)
        return self._answer(turn, text)

    # ------------------------------------------------------------ questions

    def _answer(self, turn: _Turn, text: str) -> _TurnResult:
        session_id, state = turn.session_id, turn.state
        # The question as last answered: the reading kept, so a topic the last turn left
        # behind ("is a 16 year old allowed to use it?" read alone) does not come back.
        history = [Turn("user", state.last_question)] if state.last_question else []
        query, answer = self._answer_each(text, history, state.last_cited)
        # Off the topic altogether is not the policy being silent: "Tell me a joke." sat in
        # the band after the retrain with batch 19 and was told "Goodbye!".
        silent = answer.abstained and not answer.closest and not answer.out_of_scope
        if silent and state.pending_request is None and (kind := possible_chitchat(text)):
            # "who are you?": maybe small talk, and the policy has nothing to say on it
            return _TurnResult(self._reply(session_id, chitchat_reply(kind), "chitchat"))
        body = answer.text
        if state.pending_request is not None:
            body = f"{body}\n\n{rights.resume_prompt(rights.load_state(state.pending_request))}"
        elif not answer.abstained and (offer := rights.suggest_request(text, self.brand)):
            # Naming a right in a question earns an offer, never a ticket: recall without
            # false tickets (the recogniser only files on an explicit request).
            state.offered_request = str(offer)
            body = f"{body}\n\n{self._text['offer'].format(label=rights.request_label(offer))}"
        intent: Literal["question", "out_of_scope"] = (
            "out_of_scope" if answer.out_of_scope else "question"
        )
        reply = self._reply(
            session_id,
            body,
            intent,
            abstained=answer.abstained,
            closest_passage=answer.closest,
            citations=_citations(answer),
            request=_request_state(state),
        )
        return _TurnResult(reply, query, remember_cited=Cited.of(answer))

    def _answer_each(self, text: str, history: list[Turn], previous: Cited) -> tuple[str, Answer]:
        """The question to remember and the answer: one per question the message asks,
        each read after the ones before it ("... my data? How long do you keep it?").
        A follow-up read in context prefers the sections the answer before it cited."""
        questions = separate_questions(text)
        answered: list[tuple[str, Answer]] = []
        query = text
        for i, part in enumerate(questions.parts):

            def near(query: str, message: str, cited: Cited = previous) -> Answer:
                return self._answer_followup(query, message, cited)

            query, answer = answer_in_context(part, history, self._answer_query, i > 0, near)
            answered.append((part, answer))
            history = [*history, Turn("user", part)]
            previous = Cited.of(answer)
        if len(answered) == 1:
            return query, answered[0][1]
        answer = combine_answers(answered, self._text["question_part"])
        if questions.dropped:
            note = self._text["questions_dropped"].format(count=len(questions.parts))
            answer = replace(answer, text=f"{answer.text}\n\n{note}")
        return query, answer

    def _answer_query(self, query: str) -> Answer:
        hits = self.retriever.search(query, k=self.settings.retrieval_k)
        return self._with_see_also(self.generator.answer(query, hits), hits)

    def _with_see_also(self, answer: Answer, hits: Sequence[Hit]) -> Answer:
        if not self.settings.see_also:
            return answer
        return self._see_also.add(answer, hits, self.policy)

    def _answer_followup(self, query: str, message: str, previous: Cited) -> Answer:
        """A follow-up merged with the question before it: retrieved for both and for its
        own words, near what the previous answer cited, not opening with what it did."""
        k = self.settings.retrieval_k
        wide = k * CONTEXT_SEARCH_WIDTH
        merged = self.retriever.search(query, k=wide)
        own = self.retriever.search(message, k=wide)
        # only the hybrid retriever holds the question bank
        followups = getattr(self.retriever, "followup_matches", None)
        banked = followups(message, query) if followups else NO_MATCHES
        hits = rank_in_context(merged, own, previous.sections, k, previous.clauses, banked=banked)
        answer = self.generator.answer(query, hits, just_read=previous.opening)
        return self._with_see_also(answer, hits)

    # ------------------------------------------------------------ rights requests

    def _start_request(
        self, turn: _Turn, detection: rights.Detection, message: str | None = None
    ) -> _TurnResult:
        """``message``: the user's own words that asked for it, remembered like a question
        so a follow-up reads in their context ("how do I do that?" after "can I get a copy
        of my data?" asked how to get the copy, and was declined read alone)."""
        if detection.other_person:
            reply = self._reply(turn.session_id, self._text["other_person"], "rights_request")
            return _TurnResult(reply)
        request = rights.start(detection)
        hits = self._clauses_for(request)
        request.cited_clause_ids = [h.clause.id for h in hits]
        turn.state.pending_request = rights.dump_state(request)
        named = rights.names_the_right(request.request_type, self.policy.text)
        closest = hits[0].clause.text if hits and not named else None
        step = rights.opening_step(request, closest=closest)
        result = self._after_step(turn, request, step, hits)
        if message is None or not hits:
            return result
        cited = Cited.quoting(result.reply.citations)
        return replace(result, remember_question=message, remember_cited=cited)

    def _clauses_for(self, request: rights.RequestInProgress) -> list[Hit]:
        """The policy clauses a request cites, the one granting the right first. Citations
        are a courtesy here: with the index unreachable, the request still starts (and can
        be filed) without them."""
        try:
            return rights.request_citations(request.request_type, self.retriever.search)
        except Exception:
            log.warning("retrieval unavailable; starting the request without citations")
            return []

    def _continue_request(self, turn: _Turn, text: str) -> _TurnResult | None:
        assert turn.state.pending_request is not None
        request = rights.load_state(turn.state.pending_request)
        step = rights.advance(request, text, self.brand)
        if step.kind == "not_for_me":
            return None  # answer the question; the request stays pending
        if step.kind == "switch" and step.detection is not None:
            turn.state.pending_request = None
            return self._start_request(turn, step.detection)
        return self._after_step(turn, request, step, [])

    def _after_step(
        self,
        turn: _Turn,
        request: rights.RequestInProgress,
        step: rights.FlowStep,
        hits: Sequence[Hit],
    ) -> _TurnResult:
        session_id, state = turn.session_id, turn.state
        ticket: DsrTicket | None = None
        text = step.message
        if step.kind == "filed_ready":
            try:
                ticket = self._file(request, session_id, turn.channel)
            except TicketValidationError as exc:
                request.status = "awaiting_confirmation"
                text = self._text["ticket_invalid"].format(reason=str(exc))
            except Exception:
                log.exception("ticket store unavailable")
                request.status = "awaiting_confirmation"  # a retried "yes" files it
                state.pending_request = rights.dump_state(request)
                return _TurnResult(
                    self._reply(
                        session_id,
                        self._text["store_unavailable"],
                        "rights_request",
                        request=_request_state(state),
                        error=ErrorInfo(
                            code="ticket_store_unavailable",
                            message="The request could not be saved; it was NOT filed.",
                        ),
                    )
                )
            else:
                request.status = "filed"
                request.ticket_id = ticket.id
                text = rights.filed_message(request, ticket)
        done = request.status in ("filed", "cancelled")
        state.pending_request = None if done else rights.dump_state(request)
        if request.status == "cancelled":  # "actually, file it" starts it again, cleanly
            state.offered_request = rights.restart_offer(request.request_type)
        reply = self._reply(
            session_id,
            text,
            "rights_request",
            citations=[Citation.of_clause(h.clause) for h in hits],
            request=_request_snapshot(request),
            ticket=_ticket_summary(ticket) if ticket else None,
        )
        return _TurnResult(reply)

    def _ticket_lookup(self, turn: _Turn, text: str) -> _TurnResult:
        """The newest request this conversation filed; refused when the message names an
        e-mail address (the chat cannot tell whose it is) or nothing was filed here."""
        own = self.tickets.tickets_for_session(turn.session_id)
        if EMAIL_RE.search(text):
            refusal = self._text["ticket_not_yours"]
            return _TurnResult(self._reply(turn.session_id, refusal, "chitchat"))
        if not own:
            return _TurnResult(
                self._reply(turn.session_id, self._text["no_tickets_here"], "chitchat")
            )
        newest = max(own, key=lambda t: t.received_at)
        return self._ticket_status(turn, newest.id)

    def _ticket_status(self, turn: _Turn, ticket_id: str) -> _TurnResult:
        """Status of a ticket this conversation filed. Any other id gets the same refusal
        whether or not it exists, so the chat is no oracle for other people's tickets."""
        own = {t.id: t for t in self.tickets.tickets_for_session(turn.session_id)}
        ticket = own.get(ticket_id)
        if ticket is None:
            return _TurnResult(
                self._reply(turn.session_id, self._text["ticket_not_yours"], "chitchat")
            )
        text = self._text["ticket_status"].format(
            id=ticket.id,
            label=rights.request_label(ticket.request_type),
            status=str(ticket.status).replace("_", " "),
            due=f"{ticket.due_at:%d %B %Y}",
        )
        return _TurnResult(self._reply(turn.session_id, text, "rights_request"))

    def _file(
        self, request: rights.RequestInProgress, session_id: str, channel: Channel
    ) -> DsrTicket:
        draft = rights.to_draft(request, session_id, channel, tuple(request.cited_clause_ids))
        # What the customer wrote (already redacted), so staff read the request in their words.
        said = [t.text for t in self.sessions.load(session_id).turns if t.role == "user"]
        draft = replace(draft, customer_message="\n".join(said[-QUOTED_USER_TURNS:]) or None)
        return self.tickets.create(draft)  # committed before the user hears "filed"

    # ------------------------------------------------------------ staff side

    def draft_reply(self, customer_message: str) -> Draft:
        self._sync_generator()
        return draft_reply(self, customer_message)

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
        self.feedback.record(session_id, message, reply, rating, comment)

    # ------------------------------------------------------------ helpers

    def _reply(self, session_id: str, text: str, intent: Any, **fields: Any) -> Reply:
        return Reply(
            session=session_id,
            reply=text,
            intent=intent,
            policy_version=self.policy.version,
            **fields,
        )

    def _error_reply(self, session_id: str, code: str, message: str) -> Reply:
        return self._reply(
            session_id, message, "chitchat", error=ErrorInfo(code=code, message=message)
        )


def _citations(answer: Answer) -> list[Citation]:
    return [Citation.of(c) for c in answer.citations]


def _request_snapshot(request: rights.RequestInProgress) -> RequestState:
    return RequestState(
        request_type=str(request.request_type),
        status=request.status,
        missing=list(request.missing),
        ticket_id=request.ticket_id,
    )


def _request_state(state: SessionState) -> RequestState | None:
    if state.pending_request is None:
        return None
    return _request_snapshot(rights.load_state(state.pending_request))


def _ticket_summary(ticket: DsrTicket) -> TicketSummary:
    return TicketSummary(
        id=ticket.id,
        request_type=str(ticket.request_type),
        status=str(ticket.status),
        email=ticket.identity.email,
        received_at=ticket.received_at,
        due_at=ticket.due_at,
    )
