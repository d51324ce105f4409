"""The FastAPI app: ``/healthz``, staff login, and the three Gradio apps mounted on it.

    /           user chat widget (public; embeddable in an iframe)
    /console    agent console     (staff login)
    /tickets    tickets view      (staff login)
    /login      staff sign-in page; /logout signs out
    /healthz    JSON: status and the active policy version
    /embed.js   loads the <gradio-app> web component, for pages embedding the chat

Cross-origin requests are allowed only from ``embed_origins`` (pages that embed the chat
as a web component; an iframe needs none). Gradio's own CORS layer, which would reflect
any origin, steps aside once the parent app configures CORS.

Starlette matches routes in order, so the plain routes and the staff mounts are added
before the chat is mounted at ``/``, which would otherwise swallow every path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

import gradio as gr
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.config import Settings
from assistant.contract import CONTRACT_VERSION
from assistant.web.auth import (
    StaffAuth,
    StaffCredentials,
    StaffGate,
    login_router,
    resolve_credentials,
)
from assistant.web.chat_session import ChatController
from assistant.web.chat_ui import build_chat
from assistant.web.console_ui import build_console
from assistant.web.ports import WebAssistant
from assistant.web.texts import WebTexts, load_texts, read_template_file
from assistant.web.tickets_ui import build_tickets

# Two cores and a CPU-bound answer path: more parallel turns would only queue in threads.
DEFAULT_CONCURRENCY = 2
# Waiting events per app before new ones are turned away with "queue full".
MAX_QUEUE = 64
# No request to these apps carries files; anything bigger than this is abuse.
MAX_BODY_BYTES = 1_000_000


class BodySizeLimit:
    """Refuse requests whose body is larger than ``max_bytes`` (413): the declared
    Content-Length up front, and the bytes actually streamed (a chunked body declares none)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                await _too_large(scope, receive, send)
                return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Inside a route this becomes a 413 through Starlette's exception handling.
                    raise HTTPException(status_code=413, detail="Request too large.")
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except HTTPException as exc:
            if exc.status_code != 413 or started:
                raise
            await _too_large(scope, receive, send)


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse({"detail": "Request too large."}, status_code=413)
    await response(scope, receive, send)


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
    auth = StaffAuth(credentials, secure_cookies=settings.production)

    app = FastAPI(
        title="WorkAllies privacy assistant", docs_url=None, redoc_url=None, openapi_url=None
    )
    # The last added is the outermost: the gate wraps CORS so that it can strip any CORS
    # grant from staff responses.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(embed_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["*"],
        allow_credentials=True,  # Gradio's client fetches with credentials: "include"
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

    # A mount matches only below its path: "/console" itself would fall through to the chat
    # at "/" and 404. Send it on to "/console/" (relative, so it works under a proxy prefix).
    def add_slash(request: Request) -> Response:
        name = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"{name}/{query}", status_code=307)

    for staff_path in ("/console", "/tickets"):
        app.add_api_route(staff_path, add_slash, methods=["GET", "HEAD"], include_in_schema=False)

    def queued(blocks: gr.Blocks) -> gr.Blocks:
        return blocks.queue(default_concurrency_limit=concurrency, max_size=MAX_QUEUE)

    staff = {"auth_dependency": auth.user_from_request, **_mount_options(show_error=True)}
    gr.mount_gradio_app(app, queued(build_console(assistant, texts)), "/console", **staff)
    gr.mount_gradio_app(app, queued(build_tickets(assistant, texts)), "/tickets", **staff)
    chat = build_chat(ChatController(assistant, settings, texts), texts)
    gr.mount_gradio_app(app, queued(chat), "/", **_mount_options(show_error=False))
    return app
