"""Secrets typed into the chat (card numbers, passwords, API keys, tokens, IBANs) never
reach the logs, the stored transcripts, feedback or tickets, and are not echoed back."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from assistant.config import Settings
from assistant.contract import Reply
from assistant.embedding import HashingEmbedder
from assistant.session import Assistant
from assistant.sessions import SqlSessionStore
from assistant.tickets import Channel, Correction, RequestType, TicketDraft

SECRETS = {
    "card": "4111 1111 1111 1111",
    "card-dashes": "5500-0000-0000-0004",
    "password": "Tr0ub4dor&3xyz",
    "api-key": "sk_live_51H8qQeLkdjfQWERTYuiop1234567890",
    "aws-key": "AKIAIOSFODNN7EXAMPLE",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlc2lnbmF0dXJl",
    "iban": "GB82 WEST 1234 5698 7654 32",
}

CONVERSATION = (
    f"hi, my card {SECRETS['card']} was charged twice, do you keep card details?",
    f"my password is {SECRETS['password']} - how long do you keep my data?",
    "Please delete my account and all my data",
    f"ada@example.com and my old key {SECRETS['api-key']} should go too",
    f"also remove {SECRETS['aws-key']} and token Bearer {SECRETS['jwt']}",
    "yes",
    f"I object to you using my data for profiling, my card {SECRETS['card-dashes']} and IBAN "
    f"{SECRETS['iban']} were exposed",
    "ada@example.com",
    "yes",
)


def assert_clean(where: str, blob: str) -> None:
    leaked = [name for name, secret in SECRETS.items() if secret in blob]
    assert leaked == [], f"{where} contains {leaked}"
    assert "Tr0ub4dor" not in blob and "WEST 1234" not in blob


@pytest.fixture()
def assistant(data_dir: Path) -> Assistant:
    # A database URL puts the conversations in the SQL session store too, so transcripts
    # are on disk where they can be inspected.
    url = f"sqlite:///{(data_dir / 'tickets.sqlite3').resolve()}"
    settings = Settings(data_dir=data_dir, database_url=url)
    assistant = Assistant.from_settings(settings, embedder=HashingEmbedder())
    assert isinstance(assistant.sessions, SqlSessionStore)
    return assistant


def dump_database(assistant: Assistant) -> str:
    rows = []
    with assistant.tickets.engine.connect() as conn:
        tables = conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).all()
        for (table,) in tables:
            rows += [repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{table}"'))]
    return "\n".join(rows)


def test_secrets_reach_no_store_no_log_and_no_reply(
    assistant: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    replies: list[Reply] = []
    for message in CONVERSATION:
        replies.append(assistant.respond("secrets", message))
        assert_clean("reply", replies[-1].model_dump_json())
    filed = [r.ticket for r in replies if r.ticket is not None]
    assert len(filed) == 2, [r.reply for r in replies]  # erasure and objection
    assert any("removed" in r.reply.lower() for r in replies)  # the user is told why

    # A bare string cannot be told from a password; a labelled one must be masked.
    comment = f"wrong answer! my password is {SECRETS['password']}, card {SECRETS['card']}"
    for reply, message in zip(replies, CONVERSATION, strict=True):
        assistant.record_feedback("secrets", message, reply, "down", comment)

    # The agent console files what staff paste from an email, unfiltered by the chat.
    assistant.file_ticket_for_customer(
        TicketDraft(
            request_id="console-1",
            request_type=RequestType.RECTIFICATION,
            email="ada@example.com",
            session_id="secrets",
            channel=Channel.AGENT_CONSOLE,
            username=f"ada password: {SECRETS['password']}",
            details=f"Customer wrote: my card {SECRETS['card']} and key {SECRETS['api-key']}",
            corrections=(Correction("IBAN", f"IBAN {SECRETS['iban']}"),),
        )
    )
    for ticket in assistant.tickets.tickets_for_session("secrets"):
        assert_clean(f"ticket {ticket.id}", ticket.model_dump_json())
    assert_clean(
        "database (tickets, audit, outbox, transcripts, feedback)", dump_database(assistant)
    )
    assert_clean("logs", caplog.text)


def test_a_failing_turn_logs_no_secret(
    assistant: Assistant, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_search(query: str, k: int = 5) -> list[object]:
        raise RuntimeError(f"index unavailable while searching for {query!r}")

    monkeypatch.setattr(assistant.retriever, "search", broken_search)
    caplog.set_level(logging.DEBUG)
    reply = assistant.respond("secrets-error", f"is my card {SECRETS['card']} stored?")
    assert reply.error is not None and reply.error.code == "internal_error"
    assert "index unavailable" in caplog.text  # the failure itself is logged...
    assert_clean("logs", caplog.text)  # ...with the secret already masked
    assert_clean("reply", reply.model_dump_json())
