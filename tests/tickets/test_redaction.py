"""Secret redaction: examples of each kind, negatives, and properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from assistant.redaction import SecretKind, iban_valid, luhn_valid, redact

VISA = "4111111111111111"


@pytest.mark.parametrize(
    ("text", "secret", "kind"),
    [
        ("my card is 4111 1111 1111 1111 thanks", "4111 1111 1111 1111", SecretKind.PAYMENT_CARD),
        ("card: 5500-0000-0000-0004", "5500-0000-0000-0004", SecretKind.PAYMENT_CARD),
        ("amex 378282246310005.", "378282246310005", SecretKind.PAYMENT_CARD),
        ("ref 98 4111111111111111", "4111111111111111", SecretKind.PAYMENT_CARD),
        ("4111  1111  1111  1111", "1111  1111  1111", SecretKind.PAYMENT_CARD),
        ("my password is hunter2", "hunter2", SecretKind.PASSWORD),
        ("My Password is: Tr0ub4dor&3.", "Tr0ub4dor&3", SecretKind.PASSWORD),
        ("pw: correct-horse", "correct-horse", SecretKind.PASSWORD),
        ("passcode=8812", "8812", SecretKind.PASSWORD),
        (
            "key sk-proj-AbCdEf0123456789xyzXYZ",
            "sk-proj-AbCdEf0123456789xyzXYZ",
            SecretKind.API_KEY,
        ),
        ("aws AKIAIOSFODNN7EXAMPLE here", "AKIAIOSFODNN7EXAMPLE", SecretKind.API_KEY),
        (
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "ghp_0123456789abcdefghij",
            SecretKind.API_KEY,
        ),
        ("Authorization: Bearer abc.DEF_123-xyz789", "abc.DEF_123-xyz789", SecretKind.BEARER_TOKEN),
        (
            "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sflKxwRJSMeKKF2QT4fw",
            "eyJhbGciOiJIUzI1NiJ9",
            SecretKind.SECRET,
        ),
        (
            "sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
            "9f86d081884c7d659a2feaa0c55ad015",
            SecretKind.SECRET,
        ),
        (
            "secret Zx9Qm2Lp7Rt4Vw8Ny3Kb6Hd1Fg5Js0Ac",
            "Zx9Qm2Lp7Rt4Vw8Ny3Kb6Hd1Fg5Js0Ac",
            SecretKind.SECRET,
        ),
        ("IBAN GB82 WEST 1234 5698 7654 32, ok", "GB82 WEST 1234 5698 7654 32", SecretKind.IBAN),
        ("iban DE89370400440532013000", "DE89370400440532013000", SecretKind.IBAN),
    ],
)
def test_each_kind_is_masked(text: str, secret: str, kind: SecretKind) -> None:
    result = redact(text)
    assert secret not in result.text
    assert f"[REDACTED:{kind}]" in result.text
    assert kind in result.found


@pytest.mark.parametrize(
    "text",
    [
        "Please delete my account, my email is ada@example.com",
        "call me on +44 20 7946 0958",  # 12 digits: too short to be a card
        "order 4111111111111112",  # fails Luhn, though 13-digit windows inside it pass
        "invoice 1234567890123456789012",  # 22 digits: longer than any card
        "internationalization-and-localisation-guidelines",  # long, but a word
        "GB82 WEST 1234 5698 7654 33",  # IBAN checksum fails
        "what is the password policy?",  # the word alone is not a password
        "x'; DROP TABLE tickets;--",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    result = redact(text)
    assert result.text == text
    assert result.found == []
    assert not result.redacted


def test_found_lists_each_kind_once_in_order() -> None:
    result = redact("pw: a and pw: b then card 4111111111111111")
    assert result.found == [SecretKind.PASSWORD, SecretKind.PAYMENT_CARD]
    assert result.text.count("[REDACTED:password]") == 2


def test_a_mask_glued_to_hex_does_not_leave_a_secret_for_a_second_pass() -> None:
    text = "a" * 40 + VISA + "_"
    once = redact(text).text
    assert redact(once).text == once
    assert "a" * 32 not in once


def test_checksums() -> None:
    assert luhn_valid(VISA)
    assert not luhn_valid("4111111111111112")
    assert iban_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_valid("GB82 WEST 1234 5698 7654 33")


# --- properties ----------------------------------------------------------------------------


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError("unreachable: one check digit always fits")


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    """A Luhn-valid 13-19 digit number, optionally grouped by spaces or dashes."""
    length = draw(st.integers(13, 19))
    body = draw(st.text("0123456789", min_size=length - 1, max_size=length - 1))
    digits = _luhn_complete(body)
    separator = draw(st.sampled_from(["", " ", "-"]))
    if not separator:
        return digits
    return separator.join(digits[i : i + 4] for i in range(0, len(digits), 4))


surrounding = st.text(st.characters(codec="utf-8"), max_size=40)  # utf-8: no surrogates


@settings(max_examples=300)
@given(prefix=surrounding, card=card_numbers(), suffix=surrounding)
def test_a_luhn_valid_card_never_survives(prefix: str, card: str, suffix: str) -> None:
    # Glued to more digits with no separator, a card is just part of a longer number.
    assume(not prefix[-1:].isdigit() and not suffix[:1].isdigit())
    text = redact(prefix + card + suffix).text
    digits = re.sub(r"\D", "", card)
    assert card not in text
    assert digits not in re.sub(r"[ -]", "", text)


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_redact_is_idempotent_on_any_text(text: str) -> None:
    once = redact(text)
    twice = redact(once.text)
    assert twice.text == once.text
    assert twice.found == []


secretish = st.one_of(
    card_numbers(),
    st.from_regex(r"(password|pw|pin) (is|:) [A-Za-z0-9!#]{1,12}", fullmatch=True),
    st.from_regex(r"sk-[A-Za-z0-9]{20,30}", fullmatch=True),
    st.from_regex(r"[0-9a-f]{32,48}", fullmatch=True),
    st.just("GB82 WEST 1234 5698 7654 32"),
)


@settings(max_examples=300)
@given(st.lists(st.one_of(secretish, surrounding), max_size=6))
def test_redact_is_idempotent_on_text_full_of_secrets(parts: list[str]) -> None:
    once = redact(" ".join(parts)).text
    assert redact(once).text == once
