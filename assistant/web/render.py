"""Reply → chat markdown: numbered citation markers, a collapsible Sources block, badges.

Pure functions over the ``Reply`` contract, so the chat widget and the tests agree on what a
user sees. Text from the policy, the assistant and the user is HTML-escaped before any
markup of ours is added: a quote containing ``<`` must show as ``<``, never become a tag.
The chat component renders Markdown, and an HTML block ends at a blank line, so every
block of ours is built on a single line.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import date, datetime

from assistant.contract import Citation, Reply, RequestState, TicketSummary
from assistant.web.texts import WebTexts

MARKER_RE = re.compile(r"\[(\d+)\]")
# Errors that are really "please rephrase / slow down": shown as plain text, no alarm badge.
NOTICE_CODES = frozenset({"message_too_long", "empty_message", "invalid_message", "rate_limited"})
# Long quotes are located in the reply by their opening words when not repeated in full.
QUOTE_PROBE_CHARS = 60


def escape(text: str) -> str:
    return html.escape(text, quote=False)


# Every ASCII punctuation character can start Markdown (links, images, emphasis, tables,
# autolinks, LaTeX); as a numeric character reference it is shown, never parsed.
_MARKDOWN_ACTIVE = re.compile(r"[!-/:-@\[-`{-~]")


def plain_text(text: str) -> str:
    """Customer text for a Markdown view: shown exactly as typed, never markup or a link.

    HTML escaping alone leaves ``![x](http://host/x.png)`` an image that the staff
    browser would fetch, and ``www.host`` a link."""
    return _MARKDOWN_ACTIVE.sub(lambda m: f"&#{ord(m.group(0))};", text)


def escape_block(text: str) -> str:
    """Escaped, with line breaks kept as ``<br>`` so the HTML block stays on one line."""
    return "<br>".join(escape(line) for line in text.splitlines())


def plain_block(text: str) -> str:
    """Customer text as one line of HTML: neither HTML nor Markdown, line breaks kept."""
    return "<br>".join(plain_text(line) for line in text.splitlines())


def format_date(value: date | datetime) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def marker(number: int) -> str:
    return f'<sup class="wa-cite">[{number}]</sup>'


def with_markers(text: str, citations: Sequence[Citation]) -> str:
    """Escape ``text`` and show citation ``n`` as a superscript ``[n]``.

    Markers the generator already wrote (``[2]``) are kept in place. A citation it did not
    mark is placed right after its quote if the text repeats it, else at the end, so every
    numbered source in the Sources block has a visible marker.
    """
    count = len(citations)
    written = {int(n) for n in MARKER_RE.findall(text) if 1 <= int(n) <= count}
    placements: list[tuple[int, int]] = []
    for number, citation in enumerate(citations, start=1):
        if number not in written:
            placements.append((_quote_end(text, citation.quote), number))
    pieces: list[str] = []
    cursor = 0
    for position, number in sorted(placements):
        pieces.append(_escape_marking(text[cursor:position], count))
        pieces.append(marker(number))
        cursor = position
    pieces.append(_escape_marking(text[cursor:], count))
    return "".join(pieces)


def _quote_end(text: str, quote: str) -> int:
    """Where to put a marker for ``quote``: after it in ``text``, else at the end of ``text``."""
    for probe in (quote.strip(), quote.strip()[:QUOTE_PROBE_CHARS]):
        found = text.find(probe) if probe else -1
        if found >= 0:
            end = found + len(probe)
            if probe != quote.strip():  # only the opening matched: mark the end of that sentence
                stop = re.search(r"[.!?](\s|$)", text[end:])
                end = end + stop.start() + 1 if stop else len(text.rstrip())
            return end
    return len(text.rstrip())


def _escape_marking(segment: str, count: int) -> str:
    def replace(match: re.Match[str]) -> str:
        number = int(match.group(1))
        return marker(number) if 1 <= number <= count else match.group(0)

    return MARKER_RE.sub(replace, escape(segment))


def sources_block(citations: Sequence[Citation], label: str, *, open_: bool = False) -> str:
    """A collapsible, numbered list of the cited clauses: section title and verbatim quote."""
    if not citations:
        return ""
    items = "".join(
        f'<li value="{number}"><span class="wa-source-section">{escape(c.section)}</span>'
        f'<blockquote class="wa-quote">{escape_block(c.quote)}</blockquote></li>'
        for number, c in enumerate(citations, start=1)
    )
    attribute = " open" if open_ else ""
    return (
        f'<details class="wa-sources"{attribute}><summary>{escape(label)} ({len(citations)})'
        f'</summary><ol class="wa-source-list">{items}</ol></details>'
    )


def badge(text: str, kind: str) -> str:
    return f'<span class="wa-badge wa-badge-{kind}">{escape(text)}</span>'


def request_badge(request: RequestState, texts: WebTexts) -> str:
    label = texts.chat.request_badge.format(
        request_type=texts.request_label(request.request_type),
        status=texts.status_label(request.status),
    )
    return badge(label, "request")


def ticket_card(ticket: TicketSummary, texts: WebTexts) -> str:
    title = texts.chat.ticket_filed.format(ticket_id=ticket.id)
    details = texts.chat.ticket_details.format(
        request_type=texts.request_label(ticket.request_type),
        due_date=format_date(ticket.due_at),
        received_date=format_date(ticket.received_at),
    )
    return (
        f'<div class="wa-ticket" role="status"><strong class="wa-ticket-id">{escape(title)}'
        f"</strong><br>{escape(details)}</div>"
    )


def render_reply(reply: Reply, texts: WebTexts) -> str:
    """The assistant's chat message for one ``Reply``."""
    parts: list[str] = []
    if reply.closest_passage:
        parts.append(badge(texts.chat.closest_badge, "abstain"))
    elif reply.abstained:
        parts.append(badge(texts.chat.abstain_badge, "abstain"))
    if reply.error is not None and reply.error.code not in NOTICE_CODES:
        parts.append(badge(texts.chat.error_badge, "error"))
    if reply.request is not None and reply.ticket is None:
        parts.append(request_badge(reply.request, texts))
    parts.append(with_markers(reply.reply, reply.citations))
    if reply.ticket is not None:
        parts.append(ticket_card(reply.ticket, texts))
    parts.append(sources_block(reply.citations, texts.chat.sources))
    return "\n\n".join(part for part in parts if part)


def render_user_message(text: str) -> str:
    return escape(text)


def policy_note(title: str, last_updated: date | None, texts: WebTexts) -> str:
    if last_updated is None:
        return texts.chat.policy_note_undated.format(policy_name=texts.policy_name(title))
    return texts.chat.policy_note.format(
        policy_name=texts.policy_name(title), last_updated=format_date(last_updated)
    )


def request_open(reply: Reply | None) -> bool:
    """Whether a rights request is still open after this reply (Cancel is offered)."""
    return bool(
        reply is not None
        and reply.request is not None
        and reply.request.status in ("needs_info", "awaiting_confirmation")
        and reply.ticket is None
    )


def awaiting_confirmation(reply: Reply | None) -> bool:
    """Whether the chat should offer the Confirm / Cancel buttons after this reply."""
    return bool(
        reply is not None
        and reply.request is not None
        and reply.request.status == "awaiting_confirmation"
        and reply.ticket is None
    )
