"""ASGI middleware guarding the app: a body size cap for every request, and ``PublicGate``
in front of the public side (the chat widget and the JSON API).

- Only the queued Gradio routes are open: ``/gradio_api/run/*`` and ``/gradio_api/api/*``
  run an event at once, outside the queue and its size limit, so they are refused, and
  so are uploads (no public control takes files).
- Every POST to the public Gradio API counts against a per-address limit shared by all
  app processes: the widget's "show" step, the answer, feedback; whatever the route.
- Request bodies are capped near the largest message the app accepts, not at the
  staff apps' larger cap.

Staff paths are left to ``StaffGate`` (they are behind a login).
"""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.web.auth import is_staff_path
from assistant.web.ratelimit import RateLimiter

# No request to these apps carries files; anything bigger than this is abuse.
MAX_BODY_BYTES = 1_000_000
GRADIO_API = "/gradio_api/"
# Un-queued execution, file intake and server-side component calls: none is public.
_CLOSED = re.compile(
    r"^/gradio_api/(?:run|api|upload|upload_progress|process_recording|component_server"
    r"|stream|vibe-[a-z-]+)(?:/|$)"
)
# Bytes a JSON-encoded message can take per character (``\ud83d\ude00`` is 12 for two).
BYTES_PER_CHAR = 6
BODY_OVERHEAD_BYTES = 16_384


def public_body_limit(max_message_chars: int) -> int:
    """The largest public request body: one maximal message, escaped, plus the envelope."""
    return max_message_chars * BYTES_PER_CHAR + BODY_OVERHEAD_BYTES


def is_closed_path(path: str) -> bool:
    return bool(_CLOSED.match(path))


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


class PublicGate:
    """Refuse closed routes (404), rate-limit Gradio API posts per address (429), and cap
    public bodies at ``max_body_bytes`` (413)."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, address_limiter: RateLimiter | None
    ) -> None:
        self.app = app
        self.capped = BodySizeLimit(app, max_body_bytes)
        self.address_limiter = address_limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_staff_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if is_closed_path(path):
            refusal = {"detail": "Not available on the public app; use the queued API."}
            await JSONResponse(refusal, status_code=404)(scope, receive, send)
            return
        if scope["method"] == "POST" and path.startswith(GRADIO_API) and self.address_limiter:
            client = scope.get("client")
            address = client[0] if client else "unknown"
            if not self.address_limiter.allow(address):
                retry = str(self.address_limiter.retry_after(address))
                response = JSONResponse(
                    {"detail": "Too many requests; please wait a moment."},
                    status_code=429,
                    headers={"retry-after": retry},
                )
                await response(scope, receive, send)
                return
        await self.capped(scope, receive, send)
