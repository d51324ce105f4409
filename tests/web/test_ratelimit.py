"""Rate limits: the ``limits`` fixed window over our SQL storage, on a fake clock, and
shared by several "processes" (separate engines) on one SQLite file or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import start_postgres
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from assistant.ticket_store import make_engine
from assistant.web.ratelimit import RateLimiter, SqlStorage, _counters


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def limiter(limit: int, window: float, clock: Clock, engine: Engine | None = None) -> RateLimiter:
    return RateLimiter(limit, window, storage=SqlStorage(engine, clock=clock), namespace="t")


def test_allows_up_to_the_limit_then_refuses_until_the_window_ends() -> None:
    clock = Clock()
    limited = limiter(3, 60, clock)
    assert [limited.allow("a") for _ in range(4)] == [True, True, True, False]
    clock.now += 59
    assert not limited.allow("a")
    clock.now += 2
    assert limited.allow("a")


def test_keys_are_independent() -> None:
    limited = limiter(1, 10, Clock())
    assert limited.allow("a") and limited.allow("b")
    assert not limited.allow("a")


def test_exhausted_records_nothing() -> None:
    limited = limiter(1, 10, Clock())
    assert not limited.exhausted("a") and not limited.exhausted("a")
    assert limited.allow("a")
    assert limited.exhausted("a")


def test_retry_after_is_at_least_one_second() -> None:
    limited = RateLimiter(1, 30)
    limited.allow("a")
    assert 1 <= limited.retry_after("a") <= 30


def test_expired_counters_are_purged(tmp_path: Path) -> None:
    clock = Clock()
    engine = create_engine(f"sqlite:///{tmp_path / 'limits.db'}")
    limited = limiter(5, 10, clock, engine)
    for key in range(50):
        limited.allow(str(key))
    clock.now += 3600  # every window over, and past the purge interval
    limited.allow("fresh")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(_counters)).scalar_one() == 1


@pytest.mark.parametrize(("limit", "window"), [(0, 60.0), (5, 0.0)])
def test_rejects_nonsense_settings(limit: int, window: float) -> None:
    with pytest.raises(ValueError):
        RateLimiter(limit, window)


def _shared_by_two_processes(url: str) -> None:
    """Two engines stand for two app processes: together they get the limit once."""
    first = RateLimiter(4, 60, storage=SqlStorage(make_engine(url)), namespace="chat")
    second = RateLimiter(4, 60, storage=SqlStorage(make_engine(url)), namespace="chat")
    allowed = [p.allow("10.0.0.1") for p in (first, second) * 3]
    assert allowed == [True, True, True, True, False, False]
    assert first.exhausted("10.0.0.1") and second.exhausted("10.0.0.1")
    assert first.allow("10.0.0.2")  # another key has its own budget


def test_limits_hold_across_processes_on_one_sqlite_file(tmp_path: Path) -> None:
    _shared_by_two_processes(f"sqlite:///{tmp_path / 'shared.sqlite3'}")


@pytest.fixture(scope="module")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with start_postgres(tmp_path_factory.mktemp("pg-limits")) as url:
        yield url


def test_limits_hold_across_processes_on_postgresql(postgres_url: str) -> None:
    _shared_by_two_processes(postgres_url)
