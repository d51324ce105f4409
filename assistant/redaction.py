"""Secret redaction: mask payment cards, passwords, API keys and IBANs in free text.

Tickets, chat transcripts, feedback and logs all pass user text through ``redact`` before
it is stored, so a secret typed into the chat never reaches disk. Detection errs on the
side of masking: a false positive costs a few characters of a message, a false negative
leaks a credential.

Every detector runs on the *original* text, the spans are merged, and each merged span
is replaced by one ``[REDACTED:<kind>]`` mask. Passes repeat until nothing new is found, so
``redact`` is idempotent: ``redact(redact(t).text).text == redact(t).text``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

MASK_PREFIX = "[REDACTED:"
# A whole mask, for readers that must not take it for the customer's words.
MASK_RE = re.compile(r"\[REDACTED:[^\]]*\]")


class SecretKind(StrEnum):
    PAYMENT_CARD = "payment_card"
    PASSWORD = "password"
    API_KEY = "api_key"
    BEARER_TOKEN = "bearer_token"
    IBAN = "iban"
    SECRET = "secret"  # an unlabelled long hex/base64 string or a JWT


@dataclass(frozen=True)
class RedactionResult:
    text: str
    found: list[SecretKind]  # kinds masked, each once, in order of first appearance

    @property
    def redacted(self) -> bool:
        return bool(self.found)


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: SecretKind


def mask(kind: SecretKind) -> str:
    return f"{MASK_PREFIX}{kind.value}]"


# --- payment cards -------------------------------------------------------------------------
# A run of digit groups joined by one or two spaces or dashes ("4111 1111-1111 1111").
_DIGIT_RUN = re.compile(r"[0-9]+(?:[ -]{1,2}[0-9]+)*")
_DIGIT_GROUP = re.compile(r"[0-9]+")
_CARD_MIN, _CARD_MAX = 13, 19


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card_spans(text: str) -> Iterator[_Span]:
    """Any sequence of whole digit groups with 13-19 digits that passes Luhn is masked.

    Sequences, not whole runs: a card next to other numbers ("ref 98 4111 1111 1111 1111")
    must not escape because the run as a whole fails the checksum. Groups are never split:
    sliding over single digits would find a Luhn-valid 13-digit window inside most long
    order numbers. (A card glued to other digits with no separator at all cannot be told
    apart from a longer number, and is left alone.)
    """
    for run in _DIGIT_RUN.finditer(text):
        groups = [
            (run.start() + g.start(), run.start() + g.end())
            for g in _DIGIT_GROUP.finditer(run.group())
        ]
        covered: list[tuple[int, int]] = []
        for first in range(len(groups)):
            digits = ""
            for start, end in groups[first:]:
                digits += text[start:end]
                if len(digits) > _CARD_MAX:
                    break
                if len(digits) >= _CARD_MIN and luhn_valid(digits):
                    covered.append((groups[first][0], end))
        for start, end in _merge_ranges(covered):
            yield _Span(start, end, SecretKind.PAYMENT_CARD)


# --- passwords -----------------------------------------------------------------------------
# "my password is hunter2", "pw: hunter2", "passcode = 1234". The value is the next
# whitespace-free token, minus trailing sentence punctuation; a mask is never a value.
_PASSWORD = re.compile(
    r"(?i)\b(?:password|passwd|passphrase|passcode|pwd|pw|pin)\b"
    r"(?:\s*[:=]\s*|\s+(?:is|was|is\s+now)\s*[:=]?\s*)"
    r"(?!\[REDACTED:)(?P<value>\S+?)(?=[.,;!?)\"']*(?:\s|$))"
)


def _password_spans(text: str) -> Iterator[_Span]:
    for match in _PASSWORD.finditer(text):
        yield _Span(match.start("value"), match.end("value"), SecretKind.PASSWORD)


# --- API keys, tokens, generic secrets -----------------------------------------------------
_API_KEY_PATTERNS = (
    r"\bsk-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_-]{16,}",  # OpenAI / Stripe style secret keys
    r"\b(?:rk|pk|sk)_(?:live|test)_[A-Za-z0-9]{16,}",  # Stripe
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",  # AWS access key ids
    r"\bgh[pousr]_[A-Za-z0-9]{30,}",  # GitHub tokens
    r"\bgithub_pat_[A-Za-z0-9_]{30,}",
    r"\bxox[abposr]-[A-Za-z0-9-]{10,}",  # Slack
    r"\bAIza[0-9A-Za-z_-]{35}",  # Google API keys
    r"\bglpat-[A-Za-z0-9_-]{20,}",  # GitLab
)
_API_KEY = re.compile("|".join(f"(?:{p})" for p in _API_KEY_PATTERNS))
_BEARER = re.compile(r"(?i)\bbearer\s+(?P<value>[A-Za-z0-9._~+/-]{12,}=*)")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")
_LONG_HEX = re.compile(r"\b[0-9a-fA-F]{32,}\b")
_LONG_BASE64 = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/=])")


def _looks_random(token: str) -> bool:
    """Long words and slugs are not secrets; a mix of lower, upper and digits is."""
    return (
        any(c.islower() for c in token)
        and any(c.isupper() for c in token)
        and any(c.isdigit() for c in token)
    )


def _token_spans(text: str) -> Iterator[_Span]:
    for match in _API_KEY.finditer(text):
        yield _Span(match.start(), match.end(), SecretKind.API_KEY)
    for match in _BEARER.finditer(text):
        yield _Span(match.start("value"), match.end("value"), SecretKind.BEARER_TOKEN)
    for match in _JWT.finditer(text):
        yield _Span(match.start(), match.end(), SecretKind.SECRET)
    for match in _LONG_HEX.finditer(text):
        if any(c.isalpha() for c in match.group()):  # all-digit runs are the card detector's
            yield _Span(match.start(), match.end(), SecretKind.SECRET)
    for match in _LONG_BASE64.finditer(text):
        if _looks_random(match.group()):
            yield _Span(match.start(), match.end(), SecretKind.SECRET)


# --- IBANs ---------------------------------------------------------------------------------
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")


def iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _iban_spans(text: str) -> Iterator[_Span]:
    for match in _IBAN.finditer(text):
        if iban_valid(match.group()):
            yield _Span(match.start(), match.end(), SecretKind.IBAN)


_DETECTORS: tuple[Callable[[str], Iterator[_Span]], ...] = (
    _card_spans,
    _password_spans,
    _token_spans,
    _iban_spans,
)


def _merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _merge_spans(spans: list[_Span]) -> list[_Span]:
    """Overlapping spans become one; the first-starting detector names the kind."""
    merged: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = _Span(last.start, max(last.end, span.end), last.kind)
        else:
            merged.append(span)
    return merged


def _redact_once(text: str) -> tuple[str, list[SecretKind]]:
    spans = _merge_spans([span for detect in _DETECTORS for span in detect(text)])
    pieces: list[str] = []
    cursor = 0
    for span in spans:
        pieces.append(text[cursor : span.start])
        pieces.append(mask(span.kind))
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces), [span.kind for span in spans]


def redact(text: str) -> RedactionResult:
    """Mask every secret in ``text``; report which kinds were found.

    A mask can create a word boundary that completes a new match (a hex run that was glued
    to a card number), so passes repeat until nothing is found. That terminates: every span
    holds at least one character that is not part of a mask, so each productive pass
    shrinks the unmasked text.
    """
    found: list[SecretKind] = []
    while True:
        text, kinds = _redact_once(text)
        if not kinds:
            return RedactionResult(text, found)
        found.extend(kind for kind in dict.fromkeys(kinds) if kind not in found)


def redact_optional(text: str | None) -> RedactionResult | None:
    return None if text is None else redact(text)
