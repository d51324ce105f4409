"""Abuse of the public chat over HTTP: rate limits per session and per address, the
message size cap and the request body cap, against `app.py` running as a process."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .http_app import App, running_app

pytestmark = pytest.mark.slow

PER_MINUTE = 3
ADDRESS_BUDGET = PER_MINUTE * 4  # assistant.web.chat_session.ADDRESS_BUDGET_SESSIONS
MAX_CHARS = 500


@pytest.fixture()
def app(tmp_path: Path) -> Iterator[App]:
    with running_app(
        tmp_path, RATE_LIMIT_PER_MINUTE=str(PER_MINUTE), MAX_MESSAGE_CHARS=str(MAX_CHARS)
    ) as running:
        yield running


def new_session() -> str:
    return uuid.uuid4().hex[:12]


def code(reply: dict[str, object]) -> str | None:
    error = reply.get("error")
    return error.get("code") if isinstance(error, dict) else None  # type: ignore[return-value]


def test_one_session_is_limited_and_told_so(app: App) -> None:
    session = new_session()
    answered = [app.chat(session, "Do you use cookies?") for _ in range(PER_MINUTE)]
    assert all(code(r) is None for r in answered)
    limited = app.chat(session, "Do you use cookies?")
    assert code(limited) == "rate_limited"
    assert limited["reply"]  # a sentence for the user, not an empty bubble
    assert code(app.chat(new_session(), "Do you use cookies?")) is None  # others unaffected


def test_fresh_sessions_do_not_escape_the_address_limit(app: App) -> None:
    codes = []
    for _ in range(ADDRESS_BUDGET // PER_MINUTE):
        session = new_session()
        codes += [code(app.chat(session, "hello")) for _ in range(PER_MINUTE)]
    assert codes == [None] * ADDRESS_BUDGET
    assert code(app.chat(new_session(), "hello")) == "rate_limited"


def test_a_forged_forwarded_for_header_does_not_reset_the_address_limit(app: App) -> None:
    for n in range(ADDRESS_BUDGET // PER_MINUTE):
        session = new_session()
        for _ in range(PER_MINUTE):
            app.chat(session, "hello", **{"X-Forwarded-For": f"203.0.113.{n}"})
    spoofed = app.chat(new_session(), "hello", **{"X-Forwarded-For": "198.51.100.77"})
    assert code(spoofed) == "rate_limited"


def test_messages_over_the_cap_are_refused_without_being_processed(app: App) -> None:
    reply = app.chat(new_session(), "Please delete my account " + "x" * MAX_CHARS)
    assert code(reply) == "message_too_long"
    assert reply["request"] is None and reply["ticket"] is None  # never reached the flow
    assert len(reply["reply"]) < MAX_CHARS  # not echoed back


def test_request_bodies_over_the_cap_are_refused(app: App) -> None:
    huge = {"data": ["x" * 2_000_000], "session_hash": new_session()}
    response = httpx.post(f"{app.url}/gradio_api/call/chat", json=huge, timeout=60)
    assert response.status_code == 413


def test_chunked_request_bodies_over_the_cap_are_refused(app: App) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: Transfer-Encoding: chunked
        yield b'{"data": ["'
        for _ in range(40):
            yield b"y" * 50_000
        yield b'"], "session_hash": "chunked"}'

    streamed = httpx.post(
        f"{app.url}/gradio_api/call/chat",
        content=chunks(),
        headers={"content-type": "application/json"},
        timeout=60,
    )
    assert streamed.status_code == 413
