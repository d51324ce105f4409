"""Typo repair over known vocabularies, with RapidFuzz instead of a hand-written repairer.

Two tiers, because two kinds of words are at stake:
- keywords (the words rules key on, ``language.yaml``): one Damerau-Levenshtein edit with
  the same first letter repairs, even when the typo stems like the word ("delet" ->
  "delete"), since rules match words, not stems;
- the vocabulary (the policy's words): a word whose stem nothing known shares is
  replaced by the closest vocabulary word with an Indel similarity of 85 % or more
  (the cut-off difflib had here before); a known form is never changed ("browse" stays
  although the policy only says "browsing").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from assistant.language.tokens import stem

MIN_LENGTH = 5  # shorter words are too ambiguous to repair
MAX_LENGTH = 20
SIMILARITY_CUTOFF = 85.0  # fuzz.ratio, for vocabulary repairs
MAX_CACHED = 50_000  # repairs remembered per speller; junk words cannot grow it forever


@dataclass
class Speller:
    keywords: frozenset[str]
    vocabulary: frozenset[str]
    protected: frozenset[str] = frozenset()  # real words never "corrected"
    _known_stems: frozenset[str] = field(init=False)
    _by_initial: dict[str, list[str]] = field(init=False)
    _choices: list[str] = field(init=False)
    _cache: dict[str, str] = field(init=False, default_factory=dict)

    @classmethod
    def build(
        cls, keywords: Iterable[str], vocabulary: Iterable[str], protected: Iterable[str] = ()
    ) -> Speller:
        return cls(frozenset(keywords), frozenset(vocabulary), frozenset(protected))

    def __post_init__(self) -> None:
        known = sorted(self.vocabulary | self.keywords | self.protected)
        self._known_stems = frozenset(stem(known))
        self._by_initial = {}
        for word in sorted(self.keywords):
            self._by_initial.setdefault(word[:1], []).append(word)
        # difflib broke ties towards the larger word; keep that order
        self._choices = sorted(self.vocabulary | self.keywords, reverse=True)

    def knows(self, word: str) -> bool:
        """Whether the word, or another form of it, is a known word."""
        known = word in self.vocabulary or word in self.keywords or word in self.protected
        return known or stem([word])[0] in self._known_stems

    def repair(self, word: str) -> str:
        """The word, or the known word it is a typo of."""
        if not (MIN_LENGTH <= len(word) <= MAX_LENGTH and word.isalpha()):
            return word
        if word in self.vocabulary or word in self.keywords or word in self.protected:
            return word
        if (cached := self._cache.get(word)) is not None:
            return cached
        repaired = self._keyword(word) or self._vocabulary_word(word) or word
        if len(self._cache) < MAX_CACHED:
            self._cache[word] = repaired
        return repaired

    def _keyword(self, word: str) -> str | None:
        candidates = self._by_initial.get(word[0], [])
        match = process.extractOne(
            word, candidates, scorer=DamerauLevenshtein.distance, score_cutoff=1
        )
        return match[0] if match else None

    def _vocabulary_word(self, word: str) -> str | None:
        if stem([word])[0] in self._known_stems:
            return None
        match = process.extractOne(
            word, self._choices, scorer=fuzz.ratio, score_cutoff=SIMILARITY_CUTOFF
        )
        return match[0] if match else None
