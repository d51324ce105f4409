"""The served app over raw HTTP: health, staff-only routes refused, chat isolation."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import httpx
import pytest
from gradio_client import Client
from starlette.routing import Mount

from assistant.config import Settings
from assistant.web.auth import COOKIE_NAME, CredentialsError
from assistant.web.server import create_app

from .conftest import RunningApp

pytestmark = pytest.mark.slow


def walk_routes(routes: Iterable[Any]) -> Iterator[tuple[str, str]]:
    """(path, method) of every route of a Gradio app, including its included routers."""
    for route in routes:
        nested = getattr(route, "routes", None) or getattr(
            getattr(route, "original_router", None), "routes", None
        )
        if nested and not hasattr(route, "endpoint"):
            yield from walk_routes(nested)
            continue
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            yield route.path, method


def staff_routes(web_app: RunningApp) -> list[tuple[str, str]]:
    settings = Settings(data_dir=web_app.settings.data_dir)
    from pydantic import SecretStr

    from assistant.web.auth import StaffCredentials

    app = create_app(web_app.assistant, settings, credentials=StaffCredentials("x", SecretStr("y")))
    found = []
    for mount in app.routes:
        if isinstance(mount, Mount) and mount.path in ("/console", "/tickets"):
            for path, method in walk_routes(mount.app.routes):
                concrete = re.sub(r"\{[^}]+\}", "x", path)
                found.append((mount.path + concrete, method))
    return found


def test_healthz_reports_the_policy_version(web_app: RunningApp) -> None:
    body = httpx.get(f"{web_app.url}/healthz").json()
    assert body["status"] == "ok"
    assert body["policy_version"] == web_app.assistant.policy.version
    assert body["policy_last_updated"] == web_app.assistant.policy.last_updated.isoformat()


def test_every_staff_route_is_refused_without_login(web_app: RunningApp) -> None:
    routes = staff_routes(web_app)
    assert len(routes) > 80, "route discovery broke: update walk_routes for this Gradio"
    paths = {p for p, _ in routes}
    for must in ("/console/config", "/tickets/gradio_api/queue/join", "/console/gradio_api/info"):
        assert must in paths
    with httpx.Client(base_url=web_app.url, timeout=30) as client:
        for path, method in routes:
            response = client.request(method, path, json={"data": [], "fn_index": 0})
            assert response.status_code == 401, (method, path, response.status_code)
            if method != "HEAD":
                assert "Staff login required" in response.text
        page = client.get("/tickets/", headers={"accept": "text/html"})
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=/tickets/"


def test_forged_or_foreign_cookies_are_refused(web_app: RunningApp) -> None:
    for cookies in ({COOKIE_NAME: "forged"}, {"access-token": "x", "access-token-unsecure": "x"}):
        with httpx.Client(base_url=web_app.url, cookies=cookies) as client:
            assert client.get("/console/config").status_code == 401


def test_staff_can_reach_the_apps_after_login(web_app: RunningApp) -> None:
    with web_app.staff_client() as client:
        for app in ("console", "tickets"):
            config = client.get(f"/{app}/config")
            assert config.status_code == 200
            assert config.json()["username"] == web_app.username
            assert client.get(f"/{app}/").headers["x-frame-options"] == "DENY"
        client.get("/logout")
        assert client.get("/console/config").status_code == 401


def test_wrong_password_gets_no_session(web_app: RunningApp) -> None:
    with httpx.Client(base_url=web_app.url) as client:
        response = client.post(
            "/login", data={"username": web_app.username, "password": "wrong", "next": ""}
        )
        assert response.status_code == 401
        assert COOKIE_NAME not in client.cookies
        assert client.get("/console/config").status_code == 401


def test_production_app_will_not_start_without_staff_credentials(web_app: RunningApp) -> None:
    with pytest.raises(CredentialsError):
        create_app(web_app.assistant, Settings(data_dir=web_app.settings.data_dir, production=True))


def test_chat_is_public_embeddable_and_exposes_only_the_chat_endpoint(web_app: RunningApp) -> None:
    page = httpx.get(f"{web_app.url}/")
    assert page.status_code == 200
    assert "x-frame-options" not in page.headers  # the widget is meant for iframes
    info = httpx.get(f"{web_app.url}/gradio_api/info").json()
    assert set(info["named_endpoints"]) == {"/chat"}
    params = info["named_endpoints"]["/chat"]["parameters"]
    assert [p["parameter_name"] for p in params] == ["text"]  # no session id from outside


def test_oversized_requests_are_refused(web_app: RunningApp) -> None:
    response = httpx.post(
        f"{web_app.url}/gradio_api/queue/join",
        content=b"x" * 2_000_000,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


def test_one_chat_cannot_see_another_sessions_history_or_tickets(web_app: RunningApp) -> None:
    alice = Client(web_app.url, verbose=False)
    bob = Client(web_app.url, verbose=False)
    alice.predict("Please delete my account and all my data", api_name="/chat")
    alice.predict("alice.secret@example.com", api_name="/chat")
    history, filed = alice.predict("yes", api_name="/chat")
    ticket_id = filed["ticket"]["id"]
    assert web_app.assistant.tickets.get(ticket_id).session_id == filed["session"]

    bob_history, bob_reply = bob.predict(
        f"What is the status of ticket {ticket_id} for alice.secret@example.com?", api_name="/chat"
    )
    assert bob_reply["session"] != filed["session"]
    shown = " ".join(part["text"] for m in bob_history for part in m["content"])
    assert "Please delete my account" not in shown  # none of Alice's turns
    assert shown.count("alice.secret@example.com") == 1  # only Bob's own question
    assert bob_reply["ticket"] is None
    assert "alice.secret" not in bob_reply["reply"].replace(
        f"{ticket_id} for alice.secret@example.com", ""
    )
    assert len([m for m in history if m["role"] == "user"]) == 3


def test_other_origins_get_no_cors_grant(web_app: RunningApp) -> None:
    evil = {"origin": "https://evil.example"}
    for path in ("/embed.js", "/gradio_api/info", "/config", "/console/config"):
        response = httpx.get(f"{web_app.url}{path}", headers=evil)
        assert "access-control-allow-origin" not in response.headers, path
    preflight = httpx.options(
        f"{web_app.url}/gradio_api/queue/join",
        headers={**evil, "access-control-request-method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_embed_script_is_served_by_the_app(web_app: RunningApp) -> None:
    script = httpx.get(f"{web_app.url}/embed.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    bundle = re.search(r'import\("\./(assets/[^"]+\.js)"\)', script.text)
    assert bundle, script.text
    assert httpx.get(f"{web_app.url}/{bundle.group(1)}").status_code == 200
