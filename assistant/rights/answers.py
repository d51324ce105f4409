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
    "never mind that",
    "forget that",
    "forget this",
    "forget all that",
    "do not bother",
    "no do not",
    "no need",
    "not anymore",
    "let us not",
    "let's not",
    "stop it",
    "stop that",
    "cancel everything",
    "cancel the whole thing",
    "drop it",
    "leave it then",
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
# Words that change nothing in a short answer: politeness, hedges, "actually", "after all".
_POLITE = words(
    """please thanks thank you it all is that the request now great sorry and then actually
    after anyway again ok okay oh ah hmm um wait on second thought thoughts go ahead can
    could just"""
)
_CANCEL_ANYWHERE = re.compile(
    r"\b(?:cancel|withdraw|drop|abandon|scrap|stop) (?:the|this|that|my) (?:request|ticket)\b"
    r"|\bdo not (?:file|submit|send) (?:it|that|this|the request|anything)\b|\bchanged my mind\b"
    r"|\bi do not want to (?:file|submit|continue|go ahead|proceed|do this|do that)\b"
    r"|\bi do not want (?:this|that|the request) any ?more\b"
)
# "never mind, I'll do it myself": a cancel phrase opening the message cancels, whatever
# follows (a new request in what follows is a switch; the flow checks that first).
_CANCEL_OPENING = re.compile(
    r"^(?:(?:oh|ah|ok|okay|hmm|um|no|nah|actually|wait|sorry|please)[ ,.!]+){0,3}"
    r"(?:never ?mind|forget (?:it|about it|that|this|all that)|scratch that|cancel (?:it|that|"
    r"this|everything|please)|cancel$|abort|do not bother)\b"
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


# "I changed my mind, file it" says yes (after a cancel), not no.
_CHANGED_TO_YES = re.compile(
    r"^(?:\w+ )?(?:i )?changed my mind\W+(?=(?:\w+ ){0,2}?(?:file|submit|send|go|do it|proceed))"
)


def is_affirmative(norm: str) -> bool:
    return _made_of(_CHANGED_TO_YES.sub("", norm.strip()), _AFFIRM)


_FILING_WORDS = re.compile(r"\b(?:file|submit|send|go ahead|do it|proceed|restart)\b")


def is_file_it(norm: str) -> bool:
    return is_affirmative(norm) and _FILING_WORDS.search(norm) is not None


def is_cancel(norm: str) -> bool:
    text = norm.strip()
    if _CHANGED_TO_YES.search(text):
        return False
    return (
        _made_of(text, _NEGATE)
        or _CANCEL_ANYWHERE.search(text) is not None
        or _CANCEL_OPENING.search(text) is not None
    )


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
