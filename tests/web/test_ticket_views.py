"""Tickets view model: rows, days left, overdue, detail with audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.ticket_store import TicketStore
from assistant.tickets import Channel, RequestType, TicketDraft
from assistant.web.texts import WebTexts
from assistant.web.ticket_views import (
    cell,
    next_statuses,
    ticket_detail,
    ticket_row,
)

RECEIVED = datetime(2025, 1, 31, 10, 0, tzinfo=UTC)


@pytest.fixture()
def store(tmp_path: Path) -> TicketStore:
    return TicketStore(f"sqlite:///{tmp_path / 't.sqlite3'}")


def file(store: TicketStore, **fields: object) -> object:
    draft = TicketDraft(
        request_id=str(fields.pop("request_id", "r1")),
        request_type=RequestType(str(fields.pop("request_type", "erasure"))),
        email="person@example.com",
        session_id="s1",
        channel=Channel.CHAT,
        **fields,  # type: ignore[arg-type]
    )
    return store.create(draft, now=RECEIVED)


def test_days_left_and_overdue_follow_the_due_date(store: TicketStore, texts: WebTexts) -> None:
    ticket = file(store)
    assert ticket.due_at == datetime(2025, 2, 28, 10, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    before = ticket_row(ticket, datetime(2025, 2, 18, tzinfo=UTC), texts)  # type: ignore[arg-type]
    assert before.cells[6] == "10" and not before.overdue and before.cells[7] == ""
    after = ticket_row(ticket, datetime(2025, 3, 3, tzinfo=UTC), texts)  # type: ignore[arg-type]
    assert after.overdue and after.cells[6] == "-3"
    assert after.cells[7] == texts.tickets.overdue_mark
    assert after.cells[:4] == (ticket.id, "erasure", "received", "person@example.com")  # type: ignore[attr-defined]


def test_closed_tickets_are_never_overdue(store: TicketStore, texts: WebTexts) -> None:
    ticket = file(store)
    closed = store.update_status(ticket.id, "cancelled", actor="ops")  # type: ignore[attr-defined]
    row = ticket_row(closed, RECEIVED + timedelta(days=90), texts)
    assert not row.overdue and row.cells[6] == ""
    assert next_statuses(closed) == []


def test_next_statuses_follow_the_lifecycle(store: TicketStore) -> None:
    ticket = file(store)
    assert next_statuses(ticket) == ["verifying", "in_progress", "rejected", "cancelled"]  # type: ignore[arg-type]
    moved = store.update_status(ticket.id, "verifying", actor="ops")  # type: ignore[attr-defined]
    assert next_statuses(moved) == ["in_progress", "rejected", "cancelled"]


def test_detail_lists_fields_and_the_audit_trail(store: TicketStore, texts: WebTexts) -> None:
    ticket = file(store, details="Please | remove <b>everything</b>", username="pat")
    moved = store.update_status(
        ticket.id,  # type: ignore[attr-defined]
        "verifying",
        actor="ops-anna",
        note="called | back",
        now=RECEIVED + timedelta(days=1),
    )
    text = ticket_detail(moved, RECEIVED + timedelta(days=3), texts)
    assert moved.id in text
    assert "Please \\| remove &lt;b&gt;everything&lt;/b&gt;" in text
    assert "(25 day(s) left)" in text
    assert "ops-anna" in text and "called \\| back" in text
    audit = text.split(texts.tickets.audit_heading)[1]
    rows = [line for line in audit.splitlines() if line.startswith("| 2025")]
    assert len(rows) == 2
    assert "received" in rows[0] and "verifying" in rows[1]


def test_cell_flattens_and_marks_empty_values() -> None:
    assert cell("a\nb  c") == "a b c"
    assert cell(None) == "—"
    assert cell("x|y") == "x\\|y"
