"""One browser's chat, kept on the server: its session id, the messages shown, the replies.

Nothing here trusts the browser. The session id is minted here and lives in server-side
state (``gr.State``), never in a field the client sends; the history shown is rebuilt
from this object, never read back from the chat component's value; feedback is looked up
by message index in this session's own replies only. A reloaded tab presents only a
separate random resume token (``ResumableChats``), which finds its own chat or nothing.
The module does not import Gradio.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.config import Settings
from assistant.contract import ErrorInfo, Reply
from assistant.web.ports import WebAssistant
from assistant.web.ratelimit import RateLimiter
from assistant.web.render import render_reply, render_user_message
from assistant.web.texts import WebTexts

log = logging.getLogger(__name__)

SESSION_PREFIX = "web-"
# Several people can share one address (an office, a mobile carrier's NAT): give an
# address this many sessions' worth of messages before refusing.
ADDRESS_BUDGET_SESSIONS = 4
# What one browser's conversation may hold: the messages shown (older ones scroll away)
# and the messages shown but not yet answered (more means a flood, not a person typing).
MAX_MESSAGES_SHOWN = 80
MAX_PENDING = 3


def new_session_id() -> str:
    """128 random bits, in the characters the assistant accepts for a session id."""
    return SESSION_PREFIX + secrets.token_urlsafe(16)


def new_resume_token() -> str:
    """192 random bits: what the browser keeps (per tab) to get its chat back on reload."""
    return secrets.token_urlsafe(24)


_RESUME_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass
class ChatSession:
    id: str = field(default_factory=new_session_id)
    # Not the session id: the id never leaves the server; this token is all a reloaded
    # tab can present, and it only ever finds its own chat.
    resume_token: str = field(default_factory=new_resume_token)
    messages: list[dict[str, str]] = field(default_factory=list)
    # assistant message index in ``messages`` -> (the user's message, the reply shown there)
    turns: dict[int, tuple[str, Reply]] = field(default_factory=dict)
    # shown but not yet answered, oldest first (the UI shows a message before answering it)
    pending: list[str] = field(default_factory=list)
    last_reply: Reply | None = None
    # Several events can act on one chat at once (a reloaded tab's restore and the message
    # sent before it came back both find this chat): ``lock`` keeps the lists above
    # consistent; ``answering`` answers one message at a time, oldest first.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    answering: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def chat_value(self) -> list[dict[str, str]]:
        with self.lock:
            return [dict(m) for m in self.messages]


class ResumableChats:
    """Chats by resume token, so a reloaded page gets its conversation and any pending
    request back. Bounded and idle-expiring, like the assistant's own session store."""

    def __init__(self, max_chats: int = 10_000, idle_seconds: float = 6 * 3600) -> None:
        self._chats: OrderedDict[str, tuple[float, ChatSession]] = OrderedDict()
        self._max = max_chats
        self._idle = idle_seconds
        self._lock = threading.Lock()

    def keep(self, session: ChatSession) -> None:
        with self._lock:
            self._chats[session.resume_token] = (time.monotonic(), session)
            self._chats.move_to_end(session.resume_token)
            while len(self._chats) > self._max:
                self._chats.popitem(last=False)

    def resume(self, token: Any) -> ChatSession | None:
        """The chat this token was given for; None for anything else (unknown, expired,
        malformed): the page then starts a fresh chat."""
        if not isinstance(token, str) or not _RESUME_TOKEN.match(token):
            return None
        with self._lock:
            entry = self._chats.get(token)
            if entry is None or time.monotonic() - entry[0] > self._idle:
                self._chats.pop(token, None)
                return None
            self._chats[token] = (time.monotonic(), entry[1])
            self._chats.move_to_end(token)
            return entry[1]


def _trim(session: ChatSession) -> None:
    """Keep the last ``MAX_MESSAGES_SHOWN`` messages; feedback indexes move with them."""
    excess = len(session.messages) - MAX_MESSAGES_SHOWN
    if excess <= 0:
        return
    del session.messages[:excess]
    session.turns = {i - excess: turn for i, turn in session.turns.items() if i >= excess}


class ChatController:
    """The web chat turn: caps, rate limits, the assistant call, rendering, feedback."""

    def __init__(
        self,
        assistant: WebAssistant,
        settings: Settings,
        texts: WebTexts,
        *,
        session_limiter: RateLimiter | None = None,
        address_limiter: RateLimiter | None = None,
    ) -> None:
        self.assistant = assistant
        self.settings = settings
        self.texts = texts
        per_minute = settings.rate_limit_per_minute
        if session_limiter is None:
            session_limiter = RateLimiter(per_minute)
        if address_limiter is None:
            address_limiter = RateLimiter(per_minute * ADDRESS_BUDGET_SESSIONS)
        self.session_limiter = session_limiter
        self.address_limiter = address_limiter
        self.chats = ResumableChats()

    def resume(self, token: Any) -> ChatSession | None:
        """The chat a reloaded tab's token was given for; None if there is none, or if the
        lookup fails (the tab then starts afresh rather than losing what the user sends)."""
        if not token:
            return None
        try:
            return self.chats.resume(token)
        except Exception:
            log.exception("could not resume a chat")
            return None

    def show_user_message(
        self, session: ChatSession | None, message: str, resume_token: Any = None
    ) -> ChatSession:
        """Show ``message`` at once and queue it for ``answer_pending``; blank ones are dropped.

        A page with no chat yet that holds a resume token (reloaded, its restore not back
        yet) continues the chat of that token: the message joins the earlier conversation,
        in order, rather than a new chat that the restore would replace on screen.

        A message over the length cap, or one more than ``MAX_PENDING`` waiting, is answered
        right here with a notice: it is never queued, and never kept whole."""
        session = session or self.resume(resume_token) or ChatSession()
        self.chats.keep(session)
        self._show(session, message)
        return session

    def _show(self, session: ChatSession, message: str, queue: bool = True) -> Reply | None:
        """Show ``message``; returns the notice if it was answered at once, else None.
        ``queue=False``: the caller answers it itself."""
        if not message.strip():
            return None
        with session.lock:
            return self._show_locked(session, message, queue)

    def _show_locked(self, session: ChatSession, message: str, queue: bool) -> Reply | None:
        limit = self.settings.max_message_chars
        shown = message if len(message) <= limit else message[:limit] + "…"
        session.messages.append({"role": "user", "content": render_user_message(shown)})
        if len(message) > limit:
            text = self.texts.chat.too_long.format(length=len(message), limit=limit)
            notice = self._local_reply(session, "message_too_long", text)
        elif len(session.pending) >= MAX_PENDING:
            notice = self._local_reply(session, "rate_limited", self.texts.chat.rate_limited)
        else:
            if queue:
                session.pending.append(message)
            return None
        self._record(session, shown, notice)
        return notice

    def answer_pending(self, session: ChatSession | None, address: str | None) -> Reply | None:
        """Answer the oldest message shown but not yet answered; None if there is none."""
        if session is None:
            return None
        with session.answering:
            with session.lock:
                if not session.pending:
                    return None
                message = session.pending.pop(0)
            return self._answer(session, message, address)

    def turn(
        self, session: ChatSession | None, message: str, address: str | None
    ) -> tuple[ChatSession, Reply | None]:
        """Show and answer in one call (the API endpoint)."""
        session = session or ChatSession()
        if not message.strip():
            return session, None
        notice = self._show(session, message, queue=False)
        if notice is not None:
            return session, notice
        with session.answering:
            return session, self._answer(session, message, address)

    def _answer(self, session: ChatSession, message: str, address: str | None) -> Reply:
        reply = self._checked_reply(session, message, address)  # not under ``lock``: slow
        with session.lock:
            self._record(session, message, reply)
        return reply

    def _record(self, session: ChatSession, message: str, reply: Reply) -> None:
        session.messages.append({"role": "assistant", "content": render_reply(reply, self.texts)})
        session.turns[len(session.messages) - 1] = (message, reply)
        session.last_reply = reply
        _trim(session)

    def _checked_reply(self, session: ChatSession, message: str, address: str | None) -> Reply:
        limit = self.settings.max_message_chars
        if len(message) > limit:
            text = self.texts.chat.too_long.format(length=len(message), limit=limit)
            return self._local_reply(session, "message_too_long", text)
        if not self.session_limiter.allow(session.id) or (
            address is not None and not self.address_limiter.allow(address)
        ):
            return self._local_reply(session, "rate_limited", self.texts.chat.rate_limited)
        try:
            return self.assistant.respond(session.id, message)
        except Exception:  # the page must keep working even if a turn fails
            log.exception("chat turn failed")
            return self._local_reply(session, "internal_error", self.texts.chat.internal_error)

    def _local_reply(self, session: ChatSession, code: str, text: str) -> Reply:
        return Reply(
            session=session.id,
            reply=text,
            intent="chitchat",
            error=ErrorInfo(code=code, message=text),
            policy_version=self.assistant.policy.version,
        )

    def feedback(self, session: ChatSession | None, index: Any, liked: Any) -> bool:
        """Store a thumbs up/down for one of this session's answers; False if not stored."""
        if session is None or not isinstance(liked, bool):
            return False  # un-liking, or a custom option we do not offer
        if isinstance(index, list | tuple):
            index = index[0] if index else None
        turn = session.turns.get(index) if isinstance(index, int) else None
        if turn is None:
            return False
        rating: Literal["up", "down"] = "up" if liked else "down"
        message, reply = turn
        try:
            self.assistant.record_feedback(session.id, message, reply, rating)
        except Exception:
            log.exception("could not store feedback")
            return False
        return True
