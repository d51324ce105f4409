"""Small talk: greetings, thanks, goodbyes, help requests, acknowledgements, complaints.

A message is small talk when it is nothing but the phrases of ``templates/chitchat.yaml``
and filler, read as the language layer reads it. It must hold on wording nobody listed
("lol ok thanks", "thnks", "byeee") without taking a question for small talk: every
labelled question and request in evals/ is checked against that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from assistant.language import Reader, Reading, default_reader, lexicon
from assistant.templates import load_template


class ChitchatKind(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    HELP = "help"
    ACKNOWLEDGEMENT = "acknowledgement"
    COMPLAINT = "complaint"


class _Kind(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    phrases: list[str] = Field(min_length=1)
    reply: str


class _Chitchat(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kinds: dict[ChitchatKind, _Kind]
    filler: list[str]


@cache
def _chitchat() -> _Chitchat:
    return _Chitchat.model_validate(load_template("chitchat"))


MAX_CHITCHAT_WORDS = 8
MAX_UNKNOWN_WORDS = 1  # slang nobody listed ("ok thanks fam"), if it is no policy word
MIN_FUZZY_LENGTH = 3  # "hii" -> "hi", "thnks" -> "thanks"; two letters are too ambiguous
_REPEATS = re.compile(r"(\w)\1{2,}")  # "byeee", "sooo": a run of three or more letters


@dataclass(frozen=True)
class _ChitchatWords:
    """The chitchat lexicon as the given reader reads it."""

    phrases: tuple[tuple[ChitchatKind, tuple[str, ...]], ...]  # longest first within a kind
    singles: tuple[str, ...]  # one-word phrases and filler: what a typo is matched to
    filler: frozenset[str]


@lru_cache(maxsize=16)  # one per reader, and readers are one per policy version
def _chitchat_words(reader: Reader) -> _ChitchatWords:
    config = _chitchat()
    # help wins over a greeting ("hi, what can you do?"), a complaint over thanks ("not
    # helpful" holds "helpful")
    first = (ChitchatKind.HELP, ChitchatKind.COMPLAINT)
    order = (*first, *[k for k in ChitchatKind if k not in first])
    phrases = tuple((kind, _read_phrases(reader, config.kinds[kind].phrases)) for kind in order)
    filler = frozenset(w for phrase in config.filler for w in reader.read(phrase).tokens)
    singles = {p for _, kind_phrases in phrases for p in kind_phrases if " " not in p} | filler
    return _ChitchatWords(phrases, tuple(sorted(singles)), filler)


def _read_phrases(reader: Reader, phrases: list[str]) -> tuple[str, ...]:
    """Phrases as the reader reads them, longest first ("thank you" before "you")."""
    read_ = {" ".join(reader.read(p).tokens) for p in phrases}
    return tuple(sorted(read_, key=len, reverse=True))


def classify_chitchat(message: str, reader: Reader | None = None) -> ChitchatKind | None:
    """The kind of small talk the message is, or None if it says anything more.

    A message is small talk when removing the small-talk phrases it contains and filler
    words leaves nothing, or at most one word that is neither a policy word nor a
    stopword ("ok thanks fam"); help requests win over greetings ("hi, what can you
    do?"), and any other content makes it a question. Words are read as the language
    layer reads them (chat-speak spelled out), stretched letters squeezed ("byeee"), and
    a word left over that nobody knows is tried as a typo of a small-talk word ("thnks").
    ``reader`` is the policy's (for its vocabulary); the default one knows the lexicons."""
    reader = reader or default_reader()
    reading = reader.read(message)
    if not reading.tokens or len(reading.tokens) > MAX_CHITCHAT_WORDS:
        return None
    known = _chitchat_words(reader)
    tokens = [_REPEATS.sub(r"\1\1", token) for token in reading.tokens]
    found, left = _remove_phrases(tokens, known)
    if left:  # a second look, with typos of small-talk words read as them
        retry, left = _remove_phrases([_as_small_talk(t, reader, known) for t in left], known)
        found += retry
    if not found or len(left) > MAX_UNKNOWN_WORDS:
        return None
    if left and not _unknown_is_slang(left[0], reader, reading):
        return None
    return found[0]


def _remove_phrases(
    tokens: list[str], known: _ChitchatWords
) -> tuple[list[ChitchatKind], list[str]]:
    """The kinds of the phrases found, and the words left that are not filler."""
    remaining = f" {' '.join(tokens)} "
    found: list[ChitchatKind] = []
    for kind, phrases in known.phrases:
        for phrase in phrases:
            if f" {phrase} " in remaining:
                found.append(kind)
            while f" {phrase} " in remaining:  # "bye bye": the matches share a space
                remaining = remaining.replace(f" {phrase} ", "  ")
    return found, [w for w in remaining.split() if w not in known.filler]


def _as_small_talk(token: str, reader: Reader, known: _ChitchatWords) -> str:
    """An unknown word one edit from a small-talk word, read as it ("thnks" -> "thanks");
    a known word never is ("sell" is no typo of "well")."""
    if len(token) < MIN_FUZZY_LENGTH or token in lexicon().all_stopwords:
        return token
    if reader.speller.knows(token):
        return token
    match = process.extractOne(
        token, known.singles, scorer=DamerauLevenshtein.distance, score_cutoff=1
    )
    return match[0] if match and len(match[0]) >= 2 else token


def _unknown_is_slang(word: str, reader: Reader, reading: Reading) -> bool:
    """A leftover word is slang, not a topic, when the policy and the lexicons don't use
    it and the message asks nothing ("thanks, cookies?" asks)."""
    if reading.asks or word.isdigit():
        return False
    stop = lexicon().all_stopwords | lexicon().keywords
    return word not in stop and not reader.speller.knows(word)


def chitchat_reply(kind: ChitchatKind) -> str:
    return _chitchat().kinds[kind].reply
