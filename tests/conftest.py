"""Shared fixtures. Network is blocked for every test (pytest-socket, see pyproject);
loopback stays open for the servers that tests start themselves."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from assistant.policy import Policy

# The embedding model must come from the installed package, never from a hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
POLICY_PATH = ROOT / "corpus" / "workallies-privacy-policy.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def policy_path() -> Path:
    return POLICY_PATH


@pytest.fixture(scope="session")
def policy_text() -> str:
    return POLICY_PATH.read_text(encoding="utf-8")


# Another company's policy: nothing about it may come from code written for WorkAllies.
ACME_POLICY_TEXT = """Acme Privacy Policy

Last Updated: Mar 1, 2025

This policy explains how Acme handles your personal information when you use the Acme
marketplace.

What We Collect

We collect your name, your email address and the projects you post.

Selling Data

We do not sell or rent your personal information to anyone.

Sharing

We share your information with the following partners:
- Payment processors, to pay you.
- Hosting providers, to run the marketplace.

Your Rights

You can ask us to delete your account or to send you a copy of your data.

Contact

For questions about this policy, email privacy@acme.com.
"""


@pytest.fixture(scope="session")
def acme_policy() -> Policy:
    from assistant.policy import parse_policy

    return parse_policy(ACME_POLICY_TEXT, source="acme-privacy-policy.txt")


@pytest.fixture()
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def fast_assistant(tmp_path_factory: pytest.TempPathFactory):
    """An Assistant with the hashing embedder (no model), shared by tests that only read.

    Tests that file tickets or depend on a clean store should build their own.
    """
    from assistant.session import Assistant

    return Assistant.for_testing(tmp_path_factory.mktemp("fast-assistant"))


# The learned answerability thresholds are calibrated on MiniLM's cosines; the fast tests
# run `Assistant.for_testing` with the hashing embedder, whose cosines sit far lower (on the
# ACME fixture policy the questions it answers score 0.05-0.70, its unanswerable ones
# 0.009-0.017). Those tests are about sessions, tickets and the eval runner, not answer
# quality, so the generator the settings build gets thresholds for that scale.
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
