"""The JSON API over real HTTP: chat, tickets for staff, errors, docs; and two app
instances sharing one database (rate limits and staff sign-ins hold across them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from servers import free_port, start_postgres

from assistant.config import Settings
from assistant.tickets import RequestType, TicketDraft
from assistant.web.auth import COOKIE_NAME, StaffCredentials
from assistant.web.server import create_app

from .conftest import STAFF_PASSWORD, STAFF_USER, RunningApp, ServerThread, make_assistant, serve

CARD = "4111 1111 1111 1111"
API_TOKEN = "dsr-backend-token-0123456789"


def chat(url: str, body: Any, **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/chat", json=body, timeout=60, **kwargs)


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def test_a_conversation_over_the_api(web_app: RunningApp) -> None:
    first = chat(web_app.url, {"message": "What personal information do you collect?"})
    assert first.status_code == 200, first.text
    reply = first.json()
    assert re.fullmatch(r"api-[A-Za-z0-9_-]{22}", reply["session"])
    assert reply["intent"] == "question" and reply["citations"]
    policy = web_app.assistant.policy.text
    for citation in reply["citations"]:
        assert policy[citation["start"] : citation["end"]] == citation["quote"]
    follow = chat(web_app.url, {"session": reply["session"], "message": "Please delete my data"})
    assert follow.json()["session"] == reply["session"]
    assert follow.json()["request"]["request_type"] == "erasure"
    other = chat(web_app.url, {"message": "Do you use cookies?"}).json()
    assert other["session"] != reply["session"]


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"message": "hi", "extra": CARD}, "invalid_request", "body.extra"),
        ({"message": 4111111111111111}, "invalid_request", "body.message"),
        ({"session": CARD, "message": "hi"}, "invalid_session", "session"),
        ({"session": "web-someone-elses-id", "message": "hi"}, "invalid_session", "session"),
        ({"message": "   "}, "empty_message", "message"),
        ({"message": f"my card {CARD} " + "a" * 5000}, "message_too_long", "message"),
        ([CARD], "invalid_request", "body"),
    ],
)
def test_bad_requests_get_a_clear_error_that_echoes_nothing(
    web_app: RunningApp, body: Any, code: str, field: str
) -> None:
    response = chat(web_app.url, body)
    assert response.status_code == 422
    assert error_code(response) == code
    assert any(field in f for f in [".".join(response.json()["error"]["fields"])])
    assert response.json()["error"]["message"]
    assert "4111" not in response.text


def test_malformed_json_is_a_422(web_app: RunningApp) -> None:
    response = httpx.post(
        f"{web_app.url}/api/v1/chat",
        content=b'{"message": "4111 1111 1111 1111',
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 422 and "4111" not in response.text


def test_the_api_is_rate_limited_per_session_and_says_when_to_retry(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    for app in serve(tmp_path_factory.mktemp("api-limited"), rate_limit_per_minute=2):
        session = chat(app.url, {"message": "hi"}).json()["session"]
        assert chat(app.url, {"session": session, "message": "hi"}).status_code == 200
        refused = chat(app.url, {"session": session, "message": "hi"})
        assert refused.status_code == 429 and error_code(refused) == "rate_limited"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert chat(app.url, {"message": "hi"}).status_code == 200  # a new session gets in


def file_ticket(app: RunningApp) -> str:
    draft = TicketDraft(
        request_id="api-ticket-1",
        request_type=RequestType.ACCESS,
        email="api.ticket@example.com",
        session_id="api-test",
    )
    return app.assistant.tickets.create(draft).id  # type: ignore[no-any-return]


def test_tickets_are_for_staff_only(web_app: RunningApp) -> None:
    ticket_id = file_ticket(web_app)
    url = f"{web_app.url}/api/v1/tickets/{ticket_id}"
    anonymous = httpx.get(url, timeout=30)
    assert anonymous.status_code == 401 and "api.ticket" not in anonymous.text
    assert anonymous.headers["www-authenticate"] == "Bearer"
    with web_app.staff_client() as staff:
        found = staff.get(f"/api/v1/tickets/{ticket_id}")
        assert found.status_code == 200
        assert found.json()["id"] == ticket_id
        assert found.json()["identity"]["email"] == "api.ticket@example.com"
        assert "access-control-allow-origin" not in found.headers
        assert staff.get("/api/v1/tickets/DSR-2020-AAAAAAAA").status_code == 404
        assert staff.get("/api/v1/tickets/not-a-ticket").status_code == 422


def test_tickets_with_the_bearer_token(tmp_path_factory: pytest.TempPathFactory) -> None:
    for app in serve(tmp_path_factory.mktemp("api-token"), api_token=API_TOKEN):
        ticket_id = file_ticket(app)
        url = f"{app.url}/api/v1/tickets/{ticket_id}"
        good = httpx.get(url, headers={"authorization": f"Bearer {API_TOKEN}"}, timeout=30)
        assert good.status_code == 200 and good.json()["id"] == ticket_id
        wrong = [
            httpx.get(url, headers={"authorization": "Bearer guess"}, timeout=30).status_code
            for _ in range(6)
        ]
        assert wrong == [401] * 5 + [429]  # guessing is throttled like failed logins


def test_an_embedding_site_cannot_read_tickets_cross_origin(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    site = "https://www.example.com"
    for app in serve(tmp_path_factory.mktemp("api-cors"), embed_origins=(site,)):
        chat_reply = chat(app.url, {"message": "hi"}, headers={"origin": site})
        assert chat_reply.headers["access-control-allow-origin"] == site  # the chat: yes
        with app.staff_client() as staff:
            ticket = staff.get(f"/api/v1/tickets/{file_ticket(app)}", headers={"origin": site})
            assert ticket.status_code == 200
            assert not any(h.startswith("access-control-") for h in ticket.headers)
            preflight = staff.options(
                "/api/v1/tickets/DSR-2020-AAAAAAAA",
                headers={"origin": site, "access-control-request-method": "GET"},
            )
            assert "access-control-allow-origin" not in preflight.headers


def test_openapi_and_docs_load_nothing_from_elsewhere(web_app: RunningApp) -> None:
    schema = httpx.get(f"{web_app.url}/openapi.json", timeout=30).json()
    assert {"/api/v1/chat", "/api/v1/tickets/{ticket_id}"} <= set(schema["paths"])
    assert "Reply" in schema["components"]["schemas"]
    docs = httpx.get(f"{web_app.url}/docs", timeout=30)
    assert docs.status_code == 200 and "/api/v1/chat" in docs.text
    assert "<script" not in docs.text
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", docs.text)
    assert "default-src 'none'" in docs.headers["content-security-policy"]


# --- two app instances, one database ------------------------------------------------------


@contextmanager
def instance(data_dir: Path, database_url: str, **settings: Any) -> Iterator[RunningApp]:
    settings = {"database_url": database_url, "rate_limit_per_minute": 2, **settings}
    assistant = make_assistant(data_dir, **settings)
    config = Settings(data_dir=data_dir, **settings)
    credentials = StaffCredentials(STAFF_USER, SecretStr(STAFF_PASSWORD))
    app = create_app(assistant, config, credentials=credentials)
    with ServerThread(app, free_port()) as server:
        yield RunningApp(f"http://127.0.0.1:{server.server.config.port}", assistant, config)


def _limits_and_logins_hold_across_instances(tmp_path: Path, database_url: str) -> None:
    with (
        instance(tmp_path / "a", database_url) as first,
        instance(tmp_path / "b", database_url) as second,
    ):
        session = chat(first.url, {"message": "Do you sell my data?"}).json()["session"]
        on_second = chat(second.url, {"session": session, "message": "How long do you keep it?"})
        assert on_second.status_code == 200  # the conversation continues on the other one
        refused = chat(first.url, {"session": session, "message": "And cookies?"})
        assert refused.status_code == 429  # 2 a minute in total, not 2 per instance
        with first.staff_client() as staff:
            cookie = staff.cookies[COOKIE_NAME]
        ticket_id = file_ticket(first)
        seen = httpx.get(
            f"{second.url}/api/v1/tickets/{ticket_id}", cookies={COOKIE_NAME: cookie}, timeout=30
        )
        assert seen.status_code == 200  # signed in on one instance, known to the other


def test_two_instances_share_limits_and_logins_on_sqlite(tmp_path: Path) -> None:
    _limits_and_logins_hold_across_instances(tmp_path, f"sqlite:///{tmp_path / 'shared.db'}")


def test_two_instances_share_limits_and_logins_on_postgresql(tmp_path: Path) -> None:
    with start_postgres(tmp_path / "pg") as url:
        _limits_and_logins_hold_across_instances(tmp_path, url)
