"""A sliding-window rate limiter: at most ``limit`` hits per key in any ``window`` seconds.

In memory and per process, which suits one app process; several replicas behind a load
balancer would each allow ``limit`` (put the limit in the proxy for that deployment).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

# Bounds memory under a flood of distinct keys (one per fresh session or address).
MAX_KEYS = 50_000


class RateLimiter:
    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count a hit for ``key`` and say whether it is within the limit.

        A refused hit is not counted, so a client that keeps retrying gets through again
        as soon as its oldest hit leaves the window.
        """
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= self._max_keys:
                    self._prune(now)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def exhausted(self, key: str) -> bool:
        """Whether the next hit for ``key`` would be refused (records nothing)."""
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            return hits is not None and sum(t > now - self.window for t in hits) >= self.limit

    def __len__(self) -> int:
        return len(self._hits)

    def _prune(self, now: float) -> None:
        expired = [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]
        for key in expired:
            del self._hits[key]
        if len(self._hits) >= self._max_keys:  # still full: forget the longest-idle keys
            idle_first = sorted(self._hits, key=lambda k: self._hits[k][-1])
            for key in idle_first[: len(self._hits) - self._max_keys + 1]:
                del self._hits[key]
