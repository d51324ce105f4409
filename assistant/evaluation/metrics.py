"""Metrics: case results in, numbers per category out.

Groups are the case categories plus roll-ups: ``answers`` (the answer set: abstention
precision/recall needs answerable and unanswerable together), ``questions`` (answers
plus the colloquial retrieval questions), ``rights_all`` and ``overall``. A metric whose
denominator is empty is left out rather than reported as 0 or 1; the gate treats a
required metric that is absent as a failure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal

from assistant.evaluation.results import CaseResult

Direction = Literal["higher", "lower"]

# How each metric improves; the gate reads this to decide what "regressed" means.
DIRECTIONS: dict[str, Direction] = {
    "recall@1": "higher",
    "recall@3": "higher",
    "mrr": "higher",
    "citation_validity": "higher",
    "verbatim_rate": "higher",
    "abstention_precision": "higher",
    "abstention_recall": "higher",
    "answer_rate": "higher",
    "lead_accuracy": "higher",
    "scope_accuracy": "higher",
    "type_accuracy": "higher",
    "slot_accuracy": "higher",
    "turn_accuracy": "higher",
    "ticket_rate": "higher",
    "pass_rate": "higher",
    "false_request_rate": "lower",
    "false_ticket_rate": "lower",
    "gold_missing": "lower",
    "latency_p50_ms": "lower",
    "latency_p95_ms": "lower",
}
# Reported, not gated: closest_rate (replies that only offer the closest passage) and
# closest_gold_rate (those whose passage is gold) move both ways when a passage becomes an
# answer, which is an improvement.
ANSWER_CATEGORIES = frozenset({"answerable", "unanswerable", "multi_turn"})
ROLL_UPS = ("answers", "questions", "rights_all", "overall")  # narrowest first
LATENCY_METRICS = frozenset({"latency_p50_ms", "latency_p95_ms"})
COUNT_METRICS = frozenset({"n", "gold_missing", "slots_unverified"})


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _rate(cases: Sequence[CaseResult], hit: Callable[[CaseResult], bool]) -> float | None:
    return sum(1 for c in cases if hit(c)) / len(cases) if cases else None


def ranking(cases: Sequence[CaseResult]) -> dict[str, float | None]:
    """recall@k and MRR over answerable cases whose gold still exists in the policy."""
    ranked = [c for c in cases if c.answerable and c.gold and not c.gold_missing]
    if not ranked:
        return {}
    return {
        "recall@1": _rate(ranked, lambda c: c.gold_rank is not None and c.gold_rank <= 1),
        "recall@3": _rate(ranked, lambda c: c.gold_rank is not None and c.gold_rank <= 3),
        "mrr": sum(1 / c.gold_rank for c in ranked if c.gold_rank) / len(ranked),
    }


def citations(cases: Sequence[CaseResult]) -> dict[str, float | None]:
    total = sum(c.citations for c in cases)
    if not total:
        return {}
    return {
        "citation_validity": sum(c.citations_valid for c in cases) / total,
        "verbatim_rate": sum(c.citations_verbatim for c in cases) / total,
    }


def abstention(cases: Sequence[CaseResult]) -> dict[str, float | None]:
    """Positive class: the policy does not cover the question, so the assistant abstains."""
    judged = [c for c in cases if c.answerable is not None]
    abstained = [c for c in judged if c.turns[-1].abstained]
    should = [c for c in judged if not c.answerable]
    right = [c for c in abstained if not c.answerable]
    answerable = [c for c in judged if c.answerable]
    found = {"answer_rate": _rate(answerable, lambda c: not c.turns[-1].abstained)}
    found["closest_rate"] = _rate(judged, lambda c: c.turns[-1].closest)
    offered = [c for c in answerable if c.closest_gold is not None]
    if offered:
        found["closest_gold_rate"] = _rate(offered, lambda c: bool(c.closest_gold))
    leads = [c for c in judged if c.lead_ok is not None]
    if leads:
        found["lead_accuracy"] = _rate(leads, lambda c: bool(c.lead_ok))
    scoped = [c for c in judged if c.scope_ok is not None]
    if scoped:
        found["scope_accuracy"] = _rate(scoped, lambda c: bool(c.scope_ok))
    if should:
        found["abstention_recall"] = len(right) / len(should)
        if answerable:  # precision means something only when both kinds are in the group
            found["abstention_precision"] = len(right) / len(abstained) if abstained else None
    return found


def rights(cases: Sequence[CaseResult]) -> dict[str, float | None]:
    typed = [c for c in cases if c.kind == "rights"]
    slots = [s for c in typed for s in c.slots]
    verified = [s for s in slots if s.ok is not None]
    checks = sum(c.turn_checks for c in typed)
    # Scripts that should end filed: a script that cancels must not count against the rate.
    scripts = [c for c in typed if c.category == "rights_multi_turn" and c.ticket_expected]
    return {
        "type_accuracy": _rate(typed, lambda c: c.predicted_type == c.expected_type),
        "slot_accuracy": sum(1 for s in verified if s.ok) / len(verified) if verified else None,
        "slots_unverified": float(len(slots) - len(verified)) if slots else None,
        "turn_accuracy": sum(c.turn_checks_ok for c in typed) / checks if checks else None,
        "ticket_rate": _rate(scripts, lambda c: c.ticket_filed) if scripts else None,
    }


def false_actions(cases: Sequence[CaseResult]) -> dict[str, float | None]:
    """Requests started and tickets filed on messages that are not requests."""
    negatives = [
        c
        for c in cases
        if (c.kind == "question" and c.category != "retrieval")
        or (c.kind == "rights" and c.expected_type is None)
    ]
    return {
        "false_request_rate": _rate(negatives, lambda c: c.request_started),
        "false_ticket_rate": _rate(negatives, lambda c: c.ticket_filed),
    }


def latency(cases: Sequence[CaseResult]) -> dict[str, float | None]:
    values = [t.latency_ms for c in cases for t in c.turns]
    if not values:
        return {}
    return {
        "latency_p50_ms": round(percentile(values, 50), 2),
        "latency_p95_ms": round(percentile(values, 95), 2),
    }


def group_metrics(cases: Sequence[CaseResult]) -> dict[str, float]:
    found: dict[str, float | None] = {"n": float(len(cases))}
    found["pass_rate"] = _rate(cases, lambda c: c.passed)
    for family in (ranking, citations, abstention, rights, false_actions, latency):
        found.update(family(cases))
    if any(c.gold for c in cases):
        found["gold_missing"] = float(sum(1 for c in cases if c.gold_missing))
    return {name: round(value, 4) for name, value in found.items() if value is not None}


SPLIT_METRICS = ("n", "pass_rate", "recall@3", "abstention_recall", "type_accuracy")


def split_metrics(results: Sequence[CaseResult]) -> dict[str, dict[str, dict[str, float]]]:
    """Headline numbers per split and category: heldout is the honest one (never tuned on)."""
    by_split: dict[str, dict[str, list[CaseResult]]] = {}
    for result in results:
        by_split.setdefault(result.split, {}).setdefault(result.category, []).append(result)
    return {
        split: {
            category: {k: v for k, v in group_metrics(cases).items() if k in SPLIT_METRICS}
            for category, cases in sorted(categories.items())
        }
        for split, categories in sorted(by_split.items())
    }


def compute_metrics(results: Sequence[CaseResult]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[CaseResult]] = {}
    for result in results:
        groups.setdefault(result.category, []).append(result)
    groups["questions"] = [r for r in results if r.kind == "question"]
    groups["answers"] = [r for r in results if r.category in ANSWER_CATEGORIES]
    groups["rights_all"] = [r for r in results if r.kind == "rights"]
    groups["overall"] = list(results)
    return {name: group_metrics(cases) for name, cases in groups.items() if cases}
