"""Citations: exact offsets, verbatim quotes, and what verification rejects."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.answering import Answer, cite, locate_quote, verify
from assistant.answering.citations import reading_units
from assistant.answering.evaluation import gold_rank
from assistant.policy import Policy, iter_sentences
from tests.answering.conftest import MakeHits

SELL = "sharing-personal-information-with-third-1"
FRAUD = "how-long-do-we-keep-personal-information-1.3.2"
CLOSED = "how-long-do-we-keep-personal-information-1.3"


def test_every_sentence_of_every_clause_cites_with_exact_offsets(policy: Policy) -> None:
    for clause in policy.clauses:
        for start, end in iter_sentences(clause.text):
            citation = cite(policy, clause, start, end)
            assert policy.text[citation.start : citation.end] == citation.quote
            assert citation.quote in clause.text
            assert citation.section == clause.section


def _answer(policy: Policy, clause_id: str, text: str = "It says so [1].") -> Answer:
    return Answer(text, (cite(policy, policy.clause(clause_id)),))


def test_a_correct_answer_verifies(policy: Policy, make_hits: MakeHits) -> None:
    assert verify(_answer(policy, SELL), make_hits(SELL), policy) == []


def test_fabricated_clause_id_is_rejected(policy: Policy, make_hits: MakeHits) -> None:
    answer = _answer(policy, SELL)
    forged = replace(answer.citations[0], clause_id="sharing-personal-information-with-third-99")
    problems = verify(replace(answer, citations=(forged,)), make_hits(SELL), policy)
    assert [p.kind for p in problems] == ["unknown_clause"]


def test_paraphrased_quote_is_rejected(policy: Policy, make_hits: MakeHits) -> None:
    answer = _answer(policy, SELL)
    paraphrase = replace(answer.citations[0], quote="We do not sell your data to anyone.")
    problems = verify(replace(answer, citations=(paraphrase,)), make_hits(SELL), policy)
    assert [p.kind for p in problems] == ["not_verbatim"]


def test_whitespace_normalised_quote_is_not_verbatim(policy: Policy, make_hits: MakeHits) -> None:
    answer = _answer(policy, SELL)
    spaced = replace(answer.citations[0], quote=answer.citations[0].quote.replace(" ", "  ", 1))
    problems = verify(replace(answer, citations=(spaced,)), make_hits(SELL), policy)
    assert [p.kind for p in problems] == ["not_verbatim"]


def test_shifted_offsets_are_rejected(policy: Policy, make_hits: MakeHits) -> None:
    answer = _answer(policy, SELL)
    citation = answer.citations[0]
    shifted = replace(citation, start=citation.start + 1, end=citation.end + 1)
    problems = verify(replace(answer, citations=(shifted,)), make_hits(SELL), policy)
    assert [p.kind for p in problems] == ["bad_offsets"]


def test_citing_a_clause_that_was_not_retrieved_is_rejected(
    policy: Policy, make_hits: MakeHits
) -> None:
    problems = verify(_answer(policy, SELL), make_hits("cookies-1"), policy)
    assert [p.kind for p in problems] == ["not_retrieved"]


def test_the_lead_in_of_a_retrieved_bullet_may_be_cited(
    policy: Policy, make_hits: MakeHits
) -> None:
    answer = Answer(
        "Lead-in [1]: prevent fraud [2].",
        (cite(policy, policy.clause(CLOSED)), cite(policy, policy.clause(FRAUD))),
    )
    assert verify(answer, make_hits(FRAUD), policy) == []


def test_an_abstention_may_cite_the_contact_clause_without_retrieving_it(
    policy: Policy, make_hits: MakeHits
) -> None:
    answer = replace(_answer(policy, "contact-us-2", "Email us [1]."), abstained=True)
    assert verify(answer, make_hits("cookies-1"), policy) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yes. It says so [1]. And more [2].", "[2] has no citation"),
        ("No citation marker at all in this sentence.", "never referenced"),
        ("It says so [1]. This sentence makes a claim without a marker.", "without a citation"),
    ],
)
def test_marker_problems(policy: Policy, make_hits: MakeHits, text: str, expected: str) -> None:
    problems = verify(_answer(policy, SELL, text), make_hits(SELL), policy)
    assert any(expected in p.detail for p in problems), problems


def test_a_short_lead_needs_no_marker(policy: Policy, make_hits: MakeHits) -> None:
    assert verify(_answer(policy, SELL, "No. It says so [1]."), make_hits(SELL), policy) == []


def test_locate_quote_repairs_whitespace_and_quote_characters(policy: Policy) -> None:
    clause = policy.clause("do-not-track-1")
    sloppy = (
        'We do not  honor browser requests\nnot to be tracked online (known as "Do Not Track").'
    )
    span = locate_quote(clause, sloppy)
    assert span is not None
    assert clause.text[span[0] : span[1]] == clause.text  # the exact text, curly quotes and all


def test_locate_quote_refuses_a_paraphrase(policy: Policy) -> None:
    assert locate_quote(policy.clause("do-not-track-1"), "We ignore Do Not Track.") is None
    assert locate_quote(policy.clause("do-not-track-1"), "   ") is None


def test_a_lead_in_is_read_with_the_items_that_follow_it(policy: Policy) -> None:
    citations = [cite(policy, policy.clause(cid)) for cid in (CLOSED, FRAUD, SELL)]
    units = reading_units(citations, policy)
    assert [[c.clause_id for c in unit] for unit in units] == [[CLOSED, FRAUD], [SELL]]


def test_an_item_before_its_lead_in_or_a_stranger_stays_a_unit_of_its_own(
    policy: Policy,
) -> None:
    citations = [cite(policy, policy.clause(cid)) for cid in (FRAUD, CLOSED, SELL, FRAUD)]
    assert [len(unit) for unit in reading_units(citations, policy)] == [1, 1, 1, 1]


def test_gold_in_a_listed_item_ranks_first_when_its_lead_in_opens_the_reply(
    policy: Policy,
) -> None:
    answer = Answer(
        "Retained for various reasons [1]: prevent fraud [2]. It never sells it [3].",
        tuple(cite(policy, policy.clause(cid)) for cid in (CLOSED, FRAUD, SELL)),
    )
    fraud = policy.clause(FRAUD)
    assert gold_rank(answer, [(fraud.start, fraud.end)], policy) == 1
    sell = policy.clause(SELL)
    assert gold_rank(answer, [(sell.start, sell.end)], policy) == 2
