"""The drafts scorer: right clause per question, request types, false tickets, verbatim."""

from __future__ import annotations

from assistant.contract import Citation
from assistant.drafting import Draft, TicketPreview
from assistant.evaluation.drafts import DraftEmail, DraftQuestion, load_set, score_email

POLICY = "Intro. We never sell your data. We keep data for a year. Contact us."


def cite(phrase: str, *, shift: int = 0) -> Citation:
    start = POLICY.index(phrase) + shift
    return Citation(clause_id="c", section="s", quote=phrase, start=start, end=start + len(phrase))


def email(requests: list[str]) -> DraftEmail:
    questions = [DraftQuestion(gold=["We never sell"]), DraftQuestion(gold=["keep data"])]
    return DraftEmail(id="e", kind="k", text="t", requests=requests, questions=questions)


def draft(citations: list[Citation], requests: list[str]) -> Draft:
    return Draft(
        reply_text="r",
        citations=citations,
        requests=[TicketPreview(request_type=r) for r in requests],
        policy_version="v",
    )


def test_scores_questions_requests_and_quotes() -> None:
    result = score_email(
        email(["erasure", "access"]),
        draft([cite("We never sell your data."), cite("Contact us.", shift=1)], ["erasure"]),
        POLICY,
    )
    assert (result.questions, result.answered) == (2, 1)
    assert (result.expected_requests, result.found_requests, result.extra_requests) == (2, 1, 0)
    assert (result.quotes, result.verbatim) == (2, 1)  # the shifted quote is not verbatim


def test_a_ticket_where_none_was_asked_is_counted() -> None:
    result = score_email(email([]), draft([], ["marketing_opt_out"]), POLICY)
    assert result.extra_requests == 1 and result.found_requests == 0


def test_the_dev_set_loads_and_its_gold_is_in_the_policy(policy_text: str) -> None:
    dataset = load_set()
    assert len(dataset.emails) >= 15
    for item in dataset.emails:
        for question in item.questions:
            assert any(phrase in policy_text for phrase in question.gold), item.id
