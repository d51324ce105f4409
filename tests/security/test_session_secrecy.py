"""A browser's conversation is bound to its Gradio session hash: whoever presents the hash
continues the conversation and sees its history. The hash is therefore a bearer secret and
must not be written where operators or log pipelines can read it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from .http_app import running_app

pytestmark = pytest.mark.slow


def test_the_session_hash_is_the_key_to_a_conversation(tmp_path: Path) -> None:
    with running_app(tmp_path) as app:
        app.chat("victim-hash", "Please delete my account, my email is victim@example.com")
        stranger = app.chat("stranger-hash", "hello")
        assert "victim@example.com" not in str(stranger)
        # Same hash, other client: the same conversation (why the hash must stay secret).
        again = app.chat("victim-hash", "what was my email?")
        assert again["session"] == app.chat("victim-hash", "hi")["session"]
        assert again["session"] != stranger["session"]


def test_session_hashes_never_reach_the_server_log(tmp_path: Path) -> None:
    secret = "sessionhash8e1f0c2b"
    with running_app(tmp_path) as app:
        app.chat(secret, "Do you use cookies?")
        with httpx.Client(base_url=app.url, timeout=5) as client:
            for path in (
                f"/gradio_api/heartbeat/{secret}",
                f"/gradio_api/queue/data?session_hash={secret}",
            ):
                try:  # both are event streams: the request line is all that matters here
                    with client.stream("GET", path) as stream:
                        next(stream.iter_bytes(), None)
                except httpx.TimeoutException:
                    pass
    logs = "".join(p.read_text(errors="replace") for p in tmp_path.glob("app-*.log"))
    assert "/gradio_api/call/chat" in logs or "Serving on" in logs  # the log was captured
    assert secret not in logs
