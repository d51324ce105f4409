"""The Chroma server restarted or down.

A process that has served a question holds the active version's vectors in memory
(``assistant.index`` reads them from Chroma once per collection), so a restart of the
server mid-session is invisible to it. A process that has not searched yet gets a clear,
retryable error while Chroma is down and recovers by itself once it is back; a process
cannot start at all while Chroma is down (Chroma's client connects when it is built), and
says so plainly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scale.harness import HOST, chroma_server

from assistant.config import Settings
from assistant.session import Assistant

from .conftest import build_assistant, ready_to_confirm

pytestmark = [pytest.mark.slow, pytest.mark.chroma_server]

QUESTION = "Do you sell my personal data?"


@pytest.fixture()
def chroma_dir(tmp_path: Path) -> Path:
    workdir = tmp_path / "chroma"
    workdir.mkdir()
    return workdir


@pytest.fixture()
def idle_then_down(chroma_dir: Path, data_dir: Path) -> Iterator[tuple[Assistant, Settings, int]]:
    """An assistant built (and the policy ingested) while Chroma was up, with no question
    asked yet; then the server stops."""
    with chroma_server(chroma_dir) as (_process, port):
        settings = Settings(data_dir=data_dir, chroma_host=HOST, chroma_port=port)
        assistant = build_assistant(settings)
    yield assistant, settings, port


def test_a_restart_mid_session_is_invisible(chroma_dir: Path, data_dir: Path) -> None:
    with chroma_server(chroma_dir) as (_process, port):
        settings = Settings(data_dir=data_dir, chroma_host=HOST, chroma_port=port)
        assistant = build_assistant(settings)
        before = assistant.respond("chroma-restart", QUESTION)
        assert before.error is None and before.citations

    down = assistant.respond("chroma-restart", QUESTION)  # server stopped
    assert down.error is None
    assert [c.clause_id for c in down.citations] == [c.clause_id for c in before.citations]
    ready_to_confirm(assistant, "chroma-restart-rights")  # a rights request starts too
    assert assistant.respond("chroma-restart-rights", "yes").ticket is not None

    with chroma_server(chroma_dir, port):  # back, same data, same address
        after = assistant.respond("chroma-restart", "How long do you keep my data?")
        assert after.error is None and after.citations


def test_an_idle_process_recovers_by_itself_after_an_outage(
    chroma_dir: Path, idle_then_down: tuple[Assistant, Settings, int]
) -> None:
    assistant, settings, port = idle_then_down
    with pytest.raises(ValueError, match="Could not connect to a Chroma server"):
        build_assistant(settings)  # a new process cannot start now, and says why
    down = assistant.respond("cold-start", QUESTION)
    assert down.error is not None and down.error.code == "internal_error"
    assert "try again" in down.reply.lower()  # clear and retryable, no traceback
    assert assistant.respond("cold-start", "hello").error is None  # small talk still works

    with chroma_server(chroma_dir, port):
        up = assistant.respond("cold-start", QUESTION)  # same process, no restart needed
        assert up.error is None and up.citations


def test_a_rights_request_can_start_while_chroma_is_down(
    idle_then_down: tuple[Assistant, Settings, int],
) -> None:
    assistant = idle_then_down[0]
    opened = assistant.respond("chroma-down-rights", "Please delete my account and all my data")
    assert opened.error is None
    assert opened.request is not None and opened.request.status == "needs_info"
