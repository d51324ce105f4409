"""Retrieval: a question in, ranked policy clauses out.

`HybridRetriever` adds two scores (see `FusionConfig`): the dense cosine leads and
BM25, normalised by the query's best BM25 score, breaks near-ties:

* dense: best cosine similarity of the question's MiniLM embedding (the question
  plus the policy vocabulary its concepts map to, see `dense_query`) to the clause's
  vectors (the clause under its section title, and each sentence of a long clause),
  an exact product over the version's vectors held in memory by `PolicyIndex`;
* lexical: BM25 (bm25s, English Snowball stemming) over the clause with its section
  title and lead-in, with the question rewritten by `QueryExpander` (chat-speak,
  typo repair and the privacy vocabulary of the language layer, `assistant.language`).

Tried and dropped (measured on both halves of evals/retrieval.yaml, none helped on
both): reciprocal rank fusion (discards the cosine margin), hierarchical scores
(a bullet inheriting its lead-in's, a lead-in its best bullet's), clause-alone or
lead-in vectors next to the section-titled ones, vectors composed from clause and
title embeddings, and dense pseudo-relevance feedback.

Each search embeds the question exactly once; everything else (expansion, BM25,
the dense product) takes about 1.5 ms for a policy of ~100 clauses.
`DenseRetriever` and `LexicalRetriever` are the two halves alone, for comparison.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from assistant.config import Settings
from assistant.embedding import Embedder
from assistant.index import PolicyIndex, SentenceView, clause_context, ensure_ingested
from assistant.language import (
    Concept,
    ExpandedQuery,
    ExpansionRules,
    Reader,
    Reading,
    lexicon,
    load_expansion,
    phrase_in,
    shared_reader,
    stem,
    words,
)
from assistant.language.expansion import EXPANSION_PATH
from assistant.policy import Clause, Policy
from assistant.question_bank import (
    NO_MATCHES,
    BankFile,
    BankIndex,
    BankMatches,
    load_bank,
)

if TYPE_CHECKING:
    import numpy as np

__all__ = [  # the query-understanding names are the language layer's, re-exported
    "EXPANSION_PATH",
    "STOPWORDS",
    "Concept",
    "DenseRetriever",
    "ExpandedQuery",
    "ExpansionRules",
    "FusionConfig",
    "Hit",
    "HybridRetriever",
    "LexicalIndex",
    "LexicalRetriever",
    "QueryExpander",
    "Retriever",
    "dense_query",
    "expanded_text",
    "expansion_vocabulary",
    "lexical_text",
    "load_expansion",
    "load_retriever",
    "phrase_in",
    "policy_reader",
    "stem",
    "words",
]


@dataclass(frozen=True)
class Hit:
    """One retrieved clause. ``score`` orders hits (higher is better, fused);
    ``similarity`` is the raw dense cosine similarity in [-1, 1], the signal
    answering uses to decide whether the policy addresses the question at all."""

    clause: Clause
    score: float
    similarity: float
    lexical: float = 0.0
    context: str = ""  # the parent lead-in and section title, for display and generation
    dense_rank: int | None = None  # 1-based rank in the dense list, None if not in it
    lexical_rank: int | None = None  # 1-based rank in the BM25 list, None if no term matched
    bank: float = 0.0  # best cosine to a banked question this clause answered
    # The query's cosine to every sentence vector, shared by the hits of one search:
    # answering reads which sentence of a clause (or of its lead-in) the question is about.
    sentences: SentenceView | None = field(default=None, compare=False, repr=False)
    # The banked questions nearest the query, shared likewise: which sentence answered them.
    bank_matches: BankMatches = field(default=NO_MATCHES, compare=False, repr=False)


class Retriever(Protocol):
    def search(self, query: str, k: int = 5) -> list[Hit]: ...


# ---------------------------------------------------------------- query understanding

STOPWORDS = lexicon().stopwords
MAX_POLICY_READERS = 8


class QueryExpander:
    """Rewrites a user question for BM25 through the language layer's reader for a
    vocabulary, so typos are corrected towards words the policy (or the expansion
    vocabulary) actually uses. Expanders over one vocabulary share one reader, so the
    retriever and the answer generator read each question once between them."""

    def __init__(self, vocabulary: set[str], rules: ExpansionRules | None = None) -> None:
        self.reader = shared_reader(vocabulary, rules)
        self.rules = self.reader.rules
        self.vocabulary = self.reader.vocabulary

    def read(self, query: str) -> Reading:
        return self.reader.read(query)

    def rewrite_chat_speak(self, text: str) -> str:
        """The text with chat-speak words spelled out ("do u sell" -> "do you sell"), its
        punctuation and sentences kept, for readers that parse sentences."""
        return self.reader.read(text).spelled

    def normalise(self, query: str) -> list[str]:
        return list(self.reader.read(query).tokens)

    def expand(self, query: str) -> ExpandedQuery:
        return self.reader.read(query).query


# ---------------------------------------------------------------- lexical


def lexical_text(policy: Policy, clause: Clause) -> str:
    """What BM25 sees: the clause with its section title and lead-in (better than the
    clause alone or with its section only, on the dev split)."""
    context = clause_context(policy, clause)
    return f"{context}\n{clause.text}" if context else clause.text


def expansion_vocabulary(policy: Policy) -> set[str]:
    """The words typo correction aims at: everything BM25 sees. The answer generator uses
    the same set, so both share one reader (and its cache of readings)."""
    return {w for clause in policy.clauses for w in words(lexical_text(policy, clause))}


_POLICY_READERS: dict[str, Reader] = {}


def policy_reader(policy: Policy) -> Reader:
    """The language layer's reader for a policy version: typos repaired towards its words
    (shared with the retriever's and the answer generator's expanders)."""
    reader = _POLICY_READERS.get(policy.version)
    if reader is None:
        if len(_POLICY_READERS) >= MAX_POLICY_READERS:
            _POLICY_READERS.pop(next(iter(_POLICY_READERS)))
        reader = _POLICY_READERS[policy.version] = shared_reader(expansion_vocabulary(policy))
    return reader


class LexicalIndex:
    def __init__(self, policy: Policy, rules: ExpansionRules | None = None) -> None:
        import bm25s

        self.policy = policy
        corpus = [words(lexical_text(policy, c)) for c in policy.clauses]
        self.bm25 = bm25s.BM25()
        self.bm25.index(
            [
                [s for w, s in zip(doc, stem(doc), strict=True) if w not in STOPWORDS]
                for doc in corpus
            ],
            show_progress=False,
        )
        self.expander = QueryExpander(expansion_vocabulary(policy), rules)

    def scores(self, query: ExpandedQuery, expansion_weight: float) -> np.ndarray:
        scores = self._scores(query.terms)
        if query.expansion and expansion_weight:
            scores = scores + expansion_weight * self._scores(query.expansion)
        return scores

    def _scores(self, terms: list[str]) -> np.ndarray:
        import numpy as np

        known = [t for t in terms if t in self.bm25.vocab_dict]
        if not known:
            return np.zeros(len(self.policy.clauses), dtype=np.float32)
        return self.bm25.get_scores(known)

    def ranking(self, query: ExpandedQuery, expansion_weight: float) -> list[tuple[int, float]]:
        """(clause position, score) for every clause with a positive score, best first."""
        scores = self.scores(query, expansion_weight)
        order = sorted(range(len(scores)), key=lambda i: -float(scores[i]))
        return [(i, float(scores[i])) for i in order if scores[i] > 0]


# ---------------------------------------------------------------- retrievers


@dataclass(frozen=True)
class FusionConfig:
    """Score-level fusion: ``cosine + lexical_weight * bm25 / max bm25 of the query``.

    Dense similarity leads and BM25 only breaks near-ties: in many misses the gold
    clause had the highest cosine (0.54 vs 0.34) and reciprocal rank fusion, which
    discards magnitudes, still ranked two BM25-favoured clauses above it. With the
    same expansion rules, RRF (lexical list at half weight) scored R@1 .860 dev /
    .635 heldout, this with weight 0.15 .884 / .654. Re-checked after the vocabulary
    pass (R@1 by weight 0.10/0.15/0.20/0.25: dev+batch 3 .841/.857/.841/.810,
    heldout .865/.885/.865/.904): 0.15 is best on one half, near-best on the other."""

    dense_k: int = 30  # clauses taken from Chroma
    lexical_k: int = 30  # clauses taken from BM25 (their cosine is computed exactly)
    lexical_weight: float = 0.15  # weight of max-normalised BM25 next to the cosine
    expansion_weight: float = 1.0  # BM25 weight of concept-added terms vs the user's own
    # Weight of the question bank's cosine (`assistant.question_bank`). Chosen with each
    # labelled file left out of the bank in turn (R@1 by weight 0.5/0.8/1.0/1.5, batches
    # 5/6/7: .789/.817/.817/.826, .710/.763/.779/.794, .715/.723/.730/.730; R@3 peaks at
    # 0.8-1.0 on batches 6 and 7).
    bank_weight: float = 1.0


def expanded_text(expanded: ExpandedQuery) -> str:
    """The question read with the policy vocabulary its concepts map to
    ("honor dnt. do not track, browser requests")."""
    if not expanded.phrases:
        return expanded.text
    return f"{expanded.text}. {', '.join(dict.fromkeys(expanded.phrases))}"


def dense_query(expanded: ExpandedQuery) -> str:
    """The text embedded for a question: `expanded_text` with the question written twice.
    Still one embedding; on the dev split the vocabulary lifted dense recall@1 from 0.77
    to 0.84.

    Twice, because MiniLM mean-pools its tokens: written once, a long list of added
    phrases outweighed the user's own words, and those are what generalises to wording
    nobody wrote rules for (hybrid R@1 on the spent blind batch 0.656 -> 0.750; on the
    tuned set and the blind answer questions unchanged; embedding the raw question as a
    second vector did as well but costs a second model pass)."""
    if not expanded.phrases:
        return expanded.text
    return f"{expanded.text}. {expanded_text(expanded)}"


class _VersionFollower:
    """Per-version state (the BM25 index and the embedded question bank), rebuilt when
    the active policy changes."""

    def __init__(
        self,
        index: PolicyIndex,
        version: str | None,
        embedder: Embedder | None = None,
        bank: BankFile | None = None,
    ) -> None:
        self.index = index
        self.pinned = version
        self.embedder = embedder
        self.bank = bank
        self._lock = threading.Lock()
        self._lexical: LexicalIndex | None = None
        self._bank_index: BankIndex | None = None
        self._followup_index: BankIndex | None = None

    def state(self) -> tuple[LexicalIndex, BankIndex | None]:
        return self._state()[:2]

    def followup_state(self) -> tuple[LexicalIndex, BankIndex | None]:
        """The follow-ups' bank index (`BankIndex.build(followups=True)`)."""
        lexical, _, followups = self._state()
        return lexical, followups

    def _state(self) -> tuple[LexicalIndex, BankIndex | None, BankIndex | None]:
        version = self.pinned or self.index.active_version()
        with self._lock:
            if self._lexical is None or self._lexical.policy.version != version:
                lexical = LexicalIndex(self.index.ready(version))
                self._bank_index = self._followup_index = None
                if self.bank is not None and self.embedder is not None:
                    self._bank_index, self._followup_index = (
                        BankIndex.build(
                            self.bank,
                            lexical.policy,
                            self.embedder,
                            lambda q: dense_query(lexical.expander.expand(q)),
                            self.index.data_dir / "question_bank",
                            followups=followups,
                        )
                        for followups in (False, True)
                    )
                self._lexical = lexical
            return self._lexical, self._bank_index, self._followup_index

    def lexical(self) -> LexicalIndex:
        return self.state()[0]


class DenseRetriever:
    """Chroma alone. ``expand=False`` embeds the raw question (plain MiniLM retrieval);
    ``expand=True`` embeds the same text the hybrid's dense half does."""

    def __init__(
        self,
        index: PolicyIndex,
        embedder: Embedder | None = None,
        version: str | None = None,
        expand: bool = False,
    ) -> None:
        self.index = index
        self.embedder = embedder or index.embedder
        self.expand = expand
        self._follower = _VersionFollower(index, version)

    def search(self, query: str, k: int = 5) -> list[Hit]:
        lexical = self._follower.lexical()
        policy = lexical.policy
        text = dense_query(lexical.expander.expand(query)) if self.expand else query
        matches = self.index.dense_search(
            self.embedder.embed_query(text), k=k, version=policy.version
        )
        return [
            Hit(
                m.clause,
                m.similarity,
                m.similarity,
                context=clause_context(policy, m.clause),
                dense_rank=rank,
            )
            for rank, m in enumerate(matches, 1)
        ]


class LexicalRetriever:
    """BM25 alone; ``similarity`` is 0.0 because no embedding is computed."""

    def __init__(
        self, index: PolicyIndex, config: FusionConfig | None = None, version: str | None = None
    ) -> None:
        self.config = config or FusionConfig()
        self._follower = _VersionFollower(index, version)

    def search(self, query: str, k: int = 5) -> list[Hit]:
        lexical = self._follower.lexical()
        ranking = lexical.ranking(lexical.expander.expand(query), self.config.expansion_weight)
        policy = lexical.policy
        return [
            Hit(
                policy.clauses[i],
                score,
                0.0,
                lexical=score,
                context=clause_context(policy, policy.clauses[i]),
                lexical_rank=rank,
            )
            for rank, (i, score) in enumerate(ranking[:k], 1)
        ]


# A banked follow-up less similar than this says nothing (`BankIndex.nearest`): on the
# labelled follow-ups (each file's nearest from another file, raw MiniLM vectors), below
# 0.55 the nearest had another answer 38 times in 68; from 0.55 up 19 times in 202.
FOLLOWUP_FLOOR = 0.55
QUERY_VECTORS_KEPT = 32


class HybridRetriever:
    def __init__(
        self,
        index: PolicyIndex,
        embedder: Embedder | None = None,
        config: FusionConfig | None = None,
        version: str | None = None,
        bank: BankFile | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder or index.embedder
        self.config = config or FusionConfig()
        self._follower = _VersionFollower(index, version, self.embedder, bank)
        self._bank_excluded: frozenset[str] = frozenset()
        # The last few query vectors: a follow-up's two searches and its banked follow-ups
        # embed the same two texts (in memory only, like the session's own history).
        self._vectors: dict[tuple[int, str], list[float]] = {}
        self._vectors_lock = threading.Lock()

    def excluding(self, sources: Collection[str]) -> HybridRetriever:
        """This retriever with the bank's questions from ``sources`` left out (sharing its
        per-version state): how a labelled file is scored without finding itself."""
        other = copy.copy(self)
        other._bank_excluded = frozenset(sources)
        return other

    @property
    def policy(self) -> Policy:
        """The policy version searches currently run against."""
        return self._follower.lexical().policy

    def _query_vector(self, text: str) -> list[float]:
        key = (id(self.embedder), text)
        with self._vectors_lock:
            known = self._vectors.get(key)
        if known is not None:
            return known
        vector = self.embedder.embed_query(text)
        with self._vectors_lock:
            self._vectors[key] = vector
            while len(self._vectors) > QUERY_VECTORS_KEPT:
                self._vectors.pop(next(iter(self._vectors)))
        return vector

    def followup_matches(self, message: str, reading: str) -> BankMatches:
        """The banked follow-ups nearest a follow-up: by its own words (``message``) and
        its reading in context, as the follow-ups' index holds them."""
        lexical, followups = self._follower.followup_state()
        if followups is None:
            return NO_MATCHES
        own, merged = (
            self._query_vector(dense_query(lexical.expander.expand(text)))
            for text in (message, reading)
        )
        matches = followups.nearest(own, self._bank_excluded, reading=merged)
        near = tuple(m for m in matches.rows if m.cosine >= FOLLOWUP_FLOOR)
        return BankMatches(near) if near else NO_MATCHES

    def search(self, query: str, k: int = 5) -> list[Hit]:
        cfg = self.config
        lexical, bank = self._follower.state()
        policy = lexical.policy
        expanded = lexical.expander.expand(query)
        vector = self._query_vector(dense_query(expanded))
        dense, view = self.index.dense_view(vector, k=cfg.dense_k, version=policy.version)
        bm25 = lexical.ranking(expanded, cfg.expansion_weight)[: cfg.lexical_k]
        matches = bank.nearest(vector, self._bank_excluded) if bank else NO_MATCHES
        support = matches.clause_support()
        similarity = {m.clause.id: m.similarity for m in dense}
        dense_rank = {m.clause.id: rank for rank, m in enumerate(dense, 1)}
        lexical_rank = {policy.clauses[i].id: (rank, s) for rank, (i, s) in enumerate(bm25, 1)}
        # a BM25- or bank-only candidate is scored (and abstained on) by its true cosine
        for cid in (*lexical_rank, *support):
            similarity.setdefault(cid, view.clauses[cid])
        top_bm25 = bm25[0][1] if bm25 else 0.0
        fused = {
            cid: sim
            + (cfg.lexical_weight * lexical_rank[cid][1] / top_bm25 if cid in lexical_rank else 0.0)
            + cfg.bank_weight * support.get(cid, 0.0)
            for cid, sim in similarity.items()
        }
        top = sorted(fused, key=lambda cid: (-fused[cid], policy.clause(cid).position))[:k]
        return [
            Hit(
                clause=policy.clause(cid),
                score=fused[cid],
                similarity=similarity[cid],
                lexical=lexical_rank[cid][1] if cid in lexical_rank else 0.0,
                context=clause_context(policy, policy.clause(cid)),
                dense_rank=dense_rank.get(cid),
                lexical_rank=lexical_rank[cid][0] if cid in lexical_rank else None,
                bank=support.get(cid, 0.0),
                sentences=view,
                bank_matches=matches,
            )
            for cid in top
        ]


def load_retriever(
    settings: Settings | None = None, embedder: Embedder | None = None
) -> HybridRetriever:
    """The hybrid retriever over the active policy, ingesting the configured one if none is,
    with the configured question bank."""
    settings = settings or Settings()
    bank = load_bank(settings.question_bank) if settings.question_bank else None
    retriever = HybridRetriever(ensure_ingested(settings, embedder), bank=bank)
    return retriever.excluding(settings.question_bank_exclude)
