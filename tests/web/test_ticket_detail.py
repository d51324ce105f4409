"""The ticket detail: the customer's message (untrusted) and the status menu."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.ticket_store import TicketStore
from assistant.tickets import Channel, RequestType, TicketDraft, TicketStatus
from assistant.web.texts import WebTexts
from assistant.web.ticket_views import customer_message_block, status_choices, ticket_detail

NOW = datetime(2025, 2, 1, tzinfo=UTC)
HOSTILE = (
    "Delete my data.\n\n<img src=x onerror=alert(1)> ![track](https://evil.example/p.png)\n"
    "[click](javascript:alert(1)) | broken | table\n# Heading"
)


@pytest.fixture()
def store(tmp_path: Path) -> TicketStore:
    return TicketStore(f"sqlite:///{tmp_path / 't.sqlite3'}")


def file(store: TicketStore, message: str | None = HOSTILE) -> object:
    draft = TicketDraft(
        request_id="r1",
        request_type=RequestType.ERASURE,
        email="person@example.com",
        session_id="agent:ann",
        channel=Channel.AGENT_CONSOLE,
        filed_by="ann",
        customer_message=message,
    )
    return store.create(draft, now=NOW)


def test_the_customer_message_is_shown_escaped(store: TicketStore, texts: WebTexts) -> None:
    ticket = file(store)
    detail = ticket_detail(ticket, NOW, texts, store.customer_message(ticket.id))  # type: ignore[attr-defined, arg-type]
    assert texts.tickets.message_heading in detail
    after = detail.split(texts.tickets.message_heading, 1)[1].strip()
    # One line of HTML: Markdown inside it (image, link, table, heading) is not rendered.
    block, rest = after.split("\n", 1)
    assert block.startswith('<blockquote class="wa-customer-message">')
    assert block.endswith("</blockquote>") and block.count("</blockquote>") == 1
    assert "<img" not in block and "&#60;img src&#61;x onerror&#61;alert&#40;1&#41;&#62;" in block
    assert "](" not in block and "|" not in block  # no link, no table cell
    assert "Heading" not in rest


def test_no_message_no_section(store: TicketStore, texts: WebTexts) -> None:
    ticket = file(store, message=None)
    detail = ticket_detail(ticket, NOW, texts, store.customer_message(ticket.id))  # type: ignore[attr-defined, arg-type]
    assert texts.tickets.message_heading not in detail


def test_the_filing_agent_is_shown_in_the_audit(store: TicketStore, texts: WebTexts) -> None:
    ticket = file(store)
    assert "| ann |" in ticket_detail(ticket, NOW, texts)  # type: ignore[arg-type]


def test_status_menu_starts_at_the_current_status(store: TicketStore) -> None:
    ticket = file(store)
    assert status_choices(ticket)[0] == "received"  # type: ignore[arg-type]
    moved = store.update_status(ticket.id, TicketStatus.VERIFYING, actor="ann", now=NOW)  # type: ignore[attr-defined]
    assert status_choices(moved)[0] == "verifying"
    assert "verifying" not in status_choices(moved)[1:]


def test_message_block_keeps_line_breaks() -> None:
    assert customer_message_block("a\nb <c>") == (
        '<blockquote class="wa-customer-message">a<br>b &#60;c&#62;</blockquote>'
    )
