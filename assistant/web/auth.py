"""Staff login for the agent console and the tickets view.

One login covers both staff apps: a random session token in an HttpOnly, SameSite=Strict
cookie. ``StaffGate`` is ASGI middleware in front of *every* path under the staff prefixes
(pages, config, queue, API, files, heartbeats), so nothing there is reachable without the
cookie, whatever routes a Gradio release adds. Gradio's own ``auth_dependency`` is also
set on those mounts (``user_from_request``), which gives handlers ``gr.Request.username``
for the audit trail.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from string import Template
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import SecretStr
from sqlalchemy import Column, Float, MetaData, String, Table, delete, insert, select
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.config import Settings
from assistant.web.ratelimit import RateLimiter, memory_engine
from assistant.web.render import escape
from assistant.web.texts import LoginTexts, read_template_file

COOKIE_NAME = "wa_staff"
SESSION_TTL_SECONDS = 8 * 3600  # one working day
MAX_TOKEN_CHARS = 100  # ours are 43; anything longer is not worth hashing
DEFAULT_USERNAME = "agent"
MIN_PRODUCTION_PASSWORD = 12
FAILED_LOGINS_PER_WINDOW = 5
FAILED_LOGIN_WINDOW_SECONDS = 300.0
STAFF_PREFIXES = ("/console", "/tickets")
# Staff data in the JSON API: the route checks the cookie or the API token itself.
STAFF_API_PREFIX = "/api/v1/tickets"
LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
# Staff pages load nothing from elsewhere: an image or link smuggled into customer text
# cannot make the staff browser fetch another host (img-src 'self'), and no other site
# may frame them (clickjacking). Gradio's front end needs inline styles and scripts, and
# compiles its HTML templates and the console's clipboard function ('unsafe-eval'). The
# chat widget, which other sites embed, is not covered.
STAFF_CSP = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self'",
        "media-src 'self' blob:",
        "font-src 'self' data:",
        "style-src 'self' 'unsafe-inline'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
STAFF_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", STAFF_CSP.encode()),
    (b"referrer-policy", b"same-origin"),
)


class CredentialsError(RuntimeError):
    """Staff credentials are missing or too weak for production; the message says what to set."""


@dataclass(frozen=True)
class StaffCredentials:
    username: str
    password: SecretStr
    generated: bool = False


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def resolve_credentials(
    settings: Settings, announce: Callable[[str], None] | None = None
) -> StaffCredentials:
    """Credentials from settings; in dev mode without a password, a random one for this run
    (announced on stderr unless ``announce`` is given)."""
    announce = announce or _stderr
    username = (settings.agent_username or "").strip()
    password = settings.agent_password.get_secret_value() if settings.agent_password else ""
    if settings.production:
        if not username or not password:
            raise CredentialsError(
                "production mode needs staff credentials: set ASSISTANT_AGENT_USERNAME and "
                "ASSISTANT_AGENT_PASSWORD"
            )
        if len(password) < MIN_PRODUCTION_PASSWORD:
            raise CredentialsError(
                f"ASSISTANT_AGENT_PASSWORD must be at least {MIN_PRODUCTION_PASSWORD} characters"
            )
        return StaffCredentials(username, SecretStr(password))
    username = username or DEFAULT_USERNAME
    if password:
        return StaffCredentials(username, SecretStr(password))
    generated = secrets.token_urlsafe(12)
    announce(
        f"Staff login for /console and /tickets (generated for this run only): "
        f"username {username!r}, password {generated!r}. Set ASSISTANT_AGENT_USERNAME and "
        f"ASSISTANT_AGENT_PASSWORD to choose them."
    )
    return StaffCredentials(username, SecretStr(generated), generated=True)


_metadata = MetaData()
_staff_sessions = Table(
    "staff_sessions",
    _metadata,
    # A digest of the token, never the token: a copy of the database signs nobody in.
    Column("token_digest", String(64), primary_key=True),
    Column("username", String(200), nullable=False),
    Column("expires_at", Float, nullable=False),
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StaffSessions:
    """Random tokens → username, expiring, in the database every app process shares (a
    sign-in on one process holds on all; a restart keeps staff signed in). Without an
    engine, in a private in-memory database."""

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        ttl: float = SESSION_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._engine = engine if engine is not None else memory_engine()
        self._lock = threading.Lock()  # one connection when in memory; cheap otherwise
        _metadata.create_all(self._engine)

    def issue(self, username: str) -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock, self._engine.begin() as conn:
            conn.execute(delete(_staff_sessions).where(_staff_sessions.c.expires_at <= now))
            conn.execute(
                insert(_staff_sessions).values(
                    token_digest=_digest(token), username=username, expires_at=now + self.ttl
                )
            )
        return token

    def user_for(self, token: str | None) -> str | None:
        if not token or len(token) > MAX_TOKEN_CHARS:
            return None
        query = select(_staff_sessions.c.username).where(
            _staff_sessions.c.token_digest == _digest(token),
            _staff_sessions.c.expires_at > self._clock(),
        )
        with self._lock, self._engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def revoke(self, token: str | None) -> None:
        if not token:
            return
        with self._lock, self._engine.begin() as conn:
            conn.execute(
                delete(_staff_sessions).where(_staff_sessions.c.token_digest == _digest(token))
            )


class StaffAuth:
    def __init__(
        self,
        credentials: StaffCredentials,
        *,
        sessions: StaffSessions | None = None,
        failures: RateLimiter | None = None,
        secure_cookies: bool = False,
    ) -> None:
        self.credentials = credentials
        self.sessions = sessions if sessions is not None else StaffSessions()
        self.failures = (
            failures
            if failures is not None
            else RateLimiter(
                FAILED_LOGINS_PER_WINDOW, FAILED_LOGIN_WINDOW_SECONDS, namespace="login"
            )
        )
        self.secure_cookies = secure_cookies

    def verify(self, username: str, password: str) -> bool:
        # Compare both, always: the time taken must not reveal which one was wrong.
        expected = self.credentials.password.get_secret_value().encode()
        user_ok = hmac.compare_digest(username.encode(), self.credentials.username.encode())
        password_ok = hmac.compare_digest(password.encode(), expected)
        return user_ok and password_ok

    def user_from_cookies(self, cookies: Mapping[str, str]) -> str | None:
        return self.sessions.user_for(cookies.get(COOKIE_NAME))

    def user_from_request(self, request: Request) -> str | None:
        """Gradio's ``auth_dependency`` for the staff mounts."""
        return self.user_from_cookies(request.cookies)


def is_staff_path(path: str, prefixes: Iterable[str] = STAFF_PREFIXES) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def safe_next(target: str | None) -> str:
    """Only ever redirect back into the staff apps: no open redirect via ``?next=``."""
    if target and is_staff_path(target.split("?", 1)[0]) and not target.startswith("//"):
        return target
    return STAFF_PREFIXES[0] + "/"


def _cookies_from_scope(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is simply "not logged in"
                return {}
    return {key: morsel.value for key, morsel in jar.items()}


class StaffGate:
    """ASGI middleware: staff paths need a valid staff cookie, everything else passes."""

    def __init__(self, app: ASGIApp, auth: StaffAuth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(STAFF_API_PREFIX):  # authorised by the route (cookie or
            await self.app(scope, receive, _with_headers(send))  # token); never CORS-readable
            return
        if not is_staff_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        if self.auth.user_from_cookies(_cookies_from_scope(scope)) is not None:
            await self.app(scope, receive, _with_headers(send))
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        response = _refusal(Request(scope))
        await response(scope, receive, _with_headers(send))


def _refusal(request: Request) -> Response:
    wants_page = request.method in ("GET", "HEAD") and "text/html" in request.headers.get(
        "accept", ""
    )
    if wants_page:
        root = request.scope.get("root_path", "")
        target = quote(request.url.path, safe="/")
        return RedirectResponse(f"{root}{LOGIN_PATH}?next={target}", status_code=303)
    return JSONResponse({"detail": "Staff login required."}, status_code=401)


def _with_headers(send: Send) -> Send:
    """Staff responses: never framed, and never readable cross-origin (no CORS grant, even
    for the origins allowed to embed the chat)."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [
                h
                for h in message.get("headers", [])
                if h[0] != b"x-frame-options" and not h[0].startswith(b"access-control-")
            ]
            message = {**message, "headers": [*headers, *STAFF_HEADERS]}
        await send(message)

    return wrapped


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def login_router(auth: StaffAuth, texts: LoginTexts) -> APIRouter:
    router = APIRouter()
    template = Template(read_template_file("login.html"))

    def page(request: Request, target: str, error: str = "", status: int = 200) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        body = template.substitute(
            title=escape(texts.title),
            heading=escape(texts.heading),
            intro=escape(texts.intro),
            error=f'<p class="error" role="alert">{escape(error)}</p>' if error else "",
            action=escape(f"{root}{LOGIN_PATH}"),
            next=escape(safe_next(target)).replace('"', "&quot;"),
            username_label=escape(texts.username),
            password_label=escape(texts.password),
            submit=escape(texts.submit),
        )
        headers = dict((k.decode(), v.decode()) for k, v in STAFF_HEADERS)
        headers["cache-control"] = "no-store"
        return HTMLResponse(body, status_code=status, headers=headers)

    @router.get(LOGIN_PATH, include_in_schema=False)
    def login_form(request: Request, next: str = "") -> HTMLResponse:
        return page(request, next)

    @router.post(LOGIN_PATH, include_in_schema=False)
    def login(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        next: str = Form(""),
    ) -> Response:
        address = _client_address(request)
        # While throttled, not even a right password gets in: guessing must learn nothing.
        if auth.failures.exhausted(address):
            return page(request, next, texts.throttled, status=429)
        if not auth.verify(username.strip(), password):
            auth.failures.allow(address)  # count the failure
            return page(request, next, texts.failed, status=401)
        token = auth.sessions.issue(auth.credentials.username)
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(
            COOKIE_NAME,
            token,
            max_age=int(auth.sessions.ttl),
            httponly=True,
            samesite="strict",
            secure=auth.secure_cookies or request.url.scheme == "https",
            path="/",
        )
        return response

    @router.get(LOGOUT_PATH, include_in_schema=False)
    def logout(request: Request) -> Response:
        auth.sessions.revoke(request.cookies.get(COOKIE_NAME))
        root = request.scope.get("root_path", "")
        response = RedirectResponse(f"{root}{LOGIN_PATH}", status_code=303)
        response.delete_cookie(COOKIE_NAME, path="/")
        return response

    return router
