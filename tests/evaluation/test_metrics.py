from __future__ import annotations

import pytest

from assistant.evaluation.metrics import compute_metrics, percentile, split_metrics
from assistant.evaluation.results import CaseResult, SlotOutcome

from .builders import question, turn


def test_percentile_interpolates_like_numpy() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10], 95) == 10
    assert percentile([0, 100], 95) == pytest.approx(95)
    with pytest.raises(ValueError):
        percentile([], 50)


def test_recall_and_mrr_from_citation_ranks() -> None:
    cases = [question("a", 1), question("b", 2), question("c", 3), question("d", None)]
    m = compute_metrics(cases)["retrieval"]
    assert m["recall@1"] == 0.25
    assert m["recall@3"] == 0.75
    assert m["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 3) / 4, abs=1e-4)


def test_gold_missing_cases_are_counted_but_not_ranked() -> None:
    missing = question("m", None).model_copy(
        update={"gold": [question("x", 1).gold[0].model_copy(update={"status": "missing"})]}
    )
    m = compute_metrics([question("a", 1), missing])["retrieval"]
    assert m["recall@1"] == 1.0
    assert m["gold_missing"] == 1


def test_abstention_precision_and_recall() -> None:
    cases = [
        question("ans-ok", 1, category="answerable"),
        question("ans-abstained", None, category="answerable", abstained=True),
        question("un-abstained", None, category="unanswerable", answerable=False, abstained=True),
        question("un-answered", None, category="unanswerable", answerable=False),
    ]
    m = compute_metrics(cases)["questions"]
    assert m["abstention_precision"] == 0.5  # 2 abstentions, 1 right
    assert m["abstention_recall"] == 0.5  # 2 unanswerable, 1 caught
    assert m["answer_rate"] == 0.5
    # a group with no unanswerable cases has no abstention precision at all
    assert "abstention_precision" not in compute_metrics(cases[:2])["answerable"]
    only_unanswerable = compute_metrics(cases[2:])["unanswerable"]
    assert only_unanswerable["abstention_recall"] == 0.5
    assert "abstention_precision" not in only_unanswerable  # trivially 1.0 there


def _rights(expected: str | None, predicted: str | None, **extra: object) -> CaseResult:
    return CaseResult(
        id=f"r-{expected}-{predicted}",
        kind="rights",
        category="rights" if expected else "hard_negative",
        split="dev",
        turns=[turn()],
        passed=expected == predicted,
        expected_type=expected,
        predicted_type=predicted,
        **extra,  # type: ignore[arg-type]
    )


def test_rights_type_slot_and_false_request_rates() -> None:
    slots = [
        SlotOutcome(name="email", expected="a@b.c", actual="a@b.c", ok=True),
        SlotOutcome(name="phone", expected="1", actual="2", ok=False),
        SlotOutcome(name="username", expected="x", actual=None, ok=None),
    ]
    cases = [
        _rights("erasure", "erasure", slots=slots),
        _rights("access", "erasure"),
        _rights(None, None),
        _rights(None, "erasure", request_started=True),
    ]
    m = compute_metrics(cases)
    assert m["rights_all"]["type_accuracy"] == 0.5
    assert m["rights_all"]["slot_accuracy"] == 0.5  # the unverified slot is not counted
    assert m["rights_all"]["slots_unverified"] == 1
    assert m["hard_negative"]["false_request_rate"] == 0.5


def test_latency_percentiles_cover_every_turn() -> None:
    cases = [question(str(i), 1, latency=float(i)) for i in range(1, 101)]
    m = compute_metrics(cases)["overall"]
    assert m["latency_p50_ms"] == 50.5
    assert m["latency_p95_ms"] == pytest.approx(95.05)


def test_split_metrics_separate_heldout_from_dev() -> None:
    dev = question("d", 1)
    held = question("h", None).model_copy(update={"split": "heldout", "passed": False})
    by_split = split_metrics([dev, held])
    assert by_split["dev"]["retrieval"]["recall@3"] == 1.0
    assert by_split["heldout"]["retrieval"] == {"n": 1, "pass_rate": 0.0, "recall@3": 0.0}


def test_ticket_rate_counts_only_scripts_that_should_end_filed() -> None:
    def script(name: str, *, expected: bool, filed: bool) -> CaseResult:
        return CaseResult(
            id=name, kind="rights", category="rights_multi_turn", split="dev",
            turns=[turn()], passed=expected == filed, expected_type="erasure",
            predicted_type="erasure", ticket_expected=expected, ticket_filed=filed,
        )  # fmt: skip

    cases = [
        script("filed", expected=True, filed=True),
        script("missed", expected=True, filed=False),
        script("cancelled", expected=False, filed=False),  # a cancel is not a miss
    ]
    assert compute_metrics(cases)["rights_multi_turn"]["ticket_rate"] == 0.5
