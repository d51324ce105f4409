"""Staff pages in headless Chromium under their Content-Security-Policy: customer text that
looks like Markdown stays text, and the Gradio apps still work with nothing refused."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from assistant.tickets import RequestType, TicketDraft

from .conftest import RunningApp
from .test_browser import close_page, log_in, open_page

playwright_sync = pytest.importorskip("playwright.sync_api")
Browser = playwright_sync.Browser
Page = playwright_sync.Page
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOSTILE_DETAILS = "Smith ![x](http://127.0.0.1:7899/x.png) [site](http://127.0.0.1:7899/) **b**"


@pytest.fixture()
def staff_page(browser: Browser, web_app: RunningApp) -> Iterator[Page]:
    page = open_page(browser, web_app)
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.csp_refusals = refused  # type: ignore[attr-defined]
    yield page
    close_page(page)
    assert refused == [], f"the CSP refused: {refused}"


def test_markdown_in_a_ticket_is_shown_as_text_not_fetched(
    staff_page: Page, web_app: RunningApp
) -> None:
    ticket = web_app.assistant.tickets.create(
        TicketDraft(
            request_id="csp-1",
            request_type=RequestType.RECTIFICATION,
            email="smith@example.com",
            session_id="web-csp",
            details=HOSTILE_DETAILS,
        )
    )
    log_in(staff_page, web_app, "/tickets/")
    table = staff_page.locator("#wa-tickets-table")
    table.locator('[role="row"]', has_text=ticket.id).locator('[role="gridcell"]').first.click()
    detail = staff_page.locator("#wa-ticket-detail")
    expect(detail).to_contain_text(HOSTILE_DETAILS)
    assert detail.locator("img").count() == 0
    assert detail.locator("a").count() == 0
    assert detail.locator("strong").filter(has_text=re.compile("^b$")).count() == 0


def test_the_console_works_under_the_policy(staff_page: Page, web_app: RunningApp) -> None:
    log_in(staff_page, web_app, "/console/")
    policy = staff_page.evaluate(
        "async () => (await fetch(location.href)).headers.get('content-security-policy')"
    )
    assert "img-src 'self'" in policy
    staff_page.get_by_label("Customer message").fill("Do you sell my data?")
    staff_page.get_by_role("button", name="Draft reply").click()
    reply = staff_page.get_by_role("textbox", name="Draft reply (edit before sending)")
    expect(reply).not_to_have_value("")
