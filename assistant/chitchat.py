"""Small talk: greetings, thanks, goodbyes, help (also questions about the assistant
itself), acknowledgements, complaints.

Recognised by a learned classifier (``assistant.learning.smalltalk``) whose threshold is
calibrated so that no held-out question or request is taken for small talk; below it, a
middle band is small talk only where the policy is silent (`possible_chitchat`). The
replies are data in ``templates/chitchat.yaml``.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from pydantic import BaseModel, ConfigDict

from assistant.language import followup_words, lexicon, words
from assistant.learning.smalltalk import NOT_SMALL_TALK, load_smalltalk_model
from assistant.templates import load_template


class ChitchatKind(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    HELP = "help"
    ACKNOWLEDGEMENT = "acknowledgement"
    COMPLAINT = "complaint"


class _Chitchat(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    replies: dict[ChitchatKind, str]


@cache
def _chitchat() -> _Chitchat:
    return _Chitchat.model_validate(load_template("chitchat"))


@cache
def _question_words() -> frozenset[str]:
    """Words that only ask ("how", "why", "how come"): the wh-words and the conversation's
    bare follow-ups."""
    asking = lexicon().wh_words | followup_words().bare_wh
    return frozenset(w for phrase in asking for w in words(phrase))


def classify_chitchat(message: str) -> ChitchatKind | None:
    """The kind of small talk the message is, or None if it asks or requests anything. A
    message of question words alone ("how", "how come") asks the
    previous question again: the classifier took a bare "how" for small talk (blind batch
    9, after its scoring)."""
    return _kind(message, load_smalltalk_model().threshold)


def possible_chitchat(message: str) -> ChitchatKind | None:
    """The kind of small talk the message may be, in the classifier's middle band (below
    the calibrated threshold, above ``possible_threshold``): small talk only where the
    policy has nothing to say about it, which the session learns by answering first. A
    message above the band gets its kind too; the session asks only after
    `classify_chitchat` said no."""
    threshold = load_smalltalk_model().possible_threshold
    return None if threshold is None else _kind(message, threshold)


def _kind(message: str, threshold: float) -> ChitchatKind | None:
    """The kind of small talk at ``threshold``; never for an empty message or one of
    question words alone."""
    if not message.strip():
        return None
    tokens = words(message)
    if tokens and set(tokens) <= _question_words():
        return None
    kind = load_smalltalk_model().predict(message, threshold)
    return None if kind == NOT_SMALL_TALK else ChitchatKind(kind)


def chitchat_reply(kind: ChitchatKind) -> str:
    return _chitchat().replies[kind]
