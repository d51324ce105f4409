"""Requests addressed to the company by name: the name is the policy's, not WorkAllies'."""

from __future__ import annotations

import pytest

from assistant import rights
from assistant.brand import Brand, brand_of
from assistant.policy import Policy
from assistant.rights import slots
from assistant.rights.acts import is_question
from assistant.tickets import RequestType

# Each names the company; each is a request only because the name stands for "you".
ADDRESSED = [
    ("why are {company} still emailing me?", RequestType.MARKETING_OPT_OUT),
    ("I no longer want {company} to have my data", RequestType.ERASURE),
    ("I do not want {company} to keep my information", RequestType.ERASURE),
    ("I don't want {company} using my data for profiling", RequestType.OBJECTION),
    ("{company} delete my account", RequestType.ERASURE),
]


@pytest.fixture(scope="module")
def acme(acme_policy: Policy) -> Brand:
    return brand_of(acme_policy)


@pytest.mark.parametrize(("message", "kind"), ADDRESSED)
def test_a_request_to_acme_is_read_as_one_to_workallies_is(
    acme: Brand, message: str, kind: RequestType
) -> None:
    ours = rights.detect_request(message.format(company="workallies"))
    theirs = rights.detect_request(message.format(company="acme"), acme)
    assert ours is not None and theirs is not None
    assert (theirs.request_type, theirs.confidence) == (kind, ours.confidence)
    assert ours.request_type is kind


@pytest.mark.parametrize(("message", "kind"), ADDRESSED[:4])
def test_under_acme_the_old_name_addresses_nobody(
    acme: Brand, message: str, kind: RequestType
) -> None:
    assert rights.detect_request(message.format(company="workallies"), acme) is None


def test_the_company_name_is_a_filler_before_a_question(acme: Brand) -> None:
    assert is_question("acme what do you do with my data", acme) is True
    assert is_question("acme what do you do with my data") is False  # not our name
    assert is_question("acme delete my data", acme) is False


def test_every_request_in_an_email_to_acme_is_found(acme: Brand) -> None:
    message = "Why are acme still emailing me? Also I no longer want acme to have my data."
    kinds = [d.request_type for d in rights.detect_all(message, acme)]
    assert kinds == [RequestType.MARKETING_OPT_OUT, RequestType.ERASURE]


def test_acme_addresses_are_never_the_requester(acme: Brand) -> None:
    text = "delete my account. you said to write to privacy@acme.com; I am jo@example.org"
    assert slots.check_emails(text, acme.domains).valid == ("jo@example.org",)
    detection = rights.detect_request(text, acme)
    assert detection is not None and detection.slots["email"] == "jo@example.org"
    # under the shipped policy's brand the same address would be a stranger's
    assert "privacy@acme.com" in slots.check_emails(text).valid


def test_moving_data_to_a_listed_platform_is_portability(acme: Brand) -> None:
    detection = rights.detect_request("move my reviews to my new account on guru.com", acme)
    assert detection is not None and detection.request_type is RequestType.PORTABILITY


def test_a_pending_request_reads_acme_as_the_addressee(acme: Brand) -> None:
    detection = rights.detect_request("I no longer want acme to have my data", acme)
    assert detection is not None
    state = rights.start(detection)
    rights.opening_step(state)
    step = rights.advance(state, "why are acme still emailing me?", acme)
    assert step.kind == "switch"
    assert step.detection is not None
    assert step.detection.request_type is RequestType.MARKETING_OPT_OUT
