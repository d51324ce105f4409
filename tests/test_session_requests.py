"""The request flow through the Assistant: restart after a cancel, and passwords stated in
words kept out of the ticket, the outbox and the stored conversation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import MetaData, select

from assistant.session import Assistant


@pytest.fixture()
def assistant(data_dir: Path) -> Assistant:
    return Assistant.for_testing(data_dir)


def test_file_it_after_a_cancel_starts_the_request_again(assistant: Assistant) -> None:
    assistant.respond("s1", "Please delete my account")
    cancelled = assistant.respond("s1", "never mind")
    assert cancelled.request is not None and cancelled.request.status == "cancelled"
    again = assistant.respond("s1", "actually file it")
    assert again.request is not None
    assert (again.request.request_type, again.request.status) == ("erasure", "needs_info")
    assistant.respond("s1", "restart@example.com")
    filed = assistant.respond("s1", "yes")
    assert filed.ticket is not None and filed.ticket.email == "restart@example.com"


def test_ok_after_a_cancel_does_not_restart_it(assistant: Assistant) -> None:
    assistant.respond("s4", "Please delete my account")
    assistant.respond("s4", "cancel")
    reply = assistant.respond("s4", "ok thanks")
    assert reply.request is None


def test_a_question_after_a_cancel_is_just_a_question(assistant: Assistant) -> None:
    assistant.respond("s2", "Please delete my account")
    assistant.respond("s2", "forget it")
    reply = assistant.respond("s2", "What is the capital of Mongolia?")
    assert reply.request is None and reply.ticket is None


def _everything_stored(assistant: Assistant) -> str:
    engine = assistant.tickets.engine
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return repr([list(conn.execute(select(table))) for table in meta.sorted_tables])


@pytest.mark.parametrize(
    ("message", "secret"),
    [
        ("please delete my account, my bank login is correcthorsebatterystaple", "correcthorse"),
        ("please delete my account. pw: Tr0ub4dor&3", "Tr0ub4dor"),
    ],
)
def test_a_password_stated_in_words_is_never_stored(
    assistant: Assistant, message: str, secret: str
) -> None:
    first = assistant.respond("s3", message)
    assert "removed what looked like a password" in first.reply  # the user is told
    assistant.respond("s3", "pw.user@example.com")
    filed = assistant.respond("s3", "yes")
    assert filed.ticket is not None
    ticket = assistant.tickets.get(filed.ticket.id)
    assert ticket is not None and ticket.identity.username is None
    assert secret not in ticket.model_dump_json()  # what the webhook and Fides send
    assert secret not in _everything_stored(assistant)  # tickets, outbox, audit, sessions
    assert secret not in repr(assistant.sessions.load("s3").to_json())


def test_a_right_the_policy_never_names_is_said_so_quoting_the_nearest(
    assistant: Assistant,
) -> None:
    """Blind batches 9-12 and 14 asked for a CSV/JSON export: the policy names no
    portability right, so the reply says it does not mention one before offering to file."""
    reply = assistant.respond("p1", "please send me my data in a machine-readable format")
    assert reply.request is not None and reply.request.request_type == "portability"
    assert reply.reply.startswith("The privacy policy doesn't mention a portable copy")
    first = reply.citations[0].quote
    assert f'"{first}" [1]' in reply.reply and first.startswith("Access:")


def test_a_right_the_policy_names_opens_without_that_note(assistant: Assistant) -> None:
    reply = assistant.respond("p2", "please send me a copy of my data")
    assert reply.request is not None and reply.request.request_type == "access"
    assert "doesn't mention" not in reply.reply
