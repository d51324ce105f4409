"""Input hygiene for chat messages and session ids: every odd input gets a clear error."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from assistant.sessions import MAX_SESSION_ID_CHARS

# C0/C1 controls except tab and newline; zero-width and bidi overrides that can hide text.
_CONTROL_RE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
_SESSION_ID_RE = re.compile(r"^[A-Za-z0-9._:@-]+$")


@dataclass(frozen=True)
class InputProblem:
    code: str
    message: str


@dataclass(frozen=True)
class CleanMessage:
    text: str
    problem: InputProblem | None = None


def clean_message(raw: object, max_chars: int) -> CleanMessage:
    """Normalise a user message, or say politely why it can't be used."""
    if not isinstance(raw, str):
        return CleanMessage("", InputProblem("invalid_message", "The message must be text."))
    # Lone surrogates (from broken clients or JSON like "\ud800") cannot be encoded: replace them.
    text = raw.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFC", _CONTROL_RE.sub("", text))
    text = re.sub(r"[ \t]+", " ", text).strip()
    if not text:
        return CleanMessage(
            "",
            InputProblem("empty_message", "Your message was empty. What would you like to know?"),
        )
    if len(text) > max_chars:
        return CleanMessage(
            "",
            InputProblem(
                "message_too_long",
                f"Your message is {len(text):,} characters long; please keep it under "
                f"{max_chars:,} characters (a question or two works best).",
            ),
        )
    return CleanMessage(text)


def check_session_id(session_id: object) -> InputProblem | None:
    if (
        not isinstance(session_id, str)
        or not 0 < len(session_id) <= MAX_SESSION_ID_CHARS
        or not _SESSION_ID_RE.match(session_id)
    ):
        return InputProblem(
            "invalid_session",
            f"A session id must be 1-{MAX_SESSION_ID_CHARS} characters of letters, digits "
            "and . _ : @ -",
        )
    return None
