"""The learned models: the committed weights load, stay small, and the training pieces
(logistic fit, threshold choice, PolicyQA negatives) do what they say."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.learning.collect import policyqa_examples
from assistant.learning.features import QUESTION_FEATURES, SENTENCE_FEATURES
from assistant.learning.models import ANSWERABILITY_PATH, MODELS_DIR, SELECTOR_PATH, load_model
from assistant.learning.policyqa import CompanyPolicy, PolicyQuestion, load_policyqa
from assistant.learning.training import (
    auc,
    fit_logistic,
    heldout_companies,
    highest_threshold,
    net_threshold,
)
from assistant.policy import parse_policy

MAX_BYTES = 10 * 1024 * 1024


def test_committed_models_load_with_their_features_and_cards() -> None:
    selector, answerability = load_model(SELECTOR_PATH), load_model(ANSWERABILITY_PATH)
    assert selector.features == SENTENCE_FEATURES
    assert answerability.features == QUESTION_FEATURES
    assert 0.0 < answerability.thresholds["closest"] <= answerability.thresholds["answer"] < 1.0
    for path in (SELECTOR_PATH, ANSWERABILITY_PATH):
        card = json.loads(path.with_suffix(".card.json").read_text())
        assert {"data_sha256", "code_sha256", "seed", "heldout"} <= set(card)
    assert sum(p.stat().st_size for p in MODELS_DIR.iterdir()) < MAX_BYTES


def test_logistic_fit_learns_the_informative_feature() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] > 0.3).astype(float)
    model = fit_logistic(x, y, ("signal", "noise"))
    assert abs(model.weights[0]) > 5 * abs(model.weights[1])
    assert model.probability([2.0, 0.0]) > 0.9 > 0.1 > model.probability([-2.0, 0.0])


def test_threshold_keeps_wrong_abstention_within_budget() -> None:
    probs = np.array([0.1, 0.5, 0.6, 0.7, 0.8, 0.9, 0.2, 0.3])
    answerable = np.array([1, 1, 1, 1, 1, 1, 0, 0])
    threshold = highest_threshold(probs, answerable, budget=0.2)
    assert float(np.mean(probs[answerable == 1] < threshold)) <= 0.2
    assert threshold == 0.5  # one answerable (0.1) of six may fall below, not two


def test_the_answer_threshold_stops_where_it_hedges_more_than_it_declines() -> None:
    # raising it from 0.35 to 0.65 would decline one more unanswerable question (0.6) and
    # hedge two answerable ones (0.4, 0.5); the budget (2 of 8) would allow it
    probs = np.array([0.4, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 0.1, 0.2, 0.3, 0.6])
    answerable = np.array([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0])
    assert highest_threshold(probs, answerable, budget=0.25) == 0.69  # 0.7 itself would be under
    assert net_threshold(probs, answerable, budget=0.25) == 0.31
    # where declining is worth it, the budget is spent
    many = np.array([0.4, 0.8, 0.9, 0.95, 0.1, 0.3, 0.5, 0.55, 0.6])
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0])
    assert net_threshold(many, labels, budget=0.25) == 0.61


def _company(name: str, questions: list[str]) -> CompanyPolicy:
    policy = parse_policy(f"{name} policy\n\nWe collect your email address.\n", f"{name}.txt")
    asked = tuple(PolicyQuestion(name, q, "We collect your email address.") for q in questions)
    return CompanyPolicy(name, policy, asked)


def test_policyqa_negatives_avoid_policies_asked_a_near_duplicate() -> None:
    companies = [
        _company("a.com", ["Does the site collect my email address?"]),
        _company("b.com", ["Does the site collect my email address?"]),
        _company("c.com", ["How long is data retained?"]),
    ]
    examples = policyqa_examples(companies, seed=1) + policyqa_examples(companies, seed=2)
    negatives = [e for e in examples if not e.answerable]
    assert negatives
    for negative in negatives:
        if "email" in negative.question:
            assert negative.policy == "c.com"  # b.com was asked the same question
        assert negative.source != f"policyqa:{negative.policy}"  # held out with its asker


def test_policyqa_loads_answers_verbatim_and_holds_out_whole_policies() -> None:
    companies = load_policyqa()
    assert len(companies) == 20
    for company in companies:
        assert all(q.answer in company.policy.text for q in company.questions)
    held = heldout_companies([c.company for c in companies])
    assert len(held) == 4 and held == heldout_companies([c.company for c in companies])


def test_features_have_no_duplicate_names() -> None:
    assert len(set(SENTENCE_FEATURES)) == len(SENTENCE_FEATURES)
    assert len(set(QUESTION_FEATURES)) == len(QUESTION_FEATURES)


@pytest.mark.parametrize("path", [SELECTOR_PATH, ANSWERABILITY_PATH])
def test_a_model_file_with_mismatched_lengths_is_refused(path: object, tmp_path: object) -> None:
    from pathlib import Path

    from assistant.learning.models import LinearModel

    data = json.loads(Path(str(path)).read_text())
    data["weights"] = data["weights"][:-1]
    with pytest.raises(ValueError, match="differ in length"):
        LinearModel.from_json(data)


def test_untrained_blind_batches_are_not_trained_on_and_the_rest_are() -> None:
    from assistant.learning.collect import EVALS, UNTRAINED_BLIND, training_files

    answers, retrieval = training_files()
    names = {p.name for p in [*answers, *retrieval]}
    assert not (UNTRAINED_BLIND & names)
    batches = {p.name for p in (EVALS / "blind").glob("answers-batch-*.yaml")}
    assert names >= {"answers.yaml", *(batches - UNTRAINED_BLIND)}


def _row(
    sentence_y: list[int], rule: list[float], signal: list[float], bank: list[float] | None = None
) -> object:
    from assistant.learning.collect import Example, Row

    example = Example("f.yaml", "workallies", "q", ("gold",))
    row = Row(example, 1, [], [[s] for s in signal], sentence_y, rule_scores=rule)
    row.bank_scores = bank or [0.0] * len(signal)
    return row


def test_the_blend_weights_are_chosen_on_held_out_rows() -> None:
    """The rule score and the bank are blended in only as far as they pick gold on
    held-out rows: here the selector's one feature picks gold in one row, the rules in
    two and the bank in two more."""
    from assistant.learning.models import LinearModel
    from assistant.learning.training import choose_weights

    model = LinearModel(("signal",), (0.0,), (1.0,), (1.0,), 0.0, {})
    rows = [
        _row([1, 0], [0.0, 0.1], [1.0, -1.0]),  # the selector is right, rules close
        _row([0, 1], [0.0, 1.0], [0.5, -0.5]),  # the rules are right by a margin
        _row([0, 1], [0.0, 1.0], [0.5, -0.5]),
    ]
    rule, bank = choose_weights({"f.yaml": (rows, model)})  # type: ignore[dict-item]
    assert rule > 0.0 and bank == 0.0  # no bank support anywhere: no weight for it
    assert choose_weights({"f.yaml": (rows[:1], model)}) == (0.0, 0.0)  # type: ignore[dict-item]
    banked = [_row([0, 1], [0.0, 0.0], [0.5, -0.5], bank=[0.4, 0.9]) for _ in range(2)]
    _, bank = choose_weights({"f.yaml": (rows[:1] + banked, model)})  # type: ignore[dict-item]
    assert bank > 0.0


def test_on_a_plateau_the_rule_weight_that_holds_without_the_bank_wins() -> None:
    """The bank or the rules alone each pick gold here; where the bank is silent (a clause
    new in a policy update) only the rules do, so tied weights keep the rules."""
    from assistant.learning.models import LinearModel
    from assistant.learning.training import choose_weights

    model = LinearModel(("signal",), (0.0,), (1.0,), (1.0,), 0.0, {})
    rows = [_row([0, 1], [0.0, 1.0], [1.0, -1.0], bank=[0.0, 0.9]) for _ in range(3)]
    rule, _ = choose_weights({"f.yaml": (rows, model)})  # type: ignore[dict-item]
    assert rule > 0.0


def test_ranking_orders_by_blended_log_odds_and_shares_sum_to_one(policy_clause: object) -> None:
    from assistant.learning.decisions import SentenceSelector
    from assistant.learning.models import LinearModel

    candidates = policy_clause  # three candidates, rule scores falling
    plain = SentenceSelector(LinearModel(("x",), (0.0,), (1.0,), (1.0,), 0.0, {}))
    ranked = plain.rank(candidates, [0.2, 0.5, 0.8])  # type: ignore[arg-type]
    assert [c.start for c in ranked] == [c.start for c in reversed(candidates)]  # type: ignore[call-overload]
    assert sum(c.learned or 0.0 for c in ranked) == pytest.approx(1.0)
    blended = SentenceSelector(
        LinearModel(("x",), (0.0,), (1.0,), (1.0,), 0.0, {"rule_weight": 8.0})
    )
    assert blended.rank(candidates, [0.2, 0.5, 0.8])[0].start == candidates[0].start  # type: ignore[arg-type,index]
    assert plain.rank(candidates, []) == list(candidates)  # type: ignore[call-overload]


@pytest.fixture()
def policy_clause() -> list[object]:
    from assistant.answering.selection import Candidate

    clause = parse_policy("Title\n\nOne sentence here. Two sentence here. Three here.").clauses[-1]
    return [
        Candidate(clause, i, i + 1, 0, i, 0.5, coverage, frozenset(), frozenset())
        for i, coverage in enumerate((0.6, 0.2, -0.2))
    ]


def test_auc_ranks_answerable_above_unanswerable() -> None:
    assert auc([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0]) == 1.0
    assert auc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]) == 0.0
    assert auc([0.5, 0.5], [1, 0]) == 0.5
