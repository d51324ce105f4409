"""A chat over another company's policy speaks of that company and hears requests to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.session import Assistant
from tests.conftest import ACME_POLICY_TEXT


@pytest.fixture(scope="module")
def acme_chat(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    root = tmp_path_factory.mktemp("acme-chat")
    policy = root / "acme-privacy-policy.txt"
    policy.write_text(ACME_POLICY_TEXT, encoding="utf-8")
    return Assistant.for_testing(root / "data", policy_path=Path(policy))


def test_the_brand_is_the_active_policy_s(acme_chat: Assistant) -> None:
    assert (acme_chat.brand.name, acme_chat.brand.domains) == ("Acme", ("acme.com",))


def test_answers_report_what_acme_says(acme_chat: Assistant) -> None:
    reply = acme_chat.respond("brand-q", "Do you sell my personal information?")
    assert "Acme says it does not sell or rent your personal information" in reply.reply
    assert "WorkAllies says" not in reply.reply


def test_a_request_addressed_to_acme_is_a_request(acme_chat: Assistant) -> None:
    reply = acme_chat.respond("brand-r", "why are acme still emailing me?")
    assert reply.request is not None
    assert reply.request.request_type == "marketing_opt_out"
    # the policy's own address, pasted back, is not the requester's contact
    step = acme_chat.respond("brand-r", "you told me to write to privacy@acme.com")
    assert step.request is not None and step.request.status == "needs_info"
    assert "email" in step.request.missing
