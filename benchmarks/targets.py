"""The targets, as ratios of measured numbers, and what the run says about each miss."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmarks.measure import ratio


@dataclass(frozen=True)
class Check:
    name: str
    measured: float | int | None
    target: str
    met: bool | None  # None: not measured in this run
    why: str = ""

    def as_dict(self) -> dict[str, Any]:
        return vars(self).copy()


def _get(results: dict[str, Any], *path: str) -> Any:
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _latency_why(results: dict[str, Any]) -> str:
    share = _get(results, "latency", "time_share") or {}
    per_turn = _get(results, "latency", "query_embeddings_per_turn")
    paired = _get(results, "latency", "per_turn_ratio") or {}
    load = _get(results, "latency", "load_average_after")
    parts = [f"{k.replace('_', ' ')} {v:.0%}" for k, v in share.items()]
    return (
        f"{per_turn} query embeddings per turn; time share: {', '.join(parts)}; "
        f"turn/own paired embedding p50 {paired.get('p50')}, p95 {paired.get('p95')}; "
        f"load average after: {load}"
    )


def evaluate(results: dict[str, Any]) -> list[Check]:
    # The paired floor (measured turn by turn next to the turns) when there is one.
    embedding = _get(results, "latency", "paired_one_embedding", "median_ms") or _get(
        results, "floor", "one_embedding", "median_ms"
    )
    p50 = _get(results, "latency", "respond", "p50_ms")
    p95 = _get(results, "latency", "respond", "p95_ms")
    checks = []
    if embedding and p50 is not None and p95 is not None:
        r50, r95 = ratio(p50, embedding), ratio(p95, embedding)
        checks.append(
            Check("warm p50 / one embedding", r50, "<= 1.5", r50 <= 1.5, _latency_why(results))
        )
        checks.append(
            Check("warm p95 / one embedding", r95, "<= 3", r95 <= 3, _latency_why(results))
        )
    else:
        checks += [
            Check("warm p50 / one embedding", None, "<= 1.5", None),
            Check("warm p95 / one embedding", None, "<= 3", None),
        ]
    seconds = _get(results, "ingest", "ingest_seconds", "best")
    rate = _get(results, "ingest", "texts_per_second")
    checks.append(
        Check(
            "ingest seconds (warm model)",
            seconds,
            "<= 5",
            None if seconds is None else seconds <= 5,
            f"{rate} texts embedded per second" if rate else "",
        )
    )
    reembedded = _get(results, "ingest", "reingest", "clauses_reembedded")
    checks.append(
        Check(
            "clauses re-embedded after a one-paragraph edit",
            reembedded,
            "== 1",
            None if reembedded is None else reembedded == 1,
        )
    )
    checks += _throughput_checks(results)
    return checks


def _throughput_checks(results: dict[str, Any]) -> list[Check]:
    """The JSON API is the target (>= 50/s); the Gradio route is measured beside it."""
    checks = []
    routes = _get(results, "throughput", "routes") or {}
    for route, measured in routes.items():
        rate = measured.get("answers_per_second")
        latency = measured.get("request_latency") or {}
        why = (
            f"{measured.get('route')}: request p50 {latency.get('p50_ms')} ms, "
            f"p95 {latency.get('p95_ms')} ms; app CPU {measured.get('app_cpu_ms_per_answer')} "
            "ms/answer"
        )
        target, met = (">= 50", None if rate is None else rate >= 50)
        if route != "api":
            target, met = "(beside the API)", None
        checks.append(
            Check(f"answers/s, 20 concurrent HTTP sessions, {route}", rate, target, met, why)
        )
    errors = sum(m.get("errors", 0) for m in routes.values()) if routes else None
    checks.append(Check("HTTP errors", errors, "== 0", None if errors is None else errors == 0))
    return checks
