"""Rate limits that hold across every app process: the ``limits`` library over the database.

``limits`` supplies the strategy (a fixed window: at most ``limit`` hits per key in each
``window``); ``SqlStorage`` is a ``limits`` storage over the project's own database
(SQLite by default, PostgreSQL by URL), so N processes sharing it allow ``limit`` hits in
total, not N times as many, and no extra server is needed. A counter is one row, bumped
by a single atomic upsert (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``).

Without an engine the counters live in a private in-memory SQLite database: one process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from limits import RateLimitItemPerSecond
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    case,
    create_engine,
    delete,
    event,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

# Expired counters are deleted at most this often (per process).
PURGE_EVERY_SECONDS = 60.0

_metadata = MetaData()
_counters = Table(
    "rate_limit_counters",
    _metadata,
    Column("key", String(320), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("expires_at", Float, nullable=False),
)


def counters_engine(engine: Engine) -> Engine:
    """An engine on ``engine``'s database for counters, which need no durability: on SQLite
    without fsync per commit (``synchronous=OFF``; a crash loses a few counts, never the
    file), on PostgreSQL with ``synchronous_commit=off``. Tickets keep their durable engine."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        fast = create_engine(url)

        @event.listens_for(fast, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=OFF", "busy_timeout=5000"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        return fast
    if url.get_backend_name() == "postgresql":
        options = {"options": "-c synchronous_commit=off"}
        return create_engine(url, pool_pre_ping=True, connect_args=options)
    return engine


def memory_engine() -> Engine:
    """A private in-memory SQLite database (one connection, so callers must serialise)."""
    return create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )


class SqlStorage(Storage):
    """A ``limits`` storage in a SQL table shared by every process using ``engine``."""

    STORAGE_SCHEME = ["workallies+sql"]  # noqa: RUF012  (the base class declares it)

    def __init__(
        self, engine: Engine | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__()
        self.engine = engine if engine is not None else memory_engine()
        self._clock = clock
        # The in-memory database is one shared connection: serialise its use.
        self._lock = threading.Lock() if engine is None else None
        self._next_purge = 0.0
        _metadata.create_all(self.engine)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def _held(self) -> Any:
        return self._lock if self._lock is not None else _NoLock()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self._clock()
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        expired = _counters.c.expires_at <= now
        statement = (
            insert(_counters)
            .values(key=key, count=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[_counters.c.key],
                set_={
                    "count": case((expired, amount), else_=_counters.c.count + amount),
                    "expires_at": case((expired, now + expiry), else_=_counters.c.expires_at),
                },
            )
            .returning(_counters.c.count)
        )
        with self._held(), self.engine.begin() as conn:
            count = int(conn.execute(statement).scalar_one())
            if now >= self._next_purge:
                self._next_purge = now + PURGE_EVERY_SECONDS
                conn.execute(delete(_counters).where(_counters.c.expires_at <= now))
        return count

    def _row(self, key: str) -> tuple[int, float] | None:
        query = select(_counters.c.count, _counters.c.expires_at).where(_counters.c.key == key)
        with self._held(), self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or row[1] <= self._clock():
            return None
        return int(row[0]), float(row[1])

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row else self._clock()

    def check(self) -> bool:
        try:
            with self._held(), self.engine.connect() as conn:
                conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._held(), self.engine.begin() as conn:
            return int(conn.execute(delete(_counters)).rowcount)

    def clear(self, key: str) -> None:
        with self._held(), self.engine.begin() as conn:
            conn.execute(delete(_counters).where(_counters.c.key == key))


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        return None


class RateLimiter:
    """At most ``limit`` hits per key in each ``window`` seconds, counted in ``storage``."""

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        *,
        storage: Storage | None = None,
        namespace: str = "default",
    ) -> None:
        if limit < 1 or window < 1:
            raise ValueError("limit must be >= 1 and window >= 1 second")
        self.limit = limit
        self.window = window
        self.namespace = namespace
        self.storage = storage if storage is not None else SqlStorage()
        self._item = RateLimitItemPerSecond(limit, int(window))
        self._strategy = FixedWindowRateLimiter(self.storage)

    def allow(self, key: str) -> bool:
        """Count a hit for ``key`` and say whether it is within the limit."""
        return self._strategy.hit(self._item, self.namespace, key)

    def exhausted(self, key: str) -> bool:
        """Whether the next hit for ``key`` would be refused (records nothing)."""
        return not self._strategy.test(self._item, self.namespace, key)

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` gets a fresh window (at least 1)."""
        reset_at = self._strategy.get_window_stats(self._item, self.namespace, key).reset_time
        return max(1, int(reset_at - time.time() + 0.999))
