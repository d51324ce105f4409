"""The "see also" line: pointers to the close clauses an answer does not quote."""

from __future__ import annotations

import re

from assistant.answering.citations import cite
from assistant.answering.see_also import MARGIN, SeeAlso
from assistant.answering.types import Answer
from assistant.policy import Clause, Policy
from assistant.retrieval import Hit

POINTERS = SeeAlso("See also {items}.", "“{section}” {markers}")


def hit(clause: Clause, score: float) -> Hit:
    return Hit(clause=clause, score=score, similarity=score)


def sentence_clauses(policy: Policy, count: int) -> list[Clause]:
    """Clauses from different sections, so each pointer has its own item."""
    seen: dict[str, Clause] = {}
    for clause in policy.clauses:
        if len(clause.text) > 40:
            seen.setdefault(clause.section, clause)
    return list(seen.values())[:count]


def answer_quoting(policy: Policy, clause: Clause) -> Answer:
    return Answer("The policy says so [1].", (cite(policy, clause, 0, 20),), confidence=0.5)


def test_close_clauses_are_pointed_to_with_verbatim_quotes_numbered_after_the_answer(
    policy: Policy,
) -> None:
    first, second, third = sentence_clauses(policy, 3)
    hits = [hit(first, 0.8), hit(second, 0.8 - MARGIN / 2), hit(third, 0.8 - MARGIN + 1e-9)]
    pointed = POINTERS.add(answer_quoting(policy, first), hits, policy)
    assert [c.clause_id for c in pointed.citations] == [first.id, second.id, third.id]
    assert pointed.text.endswith(f"See also “{second.section}” [2]; “{third.section}” [3].")
    for citation in pointed.citations:
        assert policy.text[citation.start : citation.end] == citation.quote
        assert citation.quote.strip()


def test_far_quoted_and_fourth_clauses_get_no_pointer(policy: Policy) -> None:
    first, second, third, fourth = sentence_clauses(policy, 4)
    quoted_second = Answer(
        "A [1]. B [2].", (cite(policy, first, 0, 10), cite(policy, second, 0, 10))
    )
    hits = [hit(first, 0.8), hit(second, 0.79), hit(third, 0.8 - MARGIN - 0.01), hit(fourth, 0.8)]
    assert POINTERS.add(quoted_second, hits, policy) == quoted_second


def test_an_abstention_is_left_as_it_is(policy: Policy) -> None:
    first, second = sentence_clauses(policy, 2)
    abstained = Answer("Not covered.", abstained=True)
    assert POINTERS.add(abstained, [hit(first, 0.8), hit(second, 0.8)], policy) == abstained


def test_two_clauses_of_one_section_share_one_item(policy: Policy) -> None:
    by_section: dict[str, list[Clause]] = {}
    for clause in policy.clauses:
        by_section.setdefault(clause.section, []).append(clause)
    pair = next(cs for cs in by_section.values() if len(cs) >= 2)
    lead = next(c for c in policy.clauses if c.section != pair[0].section)
    hits = [hit(lead, 0.8), hit(pair[0], 0.75), hit(pair[1], 0.7)]
    pointed = POINTERS.add(answer_quoting(policy, lead), hits, policy)
    assert re.search(rf"See also “{re.escape(pair[0].section)}” \[2\], \[3\]\.$", pointed.text)
