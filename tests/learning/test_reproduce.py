"""The committed models reproduce their card's held-out numbers: on the PolicyQA
policies they were never trained on, through the real MiniLM hybrid retriever (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answering.abstention import AbstentionModel
from assistant.answering.grounded import GroundedGenerator
from assistant.config import Settings
from assistant.index import open_index
from assistant.learning.cache import CachingEmbedder
from assistant.learning.collect import Example, run_example
from assistant.learning.decisions import SentenceSelector
from assistant.learning.models import ANSWERABILITY_PATH, SELECTOR_PATH, LinearModel, load_model
from assistant.learning.policyqa import load_policyqa
from assistant.learning.training import (
    abstention_metrics,
    question_matrix,
    retrieval_recall,
    selection_accuracy,
    sentence_scores,
)
from assistant.retrieval import HybridRetriever, dense_query

pytestmark = pytest.mark.slow
NOISE = 0.02


def test_committed_models_reproduce_their_policyqa_heldout_numbers(tmp_path: Path) -> None:
    card = json.loads(ANSWERABILITY_PATH.with_suffix(".card.json").read_text())
    held = set(card["heldout_policies"])
    embedder = CachingEmbedder.open(tmp_path / "embeddings")
    index = open_index(Settings(data_dir=tmp_path / "index"), embedder)
    blank = LinearModel((), (), (), (), 0.0, {})
    neutral, no_selector = AbstentionModel(0.5, 0.25, learned=blank), SentenceSelector(blank)
    rows = []
    for company in [c for c in load_policyqa() if c.company in held]:
        index.ingest(company.policy)
        retriever = HybridRetriever(index, version=company.policy.version)
        generator = GroundedGenerator(company.policy, model=neutral, selector=no_selector)
        expander = retriever._follower.lexical().expander
        embedder.prefetch_queries(
            [dense_query(expander.expand(q.question)) for q in company.questions]
        )
        for q in company.questions:
            example = Example(f"policyqa:{q.company}", q.company, q.question, (q.answer,))
            if (row := run_example(example, retriever, generator)) is not None:
                rows.append(row)
    selector, answerability = load_model(SELECTOR_PATH), load_model(ANSWERABILITY_PATH)
    expected = card["policyqa_heldout"]

    assert retrieval_recall(rows)["questions"] == expected["retrieval"]["questions"]
    for metric in ("r@1", "r@3"):
        assert abs(retrieval_recall(rows)[metric] - expected["retrieval"][metric]) <= NOISE
    learned = selection_accuracy(
        rows, lambda r: max(range(len(r.sentence_x)), key=sentence_scores(selector, r).__getitem__)
    )
    # the selector alone (argmax of its scores), without the rule score blended in
    assert abs(learned["accuracy"] - expected["selection_learned_alone"]["accuracy"]) <= NOISE
    x, y = question_matrix(rows, selector)
    probs = [answerability.probability(v) for v in x]
    measured = abstention_metrics(probs, [bool(v) for v in y], answerability.thresholds)
    wrong = expected["abstention"]["wrong_abstention"]
    assert abs(measured["wrong_abstention"] - wrong) <= NOISE
