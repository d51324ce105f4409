"""What the tickets view shows: table rows, days left, the detail with its audit trail.

Pure functions over ``DsrTicket`` and a clock, so the view's numbers are testable without a
browser. Values that came from customers (details, usernames, notes) are plain text in
Markdown: a ``|`` must not break the table, a ``<`` must not become a tag, and
``![x](url)`` must not become an image the staff browser fetches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from assistant.tickets import ALLOWED_TRANSITIONS, TERMINAL_STATUSES, DsrTicket, TicketStatus
from assistant.web.render import plain_block, plain_text
from assistant.web.texts import WebTexts


@dataclass(frozen=True)
class TicketRow:
    cells: tuple[str, ...]
    overdue: bool


def days_left(ticket: DsrTicket, now: datetime) -> int:
    """Calendar days (UTC) until the due date; negative once it has passed."""
    return (ticket.due_at.date() - now.date()).days


def ticket_row(ticket: DsrTicket, now: datetime, texts: WebTexts) -> TicketRow:
    closed = ticket.status in TERMINAL_STATUSES
    overdue = ticket.is_overdue(now)
    cells = (
        ticket.id,
        ticket.request_type.value,  # the short name: the table must fit a laptop screen
        ticket.status.value,
        ticket.identity.email,
        ticket.received_at.date().isoformat(),
        ticket.due_at.date().isoformat(),
        "" if closed else str(days_left(ticket, now)),
        texts.tickets.overdue_mark if overdue else "",
    )
    return TicketRow(cells, overdue)


def ticket_rows(tickets: Sequence[DsrTicket], now: datetime, texts: WebTexts) -> list[TicketRow]:
    return [ticket_row(t, now, texts) for t in tickets]


def next_statuses(ticket: DsrTicket) -> list[str]:
    """The statuses the lifecycle allows next, in lifecycle order."""
    allowed = ALLOWED_TRANSITIONS[ticket.status]
    return [s.value for s in TicketStatus if s in allowed]


def status_choices(ticket: DsrTicket) -> list[str]:
    """The status menu: the ticket's current status (shown selected), then the next ones."""
    return [ticket.status.value, *next_statuses(ticket)]


def customer_message_block(message: str) -> str:
    """The customer's own words, untrusted: escaped and on one line, so neither HTML nor
    Markdown in them (tags, links, images, headings, tables) is rendered."""
    return f'<blockquote class="wa-customer-message">{plain_block(message)}</blockquote>'


def cell(value: object) -> str:
    """A value shown as plain text inside a Markdown table cell."""
    text = "" if value is None else str(value)
    return plain_text(" ".join(text.split())) or "—"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _due_text(ticket: DsrTicket, now: datetime, texts: WebTexts) -> str:
    due = _when(ticket.due_at) + " UTC"
    if ticket.status in TERMINAL_STATUSES:
        return due
    left = days_left(ticket, now)
    if ticket.is_overdue(now):
        return f"{due} ({texts.tickets.overdue_mark}, {-left} day(s) late)"
    return f"{due} ({left} day(s) left)"


def detail_fields(ticket: DsrTicket, now: datetime, texts: WebTexts) -> list[tuple[str, str]]:
    identity = ticket.identity
    verification = ticket.verification
    fields: list[tuple[str, object]] = [
        ("Type", texts.request_label(ticket.request_type)),
        ("Status", ticket.status.value),
        ("Email", identity.email),
        ("Username", identity.username),
        ("Phone", identity.phone),
        ("Requester", ticket.requester_role.value),
        ("Child account", ticket.child_account if ticket.subject_is_minor else None),
        ("Received", _when(ticket.received_at) + " UTC"),
        ("Due", _due_text(ticket, now, texts)),
        (
            "Identity check",
            f"{verification.status.value}" if verification.required else "not required",
        ),
        ("Channel", ticket.channel.value),
        ("Legal basis", ", ".join(ticket.legal_basis)),
        ("Cited clauses", ", ".join(ticket.cited_clause_ids)),
        ("Delivery", ticket.delivery.state.value),
        ("Details", ticket.details),
    ]
    fields.extend((f"Correction: {c.what}", c.correct_value) for c in ticket.corrections)
    return [(name, cell(value)) for name, value in fields if value not in (None, "")]


def ticket_detail(
    ticket: DsrTicket, now: datetime, texts: WebTexts, customer_message: str | None = None
) -> str:
    words = texts.tickets
    lines = [f"### {words.detail_heading.format(ticket_id=ticket.id)}", ""]
    lines += [f"| {words.field_column} | {words.value_column} |", "|---|---|"]
    lines += [f"| **{name}** | {value} |" for name, value in detail_fields(ticket, now, texts)]
    if customer_message:
        lines += ["", f"#### {words.message_heading}", "", customer_message_block(customer_message)]
    lines += ["", f"#### {words.audit_heading}", ""]
    lines.append("| " + " | ".join(words.audit_columns) + " |")
    lines.append("|" + "---|" * len(words.audit_columns))
    for entry in ticket.audit:
        row = (
            _when(entry.at),
            cell(entry.actor),
            entry.from_status.value if entry.from_status else "—",
            entry.to_status.value,
            cell(entry.note),
        )
        lines.append("| " + " | ".join(row) + " |")
    if ticket.status in TERMINAL_STATUSES:
        lines += ["", f"_{words.final}_"]
    return "\n".join(lines)
