"""Answering fixtures: the real policy, and hits built by hand from its clauses."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.answering import GroundedGenerator
from assistant.policy import Policy, load_policy
from assistant.retrieval import Hit
from tests.conftest import POLICY_PATH

MakeHits = Callable[..., list[Hit]]


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy(POLICY_PATH)


@pytest.fixture(scope="session")
def grounded(policy: Policy) -> GroundedGenerator:
    return GroundedGenerator(policy)


@pytest.fixture(scope="session")
def make_hits(policy: Policy) -> MakeHits:
    """Hits for the given clause ids, best first, with a similarity that says the policy
    addresses the question (override with similarity=...)."""

    def build(*clause_ids: str, similarity: float = 0.65) -> list[Hit]:
        return [
            Hit(
                clause=policy.clause(cid),
                score=1.0 / (rank + 1),
                similarity=similarity - 0.02 * rank,
                lexical=3.0,
            )
            for rank, cid in enumerate(clause_ids)
        ]

    return build
