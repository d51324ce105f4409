"""The ticket database locked or away: the user hears "NOT filed yet, reply yes to retry",
nothing half-written is left behind, and the retry files exactly one ticket."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.ticket_store import TicketStore

from .conftest import assert_not_filed_yet, build_assistant, ready_to_confirm
from .pg import PgCluster


def sqlite_path(settings: Settings) -> Path:
    return Path(settings.sqlalchemy_url.removeprefix("sqlite:///"))


def row_counts(path: Path) -> tuple[int, ...]:
    with sqlite3.connect(path) as conn:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("tickets", "ticket_audit", "outbox")
        )


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another connection holding SQLite's write lock, as a long migration or backup would."""
    locker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN IMMEDIATE")
    return locker


def test_sqlite_locked_briefly_the_confirmation_waits_and_files_once(settings: Settings) -> None:
    assistant = build_assistant(settings)
    ready_to_confirm(assistant, "locked-briefly")
    locker = hold_write_lock(sqlite_path(settings))
    release = threading.Timer(1.0, locker.rollback)
    release.start()
    try:
        filed = assistant.respond("locked-briefly", "yes")
    finally:
        release.join()
        locker.close()
    assert filed.error is None and filed.ticket is not None
    assert row_counts(sqlite_path(settings)) == (1, 1, 1)


def test_sqlite_locked_for_long_the_user_is_told_and_yes_retries(settings: Settings) -> None:
    # A short lock wait keeps the test quick; the retry budget is the store's own.
    tickets = TicketStore(settings.sqlalchemy_url, lock_wait=0.2)
    assistant = build_assistant(settings, tickets=tickets)
    ready_to_confirm(assistant, "locked-long")
    locker = hold_write_lock(sqlite_path(settings))
    try:
        refused = assistant.respond("locked-long", "yes")
    finally:
        locker.rollback()
        locker.close()
    assert_not_filed_yet(refused)
    assert row_counts(sqlite_path(settings)) == (0, 0, 0)  # nothing half-written

    filed = assistant.respond("locked-long", "yes")
    assert filed.error is None and filed.ticket is not None
    again = assistant.respond("locked-long", "yes")
    assert again.ticket is None
    assert row_counts(sqlite_path(settings)) == (1, 1, 1)
    assert [t.id for t in tickets.tickets_for_session("locked-long")] == [filed.ticket.id]


@pytest.mark.postgres
@pytest.mark.slow
def test_postgres_stopped_then_restarted(data_dir: Path, pg_cluster: PgCluster) -> None:
    settings = Settings(data_dir=data_dir, database_url=pg_cluster.url)
    assistant = build_assistant(settings)
    ready_to_confirm(assistant, "pg-down")

    pg_cluster.stop()
    refused = assistant.respond("pg-down", "yes")
    assert_not_filed_yet(refused)
    question = assistant.respond("pg-down", "Do you sell my data?")  # answering does not need it
    assert question.error is None and question.citations

    pg_cluster.start()
    filed = assistant.respond("pg-down", "yes")
    assert filed.error is None and filed.ticket is not None
    tickets = assistant.tickets.tickets_for_session("pg-down")
    assert [t.id for t in tickets] == [filed.ticket.id]


@pytest.mark.postgres
@pytest.mark.slow
def test_postgres_restarted_between_turns_is_invisible(
    data_dir: Path, pg_cluster: PgCluster
) -> None:
    settings = Settings(data_dir=data_dir, database_url=pg_cluster.url)
    assistant = build_assistant(settings)
    ready_to_confirm(assistant, "pg-restart")
    pg_cluster.stop()  # every pooled connection is now dead
    pg_cluster.start()
    filed = assistant.respond("pg-restart", "yes")
    assert filed.error is None and filed.ticket is not None
    assert len(assistant.tickets.tickets_for_session("pg-restart")) == 1
