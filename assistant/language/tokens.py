"""The one tokeniser: safe text, words, stems, content words and sentences.

Stemming is PyStemmer's Snowball English stemmer, the one bm25s indexes the policy with.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

from assistant.language.lexicon import lexicon

# The session caps messages at Settings.max_message_chars (4000 by default); scanning
# more than that buys nothing and would let a 200k-character paste cost real time.
MAX_SCAN_CHARS = 4000

WORD_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
# An e-mail address in running text, its domain as group "domain".
EMAIL_RE = re.compile(r"[\w.+-]+@(?P<domain>[\w-]+(?:\.[\w-]+)+)")
_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_DASHES = re.compile("[\u2010-\u2015\u2212]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"'})
_CONDITION_PREFIX_RE = re.compile(r"^\s*(?:if|when|once|after)\b[^,?]*,\s*(?P<main>.+)$", re.I)
_NEGATED_HEADS = {"can": "can", "won": "will", "don": "do", "shan": "shall"}


def clean(text: str) -> str:
    """Bounded, printable, NFKC text with straight quotes and ASCII dashes."""
    text = text[:MAX_SCAN_CHARS]
    text = _SURROGATES.sub("\ufffd", text)
    text = _CONTROL.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)[:MAX_SCAN_CHARS]  # NFKC can lengthen it
    text = _DASHES.sub("-", text)
    return text.translate(_QUOTES).strip()


@cache
def _stemmer() -> Any:
    import Stemmer  # PyStemmer

    return Stemmer.Stemmer("english")


def stem(tokens: list[str]) -> list[str]:
    return list(_stemmer().stemWords(tokens))


def words(text: str) -> list[str]:
    """Lower-cased words; a contraction keeps its head and spells out a negation
    ("what's" -> "what", "don't" -> "do not"), so stopwords and polarity see both."""
    out: list[str] = []
    for token in WORD_RE.findall(text.lower().replace("’", "'")):
        head, _, tail = token.partition("'")
        if tail == "t" and head.endswith("n"):
            out += [_NEGATED_HEADS.get(head, head[:-1]), "not"]
        else:
            out.append(head)
    return out


def stems(text: str) -> list[str]:
    return stem(words(text))


def content_words(text: str) -> list[str]:
    """Lower-cased words of ``text`` that carry a topic, in order, unstemmed."""
    skip = lexicon().all_stopwords
    return [w for w in words(text) if w not in skip and not w.isdigit()]


# A short label before what a message says: "new q: will you ...", "question - can I ...".
_LABEL_RE = re.compile(r"^\s*(?:[^\s:?!.-]+\s+){0,3}[^\s:?!.-]+\s*(?::|\s-+)\s+(?=\S)")


def strip_label(text: str) -> str:
    """The message without a short leading label ("new q:", "different question -"),
    which hides that the rest opens like a question."""
    return _LABEL_RE.sub("", text, count=1)


def question_sentences(text: str) -> list[str]:
    """The sentences of a message with words in them: a follow-up read in context is the
    earlier question then the new one ("Where is my data stored? How is it protected?")."""
    pieces = re.split(r"(?<=[?.!])\s+", text.strip())
    return [s.strip() for s in pieces if WORD_RE.search(s.lower())]


def negative_form(text: str) -> bool:
    """Whether a question is turned around by a negation or an exception: "Could you use
    my data without asking me?" answers "no" where "Will you ask me before using it?"
    answers "yes". Read in its main clause: "if you want to use my data for something
    new thats not in the policy, will you ask me first?" asks the second (blind batch 16
    took "no" from banked "... without asking me first?" questions)."""
    table = lexicon()
    return bool((table.negators | table.exceptions) & set(words(main_clause(text))))


def main_clause(question: str) -> str:
    """The question without a leading condition, when what follows it is a yes/no question
    of its own; the condition's words are not what the question asks about: "If I delete
    my portfolio, could copies still exist?" asks whether copies exist."""
    match = _CONDITION_PREFIX_RE.match(question)
    head = words(match["main"])[:1] if match else []
    if match and head and head[0] in lexicon().auxiliaries | lexicon().rare_auxiliaries:
        return match["main"]
    return question


def focus_sentence(text: str) -> str:
    """The sentence a message asks last: the one an answer must answer first."""
    sentences = question_sentences(text)
    return sentences[-1] if sentences else text


@cache
def _abbreviation_re() -> re.Pattern[str]:
    keys = sorted(lexicon().abbreviations, key=len, reverse=True)
    return re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, keys)) + r")(?![\w])")


def expand_abbreviations(text: str) -> str:
    """'US' -> 'United States' (as written: lower-cased, "us" is a stopword)."""
    table = lexicon().abbreviations
    if not table:
        return text
    return _abbreviation_re().sub(lambda m: table[m.group(0)], text)
