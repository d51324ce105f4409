"""Hand-built case results and reports for metric, gate and report tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from assistant.evaluation.policy_diff import PolicyInfo
from assistant.evaluation.results import REPORT_SCHEMA, CaseResult, EvalReport, GoldOutcome, TurnLog


def turn(reply: str = "ok", *, abstained: bool = False, latency: float = 10.0) -> TurnLog:
    return TurnLog(
        message="m", reply=reply, intent="question", abstained=abstained, latency_ms=latency
    )


def question(
    case_id: str,
    rank: int | None,
    *,
    category: str = "retrieval",
    answerable: bool = True,
    abstained: bool = False,
    passed: bool = True,
    latency: float = 10.0,
    **extra: Any,
) -> CaseResult:
    gold = [GoldOutcome(phrase="p", status="ok", clause_ids=["c-1"])] if answerable else []
    return CaseResult(
        id=case_id,
        kind="question",
        category=category,
        split="dev",
        turns=[turn(abstained=abstained, latency=latency)],
        passed=passed,
        answerable=answerable,
        gold=gold,
        gold_rank=rank,
        **extra,
    )


def report(
    metrics: dict[str, dict[str, float]], cases: list[CaseResult] | None = None
) -> EvalReport:
    return EvalReport(
        schema_version=REPORT_SCHEMA,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        policy=PolicyInfo(
            source="p.txt", title="P", last_updated=None, version="v1", clauses=3, sections=1
        ),
        runtime_seconds=1.0,
        counts={},
        metrics=metrics,
        cases=cases or [],
    )
