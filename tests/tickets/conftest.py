"""Fixtures for the ticket tests: real databases only (SQLite files and a PostgreSQL server)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from servers import start_postgres
from sqlalchemy.engine import make_url

from assistant.ticket_store import TicketStore
from assistant.tickets import RequestType, TicketDraft

from .backend import Receiver


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with start_postgres(tmp_path_factory.mktemp("pg")) as url:
        yield url


@pytest.fixture()
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty database per test on the shared server."""
    server = make_url(pg_server)
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = f"host={server.host} port={server.port} user={server.username} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield server.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tickets.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture()
def store(db_url: str) -> Iterator[TicketStore]:
    with TicketStore(db_url, delivery_configured=True) as ticket_store:
        yield ticket_store


_request_ids = itertools.count(1)


@pytest.fixture()
def make_draft() -> Callable[..., TicketDraft]:
    """A valid draft; every call is a new request unless ``request_id`` is given."""

    def make(**overrides: Any) -> TicketDraft:
        values: dict[str, Any] = {
            "request_id": f"req-{next(_request_ids)}",
            "request_type": RequestType.ACCESS,
            "email": "ada@example.com",
            "session_id": "session-1",
        }
        values.update(overrides)
        return TicketDraft(**values)

    return make


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    """Not started: call ``.start()`` (tests may want the port closed first)."""
    backend = Receiver()
    yield backend
    backend.stop()
