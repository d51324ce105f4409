"""After a policy update: what a human must look at.

Three lists: eval cases whose gold clause changed or disappeared (their expectations
may now be wrong), stored tickets that cite a clause that changed, moved or was
renumbered (a ticket stores clause ids, and the id may now name other text), and the
golden questions whose answer changed, old and new side by side.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from assistant.evaluation.datasets import EvalCase, QuestionCase, resolve_gold
from assistant.evaluation.policy_diff import PolicyDiff
from assistant.evaluation.results import (
    AnswerChange,
    BankReview,
    CaseResult,
    CaseReview,
    EvalReport,
    TicketReview,
)
from assistant.policy import Policy, phrase_spans
from assistant.question_bank import BankFile
from assistant.tickets import DsrTicket

GOLDEN_CATEGORIES = ("answerable", "unanswerable", "multi_turn")
_GOLD_FATES = {
    "changed": "gold clause changed",
    "removed": "gold clause removed",
    "moved": "gold clause moved to another section",
}


def _case_review(
    case: QuestionCase, old: Policy, new: Policy, diff: PolicyDiff
) -> list[CaseReview]:
    reviews = []
    question = case.turns[-1]
    for gold in case.gold:
        before, after = resolve_gold(old, gold), resolve_gold(new, gold)
        if not after.found:
            reviews.append(
                CaseReview(
                    case_id=case.id,
                    question=question,
                    reason=f"gold missing: {gold.phrase!r} is no longer in the policy",
                    old_clause_ids=list(before.clause_ids),
                )
            )
            continue
        for old_id in before.clause_ids:
            change = diff.old_clause_fate(old_id)
            if change is not None and change.change in _GOLD_FATES:
                reviews.append(
                    CaseReview(
                        case_id=case.id,
                        question=question,
                        reason=_GOLD_FATES[change.change],
                        old_clause_ids=[old_id],
                        new_clause_ids=[change.new_id] if change.new_id else [],
                    )
                )
    return reviews


def cases_needing_review(
    cases: Iterable[EvalCase], old: Policy, new: Policy, diff: PolicyDiff
) -> list[CaseReview]:
    reviews: list[CaseReview] = []
    for case in cases:
        if isinstance(case, QuestionCase):
            reviews.extend(_case_review(case, old, new, diff))
    return reviews


def cases_citing_new_text(
    results: Sequence[CaseResult], diff: PolicyDiff, baseline: EvalReport | None = None
) -> list[CaseReview]:
    """Question cases that now fail while citing a clause this update added or changed.

    Their gold did not move, so the diff alone cannot flag them; but the new text may
    answer better than the old gold (a retention period added under "closed accounts"),
    so the dataset, not the assistant, may be what needs fixing.
    """
    fresh = {c.new_id for c in diff.of_kind("added", "changed") if c.new_id}
    reviews = []
    for result in results:
        if result.kind != "question" or result.passed:
            continue
        before = baseline.case(result.id) if baseline else None
        if before is not None and not before.passed:
            continue  # failing already: not this update's doing
        cited = [cid for cid in result.turns[-1].cited if cid in fresh]
        if cited:
            reviews.append(
                CaseReview(
                    case_id=result.id,
                    question=result.turns[-1].message,
                    reason="now fails citing text this update added or changed (gold may be stale)",
                    new_clause_ids=cited,
                )
            )
    return reviews


def tickets_needing_review(tickets: Iterable[DsrTicket], diff: PolicyDiff) -> list[TicketReview]:
    """Tickets citing an old clause id that no longer names the same text."""
    reviews = []
    for ticket in tickets:
        for clause_id in ticket.cited_clause_ids:
            if clause_id not in diff.id_map:
                fate, new_id = "not in the old policy either", None
            elif (change := diff.old_clause_fate(clause_id)) is None:
                continue
            else:
                fate, new_id = change.change, change.new_id
            reviews.append(
                TicketReview(
                    ticket_id=ticket.id,
                    status=str(ticket.status),
                    clause_id=clause_id,
                    fate=fate,
                    new_clause_id=new_id,
                )
            )
    return reviews


def changed_answers(
    baseline: EvalReport,
    current: Sequence[CaseResult],
    categories: Sequence[str] = GOLDEN_CATEGORIES,
) -> list[AnswerChange]:
    """Golden questions whose final reply text differs from the baseline run.

    Falls back to the retrieval questions when no golden-answer dataset was run.
    """
    if not any(c.category in categories for c in current):
        categories = ("retrieval",)
    changes = []
    for result in current:
        before = baseline.case(result.id)
        if result.category not in categories or before is None:
            continue
        if before.reply != result.reply:
            changes.append(
                AnswerChange(
                    case_id=result.id,
                    question=result.turns[-1].message,
                    old_reply=before.reply,
                    new_reply=result.reply,
                    old_cited=before.turns[-1].cited,
                    new_cited=result.turns[-1].cited,
                )
            )
    return changes


def bank_review(bank: BankFile, new: Policy) -> BankReview:
    """Which banked answers the new text still has, and whether its not-answered labels
    still apply (only to the text they were made against: relabel, then `make models`)."""
    answered = [q for q in bank.questions if q.gold]
    lost = [q for q in answered if not phrase_spans(new.text, q.gold)]
    return BankReview(
        answered=len(answered),
        still_found=len(answered) - len(lost),
        lost=[f"{q.source}: {q.question}" for q in lost[:50]],
        unanswered_in_use=bank.policy_sha256 == new.content_hash,
    )
