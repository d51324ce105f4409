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
        log-odds plus the rule score and the question bank's support, at the weights
        training chose on held-out files (the rules know our tuned wording, the selector
        users' wording, the bank questions users already asked)."""
        if not scores:
            return list(candidates)
        weights = self.model.thresholds
        logits = blended(
            scores,
            [c.score for c in candidates],
            weights.get("rule_weight", 0.0),
            [c.bank for c in candidates],
            weights.get("bank_weight", 0.0),
        )
        top = max(logits)
        exp = [math.exp(v - top) for v in logits]
        total = sum(exp)
        ranked = [replace(c, learned=e / total) for c, e in zip(candidates, exp, strict=True)]
        return sorted(ranked, key=lambda c: (-c.strength, c.rank, c.clause.position, c.start))


def blended(
    probabilities: Sequence[float],
    rule_scores: Sequence[float],
    weight: float,
    bank_scores: Sequence[float] = (),
    bank_weight: float = 0.0,
) -> list[float]:
    """What orders the sentences: the selector's log-odds plus ``weight`` times the rule
    score plus ``bank_weight`` times the bank's support (the same at answer time and when
    training chooses the weights). A sentence no banked question points to gets 0, so
    where the bank is silent the order is the selector's and the rules' alone."""
    banked = bank_scores or [0.0] * len(probabilities)
    return [
        math.log(max(p, 1e-12) / max(1.0 - p, 1e-12)) + weight * rule + bank_weight * bank
        for p, rule, bank in zip(probabilities, rule_scores, banked, strict=True)
    ]


def leaned(probability: float, lean: float | None, weight: float) -> float:
    """The answerability probability moved by the question bank's lean (how much nearer
    the question is to one the policy answers than to one it does not): ``weight`` log-odds
    per unit of cosine difference. No lean, no change."""
    if lean is None or not weight:
        return probability
    p = min(max(probability, 1e-12), 1.0 - 1e-12)
    return 1.0 / (1.0 + math.exp(-(math.log(p / (1.0 - p)) + weight * lean)))


def answer_features(signals: Signals, hits: Sequence[Hit], scores: Sequence[float]) -> list[float]:
    return question_features(signals, HitSummary.of(hits), scores)
