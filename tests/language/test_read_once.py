"""Read once: every component that reads a question for one policy shares one reading."""

from __future__ import annotations

from pathlib import Path

from assistant.answering import GroundedGenerator
from assistant.policy import load_policy
from assistant.retrieval import LexicalIndex, policy_reader


def test_retrieval_answering_and_small_talk_share_one_reader(policy_path: Path) -> None:
    policy = load_policy(policy_path)
    retrieval = LexicalIndex(policy).expander
    answering = GroundedGenerator(policy).expander
    assert retrieval.reader is answering.reader is policy_reader(policy)
    question = "do u sell my personl data"
    assert retrieval.read(question) is answering.read(question)  # parsed once
    assert answering.rewrite_chat_speak(question) == "do you sell my personl data"
    assert "personal" in retrieval.expand(question).text  # repaired towards the policy
