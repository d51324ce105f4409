"""Keep passwords and card numbers out of slots: redact before anything reads the message.

The project's redactor is ``assistant.redaction.redact(text) -> RedactionResult(text,
found)``. It is looked up at call time so this module works before and after it lands;
until then a small local fallback covers the two secrets a rights conversation attracts
(passwords and payment card numbers).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

PLACEHOLDER = "[redacted]"

_PASSWORD = re.compile(
    r"\b(?:password|passwd|pwd|passcode|pass word|pin|cvv|cvc|security code)\b"
    r"(?:\s+(?:is|was)\s*:?|\s*[:=])\s*(\S{1,100})",
    re.IGNORECASE,
)
# 13-19 digits, optionally grouped by spaces or dashes; confirmed with the Luhn check.
_CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _fallback(text: str) -> tuple[str, bool]:
    found = False

    def card(match: re.Match[str]) -> str:
        nonlocal found
        digits = re.sub(r"\D", "", match.group(0))
        if _luhn(digits):
            found = True
            return PLACEHOLDER
        return match.group(0)

    text = _CARD.sub(card, text)
    text, count = _PASSWORD.subn(lambda m: m.group(0).replace(m.group(1), PLACEHOLDER), text)
    return text, found or count > 0


def _project_redactor() -> Callable[[str], Any] | None:
    try:
        module = importlib.import_module("assistant.redaction")
    except ModuleNotFoundError:
        return None
    redact = getattr(module, "redact", None)
    return redact if callable(redact) else None


def scrub(text: str) -> tuple[str, bool]:
    """(text without secrets, whether any were found). Both redactors run: they are cheap,
    and a secret either one misses must still never reach a slot."""
    found = False
    redact = _project_redactor()
    if redact is not None:
        result = redact(text)
        text = str(result.text)
        found = bool(result.found)
    text, fallback_found = _fallback(text)
    return text, found or fallback_found
