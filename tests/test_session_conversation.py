"""The chat turn's conversation handling: small talk, and topics that never leak."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.answering import Answer
from assistant.answering.types import JustRead
from assistant.chitchat import ChitchatKind
from assistant.retrieval import Hit
from assistant.session import Assistant


class _ConfidentAbout:
    """A fake generator: confident only about questions that end with the given words."""

    def __init__(self, *endings: str, unless: str = "\0") -> None:
        self.endings = endings
        self.unless = unless  # never confident about a question containing this
        self.asked: list[str] = []
        self.just_read: list[JustRead] = []

    def answer(self, question: str, hits: Sequence[Hit], just_read: JustRead = None) -> Answer:
        self.asked.append(question)
        self.just_read.append(just_read)
        if question.rstrip("?").endswith(self.endings) and self.unless not in question:
            return Answer("An answer.", confidence=0.9)
        return Answer("Not covered.", abstained=True)


@pytest.mark.parametrize(
    "message",
    ["lol ok thanks", "thx bye", "cool", "you're useless", "hii", "are you a real human?"],
)
def test_small_talk_gets_small_talk_not_an_abstention(
    fast_assistant: Assistant, message: str
) -> None:
    reply = fast_assistant.respond(f"small-talk-{message}", message)
    assert reply.intent == "chitchat" and not reply.abstained and reply.citations == []


def test_a_new_topic_is_remembered_as_read_so_the_old_one_does_not_come_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = Assistant.for_testing(tmp_path)
    # the policy answers each topic alone, not the two read as one question
    fake = _ConfidentAbout("sell my data", "allowed to use it", "Why", unless="data? Is a 16")
    monkeypatch.setattr(assistant, "generator", fake)
    assistant.respond("topics", "Do you sell my data?")
    assistant.respond("topics", "is a 16 year old allowed to use it?")
    assert fake.asked[-1] == "is a 16 year old allowed to use it?"  # read alone, kept
    assistant.respond("topics", "why?")
    assert "sell" not in fake.asked[-1] and "16 year old" in fake.asked[-1]


def test_the_sections_an_answer_cited_are_remembered_for_its_follow_up(
    fast_assistant: Assistant,
) -> None:
    reply = fast_assistant.respond("sections", "How long do you keep my data?")
    state = fast_assistant.sessions.load("sections")
    assert reply.citations and state.last_cited.sections
    assert set(state.last_cited.sections) == {c.section for c in reply.citations}
    assert list(state.last_cited.clauses) == [c.clause_id for c in reply.citations]
    fast_assistant.respond("sections", "lol ok thanks")  # small talk keeps them
    assert fast_assistant.sessions.load("sections").last_cited == state.last_cited


def test_a_follow_up_is_told_what_the_answer_before_it_opened_with(
    fast_assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = fast_assistant.respond("opening", "How long do you keep my data?")
    opening = (first.citations[0].start, first.citations[0].end)
    assert fast_assistant.sessions.load("opening").last_cited.opening == opening
    fake = _ConfidentAbout("take")
    monkeypatch.setattr(fast_assistant, "generator", fake)
    fast_assistant.respond("opening", "and how long does that take?")
    assert fake.just_read[-1] == opening
    fast_assistant.respond("opening-2", "Do you sell my data?")  # no answer before it
    assert fake.just_read[-1] is None


def test_a_request_the_user_started_is_the_context_of_their_next_question(
    fast_assistant: Assistant,
) -> None:
    message = "can i get a copy of all my data?"
    reply = fast_assistant.respond("request-context", message)
    assert reply.intent == "rights_request"
    state = fast_assistant.sessions.load("request-context")
    assert state.last_question == message
    assert list(state.last_cited.clauses) == [c.clause_id for c in reply.citations]
    assert state.last_cited.opening == (reply.citations[0].start, reply.citations[0].end)


@pytest.mark.parametrize(("generator_answers", "intent"), [(False, "chitchat"), (True, "question")])
def test_maybe_small_talk_is_small_talk_only_where_the_policy_is_silent(
    fast_assistant: Assistant,
    monkeypatch: pytest.MonkeyPatch,
    generator_answers: bool,
    intent: str,
) -> None:
    message = "how are you today?"  # in the classifier's middle band
    monkeypatch.setattr("assistant.session.classify_chitchat", lambda _text: None)
    fake = _ConfidentAbout("how are you today" if generator_answers else "\0")
    monkeypatch.setattr(fast_assistant, "generator", fake)
    reply = fast_assistant.respond(f"band-{generator_answers}", message)
    assert fake.asked, "the policy is asked first"
    assert reply.intent == intent
    assert reply.reply.startswith("An answer.") is generator_answers


def test_an_off_topic_message_in_the_band_keeps_the_out_of_scope_reply(
    fast_assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    class _OffTopic(_ConfidentAbout):
        def answer(self, question: str, hits: Sequence[Hit], just_read: JustRead = None) -> Answer:
            self.asked.append(question)
            text = "I can only help with the privacy policy."
            return Answer(text, abstained=True, out_of_scope=True)

    monkeypatch.setattr("assistant.session.classify_chitchat", lambda _text: None)
    monkeypatch.setattr("assistant.session.possible_chitchat", lambda _t: ChitchatKind.GOODBYE)
    monkeypatch.setattr(fast_assistant, "generator", _OffTopic())
    reply = fast_assistant.respond("band-off-topic", "Tell me a joke.")
    assert reply.intent == "out_of_scope", reply.reply
    assert not reply.reply.startswith("Goodbye")


def test_a_message_below_the_band_is_never_small_talk(
    fast_assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fast_assistant, "generator", _ConfidentAbout("\0"))
    reply = fast_assistant.respond("below-band", "What is the capital of France?")
    assert reply.intent != "chitchat"
