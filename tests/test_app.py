"""app.py beyond the web UI: the delivery worker it runs beside the app."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

from assistant.session import Assistant
from tests.tickets.backend import Receiver

ROOT = Path(__file__).resolve().parent.parent


def load_app_module():
    spec = importlib.util.spec_from_file_location("app_under_test", ROOT / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_ticket_filed_in_chat_reaches_the_webhook_by_itself(tmp_path: Path) -> None:
    receiver = Receiver().start()
    try:
        assistant = Assistant.for_testing(
            tmp_path / "data", webhook_url=receiver.url, webhook_secret=receiver.secret
        )
        stop = load_app_module().start_delivery(assistant, assistant.settings)
        assert stop is not None
        for message in ["unsubscribe me from your newsletters", "d@example.com", "yes"]:
            filed = assistant.respond("deliver", message)
        assert filed.ticket is not None
        deadline = time.monotonic() + 30
        while not receiver.accepted and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
        assert len(receiver.accepted) == 1
        assert all(r.signature_ok for r in receiver.requests)
        assert filed.ticket.id.encode() in next(iter(receiver.accepted.values()))
    finally:
        receiver.stop()


def test_no_backend_means_no_worker(tmp_path: Path) -> None:
    assistant = Assistant.for_testing(tmp_path / "data")
    assert load_app_module().start_delivery(assistant, assistant.settings) is None
