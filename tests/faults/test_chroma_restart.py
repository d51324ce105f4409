"""The Chroma server restarted mid-session: a question asked while it is down gets a clear
error (and nothing else breaks), and the next question after it is back is answered."""

from __future__ import annotations

from pathlib import Path

import pytest
from scale.harness import HOST, chroma_server

from assistant.config import Settings

from .conftest import build_assistant

pytestmark = [pytest.mark.slow, pytest.mark.chroma_server]

QUESTION = "Do you sell my personal data?"


def test_questions_survive_a_chroma_restart(tmp_path: Path, data_dir: Path) -> None:
    workdir = tmp_path / "chroma"
    workdir.mkdir()
    with chroma_server(workdir) as (_process, port):
        settings = Settings(data_dir=data_dir, chroma_host=HOST, chroma_port=port)
        assistant = build_assistant(settings)
        before = assistant.respond("chroma-restart", QUESTION)
        assert before.error is None and before.citations

    # Down: a clear, retryable message instead of a traceback; small talk still works.
    down = assistant.respond("chroma-restart", "How long do you keep my data?")
    assert down.error is not None and down.error.code == "internal_error"
    assert "try again" in down.reply.lower()
    assert assistant.respond("chroma-restart", "hello").error is None

    with chroma_server(workdir, port):  # same data, same address
        after = assistant.respond("chroma-restart", QUESTION)
        assert after.error is None
        assert [c.clause_id for c in after.citations] == [c.clause_id for c in before.citations]
        follow = assistant.respond("chroma-restart", "How long do you keep my data?")
        assert follow.error is None and follow.citations


@pytest.mark.xfail(
    strict=True,
    reason="session._start_request needs retrieval for its citations; with Chroma down the "
    "whole rights turn fails instead of starting the request without citations",
)
def test_a_rights_request_can_start_while_chroma_is_down(tmp_path: Path, data_dir: Path) -> None:
    workdir = tmp_path / "chroma"
    workdir.mkdir()
    with chroma_server(workdir) as (_process, port):
        settings = Settings(data_dir=data_dir, chroma_host=HOST, chroma_port=port)
        assistant = build_assistant(settings)
    opened = assistant.respond("chroma-down-rights", "Please delete my account and all my data")
    assert opened.error is None
    assert opened.request is not None and opened.request.status == "needs_info"
