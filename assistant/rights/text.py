"""Text hygiene for the rights recogniser: the language layer's two forms of a message.

- ``clean(text)``: the user's words, made safe (bounded length, no lone surrogates or
  control characters, NFKC). Slot values are read from this form so casing survives.
- ``normalise(text)``: lower-case, contractions, chat-speak and typos of the words the
  rules key on spelled out (`assistant.language.Reading.normal`). Intent rules read only
  this form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.language import MAX_SCAN_CHARS, clean, read

__all__ = ["MAX_SCAN_CHARS", "Sentence", "clean", "normalise", "sentences", "words"]


def words(text: str) -> frozenset[str]:
    """A word list written as one string (lexicons read better as prose than as lists)."""
    return frozenset(text.split())


def normalise(text: str) -> str:
    """Lower-case rule-matching form of ``clean`` text (idempotent)."""
    return read(text).normal


@dataclass(frozen=True)
class Sentence:
    """One sentence of a normalised message, cut into comma/dash clauses."""

    text: str
    clauses: tuple[str, ...]
    asks: bool  # ended with a question mark


_SENTENCE_END = re.compile(r"[^.!?;\n]+[.!?;\n]*")
# Commas and dashes separate clauses, but not inside numbers or compound words.
_CLAUSE_BREAK = re.compile(r"\s*(?:,|\s-+\s|:|\(|\))\s*")


def sentences(norm: str) -> list[Sentence]:
    """Split normalised text into sentences; a dot inside an address or number is no end."""
    protected = re.sub(r"(\w)\.(\w)", "\\1\u2024\\2", norm)  # one-dot leader keeps a@b.c whole
    out: list[Sentence] = []
    for match in _SENTENCE_END.finditer(protected):
        raw = match.group(0).replace("\u2024", ".")
        body = raw.rstrip(".!?;\n ").strip()
        if not body:
            continue
        clauses = tuple(c for c in _CLAUSE_BREAK.split(body) if c.strip())
        out.append(Sentence(text=body, clauses=clauses or (body,), asks="?" in raw))
    return out
