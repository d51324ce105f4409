"""The JSON API beside the Gradio app: how a site's own widget or the DSR backend integrates.

    POST /api/v1/chat          {"session": "api-…" | omitted, "message": "…"} -> Reply
    GET  /api/v1/tickets/{id}  staff cookie or ``Authorization: Bearer <api token>`` -> ticket

The chat route is the chat contract (``assistant.contract.Reply``) with the web chat's
length cap and its rate limits (per session and per address, shared by every process).
Session ids are minted here: omit ``session`` to start a conversation and send back the
``session`` of the reply to continue it. An id is 128 random bits: it is the bearer of the
conversation, so only ids of this shape are accepted (no caller can pick one that names
another channel's session).

A turn is CPU-bound: it runs in a small worker pool (``chat_workers``) off the event loop,
and when more turns are waiting than ``MAX_WAITING`` the route answers 503 at once
rather than letting latency grow without bound.

Errors are ``{"error": {"code", "message", "fields"}}`` with a 4xx/5xx status; they name
the fields at fault and never echo what was sent (it may hold a card number).
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from fastapi import APIRouter, FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.config import Settings
from assistant.contract import Reply
from assistant.inputs import clean_message
from assistant.tickets import TICKET_ID_PATTERN, DsrTicket
from assistant.web.ports import WebAssistant
from assistant.web.ratelimit import RateLimiter

T = TypeVar("T")

API_PREFIX = "/api/v1"
API_SESSION_PREFIX = "api-"
API_SESSION_RE = re.compile(r"^api-[A-Za-z0-9_-]{22}$")
# Turns waiting for a worker before new ones are refused with 503 (like the Gradio queue).
MAX_WAITING = 64
# Reply errors that mean "the input was not usable" (422), not "the turn failed" (500).
INPUT_ERRORS = frozenset(
    {"empty_message", "message_too_long", "invalid_message", "invalid_session"}
)


def new_api_session() -> str:
    return API_SESSION_PREFIX + secrets.token_urlsafe(16)


class ChatRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"message": "Do you sell my data?"}]},
    )

    session: str | None = Field(
        default=None,
        max_length=64,
        description="The `session` of a previous reply, to continue that conversation; "
        "omit it to start a new one.",
    )
    message: str = Field(description="What the user typed (plain text).")


class ApiErrorDetail(BaseModel):
    code: str = Field(examples=["rate_limited"])
    message: str = Field(examples=["Too many messages in a short time; please wait a minute."])
    fields: list[str] = Field(default_factory=list, examples=[["body", "message"]])


class ApiError(BaseModel):
    error: ApiErrorDetail


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    fields: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ApiError(error=ApiErrorDetail(code=code, message=message, fields=fields or []))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ApiError} for status in statuses}


def validation_error_response(exc: RequestValidationError) -> JSONResponse:
    """422 naming each field at fault, with pydantic's message but never the input value."""
    problems = list(exc.errors())
    fields = [".".join(str(part) for part in p.get("loc", ())) for p in problems]
    summary = "; ".join(
        f"{field}: {p.get('msg', 'invalid')}" for field, p in zip(fields, problems, strict=True)
    )
    return error_response(422, "invalid_request", summary or "Invalid request.", fields=fields)


@dataclass
class ApiLimits:
    session: RateLimiter
    address: RateLimiter


class _Workers:
    """A bounded pool for CPU-bound turns, with a cap on how many may wait for it."""

    def __init__(self, workers: int, max_waiting: int = MAX_WAITING) -> None:
        self._limiter = anyio.CapacityLimiter(workers)
        self._max_in_flight = workers + max_waiting
        self._in_flight = 0

    def full(self) -> bool:
        return self._in_flight >= self._max_in_flight

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        self._in_flight += 1
        try:
            return await anyio.to_thread.run_sync(fn, *args, limiter=self._limiter)
        finally:
            self._in_flight -= 1


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def chat_router(
    assistant: WebAssistant, settings: Settings, limits: ApiLimits, workers: int
) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, tags=["chat"])
    pool = _Workers(workers)

    def rate_limited(session: str, address: str) -> JSONResponse | None:
        for limiter, key in ((limits.session, session), (limits.address, address)):
            if not limiter.allow(key):
                retry = str(limiter.retry_after(key))
                message = "Too many messages in a short time; please wait a minute."
                return error_response(429, "rate_limited", message, headers={"retry-after": retry})
        return None

    @router.post(
        "/chat",
        response_model=Reply,
        summary="One chat turn",
        description="Answer a question with verbatim citations, or take a rights request "
        "one step further. The reply is the chat contract (`assistant/contract.py`).",
        responses=_responses(413, 422, 429, 500, 503),
    )
    async def chat(body: ChatRequest, request: Request) -> Any:
        session = body.session or new_api_session()
        if not API_SESSION_RE.match(session):
            return error_response(
                422,
                "invalid_session",
                "session must be the session of an earlier reply, or omitted.",
                fields=["body", "session"],
            )
        cleaned = clean_message(body.message, settings.max_message_chars)
        if cleaned.problem is not None:
            problem = cleaned.problem
            return error_response(422, problem.code, problem.message, fields=["body", "message"])
        if pool.full():
            return error_response(
                503, "busy", "The assistant is busy; please retry.", headers={"retry-after": "1"}
            )
        # The limits first, in the I/O thread pool: only turns that run take a CPU worker.
        refused = await anyio.to_thread.run_sync(rate_limited, session, _address(request))
        if refused is not None:
            return refused
        result = await pool.run(assistant.respond, session, body.message)
        if result.error is not None and result.error.code in INPUT_ERRORS:
            return error_response(422, result.error.code, result.error.message)
        if result.error is not None and result.error.code == "internal_error":
            return error_response(500, "internal_error", result.error.message)
        return result

    return router


def tickets_router(
    assistant: WebAssistant,
    settings: Settings,
    user_from_cookies: Callable[[dict[str, str]], str | None],
    failures: RateLimiter,
) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, tags=["tickets"])
    token = settings.api_token.get_secret_value().encode() if settings.api_token else None

    def authorised(request: Request) -> bool:
        if user_from_cookies(dict(request.cookies)) is not None:
            return True
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return bool(
            token and scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token)
        )

    @router.get(
        "/tickets/{ticket_id}",
        response_model=DsrTicket,
        summary="One DSR ticket (staff)",
        description="The stored ticket with its audit trail and delivery state. Needs the "
        "staff login cookie or `Authorization: Bearer <ASSISTANT_API_TOKEN>`.",
        responses=_responses(401, 404, 422, 429),
    )
    def ticket(
        request: Request, ticket_id: str = Path(pattern=TICKET_ID_PATTERN, max_length=40)
    ) -> Any:
        address = _address(request)
        if failures.exhausted(address):
            return error_response(429, "throttled", "Too many failed attempts; try later.")
        if not authorised(request):
            failures.allow(address)  # count the failure, as a failed login does
            return error_response(
                401,
                "unauthorised",
                "Staff login or a valid API token required.",
                headers={"www-authenticate": "Bearer"},
            )
        found = assistant.tickets.get(ticket_id)
        if found is None:
            return error_response(404, "not_found", "No ticket with that id.")
        return found

    return router


def install_error_handlers(app: FastAPI) -> None:
    async def on_invalid(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_error_response(exc)

    app.add_exception_handler(RequestValidationError, on_invalid)
