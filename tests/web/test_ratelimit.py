"""The sliding-window rate limiter, on a fake clock."""

from __future__ import annotations

import pytest

from assistant.web.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_allows_up_to_the_limit_then_refuses_until_the_window_slides() -> None:
    clock = Clock()
    limiter = RateLimiter(3, 60, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.exhausted("a")
    clock.now += 59.9
    assert not limiter.allow("a")
    clock.now += 0.2  # all three hits (same instant) have left the window
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]


def test_keys_are_independent_and_refusals_are_not_counted() -> None:
    clock = Clock()
    limiter = RateLimiter(1, 10, clock=clock)
    assert limiter.allow("a")
    for _ in range(5):
        assert not limiter.allow("a")
    assert limiter.allow("b")
    clock.now += 10.1
    assert limiter.allow("a")  # the refused hits did not extend the wait


def test_memory_stays_bounded_under_many_keys() -> None:
    clock = Clock()
    limiter = RateLimiter(1, 10, clock=clock, max_keys=100)
    for i in range(1000):
        clock.now += 0.001
        limiter.allow(f"k{i}")
    assert len(limiter) <= 100
    assert not limiter.allow("k999")  # the most recent keys are kept


def test_exhausted_records_nothing() -> None:
    limiter = RateLimiter(1, 10, clock=Clock())
    for _ in range(3):
        assert not limiter.exhausted("a")
    assert limiter.allow("a")


@pytest.mark.parametrize(("limit", "window"), [(0, 1), (1, 0)])
def test_rejects_nonsense_settings(limit: int, window: float) -> None:
    with pytest.raises(ValueError, match="limit"):
        RateLimiter(limit, window)
