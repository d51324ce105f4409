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
from functools import lru_cache
from typing import TYPE_CHECKING

from assistant.answering.text import Vocabulary, question_sentences, stems, words
from assistant.policy import Clause, Policy, iter_sentences

if TYPE_CHECKING:
    from assistant.retrieval import Hit

MAX_HITS = 5  # sentences are drawn from this many top hits
RANK_PRIOR = (0.30, 0.18, 0.10, 0.05, 0.0)
EXACT, SYNONYM, CONTEXT = 1.0, 0.8, 0.5
# A paragraph states its point first and adds detail after: later sentences pay a little.
SENTENCE_POSITION_PENALTY = 0.03
MAX_POSITION_PENALTY = 0.12
# A cross-reference names the topic without saying anything about it (a selector input).
POINTER_RE = re.compile(
    r"\b(?:can be found|is available|are available|see (?:the |our )?section|refer to|"
    r"as (?:detailed|described|set out) (?:below|above))\b",
    re.IGNORECASE,
)


def _points_elsewhere(sentence: str) -> bool:
    return bool(POINTER_RE.search(sentence)) and len(sentence.split()) < 20


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
    pointer: bool = False  # only says where to read more ("... can be found in this Policy")
    sentence_similarity: float = 0.0  # the question's cosine to this sentence's own vector
    # How strongly banked questions point to this sentence (`BankMatches.support`).
    bank: float = 0.0
    # The learned ranker's share of belief that this candidate answers (softmax over the
    # question's candidates); None when no ranker is loaded and the rule score orders.
    learned: float | None = None

    @property
    def text(self) -> str:
        return self.clause.text[self.start : self.end]

    @property
    def score(self) -> float:
        prior = RANK_PRIOR[self.rank] if self.rank < len(RANK_PRIOR) else 0.0
        position = min(SENTENCE_POSITION_PENALTY * self.index, MAX_POSITION_PENALTY)
        return self.coverage + prior - position

    @property
    def strength(self) -> float:
        """What orders candidates: the ranker's share, else the rule score."""
        return self.score if self.learned is None else self.learned


# In a follow-up read in context ("Where is my data stored? How is it protected?") the
# earlier question's words only set the scene: the sentence must answer the last one.
CONTEXT_TERM = 0.5


@dataclass(frozen=True)
class Intent:
    pattern: re.Pattern[str]  # over the question's lower-cased words
    terms: tuple[str, ...]  # stems

    @classmethod
    def build(cls, pattern: str, add: Sequence[str]) -> Intent:
        return cls(re.compile(pattern), tuple(stems(" ".join(add))))


@dataclass(frozen=True)
class Question:
    text: str
    terms: tuple[str, ...]  # stemmed content terms
    focus: frozenset[str] = frozenset()  # terms of the last question; empty: all terms
    # What the question's shape asks for ("What do you use it for?" -> purposes): sought
    # in sentences like the terms, never held against the policy when missing.
    intent: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str, vocabulary: Vocabulary, intents: Sequence[Intent] = ()) -> Question:
        terms = tuple(vocabulary.terms(text))
        sentences = question_sentences(text)
        focus: frozenset[str] = frozenset()
        if len(sentences) > 1:
            last = [t for t in vocabulary.terms(sentences[-1]) if t not in vocabulary.generic]
            focus = frozenset(last)
        asked = " ".join(words(sentences[-1] if sentences else text))
        intent = [t for i in intents if i.pattern.search(asked) for t in i.terms]
        intent = [t for t in dict.fromkeys(intent) if t not in terms]
        return cls(text, terms, focus | frozenset(intent) if focus else focus, tuple(intent))

    @property
    def sought(self) -> tuple[str, ...]:
        return self.terms + self.intent

    def emphasis(self, term: str) -> float:
        return 1.0 if not self.focus or term in self.focus else CONTEXT_TERM


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


def antecedent(policy: Policy, clause: Clause) -> Clause | None:
    """The item before a list item that refers back to it ("This disclosure may involve
    ..." after "Your personal information may be disclosed in ...")."""
    if clause.parent_id is None or clause.text.split(" ", 1)[0] not in ANAPHORS:
        return None
    siblings = policy.children(policy.clause(clause.parent_id))
    earlier = [c for c in siblings if c.position < clause.position]
    return earlier[-1] if earlier else None


def related_clauses(policy: Policy, clause: Clause) -> list[Clause]:
    """A clause with what it needs to be read: its lead-ins, for a lead-in its items, for
    an item the rest of its list, and the items it continues or that continue it. Quoting
    these is quoting what retrieval returned, in its own context."""
    following = continued_by(policy, clause)
    before = antecedent(policy, clause)
    parent = policy.parent(clause)
    return [
        clause,
        *lead_in_chain(policy, clause),
        *list_items(policy, clause),
        *(list_items(policy, parent) if parent else []),  # the rest of its own list
        *([following] if following else []),
        *([before] if before else []),
    ]


MIN_SHARED_STEM = 5


@lru_cache(maxsize=65536)
def _shares_stem(term: str, stems_: frozenset[str]) -> bool:
    """The stemmer leaves some families apart ("accident" -> "accid", "accidentally" ->
    "accident"); a long common prefix joins them again."""
    if len(term) < MIN_SHARED_STEM:
        return False
    return any(
        len(other) >= MIN_SHARED_STEM and (other.startswith(term) or term.startswith(other))
        for other in stems_
    )


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    stems: frozenset[str]
    pointer: bool


class SentenceScorer:
    def __init__(self, policy: Policy, vocabulary: Vocabulary) -> None:
        self.policy = policy
        self.vocabulary = vocabulary
        # A clause's sentences and context never change for a policy version: stemmed once
        # (they were a third of the generator's time per question, stemmed twice a turn).
        self._sentences: dict[str, tuple[_Sentence, ...]] = {}
        self._contexts: dict[str, frozenset[str]] = {}

    def _sentences_of(self, clause: Clause) -> tuple[_Sentence, ...]:
        if (known := self._sentences.get(clause.id)) is None:
            spans = [(a, b, clause.text[a:b]) for a, b in iter_sentences(clause.text)]
            known = tuple(
                _Sentence(a, b, frozenset(stems(text)), _points_elsewhere(text))
                for a, b, text in spans
            )
            self._sentences[clause.id] = known
        return known

    def _context_of(self, clause: Clause) -> frozenset[str]:
        if (known := self._contexts.get(clause.id)) is None:
            chain = lead_in_chain(self.policy, clause)
            words_ = {t for lead in chain for t in stems(lead.text)} | set(stems(clause.section))
            known = frozenset(words_)
            self._contexts[clause.id] = known
        return known

    def match_weights(
        self, question: Question, own: frozenset[str], context: frozenset[str]
    ) -> tuple[float, set[str], set[str]]:
        total = gained = 0.0
        matched: set[str] = set()
        own_matched: set[str] = set()
        for term in question.sought:
            weight = self.vocabulary.weight(term) * question.emphasis(term)
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
        seen: set[str] = set()
        for rank, hit in enumerate(hits[:MAX_HITS]):
            before = antecedent(self.policy, hit.clause)
            # An item's lead-in may answer better than the item ("What do you use my data
            # for?" retrieving one purpose: its lead-in introduces them all).
            lead_in = self.policy.parent(hit.clause)
            for clause in (hit.clause, *(c for c in (before, lead_in) if c is not None)):
                if clause.id not in seen:
                    seen.add(clause.id)
                    found += self._clause_candidates(question, clause, rank, hit)
        found.sort(key=lambda c: (-c.score, c.rank, c.clause.position, c.start))
        return found

    def _clause_candidates(
        self, question: Question, clause: Clause, rank: int, hit: Hit
    ) -> list[Candidate]:
        found: list[Candidate] = []
        context = self._context_of(clause)
        view = hit.sentences
        for index, sentence in enumerate(self._sentences_of(clause)):
            coverage, matched, own_matched = self.match_weights(question, sentence.stems, context)
            own = view.sentence(clause.id, index) if view is not None else None
            found.append(
                Candidate(
                    clause,
                    sentence.start,
                    sentence.end,
                    rank,
                    index,
                    hit.similarity,
                    coverage,
                    frozenset(matched),
                    frozenset(own_matched),
                    sentence.pointer,
                    hit.similarity if own is None else own,
                    hit.bank_matches.support(
                        clause.start + sentence.start, clause.start + sentence.end
                    ),
                )
            )
        return found
