"""Short answers inside the flow: yes, no, skip, and bare slot values.

A confirmation must be unambiguous, so "yes" counts only when the whole message is
made of agreement and politeness ("yes please", "ok go ahead, thanks"); "yes but my
email is ..." is read as a correction instead. The same whole-message rule applies to
"no" and to "skip".
"""

from __future__ import annotations

import re

from assistant.rights import slots as s
from assistant.rights.text import words

_AFFIRM = (
    "yes please",
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "ya",
    "sure",
    "ok",
    "okay",
    "k",
    "confirm",
    "confirmed",
    "i confirm",
    "correct",
    "that is correct",
    "that is right",
    "right",
    "go ahead",
    "do it",
    "please do",
    "file it",
    "submit",
    "submit it",
    "send it",
    "looks good",
    "all good",
    "perfect",
    "absolutely",
    "definitely",
    "sounds good",
    "proceed",
    "\U0001f44d",
)
_NEGATE = (
    "no thanks",
    "no thank you",
    "no",
    "n",
    "nope",
    "nah",
    "cancel",
    "cancel it",
    "cancel that",
    "stop",
    "never mind",
    "nevermind",
    "forget it",
    "forget about it",
    "abort",
    "do not",
    "scratch that",
    "not now",
    "leave it",
    "i changed my mind",
    "changed my mind",
)
_SKIP = (
    "skip",
    "i do not know",
    "do not know",
    "dunno",
    "no idea",
    "i have no idea",
    "no clue",
    "not sure",
    "i am not sure",
    "no",
    "none",
    "n/a",
    "unknown",
    "pass",
    "i can not remember",
    "i do not remember",
    "i would rather not",
    "rather not say",
)
_POLITE = words("please thanks thank you it all is that the request now great sorry and then")
_CANCEL_ANYWHERE = re.compile(
    r"\b(?:cancel|withdraw|drop|abandon|scrap) (?:the|this|that|my) (?:request|ticket)\b"
    r"|\bdo not (?:file|submit|send) (?:it|that|this|the request)\b|\bchanged my mind\b"
)
_LONGEST_ANSWER = 80  # a whole-message answer is short; anything longer is a sentence


def _made_of(norm: str, phrases: tuple[str, ...]) -> bool:
    """True when ``norm`` is one or more of ``phrases`` plus politeness, nothing else."""
    text = re.sub(r"[^\w\s/\U0001f44d]", " ", norm.lower())
    tokens = text.split()
    if not tokens or len(norm) > _LONGEST_ANSWER:
        return False
    seen_phrase = False
    while tokens:
        for phrase in phrases:
            size = len(phrase.split())
            if tokens[:size] == phrase.split():
                tokens, seen_phrase = tokens[size:], True
                break
        else:
            if tokens[0] not in _POLITE:
                return False
            tokens = tokens[1:]
    return seen_phrase


def is_affirmative(norm: str) -> bool:
    return _made_of(norm, _AFFIRM)


def is_cancel(norm: str) -> bool:
    return _made_of(norm, _NEGATE) or _CANCEL_ANYWHERE.search(norm) is not None


def is_skip(norm: str) -> bool:
    return _made_of(norm, _SKIP)


_ACCOUNT_TOKEN = re.compile(r"^[A-Za-z0-9_.@+-]{2,64}$")
_LEAD_IN = re.compile(r"^(?:it is|it's|its|that is|that's|my|the|our|his|her|their)\s+", re.I)


def bare_account(text: str) -> str | None:
    """A username or account email given on its own ("lil_gamer", "it's kid@x.org")."""
    tokens = [t.strip("\"'`.,;:!?()") for t in _LEAD_IN.sub("", text.strip()).split()]
    candidates = [t for t in tokens if _ACCOUNT_TOKEN.match(t)]
    if len(tokens) <= 2 and candidates:
        return candidates[0]
    marked = [t for t in candidates if re.search(r"[_@\d]", t)]
    return marked[0] if marked else None


def bare_field(text: str) -> str | None:
    """What is wrong, answered on its own ("my surname", "the billing address")."""
    field = s.find_field(text)
    if field:
        return field
    value = _LEAD_IN.sub("", text.strip()).strip(" .!\"'")
    return value[:80] or None


def bare_value(text: str) -> str | None:
    """The correct value, bare ("Smith") or in a sentence ("it should be Smith")."""
    _what, value = s.find_correction(text)
    if value:
        return value[:200]
    value = _LEAD_IN.sub("", text.strip()).strip(" .!\"'`")
    return value[:200] or None
