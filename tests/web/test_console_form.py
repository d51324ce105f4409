"""The console's ticket form: it files exactly what it shows, as the signed-in agent."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ticket_store import TicketStore
from assistant.tickets import Channel, RequesterRole, RequestType
from assistant.web.console_ui import DraftContext, TicketForm, _why_not
from assistant.web.texts import WebTexts

CTX = DraftContext("draft-1", ("c1",), (), "Stop the marketing. Then delete it all.")


@pytest.fixture()
def store(tmp_path: Path) -> TicketStore:
    return TicketStore(f"sqlite:///{tmp_path / 't.sqlite3'}")


def form(request_type: str = "marketing_opt_out", email: str = "m@example.com") -> TicketForm:
    return TicketForm(request_type, email, "", "")


def test_changing_the_type_files_a_new_ticket(store: TicketStore) -> None:
    opt_out = store.create(form().to_draft(CTX, "ann"))
    again = store.create(form().to_draft(CTX, "ann"))
    erasure = store.create(form("erasure").to_draft(CTX, "ann"))
    assert again.id == opt_out.id  # the same form twice: one ticket
    assert erasure.id != opt_out.id and erasure.request_type is RequestType.ERASURE
    assert len(store.list()) == 2


def test_the_same_form_in_another_draft_is_another_request() -> None:
    other = DraftContext("draft-2")
    assert form().request_id(CTX.draft_id) != form().request_id(other.draft_id)
    assert form().request_id("d") == form(email=" M@Example.com ").request_id("d")


def test_the_agent_is_the_actor_and_the_message_is_kept(store: TicketStore) -> None:
    ticket = store.create(form().to_draft(CTX, "ann"))
    assert ticket.channel is Channel.AGENT_CONSOLE and ticket.session_id == "agent:ann"
    assert ticket.audit[0].actor == "ann"
    assert ticket.cited_clause_ids == ["c1"]
    assert store.customer_message(ticket.id) == CTX.customer_message


def test_a_minor_request_names_the_child_account(store: TicketStore) -> None:
    minor = TicketForm("minor_data_deletion", "parent@example.com", "artkid2010", "")
    ticket = store.create(minor.to_draft(CTX, "ann"))
    assert ticket.subject_is_minor and ticket.child_account == "artkid2010"
    assert ticket.requester_role is RequesterRole.PARENT_GUARDIAN
    assert ticket.identity.username is None


def test_why_a_form_cannot_be_filed(texts: WebTexts) -> None:
    words = texts.console
    assert _why_not(TicketForm(None, "m@example.com", "", ""), words) == words.choose_type
    assert _why_not(form(email="  "), words) == words.email_missing
    assert _why_not(form(), words) is None
