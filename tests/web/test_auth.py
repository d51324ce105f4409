"""Staff credentials, sessions, the login page and the gate, on a minimal app."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.config import Settings
from assistant.ticket_store import make_engine
from assistant.web.auth import (
    COOKIE_NAME,
    CredentialsError,
    StaffAuth,
    StaffCredentials,
    StaffGate,
    StaffSessions,
    is_staff_path,
    login_router,
    resolve_credentials,
    safe_next,
)
from assistant.web.texts import WebTexts

PASSWORD = "a-long-enough-password"


def test_production_refuses_to_start_without_credentials() -> None:
    for missing in ({}, {"agent_username": "ops"}, {"agent_password": PASSWORD}):
        with pytest.raises(CredentialsError, match="ASSISTANT_AGENT"):
            resolve_credentials(Settings(production=True, **missing))  # type: ignore[arg-type]


def test_production_refuses_a_short_password() -> None:
    with pytest.raises(CredentialsError, match="at least"):
        resolve_credentials(Settings(production=True, agent_username="ops", agent_password="short"))


def test_production_uses_the_configured_credentials() -> None:
    creds = resolve_credentials(
        Settings(production=True, agent_username="ops", agent_password=PASSWORD)
    )
    assert (creds.username, creds.password.get_secret_value(), creds.generated) == (
        "ops",
        PASSWORD,
        False,
    )


def test_dev_mode_generates_a_fresh_password_and_announces_it() -> None:
    lines: list[str] = []
    first = resolve_credentials(Settings(), lines.append)
    second = resolve_credentials(Settings(), lines.append)
    assert first.generated and second.generated
    assert first.password.get_secret_value() != second.password.get_secret_value()
    assert len(first.password.get_secret_value()) >= 16
    assert first.password.get_secret_value() in lines[0]
    assert first.username in lines[0]


def test_dev_mode_with_a_password_announces_nothing() -> None:
    lines: list[str] = []
    creds = resolve_credentials(Settings(agent_password="dev-pass"), lines.append)
    assert creds.password.get_secret_value() == "dev-pass" and lines == []


def test_sessions_expire_and_can_be_revoked() -> None:
    now = [0.0]
    sessions = StaffSessions(ttl=100, clock=lambda: now[0])
    token = sessions.issue("ops")
    assert sessions.user_for(token) == "ops"
    assert sessions.user_for("forged") is None and sessions.user_for(None) is None
    now[0] = 100.0
    assert sessions.user_for(token) is None
    other = sessions.issue("ops")
    sessions.revoke(other)
    assert sessions.user_for(other) is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/tickets/", "/tickets/"),
        ("/console/?x=1", "/console/?x=1"),
        ("https://evil.example/console", "/console/"),
        ("//evil.example/console", "/console/"),
        ("/consoleevil", "/console/"),
        ("/", "/console/"),
        (None, "/console/"),
    ],
)
def test_login_only_redirects_into_the_staff_apps(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_staff_paths() -> None:
    assert is_staff_path("/console") and is_staff_path("/tickets/gradio_api/queue/join")
    assert not is_staff_path("/") and not is_staff_path("/consoles") and not is_staff_path("/login")


@pytest.fixture()
def client(texts: WebTexts) -> TestClient:
    auth = StaffAuth(StaffCredentials("ops", SecretStr(PASSWORD)))
    app = FastAPI()
    app.add_middleware(StaffGate, auth=auth)
    app.include_router(login_router(auth, texts.login))

    @app.get("/console/secret")
    def secret() -> dict[str, str]:
        return {"secret": "yes"}

    @app.get("/public")
    def public() -> dict[str, str]:
        return {"public": "yes"}

    return TestClient(app, follow_redirects=False)


def login(client: TestClient, username: str, password: str) -> int:
    data = {"username": username, "password": password, "next": "/console/secret"}
    return client.post("/login", data=data).status_code


def test_gate_refuses_then_admits_after_login(client: TestClient) -> None:
    assert client.get("/public").status_code == 200
    api = client.get("/console/secret")
    assert api.status_code == 401 and "secret" not in api.text
    page = client.get("/console/secret", headers={"accept": "text/html"})
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/console/secret"
    assert login(client, "ops", PASSWORD) == 303
    cookie = client.cookies.get(COOKIE_NAME)
    assert cookie
    response = client.get("/console/secret")
    assert response.json() == {"secret": "yes"}
    assert response.headers["x-frame-options"] == "DENY"
    client.get("/logout")
    client.cookies.set(COOKIE_NAME, cookie)  # a replayed cookie is dead after logout
    assert client.get("/console/secret").status_code == 401


def test_login_cookie_is_httponly_and_strict(client: TestClient) -> None:
    response = client.post(
        "/login", data={"username": "ops", "password": PASSWORD, "next": "/tickets/"}
    )
    assert response.headers["location"] == "/tickets/"
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header


def test_wrong_credentials_are_refused_without_a_cookie(
    client: TestClient, texts: WebTexts
) -> None:
    response = client.post("/login", data={"username": "ops", "password": "nope", "next": ""})
    assert response.status_code == 401
    assert texts.login.failed in response.text
    assert COOKIE_NAME not in response.headers.get("set-cookie", "")
    assert login(client, "someone", PASSWORD) == 401


def test_repeated_failures_lock_out_even_the_right_password(client: TestClient) -> None:
    for _ in range(5):
        assert login(client, "ops", "guess") == 401
    assert login(client, "ops", "guess") == 429
    assert login(client, "ops", PASSWORD) == 429
    assert client.get("/console/secret").status_code == 401


def test_login_page_escapes_the_next_parameter(client: TestClient) -> None:
    page = client.get('/login?next=/console/"><script>alert(1)</script>')
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text
    assert 'for="username"' in page.text and 'for="password"' in page.text


def test_staff_sessions_hold_across_processes_and_store_no_token(tmp_path: Path) -> None:
    """Two engines on one database stand for two app processes behind a load balancer."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    first, second = StaffSessions(make_engine(url)), StaffSessions(make_engine(url))
    token = first.issue("ops")
    assert second.user_for(token) == "ops"  # signed in on one process, known to the other
    second.revoke(token)
    assert first.user_for(token) is None  # signed out everywhere
    kept = first.issue("ops")
    assert kept.encode() not in (tmp_path / "shared.sqlite3").read_bytes()


def test_staff_pages_carry_a_content_security_policy(client: TestClient) -> None:
    assert login(client, "ops", PASSWORD) == 303
    policy = client.get("/console/secret").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["img-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["connect-src"] == "'self'"
