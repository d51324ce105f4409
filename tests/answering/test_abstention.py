"""The answerability inputs read from the question itself: names the policy never uses."""

from __future__ import annotations

from assistant.answering.abstention import unseen_names
from assistant.answering.grounded import GroundedGenerator
from assistant.learning.features import QUESTION_FEATURES
from tests.answering.conftest import MakeHits

KNOWN = {"workallies", "google", "cookies"}


def test_unseen_names_count_the_distinct_names_the_policy_never_uses() -> None:
    names = ["AWS", "Azure", "Google", "AWS"]
    assert unseen_names("Is my data on AWS, Azure or Google?", names, KNOWN.__contains__) == 2.0
    assert unseen_names("Do you use Google cookies?", ["Google"], KNOWN.__contains__) == 0.0


def test_unseen_names_are_capped_and_ignore_a_shouted_question() -> None:
    many = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"]
    assert unseen_names("Alpha Beta Gamma Delta Epsilon?", many, KNOWN.__contains__) == 3.0
    shouted = "SO YOU READ EVERY MESSAGE BETWEEN ME AND MY BUYERS??"
    assert unseen_names(shouted, ["YOU", "READ", "BUYERS"], KNOWN.__contains__) == 0.0


def test_the_generator_feeds_unseen_names_to_the_answerability_model(
    grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    hits = make_hits("cookies-1")
    named, _ = grounded.signals("Are my files stored on Zorblax or Quuxcloud servers?", hits)
    plain, _ = grounded.signals("Are my files stored on your servers?", hits)
    assert named.unseen_names == 2.0 and plain.unseen_names == 0.0
    position = QUESTION_FEATURES.index("unseen_names")
    assert named.features[position] == 2.0 and plain.features[position] == 0.0


def test_a_masked_secret_is_no_unseen_name(
    grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    question = "Do you sell my data? Card [REDACTED:card_number] and Zorblax"
    signals, _ = grounded.signals(question, make_hits("cookies-1"))
    assert signals.unseen_names == 1.0  # Zorblax only
