"""The staff screens in headless Chromium: sign-in as a person types it, the agent console
(drafting, filing each request, filing after changing the type) and the tickets view
(search, the customer's message, status updates).

Screenshots console.png and tickets.png go to $WA_SCREENSHOTS_DIR when set.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from assistant.tickets import Channel, RequestType, TicketDraft, utcnow

from .conftest import RunningApp
from .test_browser import close_page, log_in, open_page

playwright_sync = pytest.importorskip("playwright.sync_api")
Browser = playwright_sync.Browser
Page = playwright_sync.Page
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STATUS_MENU = "Status (choose the next one, then update)"
TICKET_ID = re.compile(r"DSR-\d{4}-[A-Z0-9]{8}")
ANGRY_EMAIL = (
    "I am SICK of your marketing emails!!! Stop sending me marketing right now.\n"
    "Did you sell my email address to someone?\n"
    "Honestly just delete my account, I am done with this site.\n"
    "- Mark (mark.console@example.net)"
)


@pytest.fixture()
def staff_shots(tmp_path: Path) -> Path:
    import os

    target = Path(os.environ.get("WA_SCREENSHOTS_DIR") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture()
def staff_page(browser: Browser, web_app: RunningApp) -> Iterator[Page]:
    page = open_page(browser, web_app, permissions=["clipboard-read", "clipboard-write"])
    yield page
    close_page(page)


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a Gradio dropdown as a person does: open it, click the option."""
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def filed_id(page: Page) -> str:
    filed = page.locator("#wa-filed")
    expect(filed).to_contain_text(TICKET_ID)
    found = TICKET_ID.search(filed.inner_text())
    assert found is not None
    return found.group(0)


@pytest.mark.parametrize("path", ["/console", "/tickets"])
def test_sign_in_without_the_trailing_slash(
    staff_page: Page, web_app: RunningApp, path: str
) -> None:
    log_in(staff_page, web_app, path)  # what a person types: no trailing slash
    expect(staff_page).to_have_url(re.compile(rf"{path}/$"))
    heading = "Agent console" if path == "/console" else "Data subject request tickets"
    expect(staff_page.get_by_role("heading", name=heading)).to_be_visible()
    staff_page.goto(web_app.url + path)  # signed in: the bare path works too
    expect(staff_page.get_by_role("heading", name=heading)).to_be_visible()


def test_console_drafts_and_files_each_request(
    staff_page: Page, web_app: RunningApp, staff_shots: Path
) -> None:
    page = staff_page
    store = web_app.assistant.tickets
    log_in(page, web_app, "/console")
    page.get_by_label("Customer message").fill(ANGRY_EMAIL)
    page.get_by_role("button", name="Draft reply").click()
    reply = page.get_by_role("textbox", name="Draft reply (edit before sending)")
    expect(reply).to_have_value(re.compile(r"^Hello,\n\nI'm sorry"))
    assert not re.search(r"\[\d+\]", reply.input_value().split("References", 1)[0])
    expect(page.locator("#wa-detected")).to_contain_text("Detected 2 requests")
    expect(page.get_by_label("Customer email")).to_have_value("mark.console@example.net")
    expect(page.get_by_role("combobox", name="Request type")).to_have_value("Marketing opt-out")

    reply.fill(reply.input_value() + "\nP.S. edited by the agent")
    page.get_by_role("button", name="Copy reply").click()
    expect(page.locator("#wa-copied")).to_contain_text("copied")
    assert page.evaluate("navigator.clipboard.readText()").endswith("P.S. edited by the agent")

    page.get_by_role("button", name="File ticket").click()
    opt_out = filed_id(page)
    page.get_by_role("button", name="File ticket").click()  # a second click files nothing new
    expect(page.locator("#wa-filed")).to_contain_text(f"Already filed as {opt_out}")

    page.get_by_label("2. Erasure (delete my data)").check()  # the second detected request
    expect(page.get_by_role("combobox", name="Request type")).to_have_value(re.compile("^Erasure"))
    page.get_by_role("button", name="File ticket").click()
    expect(page.locator("#wa-filed")).not_to_contain_text(opt_out)
    erasure = filed_id(page)
    page.screenshot(path=staff_shots / "console.png", full_page=True)

    for ticket_id, kind in ((opt_out, RequestType.MARKETING_OPT_OUT), (erasure, "erasure")):
        ticket = store.get(ticket_id)
        assert ticket is not None and ticket.request_type == kind
        assert ticket.channel is Channel.AGENT_CONSOLE
        assert ticket.audit[0].actor == web_app.username  # the agent, not "assistant"
        assert "SICK of your marketing" in (store.customer_message(ticket_id) or "")

    page.get_by_role("link", name="Tickets").click()
    expect(page.locator("#wa-tickets-table")).to_contain_text(erasure)


def test_filing_after_changing_the_type_files_the_new_type(
    staff_page: Page, web_app: RunningApp
) -> None:
    page = staff_page
    log_in(page, web_app, "/console/")
    page.get_by_label("Customer message").fill("Please stop emailing me offers. ann@example.com")
    page.get_by_role("button", name="Draft reply").click()
    expect(page.get_by_role("combobox", name="Request type")).to_have_value("Marketing opt-out")
    page.get_by_role("button", name="File ticket").click()
    first = filed_id(page)
    choose(page, "Request type", "Erasure (delete my data)")
    page.get_by_role("button", name="File ticket").click()
    expect(page.locator("#wa-filed")).not_to_contain_text(first)
    second = filed_id(page)
    ticket = web_app.assistant.tickets.get(second)
    assert ticket is not None and ticket.request_type is RequestType.ERASURE

    page.get_by_label("Customer email").fill("")
    choose(page, "Request type", "Access (a copy of my data)")
    page.get_by_role("button", name="File ticket").click()
    expect(page.locator("#wa-filed")).to_contain_text("Not filed: the customer's email")


def _seed(web_app: RunningApp, email: str, kind: RequestType, days_ago: int = 0) -> str:
    draft = TicketDraft(
        request_id=f"seed-{email}-{kind}",
        request_type=kind,
        email=email,
        session_id="web-seeded",
        customer_message=f"Hi, this is {email}. <b>Please</b> [act](javascript:x) now.",
    )
    return web_app.assistant.tickets.create(draft, now=utcnow() - timedelta(days=days_ago)).id


def cell_backgrounds(row: object) -> list[str]:
    return row.locator('[role="gridcell"]').evaluate_all(  # type: ignore[attr-defined, no-any-return]
        "cells => cells.map(c => getComputedStyle(c).backgroundColor)"
    )


def test_tickets_view_filters_highlights_and_updates(
    staff_page: Page, web_app: RunningApp, staff_shots: Path
) -> None:
    page = staff_page
    store = web_app.assistant.tickets
    late = store.get(_seed(web_app, "late.person@example.com", RequestType.ACCESS, days_ago=45))
    assert late is not None
    log_in(page, web_app, "/tickets")
    table = page.locator("#wa-tickets-table")
    expect(table).to_contain_text(late.id)
    # The grid shows div rows and cells (a hidden <table> only measures column widths).
    late_row = table.locator('[role="row"]', has_text=late.id)
    expect(late_row).to_contain_text("OVERDUE")
    assert "rgb(253, 226, 225)" in cell_backgrounds(late_row)  # OVERDUE_STYLE

    page.get_by_label("Overdue only").check()
    expect(page.locator("#wa-tickets-count")).to_contain_text("1 ticket(s)")
    late_row.locator('[role="gridcell"]').first.click()
    detail = page.locator("#wa-ticket-detail")
    expect(detail).to_contain_text(f"Ticket {late.id}")
    # The customer's message, shown as text: no bold, no link.
    message = detail.locator(".wa-customer-message")
    expect(message).to_contain_text("<b>Please</b> [act](javascript:x) now.")
    expect(message.locator("b, a")).to_have_count(0)
    status = page.get_by_role("combobox", name=STATUS_MENU)
    expect(status).to_have_value("received")  # the current status, not the next one

    choose(page, STATUS_MENU, "verifying")
    page.get_by_label("Note for the audit trail (optional)").fill("identity check e-mail sent")
    page.get_by_role("button", name="Update status").click()
    expect(page.locator("#wa-update-result")).to_contain_text(f"{late.id} is now verifying")
    expect(detail).to_contain_text("identity check e-mail sent")
    expect(detail).to_contain_text(web_app.username)
    expect(status).to_have_value("verifying")
    assert store.get(late.id).status.value == "verifying"  # type: ignore[union-attr]
    page.screenshot(path=staff_shots / "tickets.png", full_page=True)


def test_tickets_search_by_email_id_and_type(staff_page: Page, web_app: RunningApp) -> None:
    page = staff_page
    ana = _seed(web_app, "ana.search@example.com", RequestType.RECTIFICATION)
    bob = _seed(web_app, "bob.search@example.org", RequestType.PORTABILITY)
    log_in(page, web_app, "/tickets/")
    table = page.locator("#wa-tickets-table")
    search = page.get_by_label("Search (then Enter)")
    count = page.locator("#wa-tickets-count")

    search.fill("ANA.SEARCH")
    search.press("Enter")
    expect(count).to_contain_text("1 ticket(s)")
    expect(table).to_contain_text(ana)

    search.fill(bob.lower())
    search.press("Enter")
    expect(count).to_contain_text("1 ticket(s)")
    expect(table).to_contain_text(bob)

    search.fill("portability")
    search.press("Enter")
    expect(table).to_contain_text(bob)
    expect(table).not_to_contain_text(ana)

    search.fill("nobody.at.all@example.net")
    search.press("Enter")
    expect(count).to_contain_text("No tickets match")
