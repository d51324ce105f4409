"""Fixtures for the language layer: a reader over a small made-up policy vocabulary."""

from __future__ import annotations

import pytest

from assistant.language import Reader

POLICY_WORDS = """we collect your personal information when you register browsing cookies
account deletion retain retained payment vendors marketing emails unsubscribe children
transfer security encryption""".split()  # noqa: SIM905


@pytest.fixture(scope="session")
def reader() -> Reader:
    return Reader(POLICY_WORDS)
