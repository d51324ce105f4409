"""The agent console (Gradio Blocks, staff only): a customer's message in, an editable reply
draft with its cited clauses out, and the detected rights request pre-filled as a ticket
form the agent checks and files (channel ``agent_console``).

Each draft mints one request id, so pressing "File ticket" twice files one ticket.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.tickets import Channel, RequestType, TicketDraft, TicketError
from assistant.web.ports import WebAssistant
from assistant.web.render import escape, format_date, sources_block
from assistant.web.texts import WebTexts
from assistant.web.tickets_ui import staff_header

log = logging.getLogger(__name__)

# Clipboard API first (needs a secure context: https or localhost), else the old way.
COPY_JS = """
(text) => {
  const fallback = () => {
    const area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", ""); area.style.position = "fixed";
    area.style.opacity = "0"; document.body.appendChild(area); area.select();
    document.execCommand("copy"); area.remove();
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).catch(fallback);
  } else { fallback(); }
  return [text];
}
"""


@dataclass(frozen=True)
class DraftContext:
    """What filing needs from the draft that the form does not show."""

    request_id: str
    cited_clause_ids: tuple[str, ...]


def _notes(draft: Any, texts: WebTexts) -> str:
    words = texts.console
    notes = []
    if draft.abstained:
        notes.append(f'<span class="wa-badge wa-badge-abstain">{escape(words.abstained)}</span>')
    if draft.secrets_removed:
        notes.append(escape(words.secrets_removed))
    return "\n\n".join(notes)


def _request_summary(preview: Any, texts: WebTexts) -> str:
    words = texts.console
    if preview is None:
        return words.no_request
    text = words.detected_request.format(request_type=texts.request_label(preview.request_type))
    if preview.missing:
        text += " " + words.missing_fields.format(fields=", ".join(preview.missing))
    return escape(text)


def build_console(assistant: WebAssistant, texts: WebTexts) -> gr.Blocks:
    words = texts.console
    type_choices = [(texts.request_label(t), t.value) for t in RequestType]
    with gr.Blocks(title=words.page_title, elem_id="wa-console-app") as demo:
        context = gr.State(None)
        staff_header(words.heading, [("Tickets", "../tickets/"), (words.logout, "../logout")])
        gr.Markdown(words.intro)
        customer = gr.Textbox(
            label=words.customer_label,
            placeholder=words.customer_placeholder,
            lines=6,
            max_lines=20,
            elem_id="wa-customer-message",
        )
        draft_button = gr.Button(words.draft, variant="primary", elem_id="wa-draft")
        notes = gr.Markdown(elem_id="wa-draft-notes")
        reply = gr.Textbox(
            label=words.reply_label,
            lines=10,
            max_lines=30,
            interactive=True,
            elem_id="wa-draft-reply",
        )
        with gr.Row():
            copy_button = gr.Button(words.copy_reply, variant="secondary", elem_id="wa-copy")
            copied = gr.Markdown(elem_id="wa-copied")
        citations = gr.Markdown(elem_id="wa-draft-citations")
        gr.Markdown(f"### {escape(words.ticket_heading)}")
        detected = gr.Markdown(elem_id="wa-detected")
        with gr.Row():
            rtype = gr.Dropdown(type_choices, label=words.type_label, elem_id="wa-ticket-type")
            email = gr.Textbox(label=words.email_label, elem_id="wa-ticket-email")
            username = gr.Textbox(label=words.username_label, elem_id="wa-ticket-username")
        details = gr.Textbox(label=words.details_label, lines=2, elem_id="wa-ticket-details")
        file_button = gr.Button(words.file, variant="primary", elem_id="wa-file")
        filed = gr.Markdown(elem_id="wa-filed")

        def make_draft(message: str) -> tuple[Any, ...]:
            if not message.strip():
                return (escape(words.empty_message), *[gr.skip()] * 9)
            try:
                draft = assistant.draft_reply(message)
            except ValueError as exc:
                return (escape(words.draft_failed.format(reason=exc)), *[gr.skip()] * 9)
            preview = draft.request
            cited = tuple(c.clause_id for c in draft.citations)
            sources = (
                sources_block(draft.citations, words.citations_heading, open_=True)
                if draft.citations
                else escape(words.no_citations)
            )
            return (
                _notes(draft, texts),
                draft.reply_text,
                sources,
                _request_summary(preview, texts),
                preview.request_type if preview else None,
                (preview.email or "") if preview else "",
                "",
                (preview.details or "") if preview else "",
                DraftContext(uuid.uuid4().hex, cited),
                "",
            )

        draft_button.click(
            make_draft,
            customer,
            [notes, reply, citations, detected, rtype, email, username, details, context, filed],
            api_visibility="private",
        )

        def file_ticket(  # noqa: PLR0917 (Gradio passes inputs positionally)
            request_type: str | None,
            address: str,
            account: str,
            more: str,
            ctx: DraftContext | None,
            request: gr.Request,
        ) -> str:
            if not request_type:
                return escape(words.file_failed.format(reason=words.choose_type))
            ctx = ctx or DraftContext(uuid.uuid4().hex, ())
            try:
                draft = TicketDraft(
                    request_id=ctx.request_id,
                    request_type=RequestType(request_type),
                    email=address.strip(),
                    session_id=f"agent:{request.username or 'staff'}",
                    channel=Channel.AGENT_CONSOLE,
                    username=account.strip() or None,
                    details=more.strip() or None,
                    cited_clause_ids=ctx.cited_clause_ids,
                )
                ticket = assistant.file_ticket_for_customer(draft)
            except (TicketError, ValueError) as exc:
                return escape(words.file_failed.format(reason=exc))
            return escape(
                words.filed.format(
                    ticket_id=ticket.id,
                    request_type=texts.request_label(ticket.request_type),
                    due_date=format_date(ticket.due_at),
                )
            )

        file_button.click(
            file_ticket,
            [rtype, email, username, details, context],
            filed,
            api_visibility="private",
        )
        copy_button.click(
            lambda _text: words.copied, reply, copied, js=COPY_JS, api_visibility="private"
        )
    return demo
