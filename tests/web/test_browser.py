"""The three screens in headless Chromium, against the running app.

Screenshots go to $WA_SCREENSHOTS_DIR when set (``docs/screenshots`` to refresh the ones in
the docs), else to a temporary directory. Every page also checks that nothing was fetched
from anywhere but the app itself (no CDN, no fonts service, no analytics).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from assistant.tickets import utcnow
from assistant.web.chat_ui import RESUME_KEY
from assistant.web.render import format_date
from assistant.web.texts import WebTexts

from .conftest import RunningApp

playwright_sync = pytest.importorskip("playwright.sync_api")
Browser = playwright_sync.Browser
Page = playwright_sync.Page
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 30_000
DESKTOP = {"width": 1100, "height": 900}


@pytest.fixture()
def shots(tmp_path: Path) -> Path:
    target = Path(os.environ.get("WA_SCREENSHOTS_DIR") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


def open_page(browser: Browser, web_app: RunningApp, **context: object) -> Page:
    ctx = browser.new_context(viewport=context.pop("viewport", DESKTOP), **context)  # type: ignore[arg-type]
    ctx.set_default_timeout(TIMEOUT_MS)
    page = ctx.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith((web_app.url, "data:", "blob:")) else outside.append(r.url)
        ),
    )
    page.outside_requests = outside  # type: ignore[attr-defined]
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.console_lines = console  # type: ignore[attr-defined]
    return page


def close_page(page: Page) -> None:
    outside = page.outside_requests  # type: ignore[attr-defined]
    page.context.close()
    assert outside == [], f"fetched from outside the app: {outside}"


@pytest.fixture()
def page(browser: Browser, web_app: RunningApp) -> Iterator[Page]:
    page = open_page(browser, web_app)
    yield page
    close_page(page)


# --- chat helpers -----------------------------------------------------------------------


def bot_messages(page: Page) -> object:
    return page.locator('#wa-chatbot [data-testid="bot"]')


def send(page: Page, text: str) -> None:
    """Type a message, press Enter, wait for the answer to it."""
    before = bot_messages(page).count()  # type: ignore[attr-defined]
    box = page.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")
    try:
        expect(bot_messages(page)).to_have_count(before + 1)  # type: ignore[arg-type]
    except AssertionError as error:
        raise AssertionError(f"{error}\n{screen_state(page)}") from None


def screen_state(page: Page) -> str:
    """What was on screen when an answer did not come: for a failure message."""
    users = page.locator('#wa-chatbot [data-testid="user"]').all_inner_texts()
    box = page.get_by_label("Your message").input_value()
    toasts = page.locator(".toast-body").all_inner_texts()
    console = page.console_lines[-20:]  # type: ignore[attr-defined]
    return f"user messages: {users!r}; box: {box!r}; toasts: {toasts!r}; console: {console!r}"


def last_answer(page: Page) -> object:
    return bot_messages(page).last  # type: ignore[attr-defined]


# --- chat -------------------------------------------------------------------------------


def test_question_answer_sources_and_follow_up(
    page: Page, web_app: RunningApp, shots: Path
) -> None:
    page.goto(web_app.url + "/")
    policy = web_app.assistant.policy
    expect(page.locator("#wa-policy-note")).to_contain_text(
        f"last updated {format_date(policy.last_updated)}"
    )
    expect(page.get_by_role("button", name=re.compile("Select example 1"))).to_be_visible()
    page.screenshot(path=shots / "chat.png")

    send(page, "What personal information do you collect when I register?")
    answer = last_answer(page)
    expect(answer.locator("sup.wa-cite").first).to_have_text("[1]")  # type: ignore[attr-defined]
    sources = answer.locator("details.wa-sources")  # type: ignore[attr-defined]
    quote = sources.locator("blockquote").first
    expect(quote).to_be_hidden()  # collapsed until asked for
    sources.locator("summary").click()
    expect(quote).to_be_visible()
    assert quote.inner_text().strip()[:40] in policy.text  # verbatim from the policy
    expect(sources.locator(".wa-source-section").first).not_to_be_empty()
    page.screenshot(path=shots / "chat-sources.png")

    send(page, "How long do you keep it?")
    expect(bot_messages(page)).to_have_count(2)  # type: ignore[arg-type]
    user_turns = page.locator('#wa-chatbot [data-testid="user"]')
    expect(user_turns).to_have_count(2)


def test_abstention_looks_different(page: Page, web_app: RunningApp, shots: Path) -> None:
    page.goto(web_app.url + "/")
    send(page, "What is the capital of Mongolia?")
    badge = last_answer(page).locator(".wa-badge-abstain")  # type: ignore[attr-defined]
    expect(badge).to_have_text("Not covered by the policy")
    colour = badge.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    page.screenshot(path=shots / "abstention.png")


def test_a_closest_passage_is_badged_as_such_with_its_source(
    page: Page, web_app: RunningApp, shots: Path
) -> None:
    from assistant.answering import GroundedGenerator
    from assistant.answering.abstention import AbstentionModel

    # This app embeds by hashing, so force the band between "answer" and "not covered".
    assistant = web_app.assistant
    unsure = AbstentionModel(threshold=1.0, closest_threshold=0.0)
    original, assistant.generator = (
        assistant.generator,
        GroundedGenerator(assistant.policy, model=unsure),
    )
    try:
        page.goto(web_app.url + "/")
        send(page, "Do you handle refunds?")
        answer = last_answer(page)
        expect(answer).to_contain_text("I'm not sure")  # type: ignore[arg-type]
    finally:
        assistant.generator = original
    badge = answer.locator(".wa-badge-abstain")  # type: ignore[attr-defined]
    expect(badge).to_have_text("Closest match: the policy may not answer this")
    expect(answer).to_contain_text("the policy answers exactly that")  # type: ignore[arg-type]
    expect(answer.locator(".wa-sources")).to_have_count(1)  # type: ignore[attr-defined]
    page.screenshot(path=shots / "closest-passage.png")


def test_thumbs_feedback_is_stored(page: Page, web_app: RunningApp) -> None:
    page.goto(web_app.url + "/")
    question = "Do you share my data with third parties?"
    send(page, question)
    page.locator("#wa-chatbot").get_by_role("button", name="Dislike").last.click()
    deadline = utcnow() + timedelta(seconds=20)
    while (question, "down") not in stored_feedback(web_app) and utcnow() < deadline:
        page.wait_for_timeout(200)
    assert (question, "down") in stored_feedback(web_app)


def stored_feedback(web_app: RunningApp) -> list[tuple[str, str]]:
    from sqlalchemy import text

    with web_app.assistant.feedback.engine.connect() as conn:
        rows = conn.execute(text("SELECT question, rating FROM feedback"))
        return [(row[0], row[1]) for row in rows]


def test_rights_request_confirm_to_ticket(page: Page, web_app: RunningApp, shots: Path) -> None:
    page.goto(web_app.url + "/")
    before = bot_messages(page).count()  # type: ignore[attr-defined]
    page.get_by_role("button", name=re.compile("Please delete my account")).click()
    expect(bot_messages(page)).to_have_count(before + 1)  # type: ignore[arg-type]
    confirm = page.get_by_role("button", name="Confirm and file")
    if not confirm.is_visible():
        send(page, "My email is browser.user@example.com")
    expect(confirm).to_be_visible()
    expect(page.get_by_role("button", name="Cancel request")).to_be_visible()
    expect(last_answer(page)).to_contain_text("browser.user@example.com")  # type: ignore[arg-type]
    page.screenshot(path=shots / "rights-request-confirm.png")

    count = bot_messages(page).count()  # type: ignore[attr-defined]
    confirm.click()
    expect(bot_messages(page)).to_have_count(count + 1)  # type: ignore[arg-type]
    card = last_answer(page).locator(".wa-ticket")  # type: ignore[attr-defined]
    expect(card).to_contain_text(re.compile(r"DSR-\d{4}-[A-Z0-9]{8}"))
    expect(card).to_contain_text("due by")
    expect(confirm).to_be_hidden()
    ticket_id = re.search(r"DSR-\d{4}-[A-Z0-9]{8}", card.inner_text()).group(0)  # type: ignore[union-attr]
    ticket = web_app.assistant.tickets.get(ticket_id)
    assert ticket is not None and ticket.identity.email == "browser.user@example.com"
    page.screenshot(path=shots / "rights-request.png")


def test_cancel_files_nothing(page: Page, web_app: RunningApp) -> None:
    page.goto(web_app.url + "/")
    send(page, "Please erase all my personal data, my email is cancel.me@example.com")
    confirm = page.get_by_role("button", name="Confirm and file")
    if not confirm.is_visible():
        send(page, "cancel.me@example.com")
    page.get_by_role("button", name="Cancel request").click()
    expect(confirm).to_be_hidden()
    expect(last_answer(page)).not_to_contain_text("DSR-")  # type: ignore[arg-type]
    assert all(
        t.identity.email != "cancel.me@example.com" for t in web_app.assistant.tickets.list()
    )


def test_keyboard_only(page: Page, web_app: RunningApp) -> None:
    page.goto(web_app.url + "/")
    expect(page.get_by_label("Your message")).to_be_visible()  # the app has rendered
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "TEXTAREA":
            break
    box = page.get_by_label("Your message")
    expect(box).to_be_focused()
    page.keyboard.type("Do you use cookies?")
    page.keyboard.press("Enter")
    expect(bot_messages(page)).to_have_count(1)  # type: ignore[arg-type]
    summary = last_answer(page).locator("summary").first  # type: ignore[attr-defined]
    summary.focus()
    page.keyboard.press("Enter")
    expect(last_answer(page).locator("blockquote").first).to_be_visible()  # type: ignore[attr-defined]


def test_readable_on_a_phone(browser: Browser, web_app: RunningApp, shots: Path) -> None:
    page = open_page(browser, web_app, viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        page.goto(web_app.url + "/")
        send(page, "What personal information do you collect when I register?")
        last_answer(page).locator("summary").first.click()  # type: ignore[attr-defined]
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"page scrolls sideways at 375px ({width}px wide)"
        send_box = page.get_by_role("button", name="Send").bounding_box()
        assert send_box is not None and send_box["x"] + send_box["width"] <= 375
    finally:
        close_page(page)


# --- staff ------------------------------------------------------------------------------


def log_in(page: Page, web_app: RunningApp, path: str, password: str | None = None) -> None:
    page.goto(web_app.url + path)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Username").fill(web_app.username)
    page.get_by_label("Password").fill(password or web_app.password)
    page.get_by_role("button", name="Sign in").click()


def test_bad_credentials_are_refused(page: Page, web_app: RunningApp) -> None:
    log_in(page, web_app, "/console/", password="not the password")
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(web_app.url + "/tickets/")
    expect(page).to_have_url(re.compile(r"/login\?next=/tickets/"))


def test_a_slow_page_load_does_not_wipe_the_first_message(
    page: Page, web_app: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's load event (restoring a reloaded chat) can finish after the first message
    on a loaded server; it must not reset the chat that has started meanwhile."""
    import time

    from assistant.web.chat_session import ResumableChats

    resume = ResumableChats.resume

    def slow_resume(self: ResumableChats, token: object) -> object:
        time.sleep(3)
        return resume(self, token)

    monkeypatch.setattr(ResumableChats, "resume", slow_resume)
    page.goto(web_app.url + "/")
    send(page, "Do you use cookies?")
    page.wait_for_timeout(4_000)  # the load event has finished by now
    expect(bot_messages(page)).to_have_count(1)  # type: ignore[arg-type]
    expect(page.locator('#wa-chatbot [data-testid="user"]')).to_have_count(1)


READ_TOKEN = f"() => sessionStorage.getItem('{RESUME_KEY}') || ''"


def chat_roles(page: Page) -> list[str]:
    """The roles of the messages on screen, top to bottom."""
    turns = page.locator('#wa-chatbot [data-testid="user"], #wa-chatbot [data-testid="bot"]')
    return turns.evaluate_all("els => els.map(e => e.dataset.testid)")  # type: ignore[no-any-return]


class SlowLookups:
    """Makes every resume-token lookup take ``seconds``; counts the ones begun and ended."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, seconds: float, fail: bool = False) -> None:
        import threading
        import time

        from assistant.web.chat_session import ResumableChats

        self.begun = threading.Event()
        self.calls = [0, 0]
        resume = ResumableChats.resume

        def slow_resume(chats: ResumableChats, token: object) -> object:
            self.calls[0] += 1
            self.begun.set()
            time.sleep(seconds)
            try:
                if fail:
                    raise RuntimeError("the chat registry is unavailable")
                return resume(chats, token)
            finally:
                self.calls[1] += 1

        monkeypatch.setattr(ResumableChats, "resume", slow_resume)

    def wait_until_begun(self, page: Page) -> None:
        for _ in range(300):
            if self.begun.is_set():
                return
            page.wait_for_timeout(100)
        raise AssertionError("the page never asked to restore its chat")

    def wait_until_done(self, page: Page) -> None:
        for _ in range(300):
            if self.calls[1] == self.calls[0]:
                return
            page.wait_for_timeout(100)
        raise AssertionError("a chat restore never finished")


def test_a_message_sent_while_a_reloaded_chat_restores_joins_that_chat(
    page: Page, web_app: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reloaded with a resume token on a slow server, the user sends before the earlier chat
    is back: the screen ends with the earlier exchange, then the new message and its
    answer, and the new message is answered in the earlier conversation."""
    page.goto(web_app.url + "/")
    send(page, "Do you use cookies?")
    token = page.evaluate(READ_TOKEN)
    slow = SlowLookups(monkeypatch, seconds=3)
    page.reload()
    slow.wait_until_begun(page)
    box = page.get_by_label("Your message")
    box.fill("How can I turn them off?")
    box.press("Enter")

    user_turns = page.locator('#wa-chatbot [data-testid="user"]')
    expected = ["Do you use cookies?", "How can I turn them off?"]
    expect(bot_messages(page)).to_have_count(2)  # type: ignore[arg-type]
    expect(user_turns).to_contain_text(expected)
    slow.wait_until_done(page)
    page.wait_for_timeout(1_000)  # anything the restore still sends has arrived
    expect(user_turns).to_have_count(2)
    expect(user_turns).to_contain_text(expected)
    expect(bot_messages(page)).to_have_count(2)  # type: ignore[arg-type]
    assert chat_roles(page) == ["user", "bot", "user", "bot"]
    expect(box).to_have_value("")
    assert page.evaluate(READ_TOKEN) == token  # the same chat carries on


def test_a_message_sent_while_a_restore_fails_is_kept(
    page: Page, web_app: RunningApp, texts: WebTexts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same race when the earlier chat cannot be brought back: the new message and its
    answer stay on screen as a new chat, the page says why, and nothing of the earlier
    chat is shown."""
    page.goto(web_app.url + "/")
    send(page, "Do you share my data with third parties?")
    token = page.evaluate(READ_TOKEN)
    slow = SlowLookups(monkeypatch, seconds=2, fail=True)
    page.reload()
    slow.wait_until_begun(page)
    box = page.get_by_label("Your message")
    box.fill("Do you use cookies?")
    box.press("Enter")

    expect(page.get_by_text(texts.chat.not_restored)).to_be_visible()
    slow.wait_until_done(page)
    page.wait_for_timeout(1_000)
    user_turns = page.locator('#wa-chatbot [data-testid="user"]')
    expect(user_turns).to_have_count(1)
    expect(user_turns).to_contain_text("Do you use cookies?")
    expect(bot_messages(page)).to_have_count(1)  # type: ignore[arg-type]
    assert chat_roles(page) == ["user", "bot"]
    assert page.evaluate(READ_TOKEN) not in ("", token)  # a new chat, with its own token
