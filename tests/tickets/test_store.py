"""The ticket store, run against SQLite and PostgreSQL alike (fixture ``store``)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import OperationalError

from assistant.ticket_store import (
    TicketNotFound,
    TicketStore,
    audit_table,
    outbox_table,
    tickets_table,
    with_retry,
)
from assistant.tickets import (
    Channel,
    Correction,
    DeliveryState,
    InvalidTransition,
    RequestType,
    TicketDraft,
    TicketStatus,
    TicketValidationError,
    VerificationStatus,
)

MakeDraft = Callable[..., TicketDraft]
T0 = datetime(2026, 1, 31, 10, 15, 30, 123456, tzinfo=UTC)
INJECTION = "x'; DROP TABLE tickets;--"


def count(store: TicketStore, table: object) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_created_ticket_is_committed_and_read_back_identically(
    store: TicketStore, db_url: str, make_draft: MakeDraft
) -> None:
    created = store.create(
        make_draft(
            request_type=RequestType.RECTIFICATION,
            username="ada_l",
            phone="+44 20 7946 0958",
            details="My surname is misspelled",
            corrections=(Correction("surname", "Lovelace"),),
            cited_clause_ids=("rights.3", "rights.4"),
        ),
        now=T0,
    )
    with TicketStore(db_url) as fresh:  # a new engine: nothing cached, only what was committed
        assert fresh.get(created.id) == created
    assert created.received_at == T0
    assert created.due_at == datetime(2026, 2, 28, 10, 15, 30, 123456, tzinfo=UTC)
    assert created.status is TicketStatus.RECEIVED
    assert [(a.from_status, a.to_status, a.actor) for a in created.audit] == [
        (None, TicketStatus.RECEIVED, "assistant")
    ]
    assert created.delivery.state is DeliveryState.PENDING


def test_ticket_audit_and_outbox_row_are_written_together(
    store: TicketStore, make_draft: MakeDraft
) -> None:
    created = store.create(make_draft(), now=T0)
    with store.engine.connect() as conn:
        row = conn.execute(select(outbox_table)).one()
    assert row.ticket_id == created.id
    assert row.state == "pending"
    assert row.next_attempt_at == T0
    assert count(store, audit_table) == 1


def test_no_ticket_without_its_outbox_row(store: TicketStore, make_draft: MakeDraft) -> None:
    """Break the outbox table: the ticket insert must roll back with it."""
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE outbox"))
    with pytest.raises(Exception, match="outbox"):
        store.create(make_draft())
    assert count(store, tickets_table) == 0
    assert count(store, audit_table) == 0


def test_without_a_backend_tickets_wait_as_not_configured(
    db_url: str, make_draft: MakeDraft
) -> None:
    with TicketStore(db_url, delivery_configured=False) as local:
        made = local.create(make_draft())
        assert made.delivery.state is DeliveryState.NOT_CONFIGURED
        assert local.get(made.id).delivery.state is DeliveryState.NOT_CONFIGURED  # type: ignore[union-attr]
        assert count(local, outbox_table) == 1  # still queued for a backend configured later


# --- idempotency ---------------------------------------------------------------------------


def test_the_same_request_twice_is_one_ticket(store: TicketStore, make_draft: MakeDraft) -> None:
    draft = make_draft(request_id="r-42")
    first = store.create(draft, now=T0)
    again = store.create(draft, now=T0 + timedelta(minutes=5))
    assert again == first
    assert store.get_by_idempotency_key(first.idempotency_key) == first
    other_session = store.create(make_draft(request_id="r-42", session_id="session-2"))
    other_channel = store.create(make_draft(request_id="r-42", channel=Channel.AGENT_CONSOLE))
    assert len({first.id, other_session.id, other_channel.id}) == 3
    assert count(store, tickets_table) == 3


def test_concurrent_creates_of_one_request_yield_one_ticket(
    store: TicketStore, db_url: str, make_draft: MakeDraft
) -> None:
    draft = make_draft(request_id="double-click")
    second_store = TicketStore(db_url, delivery_configured=True)  # another process, in effect
    start = threading.Barrier(8)

    def create(index: int) -> str:
        start.wait()
        return (store if index % 2 else second_store).create(draft).id

    try:
        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(create, range(8)))
    finally:
        second_store.close()
    assert len(set(ids)) == 1
    assert count(store, tickets_table) == 1
    assert count(store, outbox_table) == 1
    assert count(store, audit_table) == 1


# --- status updates ------------------------------------------------------------------------


def test_status_updates_append_to_the_audit_trail(
    store: TicketStore, make_draft: MakeDraft
) -> None:
    made = store.create(make_draft(), now=T0)
    store.update_status(made.id, "verifying", actor="dsr:ann", now=T0 + timedelta(hours=1))
    done = store.update_status(
        made.id,
        TicketStatus.IN_PROGRESS,
        actor="dsr:ann",
        note="ID checked; customer read out pw: hunter2",
        now=T0 + timedelta(hours=2),
    )
    assert done.status is TicketStatus.IN_PROGRESS
    assert done.verification.status is VerificationStatus.VERIFIED
    trail = [(a.from_status, a.to_status, a.actor) for a in done.audit]
    assert trail == [
        (None, TicketStatus.RECEIVED, "assistant"),
        (TicketStatus.RECEIVED, TicketStatus.VERIFYING, "dsr:ann"),
        (TicketStatus.VERIFYING, TicketStatus.IN_PROGRESS, "dsr:ann"),
    ]
    assert done.audit[2].note == "ID checked; customer read out pw: [REDACTED:password]"
    assert done.audit[2].at == T0 + timedelta(hours=2)
    assert store.get(made.id) == done


def test_failed_verification_is_recorded_on_rejection(
    store: TicketStore, make_draft: MakeDraft
) -> None:
    made = store.create(make_draft())
    store.update_status(made.id, "verifying", actor="dsr")
    rejected = store.update_status(
        made.id, "rejected", actor="dsr", note="could not confirm identity"
    )
    assert rejected.verification.status is VerificationStatus.FAILED


def test_invalid_transitions_change_nothing(store: TicketStore, make_draft: MakeDraft) -> None:
    made = store.create(make_draft())
    with pytest.raises(InvalidTransition, match="cannot move from received to completed"):
        store.update_status(made.id, "completed", actor="dsr")
    with pytest.raises(TicketValidationError, match="unknown status 'done'"):
        store.update_status(made.id, "done", actor="dsr")
    with pytest.raises(TicketValidationError, match="actor"):
        store.update_status(made.id, "verifying", actor="")
    assert store.get(made.id) == made


def test_unknown_ticket(store: TicketStore) -> None:
    assert store.get("DSR-2026-AAAAAAAA") is None
    with pytest.raises(TicketNotFound, match="DSR-2026-AAAAAAAA"):
        store.update_status("DSR-2026-AAAAAAAA", "verifying", actor="dsr")


def test_racing_updates_apply_once(store: TicketStore, make_draft: MakeDraft) -> None:
    made = store.create(make_draft())
    start = threading.Barrier(6)

    def move(_: int) -> str:
        start.wait()
        try:
            store.update_status(made.id, "verifying", actor="dsr")
        except InvalidTransition:
            return "refused"
        return "applied"

    with ThreadPoolExecutor(6) as pool:
        results = sorted(pool.map(move, range(6)))
    assert results == ["applied"] + ["refused"] * 5
    assert len(store.get(made.id).audit) == 2  # type: ignore[union-attr]


# --- queries -------------------------------------------------------------------------------


def test_list_filters_and_orders_by_due_date(store: TicketStore, make_draft: MakeDraft) -> None:
    old = store.create(make_draft(request_type=RequestType.ERASURE), now=T0 - timedelta(days=40))
    mid = store.create(make_draft(request_type=RequestType.ACCESS), now=T0 - timedelta(days=35))
    new = store.create(make_draft(request_type=RequestType.ACCESS), now=T0)
    store.update_status(mid.id, "cancelled", actor="dsr")
    assert [t.id for t in store.list()] == [old.id, mid.id, new.id]
    assert [t.id for t in store.list(request_type="access")] == [mid.id, new.id]
    assert [t.id for t in store.list(status=TicketStatus.RECEIVED)] == [old.id, new.id]
    assert [t.id for t in store.list(overdue=True, now=T0)] == [old.id]  # cancelled is not late
    assert [t.id for t in store.list(overdue=False, now=T0)] == [mid.id, new.id]
    assert [t.id for t in store.list(limit=1, offset=1)] == [mid.id]
    with pytest.raises(TicketValidationError, match="unknown request type"):
        store.list(request_type="' OR 1=1 --")
    with pytest.raises(TicketValidationError, match="negative"):
        store.list(limit=-1)


def test_tickets_for_session_in_filing_order(store: TicketStore, make_draft: MakeDraft) -> None:
    later = store.create(make_draft(session_id="s-a"), now=T0 + timedelta(minutes=1))
    first = store.create(make_draft(session_id="s-a"), now=T0)
    store.create(make_draft(session_id="s-b"), now=T0)
    assert [t.id for t in store.tickets_for_session("s-a")] == [first.id, later.id]
    assert store.tickets_for_session("nobody") == []


# --- hostile input -------------------------------------------------------------------------


def test_sql_injection_is_stored_verbatim_and_harmless(
    store: TicketStore, make_draft: MakeDraft
) -> None:
    made = store.create(
        make_draft(
            details=f"{INJECTION} and my password is hunter2",
            username="robert'); DROP TABLE tickets;--",
            session_id=INJECTION,
            child_account='"; DELETE FROM outbox; --',
            corrections=(Correction(INJECTION, "1' OR '1'='1"),),
        )
    )
    loaded = store.get(made.id)
    assert loaded is not None
    assert loaded.details == f"{INJECTION} and my password is [REDACTED:password]"
    assert loaded.identity.username == "robert'); DROP TABLE tickets;--"
    assert loaded.child_account == '"; DELETE FROM outbox; --'
    assert loaded.corrections[0].what == INJECTION
    assert [t.id for t in store.tickets_for_session(INJECTION)] == [made.id]
    assert store.get("' OR '1'='1") is None
    tables = set(inspect(store.engine).get_table_names())
    assert {"tickets", "ticket_audit", "outbox", "delivery_attempts"} <= tables
    assert count(store, outbox_table) == 1


def test_an_injected_email_is_rejected_and_nothing_stored(
    store: TicketStore, make_draft: MakeDraft
) -> None:
    with pytest.raises(TicketValidationError, match=r"identity\.email"):
        store.create(make_draft(email="a@b.com'; DROP TABLE tickets;--"))
    assert count(store, tickets_table) == 0


def test_secrets_never_reach_the_database(store: TicketStore, make_draft: MakeDraft) -> None:
    store.create(
        make_draft(
            details="card 4111 1111 1111 1111, token Bearer abcdefABCDEF0123456789",
            username="pw: swordfish",
            corrections=(Correction("IBAN", "GB82 WEST 1234 5698 7654 32"),),
        )
    )
    with store.engine.connect() as conn:
        raw = " ".join(str(v) for v in conn.execute(select(tickets_table)).one())
        raw += " ".join(str(v) for v in conn.execute(select(audit_table)).one())
    for secret in ("4111 1111 1111 1111", "abcdefABCDEF0123456789", "swordfish", "GB82 WEST"):
        assert secret not in raw


# --- transient errors ----------------------------------------------------------------------


def test_with_retry_retries_only_transient_errors() -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
        return "ok"

    assert with_retry(flaky, first_delay=0.001) == "ok"
    assert len(calls) == 3

    def broken() -> None:
        calls.append(1)
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: nope"))

    calls.clear()
    with pytest.raises(OperationalError):
        with_retry(broken, first_delay=0.001)
    assert len(calls) == 1


def test_sqlite_writer_waits_out_a_held_lock(tmp_path: Path, make_draft: MakeDraft) -> None:
    path = tmp_path / "locked.sqlite3"
    with TicketStore(f"sqlite:///{path}") as store:
        blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        blocker.execute("BEGIN EXCLUSIVE")
        release = threading.Timer(0.3, blocker.execute, args=("COMMIT",))
        release.start()
        started = time.perf_counter()
        made = store.create(make_draft())
        waited = time.perf_counter() - started
        release.join()
        blocker.close()
        assert store.get(made.id) == made
        assert waited >= 0.25


def test_sqlite_file_is_durable_wal(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite3"
    with TicketStore(f"sqlite:///{path}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_store_creates_the_data_directory(tmp_path: Path, make_draft: MakeDraft) -> None:
    path = tmp_path / "nested" / "data" / "tickets.sqlite3"
    with TicketStore(f"sqlite:///{path}") as store:
        store.create(make_draft())
    assert path.exists()


def test_plain_postgresql_urls_use_psycopg3() -> None:
    from assistant.ticket_store import normalise_url

    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x") == "sqlite:///x"
