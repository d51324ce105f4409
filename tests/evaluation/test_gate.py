from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluation.gate import (
    Thresholds,
    Tolerance,
    check_gate,
    load_thresholds,
    parse_fail_under,
)

from .builders import report
from .paths import ROOT


def test_shipped_thresholds_file_is_valid() -> None:
    thresholds = load_thresholds(ROOT / "evals" / "thresholds.yaml")
    assert thresholds.minimums  # the gate checks something


def test_minimum_and_maximum() -> None:
    now = report({"retrieval": {"recall@3": 0.7}, "overall": {"latency_p95_ms": 900.0}})
    gate = check_gate(
        now,
        Thresholds(minimums={"retrieval.recall@3": 0.8}, maximums={"overall.latency_p95_ms": 500}),
    )
    assert not gate.passed
    assert {(f.metric, f.kind) for f in gate.failures} == {
        ("retrieval.recall@3", "below_minimum"),
        ("overall.latency_p95_ms", "above_maximum"),
    }


def test_a_required_metric_that_was_not_measured_fails() -> None:
    thresholds = Thresholds(minimums={"answers.abstention_precision": 0.9})
    ran = report({"answers": {"n": 3.0, "abstention_recall": 0.0}})  # nothing abstained
    assert [f.kind for f in check_gate(ran, thresholds).failures] == ["missing_metric"]
    # a group that did not run at all (a subset of datasets) is not a failure
    assert check_gate(report({"adversarial": {"pass_rate": 1.0}}), thresholds).passed


def test_regression_beyond_tolerance_vs_baseline() -> None:
    before = report({"retrieval": {"recall@3": 0.90, "mrr": 0.80, "n": 50}})
    small_drop = report({"retrieval": {"recall@3": 0.897, "mrr": 0.80, "n": 40}})
    big_drop = report({"retrieval": {"recall@3": 0.85, "mrr": 0.81, "n": 50}})
    assert check_gate(small_drop, Thresholds(), before).passed  # within 0.005, n ignored
    gate = check_gate(big_drop, Thresholds(), before)
    assert [(f.metric, f.kind, f.baseline) for f in gate.failures] == [
        ("retrieval.recall@3", "regression", 0.90)
    ]
    assert "regressed" in gate.failures[0].describe()


def test_lower_is_better_metrics_regress_upwards() -> None:
    before = report({"hard_negative": {"false_request_rate": 0.0}})
    after = report({"hard_negative": {"false_request_rate": 0.05}})
    assert not check_gate(after, Thresholds(), before).passed
    assert check_gate(before, Thresholds(), after).passed


def test_latency_is_compared_by_factor() -> None:
    before = report({"overall": {"latency_p95_ms": 100.0}})
    tolerance = Tolerance(latency_factor=2.0, latency_slack_ms=50)
    assert check_gate(
        report({"overall": {"latency_p95_ms": 240.0}}), Thresholds(tolerance=tolerance), before
    ).passed
    slow = check_gate(
        report({"overall": {"latency_p95_ms": 260.0}}), Thresholds(tolerance=tolerance), before
    )
    assert [f.metric for f in slow.failures] == ["overall.latency_p95_ms"]


def test_fail_under_parsing() -> None:
    assert parse_fail_under(["retrieval.recall@3=0.9"]) == {"retrieval.recall@3": 0.9}
    with pytest.raises(ValueError, match=r"GROUP\.METRIC"):
        parse_fail_under(["retrieval.recall@3"])
    with pytest.raises(ValueError, match="known metric"):
        parse_fail_under(["retrieval.recal@3=0.9"])


def test_thresholds_reject_unknown_metric_names(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("minimums:\n  retrieval.accuracy: 0.9\n")
    with pytest.raises(ValueError, match="known metric"):
        load_thresholds(path)


def test_roll_ups_do_not_repeat_category_losses() -> None:
    before = report(
        {
            "retrieval": {"recall@3": 0.9, "latency_p95_ms": 10.0},
            "answerable": {"answer_rate": 1.0},
            "answers": {"answer_rate": 1.0, "abstention_precision": 1.0},
            "overall": {"recall@3": 0.9, "latency_p95_ms": 10.0},
        }
    )
    after = report(
        {
            "retrieval": {"recall@3": 0.5, "latency_p95_ms": 500.0},
            "answerable": {"answer_rate": 1.0},
            "answers": {"answer_rate": 1.0, "abstention_precision": 0.5},
            "overall": {"recall@3": 0.5, "latency_p95_ms": 20.0},
        }
    )
    failures = {f.metric for f in check_gate(after, Thresholds(), before).failures}
    # the category loss once, the roll-up-only metric, and no latency of a small group
    assert failures == {"retrieval.recall@3", "answers.abstention_precision"}


def test_a_roll_up_only_metric_is_judged_on_the_narrowest_roll_up() -> None:
    before = report(
        {
            "answers": {"abstention_precision": 1.0},
            "questions": {"abstention_precision": 0.5},
            "overall": {"abstention_precision": 0.5},
        }
    )
    after = report(
        {
            "answers": {"abstention_precision": 0.9},
            "questions": {"abstention_precision": 0.4},
            "overall": {"abstention_precision": 0.4},
        }
    )
    failures = [f.metric for f in check_gate(after, Thresholds(), before).failures]
    assert failures == ["answers.abstention_precision"]


def test_a_repeated_key_in_the_thresholds_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("minimums:\n  retrieval.recall@3: 0.9\nminimums:\n  retrieval.mrr: 0.1\n")
    with pytest.raises(ValueError, match="repeated key"):
        load_thresholds(path)
