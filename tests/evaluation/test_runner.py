"""The runner on a small synthetic policy, with a healthy and a deliberately broken assistant."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluation.datasets import EvalCase
from assistant.evaluation.fakes import DegradedRetriever
from assistant.evaluation.gate import check_gate, load_thresholds
from assistant.evaluation.loaders import load_suite
from assistant.evaluation.results import EvalReport
from assistant.evaluation.suite import run_with
from assistant.session import Assistant

from .paths import ACME, ACME_EVALS, FIXTURES

THRESHOLDS = FIXTURES / "acme-thresholds.yaml"


@pytest.fixture(scope="module")
def cases() -> list[EvalCase]:
    return load_suite(ACME_EVALS)


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return Assistant.for_testing(tmp_path_factory.mktemp("healthy"), policy_path=ACME)


@pytest.fixture(scope="module")
def healthy_report(healthy: Assistant, cases: list[EvalCase]) -> EvalReport:
    return run_with(healthy, cases, progress=False)


def _degraded(healthy: Assistant, mode: str) -> Assistant:
    return Assistant(
        settings=healthy.settings,
        policy=healthy.policy,
        retriever=DegradedRetriever(healthy.retriever, mode),  # type: ignore[arg-type]
        generator=healthy.generator,
        tickets=healthy.tickets,
    )


def test_every_case_runs_in_its_own_session(
    healthy_report: EvalReport, cases: list[EvalCase]
) -> None:
    assert [c.id for c in healthy_report.cases] == [c.id for c in cases]
    assert len({r.turns[0].message for r in healthy_report.cases}) > 1
    script = next(r for r in healthy_report.cases if r.category == "rights_multi_turn")
    assert len(script.turns) == 3 and script.ticket_filed


def test_healthy_assistant_passes_the_gate(healthy_report: EvalReport) -> None:
    gate = check_gate(healthy_report, load_thresholds(THRESHOLDS))
    assert gate.passed, [f.describe() for f in gate.failures]
    assert healthy_report.metric("questions.citation_validity") == 1.0
    assert healthy_report.metric("adversarial.pass_rate") == 1.0


def test_citation_ranks_and_slots_are_read_from_replies(healthy_report: EvalReport) -> None:
    sell = healthy_report.case("ans-sell")
    assert sell is not None and sell.gold_rank == 1
    erasure = next(r for r in healthy_report.cases if r.expected_type == "erasure" and r.slots)
    assert [(s.name, s.ok) for s in erasure.slots] == [("email", True)]


@pytest.mark.parametrize("mode", ["reverse", "shuffle"])
def test_a_degraded_retriever_fails_the_gate_against_the_baseline(
    healthy: Assistant, healthy_report: EvalReport, cases: list[EvalCase], mode: str
) -> None:
    broken = run_with(_degraded(healthy, mode), cases, progress=False)
    assert broken.metric("retrieval.recall@3") < healthy_report.metric("retrieval.recall@3")  # type: ignore[operator]
    gate = check_gate(broken, load_thresholds(THRESHOLDS), healthy_report)
    assert not gate.passed
    regressed = {f.metric for f in gate.failures if f.kind == "regression"}
    assert "retrieval.recall@3" in regressed


def test_a_changed_policy_reports_gold_missing(tmp_path: Path, cases: list[EvalCase]) -> None:
    v2 = Assistant.for_testing(tmp_path, policy_path=FIXTURES / "acme-policy-v2.txt")
    report = run_with(v2, cases, progress=False)
    missing = {r.id for r in report.cases if r.gold_missing}
    assert "ans-keep-after-close" in missing  # its retention clause is gone in v2
    assert report.metric("questions.gold_missing") == len(
        [r for r in report.cases if r.kind == "question" and r.gold_missing]
    )
