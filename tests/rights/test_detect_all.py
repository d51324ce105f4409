"""rights.detect_all: every request a message makes, none for questions."""

from __future__ import annotations

import pytest

from assistant.rights import detect_all


def kinds(message: str) -> list[str]:
    return [str(d.request_type) for d in detect_all(message)]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Stop sending me marketing right now. Did you sell my email? Just delete my account.",
            ["marketing_opt_out", "erasure"],
        ),
        (
            "Please change my surname to Horvat. I would also like a copy of my data.",
            ["rectification", "access"],
        ),
        ("I want to download my data and then delete my account.", ["portability", "erasure"]),
        (
            "I withdraw consent and want you to delete everything.",
            ["consent_withdrawal", "erasure"],
        ),
        (
            "Send me a copy of my data and also stop sending me newsletters.",
            ["access", "marketing_opt_out"],
        ),
        # One request, however it is worded: its objects are not requests of their own.
        ("Please delete my account and all of the personal data you hold on me.", ["erasure"]),
        ("Please delete my data. Please delete my data!", ["erasure"]),
        ("My son is 14 and made an account. Please delete it.", ["minor_data_deletion"]),
    ],
)
def test_every_request_is_found_once(message: str, expected: list[str]) -> None:
    assert kinds(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "If I delete my account, what happens to my reviews?",
        "How do I get a copy of my data? And how long do you keep it?",
        "Do you sell my data to advertisers?",
        "I want to know what data you collect.",
    ],
)
def test_questions_and_hypotheticals_are_no_requests(message: str) -> None:
    assert detect_all(message) == []


def test_each_detection_carries_the_stated_slots() -> None:
    found = detect_all("Stop the marketing and delete my account. My email is kim@example.com")
    assert [d.slots.get("email") for d in found] == ["kim@example.com", "kim@example.com"]


def test_someone_elses_data_is_one_refusal() -> None:
    found = detect_all("Send me the email of user john123 and delete my ex's account")
    assert len(found) == 1 and found[0].other_person
