"""Words as the answering code compares them: stems, content words, synonyms, rarity.

Stemming is the same Snowball stemmer retrieval uses. The synonym groups serve a
different job than retrieval's query expansion: choosing the sentence of a retrieved
clause that answers, and matching a yes/no question's verb to the policy's
("sell" ~ "rent", "share" ~ "disclose").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

WORD_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")

# Words that carry no topic (the same list retrieval drops from BM25 queries).
STOPWORDS = frozenset(
    """a an and are as at be but by for if in into is it no not of on or such that the their
    then there these they this to was will with i me my you your we our us do does did can
    could would should what how why when who which am have has had so about any from just
    like please hi hello""".split()  # noqa: SIM905
)


@cache
def _stemmer() -> Any:
    import Stemmer  # PyStemmer: the Snowball English stemmer, as in retrieval

    return Stemmer.Stemmer("english")


def stem(tokens: list[str]) -> list[str]:
    return list(_stemmer().stemWords(tokens))


# Question scaffolding that says nothing about the topic ("can you tell me ...").
EXTRA_STOPWORDS = frozenset(
    """where whom whose know want need let also there here its yes ok okay really still ever
    anything something everything thing things happen happens find out other another own
    sort way ways up take takes go goes going make one much many some all every each get
    got ask asking after before until during since while within between them those itself
    themselves over under onto upon across around toward towards than too very even already
    yet actually basically literally exactly simply totally anyway kind most lot lots bit
    bits""".split()  # noqa: SIM905
)
ALL_STOPWORDS = STOPWORDS | EXTRA_STOPWORDS


# The verbs a yes/no question opens with ("Do you ...?", "Can I ...?").
AUXILIARIES = frozenset(
    {"do", "does", "did", "can", "could", "will", "would", "is", "are", "was", "were"}
    | {"may", "might", "should", "have", "has"}
)


# Capitalised abbreviations that lower-case into stopwords ("US" -> "us").
ABBREVIATIONS = {"US": "United States", "USA": "United States", "U.S.": "United States"}
ABBREVIATION_RE = re.compile(r"(?<![\w.])(?:U\.S\.|USA|US)(?![\w])")


def expand_abbreviations(text: str) -> str:
    return ABBREVIATION_RE.sub(lambda m: ABBREVIATIONS[m.group(0)], text)


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


_NEGATED_HEADS = {"can": "can", "won": "will", "don": "do", "shan": "shall"}


def question_sentences(text: str) -> list[str]:
    """The sentences of a message with words in them: a follow-up read in context is the
    earlier question then the new one ("Where is my data stored? How is it protected?")."""
    pieces = re.split(r"(?<=[?.!])\s+", text.strip())
    return [s.strip() for s in pieces if WORD_RE.search(s.lower())]


def focus_sentence(text: str) -> str:
    """The sentence a message asks last: the one an answer must answer first."""
    sentences = question_sentences(text)
    return sentences[-1] if sentences else text


def content_words(text: str) -> list[str]:
    """Lower-cased words of ``text`` that are not stopwords, in order, unstemmed."""
    return [w for w in words(text) if w not in ALL_STOPWORDS and not w.isdigit()]


def stems(text: str) -> list[str]:
    return stem(words(text))


@dataclass(frozen=True)
class Vocabulary:
    """Synonym groups and generic terms, as stems, plus term rarity over the policy."""

    groups: tuple[frozenset[str], ...]
    generic: frozenset[str]
    idf: dict[str, float]
    default_idf: float

    @classmethod
    def build(
        cls,
        synonym_groups: Iterable[Iterable[str]],
        generic_terms: Iterable[str],
        documents: Iterable[str],
    ) -> Vocabulary:
        groups = tuple(frozenset(stem(words(" ".join(group)))) for group in synonym_groups)
        generic = frozenset(stem(words(" ".join(generic_terms))))
        docs = [set(stems(doc)) for doc in documents]
        df = Counter(term for doc in docs for term in doc)
        n = len(docs)
        idf = {term: math.log((n + 1) / (count + 1)) + 1.0 for term, count in df.items()}
        return cls(groups, generic, idf, math.log(n + 1) + 1.0)

    def terms(self, text: str) -> list[str]:
        """Stemmed content terms of a question, deduplicated, in order."""
        return list(dict.fromkeys(stem(content_words(expand_abbreviations(text)))))

    def synonyms(self, term: str) -> frozenset[str]:
        found: set[str] = set()
        for group in self.groups:
            if term in group:
                found |= group
        found.discard(term)
        return frozenset(found)

    def weight(self, term: str) -> float:
        """How much a matched term says about relevance: rare terms more, generic ones little."""
        base = self.idf.get(term, self.default_idf)
        return base * (0.25 if term in self.generic else 1.0)

    def known(self, term: str) -> bool:
        """Whether the policy uses the term or one of its synonyms at all."""
        return term in self.idf or any(s in self.idf for s in self.synonyms(term))
