"""The chat's HTTP API through gradio_client, against the running app."""

from __future__ import annotations

from typing import Any

import pytest
from gradio_client import Client

from .conftest import RunningApp, serve

pytestmark = pytest.mark.slow


@pytest.fixture()
def client(web_app: RunningApp) -> Client:
    return Client(web_app.url, verbose=False)


def ask(client: Client, text: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    history, reply = client.predict(text, api_name="/chat")
    return history, reply


def test_answer_cites_verbatim_policy_text(client: Client, web_app: RunningApp) -> None:
    history, reply = ask(client, "What personal information do you collect when I register?")
    policy_text = web_app.assistant.policy.text
    assert reply["intent"] == "question" and not reply["abstained"]
    assert reply["citations"], reply
    for citation in reply["citations"]:
        assert policy_text[citation["start"] : citation["end"]] == citation["quote"]
    shown = history[-1]["content"][0]["text"]
    assert '<sup class="wa-cite">[1]</sup>' in shown
    assert "wa-sources" in shown
    assert reply["policy_version"] == web_app.assistant.policy.version


def test_follow_up_stays_in_the_same_server_side_session(client: Client) -> None:
    _, first = ask(client, "Do you use cookies?")
    history, second = ask(client, "How can I turn them off?")
    assert second["session"] == first["session"]
    assert [m["role"] for m in history] == ["user", "assistant"] * 2
    other = Client(client.src, verbose=False)
    _, third = ask(other, "Do you use cookies?")
    assert third["session"] != first["session"]


def test_question_outside_the_policy_is_an_abstention(client: Client) -> None:
    history, reply = ask(client, "What is the capital of Mongolia?")
    assert reply["abstained"] is True
    assert "wa-badge-abstain" in history[-1]["content"][0]["text"]


def test_rights_request_files_a_ticket_after_confirmation(
    client: Client, web_app: RunningApp
) -> None:
    _, started = ask(client, "Please delete my account and all my data")
    assert started["intent"] == "rights_request"
    assert started["request"]["request_type"] == "erasure"
    _, confirm = ask(client, "my email is api.user@example.com")
    assert confirm["request"]["status"] == "awaiting_confirmation"
    assert confirm["ticket"] is None
    history, filed = ask(client, "yes")
    ticket_id = filed["ticket"]["id"]
    stored = web_app.assistant.tickets.get(ticket_id)
    assert stored is not None and stored.identity.email == "api.user@example.com"
    assert stored.channel.value == "chat"
    assert ticket_id in history[-1]["content"][0]["text"]


def test_blank_message_changes_nothing(client: Client) -> None:
    history, reply = ask(client, "   ")
    assert history == [] and reply is None


def test_too_long_message_gets_a_polite_reply(client: Client, web_app: RunningApp) -> None:
    limit = web_app.settings.max_message_chars
    _, reply = ask(client, "a" * (limit + 1))
    assert reply["error"]["code"] == "message_too_long"
    assert f"{limit:,}" in reply["reply"]


def test_rate_limit_is_enforced_over_http(tmp_path_factory: pytest.TempPathFactory) -> None:
    for app in serve(tmp_path_factory.mktemp("limited"), rate_limit_per_minute=2):
        client = Client(app.url, verbose=False)
        codes = []
        for _ in range(3):
            _, reply = ask(client, "Do you use cookies?")
            codes.append(reply["error"]["code"] if reply["error"] else "ok")
        assert codes == ["ok", "ok", "rate_limited"]
        _, fresh = ask(Client(app.url, verbose=False), "Do you use cookies?")
        assert fresh["error"] is None  # another session from the same address still gets in
