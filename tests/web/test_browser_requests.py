"""The rights-request flow in headless Chromium: cancel at each step, reload, phone width.

Uses the app and helpers of ``test_browser``; the phone-width test takes ``mobile.png``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import RunningApp
from .test_browser import bot_messages, close_page, last_answer, open_page, page, send, shots

playwright_sync = pytest.importorskip("playwright.sync_api")
Browser = playwright_sync.Browser
Page = playwright_sync.Page
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["page", "shots"]  # fixtures shared with test_browser

PHONE = {"width": 375, "height": 740}
CONFIRM, CANCEL = "Confirm and file", "Cancel request"


def tickets_for(web_app: RunningApp, email: str) -> list[object]:
    return [t for t in web_app.assistant.tickets.list() if t.identity.email == email]


def within_viewport(page: Page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not shown"
    width, height = PHONE["width"], PHONE["height"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{selector} off-screen: {box}"
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"{selector} below the fold: {box}"


def test_the_confirm_step_fits_a_phone(browser: Browser, web_app: RunningApp, shots: Path) -> None:
    page = open_page(browser, web_app, viewport=PHONE, is_mobile=True)
    try:
        page.goto(web_app.url + "/")
        send(page, "Please delete my account, my email is phone.user@example.com")
        expect(page.get_by_role("button", name=CONFIRM)).to_be_visible()
        for selector in ("#wa-confirm", "#wa-cancel", "#wa-message", "#wa-send"):
            within_viewport(page, selector)
        # Readable text: the hint and the reply are many characters wide, not one letter.
        hint = page.locator("#wa-confirm-hint").bounding_box()
        assert hint is not None and hint["width"] >= 250, hint
        reply = last_answer(page).bounding_box()  # type: ignore[attr-defined]
        assert reply is not None and reply["width"] >= 250, reply
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=shots / "mobile.png")
    finally:
        close_page(page)


def test_cancel_button_from_the_first_step(page: Page, web_app: RunningApp) -> None:
    page.goto(web_app.url + "/")
    send(page, "Please delete my account")
    expect(page.get_by_role("button", name=CANCEL)).to_be_visible()
    expect(page.get_by_role("button", name=CONFIRM)).to_be_hidden()  # nothing to confirm yet
    count = bot_messages(page).count()  # type: ignore[attr-defined]
    page.get_by_role("button", name=CANCEL).click()
    expect(bot_messages(page)).to_have_count(count + 1)  # type: ignore[arg-type]
    expect(last_answer(page)).to_contain_text("Nothing was filed")  # type: ignore[arg-type]
    expect(page.get_by_role("button", name=CANCEL)).to_be_hidden()

    send(page, "actually file it")  # starts again, cleanly
    expect(last_answer(page)).to_contain_text("email")  # type: ignore[arg-type]
    send(page, "first.step@example.com")
    page.get_by_role("button", name=CONFIRM).click()
    expect(last_answer(page).locator(".wa-ticket")).to_contain_text("DSR-")  # type: ignore[attr-defined]
    assert len(tickets_for(web_app, "first.step@example.com")) == 1


@pytest.mark.parametrize(
    ("opening", "steps", "cancel_with"),
    [
        ("My phone number is out of date", [], "never mind"),
        ("My phone number is out of date", ["+44 7700 900123"], "forget it"),
        ("my son is 14 and made an account, how do I get his stuff deleted??", [], "cancel"),
        (
            "Please stop sending me marketing emails",
            ["mid.step@example.com"],
            "nah, forget it, I'll just unsubscribe",
        ),
    ],
    ids=["value-step-typed", "email-step-typed", "parent-child-step", "confirm-step-typed"],
)
def test_cancel_in_words_at_each_step(
    page: Page, web_app: RunningApp, opening: str, steps: list[str], cancel_with: str
) -> None:
    page.goto(web_app.url + "/")
    for message in [opening, *steps]:
        send(page, message)
        expect(page.get_by_role("button", name=CANCEL)).to_be_visible()
    send(page, cancel_with)
    expect(last_answer(page)).to_contain_text("Nothing was filed")  # type: ignore[arg-type]
    expect(page.get_by_role("button", name=CANCEL)).to_be_hidden()
    expect(page.get_by_role("button", name=CONFIRM)).to_be_hidden()
    assert not tickets_for(web_app, "mid.step@example.com")


def test_a_pending_request_survives_a_reload(page: Page, web_app: RunningApp) -> None:
    page.goto(web_app.url + "/")
    send(page, "fix my phone number to +44 7700 900123")
    expect(last_answer(page)).to_contain_text("email")  # type: ignore[arg-type]
    page.reload()
    expect(bot_messages(page)).to_have_count(1)  # type: ignore[arg-type]
    expect(page.locator('#wa-chatbot [data-testid="user"]')).to_contain_text("+44 7700 900123")
    expect(page.get_by_role("button", name=CANCEL)).to_be_visible()

    send(page, "reload.user@example.com")
    expect(last_answer(page)).to_contain_text("+44 7700 900123")  # type: ignore[arg-type]
    page.reload()
    confirm = page.get_by_role("button", name=CONFIRM)
    expect(confirm).to_be_visible()
    confirm.click()
    card = last_answer(page).locator(".wa-ticket")  # type: ignore[attr-defined]
    expect(card).to_contain_text(re.compile(r"DSR-\d{4}-[A-Z0-9]{8}"))
    (ticket,) = tickets_for(web_app, "reload.user@example.com")
    assert [(c.what, c.correct_value) for c in ticket.corrections] == [  # type: ignore[attr-defined]
        ("phone number", "+44 7700 900123")
    ]


def test_a_new_tab_does_not_get_another_tabs_chat(browser: Browser, web_app: RunningApp) -> None:
    first = open_page(browser, web_app)
    try:
        first.goto(web_app.url + "/")
        send(first, "Please delete my account, my email is tab.one@example.com")
        other = first.context.new_page()  # same browser profile, a new tab
        other.goto(web_app.url + "/")
        expect(other.get_by_label("Your message")).to_be_visible()
        other.wait_for_timeout(500)
        expect(bot_messages(other)).to_have_count(0)  # type: ignore[arg-type]
    finally:
        close_page(first)
