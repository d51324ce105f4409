"""Fixtures for the web tests: the real app served by uvicorn on a free loopback port."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from servers import free_port

from assistant.config import Settings
from assistant.web.auth import StaffCredentials
from assistant.web.server import create_app
from assistant.web.texts import WebTexts, load_texts

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXPECT_TIMEOUT_MS = 30_000
STAFF_USER = "agent-test"
STAFF_PASSWORD = "correct horse battery staple"


def make_assistant(data_dir: Path, **overrides: Any) -> Any:
    """The real assistant, fast and offline (hashing embedder, SQLite in ``data_dir``)."""
    from assistant.session import Assistant

    return Assistant.for_testing(data_dir, **overrides)


@dataclass
class RunningApp:
    url: str
    assistant: Any
    settings: Settings
    username: str = STAFF_USER
    password: str = STAFF_PASSWORD

    @contextmanager
    def staff_client(self) -> Iterator[httpx.Client]:
        """An httpx client already signed in as staff."""
        with httpx.Client(base_url=self.url, timeout=30) as client:
            response = client.post(
                "/login", data={"username": self.username, "password": self.password, "next": ""}
            )
            assert response.status_code == 303, response.text
            yield client


class ServerThread:
    def __init__(self, app: Any, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web app did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def serve(
    data_dir: Path, embed_origins: tuple[str, ...] = (), **settings_overrides: Any
) -> Iterator[RunningApp]:
    settings = Settings(data_dir=data_dir, **settings_overrides)
    assistant = make_assistant(data_dir)
    credentials = StaffCredentials(STAFF_USER, SecretStr(STAFF_PASSWORD))
    app = create_app(assistant, settings, credentials=credentials, embed_origins=embed_origins)
    port = free_port()
    with ServerThread(app, port):
        yield RunningApp(f"http://127.0.0.1:{port}", assistant, settings)


@pytest.fixture(scope="session")
def web_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """One app for the whole session; a high rate limit so tests do not trip it."""
    yield from serve(tmp_path_factory.mktemp("web"), rate_limit_per_minute=10_000)


@pytest.fixture(scope="session")
def texts() -> WebTexts:
    return load_texts()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium from the system (Playwright cannot download browsers here)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (scripts/install-browser.sh installs it)")
    # expect() keeps its own 5 s default apart from the page timeout; a loaded 2-core CI
    # machine can take longer than that for the first answer of a session.
    sync_api.expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
