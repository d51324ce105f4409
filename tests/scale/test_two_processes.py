"""Two assistant processes behind one load balancer: one Chroma server, one PostgreSQL.

Each turn of a conversation may land on either process. Conversation state lives in the
SQL session store and the ticket's idempotency key is per request, so the conversation
continues seamlessly and the request is filed exactly once, even when both processes
receive the confirmation at the same moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from assistant.ticket_store import TicketStore

from .harness import HOST, ChatProcess, chat_process

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.chroma_server]


def worker_config(data_dir: Path, chroma_port: int, database_url: str) -> dict[str, Any]:
    return {
        "settings": {
            "data_dir": str(data_dir),
            "chroma_host": HOST,
            "chroma_port": chroma_port,
            "database_url": database_url,
        },
    }


@pytest.fixture()
def two_workers(
    tmp_path: Path, shared_chroma: int, pg_url: str
) -> Iterator[tuple[ChatProcess, ChatProcess]]:
    # Separate data directories, as on two hosts: only Chroma and PostgreSQL are shared.
    # Started one after the other: the first ingests, the second finds the collection.
    config_a = worker_config(tmp_path / "a", shared_chroma, pg_url)
    config_b = worker_config(tmp_path / "b", shared_chroma, pg_url)
    with (
        chat_process(config_a, tmp_path / "a.log") as first,
        chat_process(config_b, tmp_path / "b.log") as second,
    ):
        yield first, second


def test_a_conversation_alternating_between_processes_files_one_ticket(
    two_workers: tuple[ChatProcess, ChatProcess], pg_url: str, shared_chroma: int
) -> None:
    a, b = two_workers
    assert a.pid != b.pid
    session = "scale-alternating"

    opened = a.ask(session, "Please delete my account and all my data")
    assert opened.request is not None and opened.request.status == "needs_info"
    assert "email" in opened.request.missing

    # b never saw the first turn: it knows the request only through the SQL session store.
    details = b.ask(session, "ada.lovelace@example.com")
    assert details.request is not None
    assert details.request.request_type == "erasure"
    assert details.request.status == "awaiting_confirmation"

    # A question in between, answered from the shared Chroma server; the request waits.
    question = a.ask(session, "How long do you keep my data?")
    assert question.intent == "question" and question.citations
    assert question.request is not None and question.request.status == "awaiting_confirmation"
    assert question.policy_version == details.policy_version

    filed = b.ask(session, "yes")
    assert filed.ticket is not None and filed.request is not None
    assert filed.request.status == "filed"
    again = a.ask(session, "yes")  # the confirmation repeated on the other process
    assert again.ticket is None

    with TicketStore(pg_url) as store:
        tickets = store.tickets_for_session(session)
    assert [t.id for t in tickets] == [filed.ticket.id]
    assert tickets[0].identity.email == "ada.lovelace@example.com"

    client = chromadb.HttpClient(
        host=HOST, port=shared_chroma, settings=ChromaSettings(anonymized_telemetry=False)
    )
    names = [c if isinstance(c, str) else c.name for c in client.list_collections()]
    assert len([n for n in names if "workallies" in n]) == 1  # both processes share it


def test_the_same_confirmation_on_both_processes_at_once_files_one_ticket(
    two_workers: tuple[ChatProcess, ChatProcess], pg_url: str
) -> None:
    a, b = two_workers
    session = "scale-double-confirm"
    a.ask(session, "I want to stop all marketing emails")
    pending = b.ask(session, "my email is grace@example.org")
    assert pending.request is not None and pending.request.status == "awaiting_confirmation"

    a.send(session, "yes")  # both in flight before either answers
    b.send(session, "yes")
    replies = [a.receive(), b.receive()]

    with TicketStore(pg_url) as store:
        tickets = store.tickets_for_session(session)
    assert len(tickets) == 1
    shown = {r.ticket.id for r in replies if r.ticket is not None}
    assert shown == {tickets[0].id}  # whoever filed it, nobody reports a different ticket
