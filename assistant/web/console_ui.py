"""The agent console (Gradio Blocks, staff only): a customer's message in, an editable reply
draft with its cited clauses out, and each detected rights request pre-filled as a ticket
form the agent checks and files (channel ``agent_console``, the agent as audit actor).

"File ticket" files exactly what the form shows: the request id comes from the draft and
the form's content, so pressing it twice files one ticket, and changing the type (or the
email) and pressing it again files the changed request.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.drafting import Draft, TicketPreview
from assistant.tickets import (
    Channel,
    RequesterRole,
    RequestType,
    TicketDraft,
    TicketError,
    utcnow,
)
from assistant.web.ports import WebAssistant
from assistant.web.render import escape, format_date, sources_block
from assistant.web.texts import ConsoleTexts, WebTexts
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

    draft_id: str
    cited_clause_ids: tuple[str, ...] = ()
    requests: tuple[TicketPreview, ...] = ()
    customer_message: str = ""


@dataclass(frozen=True)
class TicketForm:
    """The ticket form exactly as the agent sees it when pressing "File ticket"."""

    request_type: str | None
    email: str
    username: str
    details: str

    def request_id(self, draft_id: str) -> str:
        """One request id per draft *and* form content: the same form filed twice is one
        ticket; a changed form (another type, a corrected email) is a new one."""
        fields = [draft_id, self.request_type or "", self.email.strip().lower()]
        fields += [self.username.strip(), self.details.strip()]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:32]

    def to_draft(self, ctx: DraftContext, agent: str) -> TicketDraft:
        kind = RequestType(self.request_type or "")
        minor = kind is RequestType.MINOR_DATA_DELETION
        account = self.username.strip() or None
        return TicketDraft(
            request_id=self.request_id(ctx.draft_id),
            request_type=kind,
            email=self.email.strip(),
            session_id=f"agent:{agent}",
            channel=Channel.AGENT_CONSOLE,
            username=None if minor else account,
            requester_role=RequesterRole.PARENT_GUARDIAN if minor else RequesterRole.SELF,
            subject_is_minor=minor,
            child_account=account if minor else None,
            details=self.details.strip() or None,
            cited_clause_ids=ctx.cited_clause_ids,
            filed_by=agent,
            customer_message=ctx.customer_message or None,
        )


def _notes(draft: Draft, texts: WebTexts) -> str:
    words = texts.console
    notes = []
    if draft.abstained:
        notes.append(f'<span class="wa-badge wa-badge-abstain">{escape(words.abstained)}</span>')
    if draft.secrets_removed:
        notes.append(escape(words.secrets_removed))
    return "\n\n".join(notes)


def _request_summary(requests: Sequence[TicketPreview], texts: WebTexts) -> str:
    words = texts.console
    if not requests:
        return escape(words.no_request)
    labels = [texts.request_label(r.request_type) for r in requests]
    if len(requests) == 1:
        text = words.detected_request.format(request_type=labels[0])
    else:
        text = words.detected_requests.format(count=len(requests), types="; ".join(labels))
    missing = sorted({field for r in requests for field in r.missing})
    if missing:
        text += " " + words.missing_fields.format(fields=", ".join(missing))
    return escape(text)


def _choices(requests: Sequence[TicketPreview], texts: WebTexts) -> list[tuple[str, int]]:
    return [
        (f"{n}. {texts.request_label(r.request_type)}", n - 1)
        for n, r in enumerate(requests, start=1)
    ]


def _form_values(preview: TicketPreview | None) -> tuple[Any, ...]:
    """Type, email, username, details for the form."""
    if preview is None:
        return None, "", "", ""
    return preview.request_type, preview.email or "", preview.username or "", preview.details or ""


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
        pick = gr.Radio(
            [], label=words.pick_label, visible=False, type="value", elem_id="wa-request-pick"
        )
        with gr.Row():
            rtype = gr.Dropdown(type_choices, label=words.type_label, elem_id="wa-ticket-type")
            email = gr.Textbox(label=words.email_label, elem_id="wa-ticket-email")
            username = gr.Textbox(label=words.username_label, elem_id="wa-ticket-username")
        details = gr.Textbox(label=words.details_label, lines=2, elem_id="wa-ticket-details")
        file_button = gr.Button(words.file, variant="primary", elem_id="wa-file")
        filed = gr.Markdown(elem_id="wa-filed")
        form = [rtype, email, username, details]

        def make_draft(message: str) -> tuple[Any, ...]:
            if not message.strip():
                return (escape(words.empty_message), *[gr.skip()] * 10)
            try:
                draft = assistant.draft_reply(message)
            except ValueError as exc:
                return (escape(words.draft_failed.format(reason=exc)), *[gr.skip()] * 10)
            sources = (
                sources_block(draft.citations, words.citations_heading, open_=True)
                if draft.citations
                else escape(words.no_citations)
            )
            ctx = DraftContext(
                uuid.uuid4().hex,
                tuple(c.clause_id for c in draft.citations),
                tuple(draft.requests),
                draft.customer_message,
            )
            choices = _choices(draft.requests, texts)
            return (
                _notes(draft, texts),
                draft.reply_text,
                sources,
                _request_summary(draft.requests, texts),
                gr.Radio(choices, value=0 if choices else None, visible=len(choices) > 1),
                *_form_values(draft.requests[0] if draft.requests else None),
                ctx,
                "",
            )

        draft_button.click(
            make_draft,
            customer,
            [notes, reply, citations, detected, pick, *form, context, filed],
            api_visibility="private",
        )

        def load_request(index: int | None, ctx: DraftContext | None) -> tuple[Any, ...]:
            if ctx is None or index is None or not 0 <= index < len(ctx.requests):
                return tuple(gr.skip() for _ in form)
            return _form_values(ctx.requests[index])

        pick.input(load_request, [pick, context], form, api_visibility="private")

        def file_ticket(  # noqa: PLR0917 (Gradio passes inputs positionally)
            request_type: str | None,
            address: str,
            account: str,
            more: str,
            ctx: DraftContext | None,
            request: gr.Request,
        ) -> str:
            ticket_form = TicketForm(request_type, address or "", account or "", more or "")
            reason = _why_not(ticket_form, words)
            if reason:
                return escape(words.file_failed.format(reason=reason))
            agent = request.username or "staff"
            started = utcnow()
            try:
                draft = ticket_form.to_draft(ctx or DraftContext(uuid.uuid4().hex), agent)
                ticket = assistant.file_ticket_for_customer(draft)
            except (TicketError, ValueError) as exc:
                return escape(words.file_failed.format(reason=exc))
            # The store returns the earlier ticket for a form filed before: say so.
            template = words.already_filed if ticket.received_at < started else words.filed
            return escape(
                template.format(
                    ticket_id=ticket.id,
                    request_type=texts.request_label(ticket.request_type),
                    email=ticket.identity.email,
                    due_date=format_date(ticket.due_at),
                )
            )

        file_button.click(file_ticket, [*form, context], filed, api_visibility="private")
        copy_button.click(
            lambda _text: words.copied, reply, copied, js=COPY_JS, api_visibility="private"
        )
    return demo


def _why_not(form: TicketForm, words: ConsoleTexts) -> str | None:
    """Why the form cannot be filed as it stands, in the agent's words; None if it can."""
    if not form.request_type:
        return words.choose_type
    if not form.email.strip():
        return words.email_missing
    return None
