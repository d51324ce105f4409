"""Helpers for the fault tests: an assistant built from parts (so a test can hand it a
store with short lock waits) and the chat steps that lead up to a confirmation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.answering import build_generator
from assistant.config import Settings
from assistant.contract import Reply
from assistant.embedding import HashingEmbedder
from assistant.retrieval import load_retriever
from assistant.session import Assistant
from assistant.ticket_store import TicketStore

from .pg import PgCluster

STORE_UNAVAILABLE = "ticket_store_unavailable"


def build_assistant(settings: Settings, tickets: TicketStore | None = None) -> Assistant:
    retriever = load_retriever(settings, embedder=HashingEmbedder())
    return Assistant(
        settings=settings,
        policy=retriever.policy,
        retriever=retriever,
        generator=build_generator(settings, policy=retriever.policy),
        tickets=tickets or TicketStore.from_settings(settings),
    )


def ready_to_confirm(assistant: Any, session: str, email: str = "ada@example.com") -> Reply:
    """An erasure request with everything collected, waiting for the user's "yes"."""
    assistant.respond(session, "Please delete my account and all my data")
    reply: Reply = assistant.respond(session, email)
    assert reply.request is not None and reply.request.status == "awaiting_confirmation", reply
    return reply


def assert_not_filed_yet(reply: Reply) -> None:
    """What the user must be told when the store is down: plainly not filed, and how to retry."""
    assert reply.error is not None and reply.error.code == STORE_UNAVAILABLE, reply
    assert reply.ticket is None
    assert "NOT" in reply.reply and "yes" in reply.reply.lower()
    assert reply.request is not None and reply.request.status == "awaiting_confirmation"


@pytest.fixture()
def pg_cluster() -> Iterator[PgCluster]:
    cluster = PgCluster()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture()
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir)
