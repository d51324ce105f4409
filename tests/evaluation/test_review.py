from __future__ import annotations

import uuid
from pathlib import Path

from assistant.evaluation.datasets import GoldClause, QuestionCase
from assistant.evaluation.loaders import load_suite
from assistant.evaluation.policy_diff import diff_policies
from assistant.evaluation.review import (
    cases_citing_new_text,
    cases_needing_review,
    changed_answers,
    tickets_needing_review,
)
from assistant.policy import Policy
from assistant.ticket_store import TicketStore
from assistant.tickets import RequestType, TicketDraft

from .builders import question, report, turn
from .paths import ROOT


def _case(case_id: str, phrase: str) -> QuestionCase:
    return QuestionCase(
        id=case_id, category="answerable", turns=["q?"], gold=[GoldClause(phrase=phrase)]
    )


def test_cases_whose_gold_changed_or_vanished(shipped: Policy, v2: Policy) -> None:
    cases = [
        _case("dnt", "We do not honor browser requests"),  # section removed in v2
        _case("contact", "we will respond within a reasonable timeframe"),  # clause edited
        _case("month", "You have one month to receive a response"),  # only renumbered
        _case("cookies", "We use various cookies"),  # untouched
    ]
    reviews = cases_needing_review(cases, shipped, v2, diff_policies(shipped, v2))
    assert {(r.case_id, r.reason.split(":")[0]) for r in reviews} == {
        ("dnt", "gold missing"),
        ("contact", "gold clause changed"),
    }
    contact = next(r for r in reviews if r.case_id == "contact")
    assert contact.old_clause_ids == ["contact-us-2"] == contact.new_clause_ids


def test_shipped_cases_affected_by_v2(shipped: Policy, v2: Policy) -> None:
    cases = load_suite(ROOT / "evals")
    reviews = cases_needing_review(cases, shipped, v2, diff_policies(shipped, v2))
    flagged = {r.case_id for r in reviews}
    by_question = {c.turns[-1]: c.id for c in cases if isinstance(c, QuestionCase)}
    assert by_question["r u allowed to track me even if my browser says dont"] in flagged
    assert by_question["do u sell my stuff to advertisers"] not in flagged
    # every flagged case has a gold phrase in a clause v2 removed or edited
    touched = {"do-not-track-1", "contact-us-1", "contact-us-2", "introduction-1"}
    for review in reviews:
        assert set(review.old_clause_ids) <= touched


def _file(store: TicketStore, cited: tuple[str, ...]) -> str:
    draft = TicketDraft(
        request_id=uuid.uuid4().hex,
        request_type=RequestType.ACCESS,
        email="a@example.com",
        session_id=f"s-{uuid.uuid4().hex[:8]}",
        cited_clause_ids=cited,
    )
    return store.create(draft).id


def test_tickets_citing_changed_clauses(tmp_path: Path, shipped: Policy, v2: Policy) -> None:
    store = TicketStore(f"sqlite:///{tmp_path / 't.sqlite3'}")
    gone = _file(store, ("do-not-track-1",))
    shifted = _file(store, ("your-data-protection-rights-8", "cookies-1"))
    _file(store, ("cookies-1",))
    reviews = tickets_needing_review(store.list(), diff_policies(shipped, v2))
    store.close()
    assert {(r.ticket_id, r.clause_id, r.fate, r.new_clause_id) for r in reviews} == {
        (gone, "do-not-track-1", "removed", None),
        (shifted, "your-data-protection-rights-8", "renumbered", "your-data-protection-rights-9"),
    }


def test_changed_answers_side_by_side() -> None:
    before = report(
        {},
        [
            question("a", 1, category="answerable"),
            question("b", 1, category="answerable").model_copy(update={"turns": [turn("old")]}),
        ],
    )
    now = [
        question("a", 1, category="answerable"),
        question("b", 1, category="answerable").model_copy(update={"turns": [turn("new")]}),
        question("c", 1, category="answerable"),  # not in the baseline: nothing to compare
    ]
    changes = changed_answers(before, now)
    assert [(c.case_id, c.old_reply, c.new_reply) for c in changes] == [("b", "old", "new")]


def test_a_case_failing_on_new_text_is_flagged(shipped: Policy, v2: Policy) -> None:
    """Its gold did not change, but the new retention clause now answers it instead."""
    diff = diff_policies(shipped, v2)
    new_clause = "how-long-do-we-keep-personal-information-2"
    was_fine = question("closed", 1, category="multi_turn")
    now = question("closed", None, category="multi_turn", passed=False)
    now.turns[-1].cited = [new_clause]
    unrelated = question("other", None, category="answerable", passed=False)
    unrelated.turns[-1].cited = ["cookies-1"]
    reviews = cases_citing_new_text([now, unrelated], diff, report({}, [was_fine]))
    assert [(r.case_id, r.new_clause_ids) for r in reviews] == [("closed", [new_clause])]
    already_failing = report({}, [now])
    assert cases_citing_new_text([now], diff, already_failing) == []


def test_a_policy_update_reports_what_it_leaves_of_the_question_bank(
    shipped: Policy, v2: Policy
) -> None:
    from assistant.evaluation.review import bank_review
    from assistant.question_bank import load_bank

    bank = load_bank()
    same = bank_review(bank, shipped)
    assert same.unanswered_in_use and same.still_found == same.answered > 0 and not same.lost
    updated = bank_review(bank, v2)
    assert not updated.unanswered_in_use  # labelled against the shipped text only
    assert updated.still_found < updated.answered and updated.lost
    assert all(": " in entry for entry in updated.lost)
