"""Text hygiene for the rights recogniser: make any input safe to scan, then normalise it.

Two forms of a message are used downstream:
- ``clean(text)``: the user's words, made safe (bounded length, no lone surrogates or
  control characters, NFKC). Slot values are read from this form so casing survives.
- ``normalise(text)``: lower-case, contractions expanded, common chat shorthand and
  typos of the words the rules key on repaired. Intent rules read only this form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# The session caps messages at Settings.max_message_chars (4000 by default); scanning
# more than that buys nothing and would let a 200k-character paste cost real time.
MAX_SCAN_CHARS = 4000

_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_DASHES = re.compile("[\u2010-\u2015\u2212]")
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"'}


def clean(text: str) -> str:
    """Bounded, printable, NFKC text with straight quotes and ASCII dashes."""
    text = text[:MAX_SCAN_CHARS]
    text = _SURROGATES.sub("\ufffd", text)
    text = _CONTROL.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    text = _DASHES.sub("-", text)
    for curly, straight in _QUOTES.items():
        text = text.replace(curly, straight)
    return text.strip()


def words(text: str) -> frozenset[str]:
    """A word list written as one string (lexicons read better as prose than as lists)."""
    return frozenset(text.split())


# Shorthand and contractions, so rules can say "do not" once instead of five ways.
_REWRITES: tuple[tuple[str, str], ...] = (
    (r"\b(?:don't|dont|do n't)\b", "do not"),
    (r"\b(?:doesn't|doesnt)\b", "does not"),
    (r"\b(?:didn't|didnt)\b", "did not"),
    (r"\b(?:won't|wont)\b", "will not"),
    (r"\b(?:can't|cant|cannot)\b", "can not"),
    (r"\b(?:shouldn't|shouldnt)\b", "should not"),
    (r"\b(?:i'm|im)\b", "i am"),
    (r"\bi'd\b", "i would"),
    (r"\bi've\b", "i have"),
    (r"\bi'll\b", "i will"),
    (
        r"\b(?:it's|its) (now|actually|spelled|spelt|wrong|incorrect|outdated|out of date)\b",
        r"it is \1",
    ),
    (r"\b(?:it's)\b", "it is"),
    (r"\b(?:that's|thats)\b", "that is"),
    (r"\b(?:you've|youve)\b", "you have"),
    (r"\b(?:you're|youre)\b", "you are"),
    (r"\bwanna\b", "want to"),
    (r"\bwat\b", "what"),
    (r"\b(?:abt|abour)\b", "about"),
    (r"\bgimme\b", "give me"),
    (r"\b(?:pls|plz|plse|pleas|pleaseee*)\b", "please"),
    (r"\bthx\b", "thanks"),
    (r"\bu\b", "you"),
    (r"\bur\b", "your"),
    (r"\b(?:acc|acct)\b", "account"),
    (r"\b(?:info|infos|informations)\b", "information"),
    (r"\b(?:e-mail|e mail)\b", "email"),
    (r"\b(?:e-mails|e mails)\b", "emails"),
    (r"\byrs?\b", "year"),
    (r"\b(\d+) ?yo\b", r"\1 year old"),
)
_REWRITE_RES = tuple((re.compile(pattern), repl) for pattern, repl in _REWRITES)

# Words the rules key on. A token one edit away from exactly these (and not itself a
# listed word) is taken as a typo of it: "delet" -> "delete", "acount" -> "account".
_VOCABULARY = words(
    """
    delete deleted deletes deleting deletion account accounts remove removed removing
    erase erased erasing erasure unsubscribe unsubscribed newsletter newsletters consent
    consents withdraw withdrawn withdrawing withdrawal revoke revoked revoking marketing
    promotional promotions personal information profiling profiled object objecting
    objection restrict restricted restriction processing process correct corrected
    correction misspelled misspelt portability portable export address surname
    forgotten daughter guardian children please profile emails email newsletter
    machine readable privacy request requesting copy everything access
    """
)
# Real words one edit from a vocabulary word, which must never be "corrected".
_REAL_WORDS = words(
    """
    content contents remote promote promoted protect objects process's proceed access's
    accent excess accept addressed expert expect deletes remover removes
    emailed mails email's corrects corrector copy's cope copyright
    """
)
_WORD = re.compile(r"\b[a-z]{4,20}\b")


def _within_one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (one insert, delete, substitute or swap)."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return a == b
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        i, j = diffs[0], diffs[-1]
        return len(diffs) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@lru_cache(maxsize=4096)
def _repair(word: str) -> str:
    if word in _VOCABULARY or word in _REAL_WORDS or len(word) < 5:
        return word
    candidates = sorted(v for v in _VOCABULARY if v[0] == word[0] and _within_one_edit(word, v))
    return candidates[0] if candidates else word


def normalise(text: str) -> str:
    """Lower-case rule-matching form of ``clean`` text (idempotent)."""
    text = text.lower()
    for pattern, repl in _REWRITE_RES:
        text = pattern.sub(repl, text)
    text = _WORD.sub(lambda m: _repair(m.group(0)), text)
    return re.sub(r"[ \t]+", " ", text)


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
