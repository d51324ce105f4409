"""The learned decisions, as the answer generator calls them.

`SentenceSelector` scores each candidate sentence with the probability that it answers
the question (trained on PolicyQA's answer spans and our gold phrases). Those scores
feed the answerability model (`answer_features`); they do not reorder the sentences:
on our held-out files the rule scorer's order picked the gold sentence as often or more
(see the selector's model card), so the rules keep that job.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.learning.features import HitSummary, question_features, sentence_features
from assistant.learning.models import SELECTOR_PATH, LinearModel, load_model

if TYPE_CHECKING:
    from assistant.answering.abstention import Signals
    from assistant.answering.selection import Candidate
    from assistant.retrieval import Hit


class SentenceSelector:
    def __init__(self, model: LinearModel | None = None) -> None:
        self.model = model or load_model(SELECTOR_PATH)

    def scores(
        self, candidates: Sequence[Candidate], terms: int, hits: Sequence[Hit]
    ) -> list[float]:
        if not self.model.features:  # training's blank model: nothing learned yet
            return []
        summary = HitSummary.of(hits)
        best = max((c.coverage for c in candidates), default=0.0)
        top = max((c.sentence_similarity for c in candidates), default=0.0)
        return [
            self.model.probability(sentence_features(c, terms, summary, best, top))
            for c in candidates
        ]

    def rank(self, candidates: Sequence[Candidate], scores: Sequence[float]) -> list[Candidate]:
        """The candidates best first, each with its softmax share of the selector's
        log-odds plus the rule score at the weight training chose on held-out files
        (the rules know our tuned wording, the selector users' wording)."""
        if not scores:
            return list(candidates)
        weight = self.model.thresholds.get("rule_weight", 0.0)
        logits = blended(scores, [c.score for c in candidates], weight)
        top = max(logits)
        exp = [math.exp(v - top) for v in logits]
        total = sum(exp)
        ranked = [replace(c, learned=e / total) for c, e in zip(candidates, exp, strict=True)]
        return sorted(ranked, key=lambda c: (-c.strength, c.rank, c.clause.position, c.start))


def blended(
    probabilities: Sequence[float], rule_scores: Sequence[float], weight: float
) -> list[float]:
    """What orders the sentences: the selector's log-odds plus ``weight`` times the rule
    score (the same at answer time and when training chooses the weight)."""
    return [
        math.log(max(p, 1e-12) / max(1.0 - p, 1e-12)) + weight * rule
        for p, rule in zip(probabilities, rule_scores, strict=True)
    ]


def answer_features(signals: Signals, hits: Sequence[Hit], scores: Sequence[float]) -> list[float]:
    return question_features(signals, HitSummary.of(hits), scores)
