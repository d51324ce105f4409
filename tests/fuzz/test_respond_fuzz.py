"""`Assistant.respond` under hostile input: it never raises and always returns a valid Reply.

Plus a state machine that talks to a few sessions at random (questions, rights flows,
confirmations, noise) and checks after every step that no ticket is lost, duplicated or
shown to another session.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from assistant.contract import Reply
from assistant.inputs import check_session_id
from assistant.session import Assistant

from .strategies import chatty_text, nasty_text, session_ids

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def assert_valid(reply: Any, session: str) -> Reply:
    assert isinstance(reply, Reply)
    # The JSON contract holds: serialises, parses back, and is valid UTF-8 on the wire.
    wire = reply.model_dump_json()
    wire.encode("utf-8")
    assert Reply.model_validate_json(wire) == reply
    assert reply.reply.strip()
    if check_session_id(session) is None:
        assert reply.session == session
    else:
        assert reply.error is not None and reply.error.code == "invalid_session"
    return reply


@FUZZ
@given(message=nasty_text)
def test_any_unicode_gets_a_valid_reply(assistant: Assistant, message: str) -> None:
    reply = assert_valid(assistant.respond("fuzz-unicode", message), "fuzz-unicode")
    if reply.error is not None:
        assert reply.error.code in {"empty_message", "message_too_long", "invalid_message"}


@FUZZ
@given(message=chatty_text)
def test_chat_like_noise_gets_a_valid_reply(assistant: Assistant, message: str) -> None:
    reply = assert_valid(assistant.respond("fuzz-chatty", message), "fuzz-chatty")
    assert reply.error is None or reply.error.code != "internal_error", reply


@FUZZ
@given(session=session_ids, message=chatty_text)
def test_any_session_id_gets_a_valid_reply(
    assistant: Assistant, session: str, message: str
) -> None:
    assert_valid(assistant.respond(session, message), session)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    size=st.integers(min_value=4_001, max_value=2_000_000),
    filler=st.sampled_from(["a", "é", "\U0001f600", "\ud800", " ", "\x00", "delete my account "]),
)
def test_huge_messages_are_refused_politely(assistant: Assistant, size: int, filler: str) -> None:
    message = (filler * (size // len(filler) + 1))[:size]
    reply = assert_valid(assistant.respond("fuzz-huge", message), "fuzz-huge")
    stripped = message.strip().replace("\x00", "")
    if stripped:
        assert reply.error is not None
        assert reply.error.code == "message_too_long"
    assert len(reply.reply) < 1_000  # the message is not echoed back


def test_non_string_inputs_are_refused_not_raised(assistant: Assistant) -> None:
    for bad in (None, 42, b"bytes", ["list"], {"a": 1}):
        reply = assistant.respond("fuzz-types", bad)  # type: ignore[arg-type]
        assert reply.error is not None and reply.error.code == "invalid_message"
        reply = assistant.respond(bad, "hello")  # type: ignore[arg-type]
        assert reply.error is not None and reply.error.code == "invalid_session"


# ------------------------------------------------------------------ conversations at random

SESSIONS = ("sm-a", "sm-b", "sm-c")


class Conversations(RuleBasedStateMachine):
    """Random turns across three sessions; tickets must match what each session was told."""

    assistant: Assistant
    filed = 0

    def __init__(self) -> None:
        super().__init__()
        self.round = Conversations.rounds = getattr(Conversations, "rounds", 0) + 1
        self.told: dict[str, set[str]] = {s: set() for s in SESSIONS}

    def sid(self, session: str) -> str:
        return f"{session}-{self.round}"  # fresh sessions for every generated run

    def turn(self, session: str, message: str) -> Reply:
        reply = assert_valid(self.assistant.respond(self.sid(session), message), self.sid(session))
        assert reply.error is None or reply.error.code != "internal_error", reply
        if reply.ticket is not None:
            self.told[session].add(reply.ticket.id)
            Conversations.filed += 1
        return reply

    @rule(session=st.sampled_from(SESSIONS), kind=st.sampled_from(("erasure", "access", "opt")))
    def open_request(self, session: str, kind: str) -> None:
        message = {
            "erasure": "Please delete my account and all my data",
            "access": "I want a copy of all the data you hold about me",
            "opt": "Stop sending me marketing emails",
        }[kind]
        self.turn(session, message)

    @rule(session=st.sampled_from(SESSIONS))
    def give_email(self, session: str) -> None:
        self.turn(session, f"{session}@example.com")

    @rule(session=st.sampled_from(SESSIONS), word=st.sampled_from(("yes", "Yes!", "no", "cancel")))
    def answer(self, session: str, word: str) -> None:
        self.turn(session, word)

    @rule(session=st.sampled_from(SESSIONS), message=chatty_text)
    def noise(self, session: str, message: str) -> None:
        self.turn(session, message)

    @invariant()
    def tickets_match_what_each_session_was_told(self) -> None:
        for session, told in self.told.items():
            stored = self.assistant.tickets.tickets_for_session(self.sid(session))
            assert {t.id for t in stored} == told
            assert len({t.idempotency_key for t in stored}) == len(stored)


def test_random_conversations_keep_tickets_consistent(assistant: Assistant) -> None:
    Conversations.assistant = assistant
    runner = Conversations.TestCase
    runner.settings = settings(
        max_examples=25,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    runner().runTest()


def test_replies_are_plain_json_objects(assistant: Assistant) -> None:
    payload = json.loads(
        assistant.respond("fuzz-json", "\ud800 do you sell my data?").model_dump_json()
    )
    assert set(payload) >= {"session", "reply", "intent", "citations", "request", "ticket", "error"}
