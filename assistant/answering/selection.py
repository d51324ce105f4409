"""Which policy sentences answer the question: candidates from the top hits, scored.

A candidate is one sentence of a retrieved clause (a bullet is one sentence). Its score
mixes how much of the question it covers (rare words count more, synonyms a little
less, words only in its lead-in less again) with how highly retrieval ranked its
clause, so the top hit's clause wins ties.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.answering.text import Vocabulary, stems
from assistant.policy import Clause, Policy, iter_sentences

if TYPE_CHECKING:
    from assistant.retrieval import Hit

MAX_HITS = 5  # sentences are drawn from this many top hits
RANK_PRIOR = (0.30, 0.18, 0.10, 0.05, 0.0)
SIMILARITY_WEIGHT = 0.3
EXACT, SYNONYM, CONTEXT = 1.0, 0.8, 0.5
# A paragraph states its point first and adds detail after: later sentences pay a little.
SENTENCE_POSITION_PENALTY = 0.03
MAX_POSITION_PENALTY = 0.12


@dataclass(frozen=True)
class Candidate:
    clause: Clause
    start: int  # span of the sentence inside clause.text
    end: int
    rank: int  # rank of the hit that retrieved the clause
    index: int  # position of the sentence in its clause, 0-based
    similarity: float
    coverage: float  # weighted share of the question's terms it covers, 0..1
    matched: frozenset[str]  # question terms it covers (itself or through its lead-in)
    own_matched: frozenset[str]  # question terms its own words cover

    @property
    def text(self) -> str:
        return self.clause.text[self.start : self.end]

    @property
    def score(self) -> float:
        prior = RANK_PRIOR[self.rank] if self.rank < len(RANK_PRIOR) else 0.0
        position = min(SENTENCE_POSITION_PENALTY * self.index, MAX_POSITION_PENALTY)
        return self.coverage + prior - position + SIMILARITY_WEIGHT * max(self.similarity, 0.0)


@dataclass(frozen=True)
class Question:
    text: str
    terms: tuple[str, ...]  # stemmed content terms

    @classmethod
    def parse(cls, text: str, vocabulary: Vocabulary) -> Question:
        return cls(text, tuple(vocabulary.terms(text)))


def lead_in_chain(policy: Policy, clause: Clause) -> list[Clause]:
    """The clause's lead-ins, nearest first ("Prevent fraud." -> "... retained for ...:")."""
    chain = []
    parent = policy.parent(clause)
    while parent is not None:
        chain.append(parent)
        parent = policy.parent(parent)
    return chain


LABEL_RE = re.compile(r"^(?P<label>[A-Z][A-Za-z ]{2,40}):\s+\S")


def list_items(policy: Policy, lead_in: Clause) -> list[Clause]:
    """The items a lead-in ending in ":" introduces: its child bullets or, in flat text,
    the labelled paragraphs that follow it ("Access: ...", "Erasure: ...")."""
    if not lead_in.text.rstrip().endswith(":"):
        return []
    children = policy.children(lead_in)
    if children:
        return children
    items = []
    for clause in policy.clauses[lead_in.position + 1 :]:
        if clause.section_id != lead_in.section_id or not LABEL_RE.match(clause.text):
            break
        items.append(clause)
    return items


# Words that open a sentence pointing back at the one before ("This involves ...").
ANAPHORS = frozenset({"This", "These", "It", "They", "Their", "Such", "That"})


def continued_by(policy: Policy, clause: Clause) -> Clause | None:
    """The next item of the same list when it refers back to this one ("These
    communications may be delivered ..." after "We use ... to send direct marketing")."""
    if clause.parent_id is None:
        return None
    siblings = policy.children(policy.clause(clause.parent_id))
    later = [c for c in siblings if c.position > clause.position]
    if later and later[0].text.split(" ", 1)[0] in ANAPHORS:
        return later[0]
    return None


def related_clauses(policy: Policy, clause: Clause) -> list[Clause]:
    """A clause with what it needs to be read: its lead-ins, for a lead-in its items, and
    an item that continues it. Quoting these is quoting what retrieval returned, in its
    own context."""
    following = continued_by(policy, clause)
    return [
        clause,
        *lead_in_chain(policy, clause),
        *list_items(policy, clause),
        *([following] if following else []),
    ]


MIN_SHARED_STEM = 5


def _shares_stem(term: str, stems_: set[str]) -> bool:
    """The stemmer leaves some families apart ("accident" -> "accid", "accidentally" ->
    "accident"); a long common prefix joins them again."""
    if len(term) < MIN_SHARED_STEM:
        return False
    return any(
        len(other) >= MIN_SHARED_STEM and (other.startswith(term) or term.startswith(other))
        for other in stems_
    )


class SentenceScorer:
    def __init__(self, policy: Policy, vocabulary: Vocabulary) -> None:
        self.policy = policy
        self.vocabulary = vocabulary

    def match_weights(
        self, question: Question, own: set[str], context: set[str]
    ) -> tuple[float, set[str], set[str]]:
        total = gained = 0.0
        matched: set[str] = set()
        own_matched: set[str] = set()
        for term in question.terms:
            weight = self.vocabulary.weight(term)
            total += weight
            synonyms = self.vocabulary.synonyms(term)
            if term in own or synonyms & own or _shares_stem(term, own):
                gained += weight * (EXACT if term in own else SYNONYM)
                matched.add(term)
                own_matched.add(term)
            elif term in context or synonyms & context or _shares_stem(term, context):
                gained += weight * CONTEXT
                matched.add(term)
        return (gained / total if total else 0.0), matched, own_matched

    def candidates(self, question: Question, hits: Sequence[Hit]) -> list[Candidate]:
        found: list[Candidate] = []
        for rank, hit in enumerate(hits[:MAX_HITS]):
            clause = hit.clause
            context = {t for lead in lead_in_chain(self.policy, clause) for t in stems(lead.text)}
            context |= set(stems(clause.section))
            for index, (start, end) in enumerate(iter_sentences(clause.text)):
                own = set(stems(clause.text[start:end]))
                coverage, matched, own_matched = self.match_weights(question, own, context)
                found.append(
                    Candidate(
                        clause,
                        start,
                        end,
                        rank,
                        index,
                        hit.similarity,
                        coverage,
                        frozenset(matched),
                        frozenset(own_matched),
                    )
                )
        found.sort(key=lambda c: (-c.score, c.rank, c.clause.position, c.start))
        return found
