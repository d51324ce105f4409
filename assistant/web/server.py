"""The FastAPI app: ``/healthz``, staff login, and the three Gradio apps mounted on it.

    /           user chat widget (public; embeddable in an iframe)
    /console    agent console     (staff login)
    /tickets    tickets view      (staff login)
    /login      staff sign-in page; /logout signs out
    /healthz    JSON: status and the active policy version
    /embed.js   loads the <gradio-app> web component, for pages embedding the chat
    /api/v1/... the JSON API (``assistant.web.api``); /openapi.json and /docs describe it

Rate limits and staff sessions live in the database every app process shares, so they
hold across processes. On the public side only the queued Gradio routes are open
(``assistant.web.guards.PublicGate``).

Cross-origin requests are allowed only from ``embed_origins`` (pages that embed the chat
as a web component; an iframe needs none). Gradio's own CORS layer, which would reflect
any origin, steps aside once the parent app configures CORS.

Starlette matches routes in order, so the plain routes and the staff mounts are added
before the chat is mounted at ``/``, which would otherwise swallow every path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import gradio as gr
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from assistant.config import Settings
from assistant.contract import CONTRACT_VERSION
from assistant.web.api import ApiLimits, chat_router, install_error_handlers, tickets_router
from assistant.web.api_docs import DOCS_CSP, docs_page
from assistant.web.auth import (
    FAILED_LOGIN_WINDOW_SECONDS,
    FAILED_LOGINS_PER_WINDOW,
    StaffAuth,
    StaffCredentials,
    StaffGate,
    StaffSessions,
    login_router,
    resolve_credentials,
)
from assistant.web.chat_session import ADDRESS_BUDGET_SESSIONS, ChatController
from assistant.web.chat_ui import build_chat
from assistant.web.console_ui import build_console
from assistant.web.guards import MAX_BODY_BYTES, BodySizeLimit, PublicGate, public_body_limit
from assistant.web.ports import WebAssistant
from assistant.web.ratelimit import RateLimiter, SqlStorage, counters_engine
from assistant.web.texts import WebTexts, load_texts, read_template_file
from assistant.web.tickets_ui import build_tickets

API_DESCRIPTION = (
    "The chat contract over plain JSON, and DSR tickets for staff. Errors are "
    '`{"error": {"code", "message", "fields"}}` and never echo what was sent.'
)
# Staff apps: two cores and a CPU-bound path; the public chat uses settings.chat_workers.
DEFAULT_CONCURRENCY = 2
# Waiting events per app before new ones are turned away with "queue full".
MAX_QUEUE = 64
# Gradio API posts per message in the widget (show, answer, feedback), for the address cap.
POSTS_PER_MESSAGE = 3


def theme() -> gr.themes.Base:
    # System fonts only: the app must not fetch anything from a CDN or font service.
    return gr.themes.Default(
        primary_hue="blue",
        font=("system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"),
        font_mono=("ui-monospace", "Menlo", "Consolas", "monospace"),
    )


def _mount_options(show_error: bool) -> dict[str, Any]:
    return {
        "footer_links": [],
        "run_history": False,  # would keep conversations in the browser's storage
        "theme": theme(),
        "css": read_template_file("style.css"),
        "head": f"<style>{read_template_file('page.css')}</style>",
        "ssr_mode": False,
        "mcp_server": False,
        "pwa": False,
        "show_error": show_error,
    }


def web_component_loader() -> str:
    """Gradio's own loader for ``<gradio-app>``: it imports the hashed bundle of this Gradio
    version relative to itself, so served at the app's root it works for any version."""
    loader = resources.files("gradio").joinpath("templates", "frontend", "gradio.js")
    return loader.read_text(encoding="utf-8")


@dataclass(frozen=True)
class SharedLimits:
    """Every rate limit of the app, counted in the database all processes share."""

    chat_session: RateLimiter
    chat_address: RateLimiter
    public_posts: RateLimiter
    logins: RateLimiter

    @classmethod
    def over(cls, engine: Engine, settings: Settings) -> SharedLimits:
        storage = SqlStorage(counters_engine(engine))
        per_minute = settings.rate_limit_per_minute
        per_address = per_minute * ADDRESS_BUDGET_SESSIONS
        return cls(
            chat_session=RateLimiter(per_minute, storage=storage, namespace="chat-session"),
            chat_address=RateLimiter(per_address, storage=storage, namespace="chat-address"),
            public_posts=RateLimiter(
                per_address * POSTS_PER_MESSAGE, storage=storage, namespace="public-posts"
            ),
            logins=RateLimiter(
                FAILED_LOGINS_PER_WINDOW,
                FAILED_LOGIN_WINDOW_SECONDS,
                storage=storage,
                namespace="login",
            ),
        )


def create_app(
    assistant: WebAssistant,
    settings: Settings,
    *,
    credentials: StaffCredentials | None = None,
    texts: WebTexts | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    embed_origins: Sequence[str] = (),
    announce: Callable[[str], None] | None = None,
) -> FastAPI:
    """Build the whole web app. Raises ``CredentialsError`` in production without staff login."""
    texts = texts or load_texts()
    credentials = credentials or resolve_credentials(settings, announce)
    engine = assistant.tickets.engine
    limits = SharedLimits.over(engine, settings)
    auth = StaffAuth(
        credentials,
        sessions=StaffSessions(engine),
        failures=limits.logins,
        secure_cookies=settings.production,
    )

    app = FastAPI(
        title="WorkAllies privacy assistant API",
        version=CONTRACT_VERSION,
        description=API_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    install_error_handlers(app)
    # The last added is the outermost: the gate wraps CORS so that it can strip any CORS
    # grant from staff responses.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(embed_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["*"],
        allow_credentials=True,  # Gradio's client fetches with credentials: "include"
    )
    app.add_middleware(
        PublicGate,
        max_body_bytes=public_body_limit(settings.max_message_chars),
        address_limiter=limits.public_posts,
    )
    app.add_middleware(StaffGate, auth=auth)
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)

    @app.get("/healthz")
    def healthz() -> dict[str, str | None]:
        policy = assistant.policy
        return {
            "status": "ok",
            "policy_version": policy.version,
            "policy_last_updated": policy.last_updated.isoformat() if policy.last_updated else None,
            "contract_version": CONTRACT_VERSION,
        }

    loader = web_component_loader()

    @app.get("/embed.js", include_in_schema=False)
    def embed_js() -> Response:
        return Response(loader, media_type="text/javascript")

    app.include_router(login_router(auth, texts.login))
    api_limits = ApiLimits(session=limits.chat_session, address=limits.chat_address)
    app.include_router(chat_router(assistant, settings, api_limits, settings.chat_workers))
    app.include_router(tickets_router(assistant, settings, auth.user_from_cookies, limits.logins))

    # A mount matches only below its path: "/console" itself would fall through to the chat
    # at "/" and 404. Send it on to "/console/" (relative, so it works under a proxy prefix).
    def add_slash(request: Request) -> Response:
        name = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"{name}/{query}", status_code=307)

    for staff_path in ("/console", "/tickets"):
        app.add_api_route(staff_path, add_slash, methods=["GET", "HEAD"], include_in_schema=False)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        page = docs_page(app.openapi(), app.openapi_url or "/openapi.json")
        return HTMLResponse(page, headers={"content-security-policy": DOCS_CSP})

    def queued(blocks: gr.Blocks, limit: int = concurrency) -> gr.Blocks:
        return blocks.queue(default_concurrency_limit=limit, max_size=MAX_QUEUE)

    staff = {"auth_dependency": auth.user_from_request, **_mount_options(show_error=True)}
    gr.mount_gradio_app(app, queued(build_console(assistant, texts)), "/console", **staff)
    gr.mount_gradio_app(app, queued(build_tickets(assistant, texts)), "/tickets", **staff)
    controller = ChatController(
        assistant,
        settings,
        texts,
        session_limiter=limits.chat_session,
        address_limiter=limits.chat_address,
    )
    chat = build_chat(controller, texts)
    # The widget's turns batch their query embeddings like the API's (settings.chat_workers).
    public = queued(chat, settings.chat_workers)
    gr.mount_gradio_app(app, public, "/", **_mount_options(show_error=False))
    return app
