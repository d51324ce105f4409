"""Query expansion: the privacy vocabulary a question's concepts map to.

When the stemmed words of a concept's ``when`` entry occur in a question (in order, at
most two other words apart), its ``add`` words join the BM25 query at a reduced weight
and the embedded text. The rules are ``assistant/templates/query_expansion.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.language.lexicon import lexicon
from assistant.language.tokens import stem, words

EXPANSION_PATH = Path(__file__).parent.parent / "templates" / "query_expansion.yaml"
MAX_TRIGGER_GAP = 2  # words allowed inside a multi-word concept trigger


class Concept(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    when: list[str] = Field(min_length=1)
    add: list[str] = Field(min_length=1)


class ExpansionRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    concepts: list[Concept] = Field(default_factory=list)

    def trigger_words(self) -> set[str]:
        return {w for c in self.concepts for t in c.when for w in words(t)}


@cache
def load_expansion(path: Path = EXPANSION_PATH) -> ExpansionRules:
    return ExpansionRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class ExpandedQuery:
    text: str  # the question with chat-speak and typos fixed
    terms: list[str]  # stemmed, stopwords removed: the BM25 query
    expansion: list[str]  # stemmed terms added by concepts (not already in `terms`)
    phrases: list[str]  # the same additions as written in the rules, for display or embedding
    concepts: list[str]  # names of the concepts that fired


def content_stems(tokens: list[str]) -> list[str]:
    stop = lexicon().stopwords
    return [s for w, s in zip(tokens, stem(tokens), strict=True) if w not in stop]


@dataclass(frozen=True)
class Expander:
    """The concepts of one rule set, with their triggers stemmed once."""

    triggers: tuple[tuple[Concept, tuple[tuple[str, ...], ...], tuple[str, ...]], ...]

    @classmethod
    def build(cls, rules: ExpansionRules) -> Expander:
        return cls(
            tuple(
                (
                    c,
                    tuple(tuple(stem(words(w))) for w in c.when),
                    tuple(content_stems(words(" ".join(c.add)))),
                )
                for c in rules.concepts
            )
        )

    def expand(self, tokens: list[str], stems: list[str]) -> ExpandedQuery:
        stop = lexicon().stopwords
        terms = list(dict.fromkeys(s for w, s in zip(tokens, stems, strict=True) if w not in stop))
        fired: list[str] = []
        phrases: list[str] = []
        added: list[str] = []
        present = set(stems)
        for concept, triggers, add in self.triggers:
            # the set test first: most triggers share no word with a question
            if any(present.issuperset(t) and phrase_in(list(t), stems) for t in triggers):
                fired.append(concept.name)
                phrases.extend(concept.add)
                added.extend(a for a in add if a not in terms and a not in added)
        return ExpandedQuery(" ".join(tokens), terms, added, phrases, fired)


def phrase_in(phrase: list[str], stems: list[str]) -> bool:
    """Whether the stemmed words of a trigger occur in order, at most two other words
    apart in all ("data you have" in "what data do you have"). Matching the words as a
    bag made "data you have" fire on "do you have safeguards against data loss"."""
    if not phrase:
        return False
    for start, first in enumerate(stems):
        if first != phrase[0]:
            continue
        at, slack = start, MAX_TRIGGER_GAP
        for word in phrase[1:]:
            nxt = next(
                (j for j in range(at + 1, at + 2 + slack) if j < len(stems) and stems[j] == word),
                None,
            )
            if nxt is None:
                break
            slack -= nxt - at - 1
            at = nxt
        else:
            return True
    return False
