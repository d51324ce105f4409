"""Features of the decisions after retrieval, from what answering computes anyway.

Nothing here embeds text: the dense signal is each hit's cosine, which retrieval
already computed (best over the clause and, for a long clause, its sentences). The
lexical signals are the generator's IDF-weighted coverage of the question's words by a
sentence, itself or through its lead-in and section title.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.answering.abstention import Signals
    from assistant.answering.selection import Candidate
    from assistant.retrieval import Hit

SENTENCE_FEATURES = (
    "coverage",
    "own_share",
    "context_share",
    "similarity",
    "similarity_gap",
    "rank0",
    "rank1",
    "rank2",
    "retrieved_itself",
    "lexical",
    "position",
    "pointer",
    "log_words",
    "lead_in",
    "coverage_gap",
    "sentence_similarity",
    "sentence_similarity_gap",
    "sentence_similarity_top",
)
# Tried and dropped (our files held out in rotation: AUC 0.88 with them, 0.92 without;
# the share of unanswerable questions declined at 3 % wrong abstention within noise):
# the best BM25 score and the number of question terms, whose scales differ between
# PolicyQA's long segments and our short clauses. Tried one at a time next to these
# (session 6, our files held out in rotation: AUC 0.888, uncovered declined at 3 % wrong
# abstention 0.409 without any; none beat that beyond one or two questions): the
# IDF-weighted share and count of the question's words the policy never uses (after typo
# repair), its rarest word's rarity and coverage, the spread of the top-5 cosines, whether
# the best dense and best BM25 hits agree and their ranks in each other's list, wh-type
# (how long/how much/who) against a number or name in the best sentence, yes/no shape.
# Kept: names and acronyms the policy never uses (AUC 0.899, declined 0.461).
# Not an input of either model: the question bank's support (`Candidate.bank`). PolicyQA's
# policies have no bank, so as an input the models learned "no bank support, no answer"
# (PolicyQA held-out wrong abstention 0.021 -> 0.114 here, 0.182 through the selector's
# scores), which a clause new in a policy update would meet too. It is blended into the
# sentence order instead (`decisions.blended`), where no support changes nothing.
QUESTION_FEATURES = (
    "similarity",
    "margin",
    "coverage",
    "uncovered",
    "privacy",
    "best_sentence",
    "sentence_margin",
    "unseen_names",
)


@dataclass(frozen=True)
class HitSummary:
    """What the features read from the hits, computed once per question."""

    top_similarity: float
    second_similarity: float
    top_lexical: float
    clause_ranks: dict[str, int]
    lexical_share: dict[str, float]  # a hit's BM25 over the best one's

    @classmethod
    def of(cls, hits: Sequence[Hit]) -> HitSummary:
        sims = sorted((h.similarity for h in hits), reverse=True)
        return cls(
            sims[0] if sims else 0.0,
            sims[1] if len(sims) > 1 else 0.0,
            max((h.lexical for h in hits), default=0.0),
            {h.clause.id: rank for rank, h in enumerate(hits)},
            {
                h.clause.id: h.lexical / top
                if (top := max((x.lexical for x in hits), default=0.0)) > 0
                else 0.0
                for h in hits
            },
        )


def sentence_features(
    candidate: Candidate,
    terms: int,
    summary: HitSummary,
    best_coverage: float,
    best_sentence: float,
) -> list[float]:
    """``best_coverage``, ``best_sentence``: the best coverage and sentence cosine among
    the question's candidates."""
    own = len(candidate.own_matched) / terms if terms else 0.0
    context = len(candidate.matched - candidate.own_matched) / terms if terms else 0.0
    lexical_rank = summary.clause_ranks.get(candidate.clause.id)
    words = len(candidate.text.split())
    return [
        candidate.coverage,
        own,
        context,
        candidate.similarity,
        summary.top_similarity - candidate.similarity,
        float(candidate.rank == 0),
        float(candidate.rank == 1),
        float(candidate.rank == 2),
        float(lexical_rank == candidate.rank),  # the hit's own clause, not its lead-in
        summary.lexical_share.get(candidate.clause.id, 0.0),
        min(candidate.index, 4) / 4,
        float(candidate.pointer),
        math.log1p(words),
        float(candidate.text.rstrip().endswith(":")),
        best_coverage - candidate.coverage,
        candidate.sentence_similarity,
        best_sentence - candidate.sentence_similarity,
        float(candidate.sentence_similarity >= best_sentence),
    ]


def question_features(
    signals: Signals, summary: HitSummary, sentence_scores: Sequence[float]
) -> list[float]:
    ordered = sorted(sentence_scores, reverse=True)
    best = ordered[0] if ordered else 0.0
    second = ordered[1] if len(ordered) > 1 else 0.0
    return [
        signals.similarity,
        summary.top_similarity - summary.second_similarity,
        signals.coverage,
        signals.uncovered,
        signals.privacy,
        best,
        best - second,
        signals.unseen_names,
    ]
