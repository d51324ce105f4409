"""Fixtures for the evaluation tests: policies and tiny datasets under ``fixtures/``."""

from __future__ import annotations

from collections.abc import Iterator

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


# The learned answerability thresholds are calibrated on MiniLM's cosines; these tests run
# the suite with the hashing embedder, whose cosines sit far lower (a question the ACME
# policy answers scores 0.08-0.70, its unanswerable ones 0.009-0.017). They test the
# runner and the gate, not answer quality, so the generator gets thresholds for that scale.
HASHING_THRESHOLDS = {"threshold": 0.04, "closest_threshold": 0.02}


@pytest.fixture(scope="session", autouse=True)
def _hashing_scale_generator() -> Iterator[None]:
    from assistant import session
    from assistant.answering import GroundedGenerator
    from assistant.answering.abstention import AbstentionModel

    def build(settings: object, policy: Policy | None = None) -> GroundedGenerator:
        assert policy is not None
        return GroundedGenerator(policy, model=AbstentionModel(**HASHING_THRESHOLDS))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(session, "build_generator", build)
        yield
