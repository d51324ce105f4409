"""Question shapes: why, when, what if, who is; and the sentences that have that shape."""

from __future__ import annotations

import pytest

from assistant.answering import GroundedGenerator, verify
from assistant.answering.abstention import AbstentionModel
from assistant.answering.shapes import QuestionShapes
from assistant.answering.wording import load_wording
from assistant.policy import Policy
from tests.answering.conftest import MakeHits


@pytest.fixture(scope="module")
def shapes() -> QuestionShapes:
    return QuestionShapes.build(load_wording().vocabulary)


@pytest.mark.parametrize(
    ("question", "why"),
    [
        ("Why do you need my billing details?", True),
        ("What data do you collect? Why do you need it?", True),  # the last question counts
        ("Do you monitor messages? What for?", True),
        ("how come you keep my data", True),
        ("What is the purpose of impression reporting?", True),
        ("Why? What data do you collect?", False),
        ("Can I find out why my data is processed?", False),  # a yes/no question
        ("What are my rights?", False),
    ],
)
def test_why_questions_are_recognised_by_their_last_sentence(
    shapes: QuestionShapes, question: str, why: bool
) -> None:
    assert shapes.asks_why(question) is why


def test_a_reason_is_found_after_the_sentence_that_names_the_topic(
    shapes: QuestionShapes, policy: Policy
) -> None:
    text = policy.clause("information-we-collect-1").text
    first_end = text.index("Password.") + len("Password.")
    found = shapes.reason_after(text, first_end)
    assert found is not None
    assert text[found[0] : found[1]].startswith("This information enables us")


def test_no_reason_is_invented_from_a_sentence_without_one(shapes: QuestionShapes) -> None:
    text = "We collect your name. We collect your email address. We store both."
    assert shapes.reason_after(text, text.index(".") + 1) is None


def test_asked_why_the_answer_adds_the_reason_next_to_the_topic(
    grounded: GroundedGenerator, policy: Policy, make_hits: MakeHits
) -> None:
    hits = make_hits("information-we-collect-1")
    question = "What data do you collect when I register? Why do you need it?"
    answer = grounded.answer(question, hits)
    quotes = [c.quote for c in answer.citations]
    assert any(q.startswith("This information enables us") for q in quotes), answer.text
    assert verify(answer, hits, policy, grounded.wording.is_meta) == []
    # the same topic asked without "why" is not padded with the reason
    plain = grounded.answer("What data do you collect when I register?", hits)
    assert not any(c.quote.startswith("This information enables") for c in plain.citations)


def test_a_why_question_the_policy_gives_no_reason_for_says_so(
    policy: Policy, make_hits: MakeHits
) -> None:
    answering = GroundedGenerator(policy, model=AbstentionModel(threshold=0.0))
    hits = make_hits("contact-us-2", similarity=0.8)
    answer = answering.answer("Why do I have to open a Customer Relations ticket?", hits)
    assert not answer.abstained
    assert answering.wording.partial.no_reason in answer.text
    assert verify(answer, hits, policy, answering.wording.is_meta) == []


def test_a_sentence_that_opens_with_a_condition_states_a_consequence(
    shapes: QuestionShapes,
) -> None:
    assert shapes.states_consequence("If we collect data from a minor, we delete it.")
    assert not shapes.states_consequence("We delete data collected from minors.")


def test_an_identity_question_names_its_head_noun_only_when_the_policy_lacks_it(
    shapes: QuestionShapes,
) -> None:
    known = {"provider", "vendor", "workallies"}.__contains__
    assert shapes.unnamed("Who is your data protection officer?", known) == "officer"
    assert shapes.unnamed("Who is the CEO of WorkAllies?", known) == "ceo"
    assert shapes.unnamed("Who are your service providers?", lambda w: w == "providers") is None
    assert shapes.unnamed("Do you have a data protection officer?", known) is None  # not "who"
