"""Conversation state per session: history and the rights request in progress.

In memory by default (one process); SQL-backed when several app processes share
one database, so a user's follow-up can land on any process. State is stored as
JSON: nothing but the session's own turns, already redacted. Both stores forget a
session idle for longer than ``idle_seconds`` (``Settings.session_idle_minutes``), and
both are bounded: the memory store by a session count, the SQL one by purging idle rows.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import (
    Column,
    Float,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    select,
)
from sqlalchemy.engine import Engine

from assistant.answering.types import Cited

MAX_TURNS_KEPT = 20
MAX_SESSION_ID_CHARS = 128
DEFAULT_IDLE_SECONDS = 2 * 3600
# Idle SQL sessions are deleted at most this often (per process).
PURGE_EVERY_SECONDS = 300.0


@dataclass
class StoredTurn:
    role: str  # "user" | "assistant"
    text: str


@dataclass
class SessionState:
    turns: list[StoredTurn] = field(default_factory=list)
    pending_request: dict[str, Any] | None = None  # a serialised rights request in progress
    last_question: str | None = None  # the last standalone question, for follow-ups
    # What the last answer cited: what an elliptical follow-up is about.
    last_cited: Cited = field(default_factory=Cited)
    offered_request: str | None = None  # a request type the last answer offered to file

    def add(self, role: str, text: str) -> None:
        self.turns.append(StoredTurn(role, text))
        del self.turns[:-MAX_TURNS_KEPT]

    def to_json(self) -> str:
        return json.dumps(
            {
                "turns": [[t.role, t.text] for t in self.turns],
                "pending_request": self.pending_request,
                "last_question": self.last_question,
                # three flat keys, as stored before Cited was one object
                "last_sections": list(self.last_cited.sections),
                "last_clauses": list(self.last_cited.clauses),
                "last_opening": list(self.last_cited.opening) if self.last_cited.opening else None,
                "offered_request": self.offered_request,
            }
        )

    @classmethod
    def from_json(cls, raw: str) -> SessionState:
        data = json.loads(raw)
        return cls(
            turns=[StoredTurn(role, text) for role, text in data.get("turns", [])],
            pending_request=data.get("pending_request"),
            last_question=data.get("last_question"),
            last_cited=Cited(
                tuple(str(s) for s in data.get("last_sections") or []),
                tuple(str(c) for c in data.get("last_clauses") or []),
                _span(data.get("last_opening")),
            ),
            offered_request=data.get("offered_request"),
        )


def _span(raw: Any) -> tuple[int, int] | None:
    """A stored (start, end) pair; anything else (an older state has none) is none."""
    if isinstance(raw, list) and len(raw) == 2 and all(isinstance(x, int) for x in raw):
        return (raw[0], raw[1])
    return None


class SessionStore(Protocol):
    def load(self, session_id: str) -> SessionState: ...
    def save(self, session_id: str, state: SessionState) -> None: ...


class MemorySessionStore:
    """Bounded LRU with idle expiry, so a flood of new sessions cannot exhaust memory."""

    def __init__(
        self,
        max_sessions: int = 10_000,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._states: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._max = max_sessions
        self._idle = idle_seconds
        self._clock = clock
        self._lock = threading.Lock()

    def load(self, session_id: str) -> SessionState:
        with self._lock:
            entry = self._states.get(session_id)
            if entry is None or self._clock() - entry[0] > self._idle:
                self._states.pop(session_id, None)
                return SessionState()
            self._states.move_to_end(session_id)
            return SessionState.from_json(entry[1])

    def save(self, session_id: str, state: SessionState) -> None:
        with self._lock:
            self._states[session_id] = (self._clock(), state.to_json())
            self._states.move_to_end(session_id)
            while len(self._states) > self._max:
                self._states.popitem(last=False)


_metadata = MetaData()
_sessions = Table(
    "chat_sessions",
    _metadata,
    Column("session_id", String(MAX_SESSION_ID_CHARS), primary_key=True),
    Column("state", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)


class SqlSessionStore:
    """Sessions in the tickets database, shared by every app process."""

    def __init__(
        self,
        engine: Engine | str,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = create_engine(engine) if isinstance(engine, str) else engine
        self._idle = idle_seconds
        self._clock = clock
        self._next_purge = 0.0
        _metadata.create_all(self._engine)

    def load(self, session_id: str) -> SessionState:
        query = select(_sessions.c.state).where(
            _sessions.c.session_id == session_id,
            _sessions.c.updated_at > self._clock() - self._idle,
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return SessionState.from_json(row[0]) if row else SessionState()

    def save(self, session_id: str, state: SessionState) -> None:
        now = self._clock()
        values = {"state": state.to_json(), "updated_at": now}
        with self._engine.begin() as conn:
            if now >= self._next_purge:
                self._next_purge = now + PURGE_EVERY_SECONDS
                conn.execute(delete(_sessions).where(_sessions.c.updated_at <= now - self._idle))
            updated = conn.execute(
                _sessions.update().where(_sessions.c.session_id == session_id).values(**values)
            )
            if updated.rowcount == 0:
                conn.execute(_sessions.insert().values(session_id=session_id, **values))


class SessionLocks:
    """One lock per session id (striped), so a double-submitted turn is handled in order."""

    def __init__(self, stripes: int = 64) -> None:
        self._locks = [threading.Lock() for _ in range(stripes)]

    @contextmanager
    def hold(self, session_id: str) -> Iterator[None]:
        lock = self._locks[hash(session_id) % len(self._locks)]
        with lock:
            yield
