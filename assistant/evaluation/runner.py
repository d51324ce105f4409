"""Run evaluation cases through the public ``Assistant.respond`` and record what happened.

Every case gets a fresh session id, multi-turn cases are played turn by turn, and each
turn is timed. Nothing here reaches into the assistant's internals: what is measured is
what a user would see (the ``Reply``), plus the tickets the store holds afterwards.
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from tqdm import tqdm

from assistant.contract import Reply
from assistant.evaluation.checks import (
    AttackEvidence,
    adversarial_problems,
    check_citations,
    cited_ids,
    cited_units,
    emails_in,
    is_refusal,
    slot_matches,
    ticket_slot,
)
from assistant.evaluation.datasets import (
    AdversarialCase,
    EvalCase,
    QuestionCase,
    ResolvedGold,
    RightsCase,
    resolve_gold,
)
from assistant.evaluation.results import CaseResult, GoldOutcome, SlotOutcome, TurnLog
from assistant.policy import Policy
from assistant.tickets import DsrTicket

TOP_K_PASS = 3  # an answerable question passes when a gold clause is among 3 citations
# Categories whose messages are known not to be rights requests (retrieval questions
# include polite requests such as "can you delete my account", which rightly start one).
NOT_REQUESTS = frozenset({"answerable", "unanswerable", "multi_turn", "hard_negative"})


class TicketReader(Protocol):
    def get(self, ticket_id: str) -> DsrTicket | None: ...

    def tickets_for_session(self, session_id: str) -> list[DsrTicket]: ...


class Respondent(Protocol):
    """The slice of ``assistant.session.Assistant`` the runner uses."""

    @property
    def policy(self) -> Policy: ...

    @property
    def tickets(self) -> TicketReader: ...

    def respond(self, session_id: str, message: str) -> Reply: ...


@dataclass
class _Played:
    session: str
    replies: list[Reply] = field(default_factory=list)
    logs: list[TurnLog] = field(default_factory=list)


def _log(message: str, reply: Reply, latency_ms: float) -> TurnLog:
    return TurnLog(
        message=message,
        reply=reply.reply,
        intent=reply.intent,
        abstained=reply.abstained,
        closest=reply.closest_passage,
        cited=cited_ids(reply.citations),
        request_type=reply.request.request_type if reply.request else None,
        request_status=reply.request.status if reply.request else None,
        missing=list(reply.request.missing) if reply.request else [],
        ticket_id=reply.ticket.id if reply.ticket else None,
        error=reply.error.code if reply.error else None,
        latency_ms=round(latency_ms, 2),
    )


class Runner:
    def __init__(self, assistant: Respondent, *, progress: bool = True) -> None:
        self.assistant = assistant
        self.progress = progress
        self._run = uuid.uuid4().hex[:8]

    @property
    def policy(self) -> Policy:
        return self.assistant.policy

    def run(self, cases: Sequence[EvalCase]) -> list[CaseResult]:
        results = []
        bar = tqdm(
            cases,
            desc="eval",
            unit="case",
            file=sys.stderr,
            disable=not self.progress,
            leave=False,
            mininterval=0.5 if sys.stderr.isatty() else 15.0,  # CI logs: a line per 15 s
        )
        for case in bar:
            results.append(self.run_case(case))
        return results

    def run_case(self, case: EvalCase) -> CaseResult:
        if isinstance(case, QuestionCase):
            return self._question(case)
        if isinstance(case, RightsCase):
            return self._rights(case)
        return self._adversarial(case)

    # ------------------------------------------------------------ playing turns

    def _session(self, case_id: str, role: str = "u") -> str:
        slug = re.sub(r"[^A-Za-z0-9._-]", "-", case_id)[:60]
        return f"eval-{self._run}-{role}-{slug}-{uuid.uuid4().hex[:6]}"

    def _play(self, played: _Played, message: str) -> Reply:
        started = time.perf_counter()
        reply = self.assistant.respond(played.session, message)
        played.replies.append(reply)
        played.logs.append(_log(message, reply, (time.perf_counter() - started) * 1000))
        return reply

    def _play_all(self, case_id: str, turns: Sequence[str], role: str = "u") -> _Played:
        played = _Played(self._session(case_id, role))
        for message in turns:
            self._play(played, message)
        return played

    # ------------------------------------------------------------ questions

    def _question(self, case: QuestionCase) -> CaseResult:
        played = self._play_all(case.id, case.turns)
        last = played.replies[-1]
        resolved = [resolve_gold(self.policy, g) for g in case.gold]
        first_gold = _first_gold_rank(cited_units(last.citations, self.policy), resolved)
        # An abstention claims no answer: a passage it offers as the closest is not ranked.
        rank = None if last.abstained else first_gold
        offered = case.answerable and last.closest_passage
        closest_gold = first_gold is not None if offered else None
        failures = [f"gold phrase not in the policy: {g.phrase!r}" for g in resolved if not g.found]
        if case.answerable and not failures:
            if last.abstained:
                failures.append("abstained on a question the policy answers")
            elif rank is None or rank > TOP_K_PASS:
                failures.append(f"no gold clause among the first {TOP_K_PASS} citations")
        if not case.answerable and not last.abstained:
            failures.append("answered a question the policy does not cover")
        lead_ok = None
        if case.lead is not None:
            lead_ok = _opening(last.reply) == case.lead
            if not lead_ok:
                failures.append(f"the reply does not open with {case.lead!r}")
        # Out of scope vs merely not covered is measured, not failed: both abstain.
        scope_ok = None if case.answerable else (last.intent == "out_of_scope") == case.out_of_scope
        result = self._finish(case, played, failures, gold=resolved, rank=rank)
        update = {"lead_ok": lead_ok, "scope_ok": scope_ok, "closest_gold": closest_gold}
        return result.model_copy(update=update)

    # ------------------------------------------------------------ rights requests

    def _rights(self, case: RightsCase) -> CaseResult:
        played = self._play_all(case.id, case.turns)
        if case.expected_type and case.expected_slots and len(case.turns) == 1:
            self._complete(case, played)
        failures: list[str] = []
        predicted = next(
            (r.request.request_type for r in reversed(played.replies) if r.request), None
        )
        expected = str(case.expected_type) if case.expected_type else None
        if predicted != expected:
            failures.append(f"request type {predicted} (expected {expected})")
        if case.other_person and not is_refusal(played.replies[-1]):
            failures.append("did not decline a request for another person's data")
        checks, ok = self._turn_checks(case, played, failures)
        ticket = self._last_ticket(played)
        if case.expect_ticket and ticket is None:
            failures.append("no ticket was filed at the end of the script")
        slots = _slot_outcomes(case, played, ticket)
        failures += [
            f"slot {s.name} = {s.actual!r} (expected {s.expected!r})"
            for s in slots
            if s.ok is False
        ]
        return self._finish(
            case,
            played,
            failures,
            predicted=predicted,
            slots=slots,
            turn_checks=(checks, ok),
        )

    def _complete(self, case: RightsCase, played: _Played) -> None:
        """Carry a one-message request to a filed ticket so its slot values can be read.

        Only the e-mail address is supplied (a synthetic one); any other missing slot is
        a recogniser miss and stays visible as such.
        """
        reply = played.replies[-1]
        if reply.request is None:
            return
        if reply.request.status == "needs_info" and reply.request.missing == ["email"]:
            digest = hashlib.sha1(case.id.encode()).hexdigest()[:8]
            reply = self._play(played, f"my email is eval.{digest}@example.com")
        if reply.request is not None and reply.request.status == "awaiting_confirmation":
            self._play(played, "yes")

    def _turn_checks(
        self, case: RightsCase, played: _Played, failures: list[str]
    ) -> tuple[int, int]:
        checks = ok = 0
        for index, (expect, reply) in enumerate(zip(case.expect, played.replies, strict=False)):
            state = reply.request
            if expect.status is not None:
                checks += 1
                actual = state.status if state else None
                if actual == expect.status:
                    ok += 1
                else:
                    failures.append(f"turn {index + 1}: status {actual} (expected {expect.status})")
            if expect.missing is not None:
                checks += 1
                missing = sorted(state.missing) if state else []
                if missing == sorted(expect.missing):
                    ok += 1
                else:
                    failures.append(
                        f"turn {index + 1}: missing {missing} (expected {expect.missing})"
                    )
        return checks, ok

    def _last_ticket(self, played: _Played) -> DsrTicket | None:
        ids = [r.ticket.id for r in played.replies if r.ticket]
        return self.assistant.tickets.get(ids[-1]) if ids else None

    # ------------------------------------------------------------ adversarial

    def _adversarial(self, case: AdversarialCase) -> CaseResult:
        setup = self._play_all(case.id, case.setup, role="setup") if case.setup else None
        played = self._play_all(case.id, case.turns)
        typed = emails_in(case.turns)
        evidence = AttackEvidence(
            replies=played.replies,
            tickets=self.assistant.tickets.tickets_for_session(played.session),
            setup_ticket_ids=[r.ticket.id for r in setup.replies if r.ticket] if setup else [],
            setup_emails=sorted(emails_in(case.setup) - typed),
        )
        failures = adversarial_problems(case.checks, self.policy, evidence)
        return self._finish(case, played, failures)

    # ------------------------------------------------------------ the record

    def _finish(
        self,
        case: EvalCase,
        played: _Played,
        failures: list[str],
        *,
        gold: Sequence[ResolvedGold] = (),
        rank: int | None = None,
        predicted: str | None = None,
        slots: Sequence[SlotOutcome] = (),
        turn_checks: tuple[int, int] = (0, 0),
    ) -> CaseResult:
        citations = [check_citations(self.policy, r.citations) for r in played.replies]
        if not isinstance(case, AdversarialCase):  # adversarial checks report their own
            failures += [p for c in citations for p in c.problems]
        request_started = any(r.request is not None for r in played.replies)
        ticket_filed = any(r.ticket is not None for r in played.replies)
        if case.category in NOT_REQUESTS:
            if request_started:
                failures.append("started a rights request on a message that is not one")
            if ticket_filed:
                failures.append("filed a ticket on a message that is not a request")
        return CaseResult(
            id=case.id,
            kind=case.kind,
            category=case.category,
            split=case.split,
            turns=played.logs,
            passed=not failures,
            failures=failures,
            answerable=case.answerable if isinstance(case, QuestionCase) else None,
            gold=[
                GoldOutcome(phrase=g.phrase, status=g.status, clause_ids=list(g.clause_ids))
                for g in gold
            ],
            gold_rank=rank,
            citations=sum(c.total for c in citations),
            citations_valid=sum(c.valid for c in citations),
            citations_verbatim=sum(c.verbatim for c in citations),
            request_started=request_started,
            ticket_filed=ticket_filed,
            ticket_expected=isinstance(case, RightsCase) and case.expect_ticket,
            expected_type=(
                str(case.expected_type)
                if isinstance(case, RightsCase) and case.expected_type
                else None
            ),
            predicted_type=predicted,
            slots=list(slots),
            turn_checks=turn_checks[0],
            turn_checks_ok=turn_checks[1],
            attack=case.attack if isinstance(case, AdversarialCase) else None,
        )


def _opening(reply: str) -> str | None:
    """The yes/no a reply opens with: "Yes." or a short qualified lead ("In some cases, yes.")."""
    first = re.split(r"[.!?\n]", reply.strip(), maxsplit=1)[0].lower()
    words = re.findall(r"[a-z']+", first)
    if words and words[0] in ("yes", "no"):
        return words[0]
    if 1 < len(words) <= 5 and words[-1] in ("yes", "no"):
        return words[-1]
    return None


def _first_gold_rank(cited: Sequence[frozenset[str]], gold: Sequence[ResolvedGold]) -> int | None:
    """Rank of the first cited statement with any gold clause (any gold answers the case)."""
    wanted = {cid for g in gold for cid in g.clause_ids}
    for rank, clause_ids in enumerate(cited, start=1):
        if clause_ids & wanted:
            return rank
    return None


def _slot_outcomes(
    case: RightsCase, played: _Played, ticket: DsrTicket | None
) -> list[SlotOutcome]:
    outcomes = []
    last_state = next((r.request for r in reversed(played.replies) if r.request), None)
    for name, expected in case.expected_slots.items():
        if ticket is not None:
            actual = ticket_slot(ticket, name)
            outcomes.append(
                SlotOutcome(
                    name=name,
                    expected=expected,
                    actual=actual,
                    ok=slot_matches(name, expected, actual),
                )
            )
        elif last_state is None or name in last_state.missing:  # never captured
            outcomes.append(SlotOutcome(name=name, expected=expected, actual=None, ok=False))
        else:  # filled or not, the value is not visible without a ticket
            outcomes.append(SlotOutcome(name=name, expected=expected, actual=None, ok=None))
    return outcomes
