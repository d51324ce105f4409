"""Tickets view model: rows, days left, overdue, detail with audit trail."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

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
    assert moved.id in rendered_text(text)
    shown = rendered_text(text)
    assert "Please | remove <b>everything</b>" in shown
    assert "(25 day(s) left)" in shown
    assert "ops-anna" in shown and "called | back" in shown
    audit = text.split(texts.tickets.audit_heading)[1]
    rows = [line for line in audit.splitlines() if line.startswith("| 2025")]
    assert len(rows) == 2
    assert "received" in rows[0] and "verifying" in rows[1]


def test_cell_flattens_and_marks_empty_values() -> None:
    assert cell("a\nb  c") == "a b c"
    assert cell(None) == "—"
    assert "|" not in cell("x|y") and rendered_text(f"| {cell('x|y')} |\n|---|") == "x|y"


def rendered_text(markdown: str) -> str:
    """What a reader sees: the Markdown rendered (CommonMark + tables), tags removed."""
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


HOSTILE = [
    "Smith ![x](http://127.0.0.1:7899/x.png)",
    "[click](javascript:alert(1)) <img src=x onerror=alert(1)>",
    "**bold** _it_ `code` ~~gone~~ # heading",
    "<http://127.0.0.1:7899/auto> www.example.org $x^2$ \\*not escaped\\*",
    "a | b || c &amp; &lt;",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_customer_text_is_plain_text_in_a_staff_table(value: str) -> None:
    rendered = MarkdownIt("commonmark").enable("table").render(f"| {cell(value)} |\n|---|\n")
    assert not re.search(r"<(?!/?(?:table|thead|tbody|tr|th|td)\b)", rendered), rendered
    assert rendered_text(f"| {cell(value)} |\n|---|") == value


def test_a_markdown_image_in_a_ticket_is_shown_as_text(store: TicketStore, texts: WebTexts) -> None:
    ticket = file(store, details="Smith ![x](http://127.0.0.1:7899/x.png)")
    detail = ticket_detail(ticket, RECEIVED, texts)  # type: ignore[arg-type]
    rendered = MarkdownIt("commonmark").enable("table").render(detail)
    assert "<img" not in rendered and "<a " not in rendered
    assert "Smith ![x](http://127.0.0.1:7899/x.png)" in rendered_text(detail)
