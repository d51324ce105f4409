"""Question shapes: who is; and the sentences that state a consequence."""

from __future__ import annotations

import pytest

from assistant.answering.shapes import QuestionShapes
from assistant.answering.wording import load_wording


@pytest.fixture(scope="module")
def shapes() -> QuestionShapes:
    return QuestionShapes.build(load_wording().vocabulary)


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
