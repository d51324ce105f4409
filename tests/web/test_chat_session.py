"""The web chat turn without Gradio: session ids, caps, rate limits, feedback."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.contract import Citation, Reply
from assistant.policy import load_policy
from assistant.sessions import MAX_SESSION_ID_CHARS
from assistant.web.chat_session import (
    MAX_MESSAGES_SHOWN,
    MAX_PENDING,
    ChatController,
    ChatSession,
    new_session_id,
)
from assistant.web.ratelimit import RateLimiter
from assistant.web.texts import WebTexts

POLICY = load_policy(
    Path(__file__).resolve().parents[2] / "corpus" / "workallies-privacy-policy.txt"
)


@dataclass
class RecordingAssistant:
    """Answers every message with one citation; records calls and feedback."""

    fail: bool = False
    calls: list[tuple[str, str]] = field(default_factory=list)
    feedback: list[tuple[str, str, Reply, str]] = field(default_factory=list)
    policy = POLICY
    tickets = None

    def respond(self, session_id: str, message: str, channel: object = None) -> Reply:
        if self.fail:
            raise RuntimeError("boom: secret internals")
        self.calls.append((session_id, message))
        clause = POLICY.clauses[len(self.calls) % len(POLICY.clauses)]
        citation = Citation(
            clause_id=clause.id,
            section=clause.section,
            quote=clause.text,
            start=clause.start,
            end=clause.end,
        )
        return Reply(
            session=session_id,
            reply=f"answer to {message} [1]",
            intent="question",
            citations=[citation],
            policy_version=POLICY.version,
        )

    def record_feedback(
        self, session_id: str, message: str, reply: Reply, rating: str, comment: str | None = None
    ) -> None:
        self.feedback.append((session_id, message, reply, rating))


def controller(
    texts: WebTexts, assistant: RecordingAssistant | None = None, **settings: object
) -> ChatController:
    return ChatController(
        assistant or RecordingAssistant(),  # type: ignore[arg-type]
        Settings(**settings),  # type: ignore[arg-type]
        texts,
    )


def test_session_ids_are_random_and_acceptable_to_the_assistant() -> None:
    ids = {new_session_id() for _ in range(200)}
    assert len(ids) == 200
    for sid in ids:
        assert re.fullmatch(r"[A-Za-z0-9._:@-]+", sid) and len(sid) <= MAX_SESSION_ID_CHARS


def test_a_turn_shows_both_messages_and_remembers_the_reply(texts: WebTexts) -> None:
    chat = controller(texts)
    session, reply = chat.turn(None, "Do you use cookies?", "10.0.0.1")
    assert reply is not None and reply.session == session.id
    assert [m["role"] for m in session.messages] == ["user", "assistant"]
    assert "wa-sources" in session.messages[1]["content"]
    assert session.turns[1] == ("Do you use cookies?", reply)
    assert session.pending == []


def test_each_new_session_gets_its_own_id_and_history(texts: WebTexts) -> None:
    assistant = RecordingAssistant()
    chat = controller(texts, assistant)
    first, _ = chat.turn(None, "mine", None)
    second, _ = chat.turn(None, "yours", None)
    assert first.id != second.id
    assert all("yours" not in m["content"] for m in first.messages)
    assert [sid for sid, _ in assistant.calls] == [first.id, second.id]


def test_show_then_answer_pending_answers_in_order(texts: WebTexts) -> None:
    assistant = RecordingAssistant()
    chat = controller(texts, assistant)
    session = chat.show_user_message(None, "one")
    chat.show_user_message(session, "two")
    chat.show_user_message(session, "   ")  # blank: neither shown nor answered
    assert [m["content"] for m in session.messages] == ["one", "two"]
    chat.answer_pending(session, None)
    chat.answer_pending(session, None)
    assert chat.answer_pending(session, None) is None
    assert [message for _, message in assistant.calls] == ["one", "two"]


def test_too_long_message_gets_a_polite_reply_and_never_reaches_the_assistant(
    texts: WebTexts,
) -> None:
    assistant = RecordingAssistant()
    chat = controller(texts, assistant, max_message_chars=100)
    session, reply = chat.turn(None, "x" * 101, None)
    assert reply is not None and reply.error is not None
    assert reply.error.code == "message_too_long"
    assert "101" in reply.reply and "100" in reply.reply
    assert assistant.calls == []
    assert session.messages[0]["content"].endswith("…")  # the echo is cut at the cap
    _, ok = chat.turn(session, "y" * 100, None)
    assert ok is not None and ok.error is None


def test_rate_limit_per_session(texts: WebTexts) -> None:
    assistant = RecordingAssistant()
    chat = controller(texts, assistant, rate_limit_per_minute=3)
    session = None
    codes = []
    for i in range(5):
        session, reply = chat.turn(session, f"q{i}", "10.0.0.1")
        assert reply is not None
        codes.append(reply.error.code if reply.error else "ok")
    assert codes == ["ok", "ok", "ok", "rate_limited", "rate_limited"]
    assert len(assistant.calls) == 3
    _, other = chat.turn(None, "fresh session", "10.0.0.2")
    assert other is not None and other.error is None


def test_rate_limit_per_address_spans_sessions(texts: WebTexts) -> None:
    chat = ChatController(
        RecordingAssistant(),  # type: ignore[arg-type]
        Settings(),
        texts,
        session_limiter=RateLimiter(100),
        address_limiter=RateLimiter(2),
    )
    results = [chat.turn(None, "hi", "192.0.2.7")[1] for _ in range(3)]
    assert [r.error.code if r and r.error else "ok" for r in results] == [
        "ok",
        "ok",
        "rate_limited",
    ]
    _, elsewhere = chat.turn(None, "hi", "192.0.2.8")
    assert elsewhere is not None and elsewhere.error is None


def test_assistant_failure_becomes_a_friendly_reply_without_internals(texts: WebTexts) -> None:
    chat = controller(texts, RecordingAssistant(fail=True))
    _, reply = chat.turn(None, "hello", None)
    assert reply is not None and reply.error is not None
    assert reply.error.code == "internal_error"
    assert "boom" not in reply.reply


def test_feedback_is_stored_for_this_sessions_answer_only(texts: WebTexts) -> None:
    assistant = RecordingAssistant()
    chat = controller(texts, assistant)
    session, reply = chat.turn(None, "Do you sell my data?", None)
    assert chat.feedback(session, 1, True)
    assert chat.feedback(session, [1], False)
    assert [(m, r, rating) for _, m, r, rating in assistant.feedback] == [
        ("Do you sell my data?", reply, "up"),
        ("Do you sell my data?", reply, "down"),
    ]
    assert not chat.feedback(session, 0, True)  # the user's own message
    assert not chat.feedback(session, 7, True)  # no such message
    assert not chat.feedback(session, 1, None)  # un-liking records nothing
    assert not chat.feedback(ChatSession(), 1, True)  # another session has no such answer
    assert not chat.feedback(None, 1, True)
    assert len(assistant.feedback) == 2


@pytest.mark.parametrize("index", ["1", 1.0, None, {"i": 1}])
def test_feedback_ignores_odd_indexes(texts: WebTexts, index: object) -> None:
    chat = controller(texts)
    session, _ = chat.turn(None, "q", None)
    assert not chat.feedback(session, index, True)


def test_the_show_step_never_keeps_a_huge_message(texts: WebTexts) -> None:
    assistant = RecordingAssistant()
    chat = controller(texts, assistant)
    limit = chat.settings.max_message_chars
    session = chat.show_user_message(None, "a" * 950_000)
    assert session.pending == []  # answered at once with a notice, never queued
    assert session.last_reply is not None and session.last_reply.error is not None
    assert session.last_reply.error.code == "message_too_long"
    assert f"{950_000:,}" in session.last_reply.reply
    kept = sum(len(m["content"]) for m in session.messages) + sum(
        len(message) for message, _ in session.turns.values()
    )
    assert kept < 3 * limit
    assert chat.answer_pending(session, None) is None and assistant.calls == []


def test_a_flood_of_shown_messages_is_bounded(texts: WebTexts) -> None:
    chat = controller(texts, RecordingAssistant())
    session = ChatSession()
    for number in range(MAX_PENDING + 5):
        chat.show_user_message(session, f"message {number}")
    assert len(session.pending) == MAX_PENDING
    assert session.last_reply is not None and session.last_reply.error is not None
    assert session.last_reply.error.code == "rate_limited"


def test_history_is_bounded_and_feedback_still_finds_its_answer(texts: WebTexts) -> None:
    assistant = RecordingAssistant()
    chat = controller(texts, assistant)
    session = ChatSession()
    for number in range(MAX_MESSAGES_SHOWN):
        chat.turn(session, f"question {number}", None)
    assert len(session.messages) == MAX_MESSAGES_SHOWN
    assert min(session.turns) >= 0 and max(session.turns) == MAX_MESSAGES_SHOWN - 1
    assert chat.feedback(session, MAX_MESSAGES_SHOWN - 1, True)
    assert assistant.feedback[-1][1] == f"question {MAX_MESSAGES_SHOWN - 1}"


def test_a_page_without_a_chat_continues_the_chat_of_its_resume_token(texts: WebTexts) -> None:
    """A reloaded tab whose restore is not back yet: the message joins that chat, after it."""
    assistant = RecordingAssistant()
    chat = controller(texts, assistant)
    earlier, _ = chat.turn(None, "Do you use cookies?", None)
    chat.chats.keep(earlier)
    session = chat.show_user_message(None, "How can I turn them off?", earlier.resume_token)
    assert session is earlier
    assert [m["role"] for m in session.messages] == ["user", "assistant", "user"]
    assert session.messages[2]["content"] == "How can I turn them off?"
    chat.answer_pending(session, None)
    assert [sid for sid, _ in assistant.calls] == [earlier.id, earlier.id]  # in its context


def test_a_page_with_a_chat_ignores_any_resume_token(texts: WebTexts) -> None:
    chat = controller(texts)
    other = chat.show_user_message(None, "someone else's question")
    mine = chat.show_user_message(None, "mine")
    assert chat.show_user_message(mine, "more", other.resume_token) is mine
    assert [m["content"] for m in mine.messages] == ["mine", "more"]
    assert [m["content"] for m in other.messages] == ["someone else's question"]


@pytest.mark.parametrize("token", ["", None, "not a token", "A" * 32])
def test_no_chat_to_resume_starts_a_new_one_with_the_message(
    texts: WebTexts, token: object
) -> None:
    chat = controller(texts)
    chat.show_user_message(None, "an earlier chat")
    session = chat.show_user_message(None, "hello", token)
    assert [m["content"] for m in session.messages] == ["hello"]


def test_a_failing_lookup_still_keeps_the_message(
    texts: WebTexts, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = controller(texts)
    earlier = chat.show_user_message(None, "an earlier chat")

    def broken(token: object) -> None:
        raise RuntimeError("registry unavailable")

    monkeypatch.setattr(chat.chats, "resume", broken)
    assert chat.resume(earlier.resume_token) is None
    session = chat.show_user_message(None, "hello", earlier.resume_token)
    assert session is not earlier
    assert [m["content"] for m in session.messages] == ["hello"]
    assert session.pending == ["hello"]


@dataclass
class SlowOnFirstAssistant(RecordingAssistant):
    """Takes a while over the first message, so a second answer could overtake it."""

    def respond(self, session_id: str, message: str, channel: object = None) -> Reply:
        if message == "one":
            time.sleep(0.3)
        return super().respond(session_id, message, channel)


def test_answers_running_at_once_answer_each_message_once_in_order(texts: WebTexts) -> None:
    """A reloaded tab's restore and its message each start an answer step for the chat."""
    chat = controller(texts, SlowOnFirstAssistant())
    session = chat.show_user_message(None, "one")
    chat.show_user_message(session, "two")
    replies: list[Reply | None] = []
    workers = [
        threading.Thread(target=lambda: replies.append(chat.answer_pending(session, None)))
        for _ in range(3)
    ]
    for worker in workers:
        worker.start()
        time.sleep(0.05)
    for worker in workers:
        worker.join()
    assert sorted(reply is None for reply in replies) == [False, False, True]
    assert [m["content"][:13] for m in session.messages] == [
        "one",
        "two",
        "answer to one",
        "answer to two",
    ]
    assert [message for message, _ in session.turns.values()] == ["one", "two"]
