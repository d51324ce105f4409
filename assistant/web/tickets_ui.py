"""The tickets view (Gradio Blocks, staff only): filter, see what is due, open a ticket, move
it along its lifecycle. Status changes are recorded in the audit trail under the
signed-in staff name (``gr.Request.username``, set by the staff login)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import gradio as gr
import pandas as pd
from pandas.io.formats.style import Styler

from assistant.tickets import RequestType, TicketError, TicketStatus, utcnow
from assistant.web.ports import WebAssistant
from assistant.web.render import escape
from assistant.web.texts import WebTexts
from assistant.web.ticket_views import TicketRow, status_choices, ticket_detail, ticket_rows

OVERDUE_STYLE = "background-color: #fde2e1; color: #7a1010; font-weight: 600"
MAX_ROWS = 500
COLUMN_WIDTHS: list[str | int] = ["17%", "11%", "10%", "20%", "11%", "11%", "8%", "12%"]


def styled_table(rows: list[TicketRow], columns: list[str]) -> Styler:
    frame = pd.DataFrame([r.cells for r in rows], columns=columns)
    overdue = [r.overdue for r in rows]

    def highlight(row: pd.Series) -> list[str]:
        style = OVERDUE_STYLE if overdue[int(str(row.name))] else ""
        return [style] * len(row)

    return frame.style.apply(highlight, axis=1)


def staff_header(heading: str, links: list[tuple[str, str]]) -> None:
    """Page heading and navigation (plain links: Markdown links would open new tabs)."""
    gr.Markdown(f"## {escape(heading)}", elem_id="wa-staff-heading")
    anchors = " · ".join(f'<a href="{href}">{escape(label)}</a>' for label, href in links)
    gr.HTML(f'<nav aria-label="Staff pages" class="wa-staff-nav">{anchors}</nav>')


def build_tickets(
    assistant: WebAssistant, texts: WebTexts, clock: Callable[[], datetime] = utcnow
) -> gr.Blocks:
    words = texts.tickets
    store = assistant.tickets
    status_filter_choices = [(words.any, ""), *((s.value, s.value) for s in TicketStatus)]
    type_choices = [(words.any, ""), *((texts.request_label(t), t.value) for t in RequestType)]
    with gr.Blocks(title=words.page_title, elem_id="wa-tickets-app") as demo:
        staff_header(
            words.heading, [("Agent console", "../console/"), (texts.console.logout, "../logout")]
        )
        with gr.Row(equal_height=True):
            search = gr.Textbox(
                label=words.search_label,
                placeholder=words.search_placeholder,
                scale=2,
                elem_id="wa-tickets-search",
            )
            status = gr.Dropdown(status_filter_choices, value="", label=words.status_filter)
            rtype = gr.Dropdown(type_choices, value="", label=words.type_filter)
            overdue = gr.Checkbox(label=words.overdue_only, value=False)
            refresh = gr.Button(words.refresh, variant="secondary", scale=0, min_width=120)
        count = gr.Markdown(elem_id="wa-tickets-count")
        table = gr.Dataframe(
            label=words.table_label,
            headers=list(words.columns),
            interactive=False,
            wrap=True,
            column_widths=COLUMN_WIDTHS,
            elem_id="wa-tickets-table",
        )
        selected = gr.Dropdown(
            [], label=words.select_label, info=words.select_placeholder, elem_id="wa-ticket-select"
        )
        detail = gr.Markdown(words.no_selection, elem_id="wa-ticket-detail")
        with gr.Row(equal_height=True):
            new_status = gr.Dropdown([], label=words.new_status, elem_id="wa-new-status")
            note = gr.Textbox(label=words.note_label, max_lines=3, scale=2, elem_id="wa-note")
            update = gr.Button(
                words.update, variant="primary", scale=0, min_width=160, elem_id="wa-update"
            )
        result = gr.Markdown(elem_id="wa-update-result")

        def load_table(
            query: str, status_value: str, type_value: str, only_overdue: bool
        ) -> tuple[Any, ...]:
            now = clock()
            found = store.list(
                status=status_value or None,
                request_type=type_value or None,
                overdue=True if only_overdue else None,
                limit=MAX_ROWS,
                now=now,
                search=query or None,
            )
            rows = ticket_rows(found, now, texts)
            summary = words.count.format(count=len(rows)) if rows else words.empty
            ids = [t.id for t in found]
            return styled_table(rows, list(words.columns)), summary, gr.Dropdown(choices=ids)

        def show(ticket_id: str | None) -> tuple[Any, ...]:
            ticket = store.get(ticket_id) if ticket_id else None
            if ticket is None:
                return words.no_selection, gr.Dropdown(choices=[], value=None)
            message = store.customer_message(ticket.id)
            return (
                ticket_detail(ticket, clock(), texts, message),
                gr.Dropdown(choices=status_choices(ticket), value=ticket.status.value),
            )

        def pick_row(event: gr.SelectData) -> str | None:
            row = event.row_value if isinstance(event.row_value, list) else None
            return str(row[0]) if row else None

        def change_status(
            ticket_id: str | None, target: str | None, text: str, request: gr.Request
        ) -> tuple[Any, ...]:
            if not ticket_id or not target:
                return words.no_selection, gr.skip()
            current = store.get(ticket_id)
            if current is not None and current.status.value == target:
                return words.unchanged.format(ticket_id=ticket_id, status=target), gr.skip()
            actor = request.username or "staff"
            try:
                ticket = store.update_status(ticket_id, target, actor=actor, note=text or None)
            except TicketError as exc:
                return words.update_failed.format(reason=escape(str(exc))), gr.skip()
            return words.updated.format(ticket_id=ticket.id, status=ticket.status.value), ""

        filters = [search, status, rtype, overdue]
        table_outputs = [table, count, selected]
        demo.load(load_table, filters, table_outputs, api_visibility="private")
        # One event for every filter: a search made while the last one still runs is queued
        # and answered ("always_last"), not dropped as Gradio's default "once" would.
        gr.on(
            [search.submit, status.change, rtype.change, overdue.change, refresh.click],
            load_table,
            filters,
            table_outputs,
            trigger_mode="always_last",
            api_visibility="private",
        )
        table.select(pick_row, None, selected, api_visibility="private")
        selected.change(show, selected, [detail, new_status], api_visibility="private")
        update.click(
            change_status, [selected, new_status, note], [result, note], api_visibility="private"
        ).then(show, selected, [detail, new_status], api_visibility="private").then(
            lambda *f: load_table(*f)[:2], filters, [table, count], api_visibility="private"
        )
    return demo
