"""Fixtures for the evaluation tests: policies and tiny datasets under ``fixtures/``."""

from __future__ import annotations

import pytest

from assistant.policy import Policy, load_policy, parse_policy

from .paths import ACME, ACME_V2, SHIPPED_POLICY, V2_POLICY

PORTABILITY = (
    "Data Portability: You can receive the personal information you gave us in a "
    "structured, commonly used and machine-readable format."
)
COMPLAINT = (
    "You also have the right to lodge a complaint with a supervisory authority, in "
    "particular in the EU Member State where you live."
)


@pytest.fixture(scope="session")
def shipped() -> Policy:
    return load_policy(SHIPPED_POLICY)


@pytest.fixture(scope="session")
def v2() -> Policy:
    return load_policy(V2_POLICY)


@pytest.fixture(scope="session")
def with_new_rights() -> Policy:
    """The shipped policy plus a portability right and a right to complain to an authority."""
    text = SHIPPED_POLICY.read_text(encoding="utf-8")
    anchor = "You have one month to receive a response to your request."
    assert anchor in text
    text = text.replace(anchor, f"{PORTABILITY}\n\n\n{COMPLAINT}\n\n\n{anchor}", 1)
    return parse_policy(text, source="workallies-with-new-rights.txt")


@pytest.fixture(scope="session")
def acme() -> Policy:
    return load_policy(ACME)


@pytest.fixture(scope="session")
def acme_v2() -> Policy:
    return load_policy(ACME_V2)
