"""Words as the answering code compares them: the language layer's tokens, plus synonym
groups and term rarity over the policy.

Tokenising, stemming and the stopword lists live in `assistant.language`; the names below
are re-exported so answering code reads them from one place. The synonym groups serve a
different job than retrieval's query expansion: choosing the sentence of a retrieved
clause that answers, and matching a yes/no question's verb to the policy's
("sell" ~ "rent", "share" ~ "disclose").
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.language import (
    WORD_RE,
    content_words,
    expand_abbreviations,
    focus_sentence,
    lexicon,
    question_sentences,
    stem,
    stems,
    words,
)

STOPWORDS = lexicon().stopwords
EXTRA_STOPWORDS = lexicon().scaffolding
ALL_STOPWORDS = lexicon().all_stopwords
AUXILIARIES = lexicon().auxiliaries

__all__ = [
    "ALL_STOPWORDS",
    "AUXILIARIES",
    "EXTRA_STOPWORDS",
    "STOPWORDS",
    "WORD_RE",
    "Vocabulary",
    "content_words",
    "expand_abbreviations",
    "focus_sentence",
    "question_sentences",
    "stem",
    "stems",
    "words",
]


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
