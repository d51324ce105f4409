"""Conversation stores: idle sessions are forgotten (memory and SQL), on a fake clock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.answering.types import Cited
from assistant.sessions import (
    MemorySessionStore,
    SessionState,
    SessionStore,
    SqlSessionStore,
    _sessions,
)
from assistant.ticket_store import make_engine


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def state(text: str) -> SessionState:
    kept = SessionState()
    kept.add("user", text)
    return kept


def stores(tmp_path: Path, clock: Clock) -> list[SessionStore]:
    engine = make_engine(f"sqlite:///{tmp_path / 's.sqlite3'}")
    return [
        MemorySessionStore(idle_seconds=60, clock=clock),
        SqlSessionStore(engine, idle_seconds=60, clock=clock),
    ]


@pytest.mark.parametrize("kind", [0, 1], ids=["memory", "sql"])
def test_idle_sessions_are_forgotten_and_busy_ones_kept(tmp_path: Path, kind: int) -> None:
    clock = Clock()
    store = stores(tmp_path, clock)[kind]
    store.save("busy", state("hello"))
    store.save("idle", state("secret plans"))
    for _ in range(3):  # the busy one is touched every 50 s; the idle one never again
        clock.now += 50
        store.save("busy", store.load("busy"))
    assert store.load("busy").turns[0].text == "hello"
    assert store.load("idle").turns == []


def test_idle_sql_sessions_are_deleted(tmp_path: Path) -> None:
    clock = Clock()
    engine = make_engine(f"sqlite:///{tmp_path / 's.sqlite3'}")
    store = SqlSessionStore(engine, idle_seconds=60, clock=clock)
    for number in range(20):
        store.save(f"s{number}", state("x"))
    clock.now += 3600
    store.save("new", state("y"))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(_sessions)).scalar_one() == 1


def test_the_idle_time_is_a_setting(tmp_path: Path) -> None:
    from assistant.session import Assistant

    assistant = Assistant.for_testing(tmp_path, session_idle_minutes=7)
    assert assistant.sessions._idle == 7 * 60  # type: ignore[attr-defined]


def test_the_state_keeps_what_the_last_answer_cited_and_reads_older_states() -> None:
    cited = Cited(("s-1",), ("c-1", "c-2"), (10, 42))
    assert SessionState.from_json(SessionState(last_cited=cited).to_json()).last_cited == cited
    # stored as three flat keys: states saved before Cited was one object still load
    stored = json.loads(SessionState(last_cited=cited).to_json())
    assert (stored["last_clauses"], stored["last_opening"]) == (["c-1", "c-2"], [10, 42])
    older = json.dumps({"turns": [], "last_clauses": ["c-1"]})
    assert SessionState.from_json(older).last_cited == Cited((), ("c-1",), None)
    odd = json.dumps({"turns": [], "last_opening": ["x", 3]})
    assert SessionState.from_json(odd).last_cited.opening is None
