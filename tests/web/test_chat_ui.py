"""The chat page's queued Gradio events over raw HTTP, as the page's script sends them:
what a reloaded tab gets back by its resume token, from the load event or a message."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from assistant.web.texts import WebTexts

from .conftest import RunningApp

pytestmark = pytest.mark.slow


@dataclass
class Tab:
    """One page load: its own Gradio session, so its own server-side chat state."""

    client: httpx.Client
    events: dict[str, int]
    session_hash: str = field(default_factory=lambda: secrets.token_hex(8))
    logs: list[dict[str, Any]] = field(default_factory=list)

    def run(self, event: str, data: list[Any]) -> list[Any]:
        """Queue one event and return its outputs (after any log messages it sent)."""
        body = {"data": data, "fn_index": self.events[event], "session_hash": self.session_hash}
        joined = self.client.post("/gradio_api/queue/join", json=body)
        assert joined.status_code == 200, joined.text
        event_id = joined.json()["event_id"]
        params = {"session_hash": self.session_hash}
        with self.client.stream("GET", "/gradio_api/queue/data", params=params) as stream:
            for line in stream.iter_lines():
                message = json.loads(line[5:]) if line.startswith("data:") else {}
                if message.get("event_id") != event_id:
                    continue
                if message.get("msg") == "log":
                    self.logs.append(message)
                if message.get("msg") == "process_completed":
                    assert message["success"], message
                    return list(message["output"]["data"])
        raise AssertionError(f"no result for {event}")

    def send(self, text: str, token: str = "") -> tuple[list[str], list[str], str]:
        """A typed message's two steps, with the token the page's script adds: the chat as
        shown, then as answered, and the token the page then keeps."""
        shown = self.run("submit", [text, None, token])
        answered = self.run("answer", [None])
        return texts_of(shown[2]), texts_of(answered[1]), shown[-1]

    def reload(self, token: str) -> list[Any]:
        """The page's load event with the token the tab kept."""
        return self.run("load", [token, None])


def skipped(value: Any) -> bool:
    """An output the event left as it was."""
    return isinstance(value, dict) and value.get("__type__") == "update" and len(value) == 1


def shown_outputs(load_outputs: list[Any]) -> list[Any]:
    """The load event's outputs on the page: its first and last are server-side state."""
    return load_outputs[1:-1]


def texts_of(chat: list[dict[str, Any]]) -> list[str]:
    """The chat's messages as text, the answers cut to their first words."""
    return [part["text"][:40] for message in chat for part in message["content"]]


def chat_events(url: str) -> dict[str, int]:
    """fn_index of the typed message's show step, its answer step, the page's load and
    the load's answer step."""
    config = httpx.get(f"{url}/config").json()
    ids = {c.get("props", {}).get("elem_id"): c["id"] for c in config["components"]}
    events: dict[str, int] = {}
    for dep in config["dependencies"]:
        targets = [tuple(t) for t in dep["targets"]]
        if (ids["wa-message"], "submit") in targets:
            events["submit"] = dep["id"]
        elif targets and targets[0][1] == "load":
            events["load"] = dep["id"]
    for dep in config["dependencies"]:
        if dep.get("trigger_after") == events["submit"] and dep.get("backend_fn"):
            events["answer"] = dep["id"]
        if dep.get("trigger_after") == events["load"] and dep.get("backend_fn"):
            events["load_answer"] = dep["id"]
    return events


@pytest.fixture()
def tabs(web_app: RunningApp) -> Any:
    events = chat_events(web_app.url)
    with httpx.Client(base_url=web_app.url, timeout=30) as client:
        yield lambda: Tab(client, events)


QUESTION, FOLLOW_UP = "Do you use cookies?", "How can I turn them off?"


@pytest.fixture()
def earlier_chat(tabs: Any) -> tuple[list[str], str]:
    """A chat with one exchange, as a tab showed it before the reload, and its token."""
    _, answered, token = tabs().send(QUESTION)
    assert answered[0] == QUESTION and len(answered) == 2
    return answered, token


def test_a_reloaded_tab_gets_its_chat_back_on_load(
    tabs: Any, earlier_chat: tuple[list[str], str]
) -> None:
    history, token = earlier_chat
    reloaded = tabs()
    outputs = reloaded.reload(token)
    assert texts_of(outputs[1]) == history
    assert reloaded.logs == []


def test_a_message_sent_before_the_restore_joins_the_earlier_chat_in_order(
    tabs: Any, earlier_chat: tuple[list[str], str]
) -> None:
    history, token = earlier_chat
    reloaded = tabs()
    shown, answered, kept = reloaded.send(FOLLOW_UP, token)
    assert shown == [*history, FOLLOW_UP]
    assert answered[:3] == shown and len(answered) == 4
    assert kept == token  # the same chat carries on
    late = reloaded.reload(token)  # the load event, back after the message
    assert all(skipped(output) for output in shown_outputs(late))
    assert reloaded.logs == []


def test_a_tab_with_its_own_chat_never_switches_by_token(
    tabs: Any, earlier_chat: tuple[list[str], str]
) -> None:
    """The token is consulted only by a page that has no chat yet."""
    _, token = earlier_chat
    other = tabs()
    _, own, own_token = other.send("Do you sell my data?")
    shown, answered, kept = other.send(FOLLOW_UP, token)
    assert shown == [*own, FOLLOW_UP] and QUESTION not in answered
    assert kept == own_token != token


def test_a_token_that_finds_no_chat_starts_a_new_one_and_says_so(
    tabs: Any, texts: WebTexts
) -> None:
    unknown = secrets.token_urlsafe(24)
    reloaded = tabs()
    outputs = reloaded.reload(unknown)
    assert all(skipped(output) for output in shown_outputs(outputs))
    assert [(log["level"], log["log"]) for log in reloaded.logs] == [
        ("warning", texts.chat.not_restored)
    ]
    shown, answered, kept = reloaded.send(QUESTION, unknown)
    assert shown == [QUESTION] and len(answered) == 2
    assert kept not in ("", unknown)


def test_nothing_to_restore_leaves_the_page_alone(tabs: Any) -> None:
    fresh = tabs()
    outputs = fresh.reload("")
    assert all(skipped(output) for output in shown_outputs(outputs))
    assert fresh.logs == []


def test_on_a_fresh_page_only_the_message_answers_itself(tabs: Any) -> None:
    """A fresh page's load event finishing after the first message was shown leaves that
    message to its own answer step: when both answered, they raced for it and the page
    could end without the reply."""
    fresh = tabs()
    shown = fresh.run("submit", [QUESTION, None, ""])
    assert texts_of(shown[2]) == [QUESTION]
    loaded = fresh.reload("")
    assert all(skipped(output) for output in shown_outputs(loaded))
    late = fresh.run("load_answer", [None, None])
    assert all(skipped(output) for output in late[1:])
    answered = fresh.run("answer", [None])
    assert texts_of(answered[1])[0] == QUESTION and len(answered[1]) == 2
