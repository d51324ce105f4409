"""docs/embed-example.html, served from another origin, embeds the chat both ways."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from servers import free_port

from .conftest import RunningApp, serve
from .test_browser import TIMEOUT_MS, Browser, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "embed-example.html"
EXAMPLE_APP_URL = "http://127.0.0.1:7860"


class HostPage:
    """A one-page site on its own port: a different origin from the app."""

    def __init__(self, html: str, port: int) -> None:
        body = html.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200 if self.path == "/" else 404)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.end_headers()
                if self.path == "/":
                    self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HostPage:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def host_and_app(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[HostPage, RunningApp]]:
    # The host page needs the app's address and the app needs the host's origin.
    host_port = free_port()
    origin = f"http://127.0.0.1:{host_port}"
    for app in serve(tmp_path_factory.mktemp("embed"), embed_origins=(origin,)):
        html = EXAMPLE.read_text(encoding="utf-8").replace(EXAMPLE_APP_URL, app.url)
        assert app.url in html
        with HostPage(html, host_port) as host:
            yield host, app


def ask_and_expect_sources(scope: object, question: str) -> None:
    box = scope.get_by_label("Your message")  # type: ignore[attr-defined]
    box.fill(question)
    box.press("Enter")
    expect(scope.locator('[data-testid="bot"]')).to_have_count(1)  # type: ignore[attr-defined]
    expect(scope.locator(".wa-sources").first).to_be_attached()  # type: ignore[attr-defined]


def test_example_page_embeds_the_chat_as_iframe_and_web_component(
    browser: Browser, host_and_app: tuple[HostPage, RunningApp]
) -> None:
    host, app = host_and_app
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    outside: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((host.url, app.url, "data:")) else outside.append(r.url),
    )
    try:
        page.goto(host.url + "/")
        frame = page.frame_locator("#privacy-assistant-iframe")
        ask_and_expect_sources(frame, "What personal information do you collect when I register?")
        component = page.locator("#privacy-assistant-component")
        component.scroll_into_view_if_needed()  # <gradio-app> loads once it is on screen
        ask_and_expect_sources(component, "Do you use cookies?")
        assert outside == []
    finally:
        page.close()
