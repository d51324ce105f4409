"""What an outside probe of the public app found (issue 14), against `app.py` as a process:
secrets in the log from a malformed call, un-queued routes and uploads open to anyone,
and the widget's "show" step taking any size and any number of messages."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from .http_app import App, running_app

pytestmark = pytest.mark.slow

CARD = "4111 1111 1111 1111"
PASSWORD = "hunter2hunter2"
SECRET_MESSAGE = f"my card is {CARD} and my password is {PASSWORD}"


@pytest.fixture()
def app(tmp_path: Path) -> Iterator[App]:
    with running_app(tmp_path) as running:
        yield running


def fn_index(app: App, api_name: str) -> int:
    config = httpx.get(f"{app.url}/config", timeout=30).json()
    for dependency in config["dependencies"]:
        if dependency.get("api_name") == api_name:
            return int(dependency["id"])
    raise AssertionError(f"no event named {api_name}")


def join_and_wait(app: App, body: dict[str, Any]) -> int:
    """Join the queue and read the event stream to its end; returns the join status."""
    session = body["session_hash"]
    with httpx.Client(base_url=app.url, timeout=60) as client:
        joined = client.post("/gradio_api/queue/join", json=body)
        if joined.status_code != 200:
            return joined.status_code
        with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as s:
            for line in s.iter_lines():
                if line.startswith("data:") and "process_completed" in line:
                    break
    return joined.status_code


def app_log(tmp_path: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in tmp_path.glob("app-*.log"))


def test_malformed_calls_never_put_a_secret_in_the_log(tmp_path: Path) -> None:
    with running_app(tmp_path) as app:
        # The documented one-parameter form, on the un-queued route the probe used ...
        httpx.post(f"{app.url}/gradio_api/run/chat", json={"data": [SECRET_MESSAGE]}, timeout=30)
        # ... and the same short input through the queue, which Gradio also prints on failure.
        body = {
            "data": [SECRET_MESSAGE],
            "fn_index": fn_index(app, "chat"),
            "session_hash": uuid.uuid4().hex[:12],
        }
        join_and_wait(app, body)
        httpx.post(f"{app.url}/gradio_api/call/chat", json={"data": SECRET_MESSAGE}, timeout=30)
    log = app_log(tmp_path)
    assert "didn't receive enough input values" in log  # the malformed call was logged ...
    assert CARD not in log and CARD.replace(" ", "") not in log  # ... without the secrets
    assert PASSWORD not in log


def test_only_queued_routes_are_open(app: App) -> None:
    def direct(_: int) -> int:
        posted = httpx.post(
            f"{app.url}/gradio_api/run/chat", json={"data": ["Do you sell my data?"]}, timeout=60
        )
        return posted.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(direct, range(40)))
    assert set(statuses) == {404}
    for route in ("/gradio_api/api/chat", "/gradio_api/run/predict"):
        assert httpx.post(app.url + route, json={"data": ["hi"]}, timeout=30).status_code == 404
    assert app.chat(uuid.uuid4().hex[:12], "Do you sell my data?")["intent"] == "question"


def test_uploads_are_refused_on_the_public_app(app: App) -> None:
    files = {"files": ("big.bin", b"x" * 200_000, "application/octet-stream")}
    uploaded = httpx.post(f"{app.url}/gradio_api/upload", files=files, timeout=30)
    assert uploaded.status_code == 404 and "/tmp" not in uploaded.text  # nothing stored


def test_huge_messages_are_refused_before_they_reach_the_app(app: App) -> None:
    huge = "a" * 950_000
    body = {"data": [huge, None], "fn_index": fn_index(app, "chat"), "session_hash": "abc123"}
    posted = httpx.post(f"{app.url}/gradio_api/queue/join", json=body, timeout=30)
    assert posted.status_code == 413
    api = httpx.post(f"{app.url}/api/v1/chat", json={"message": huge}, timeout=30)
    assert api.status_code == 413


def test_every_public_post_counts_against_the_address(tmp_path: Path) -> None:
    with running_app(tmp_path, RATE_LIMIT_PER_MINUTE="1") as app:
        # 1 message a minute per session, 4 sessions per address, 3 posts per message.
        statuses = []
        for _ in range(14):
            body = {"data": ["hi", None], "fn_index": 0, "session_hash": uuid.uuid4().hex[:12]}
            statuses.append(
                httpx.post(f"{app.url}/gradio_api/queue/join", json=body, timeout=30).status_code
            )
        assert 429 not in statuses[:12] and statuses[12:] == [429, 429]
        refused = httpx.post(f"{app.url}/gradio_api/queue/join", json={}, timeout=30)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert json.loads(refused.text)["detail"]
