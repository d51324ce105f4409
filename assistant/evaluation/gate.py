"""The CI gate: absolute thresholds (``evals/thresholds.yaml``) and regressions vs a baseline.

The assistant is deterministic (fixed model, grounded generator), so quality metrics do
not drift between runs of the same code: the default tolerance lets nothing but
rounding through, and a single case lost in a group of a hundred is a regression.
Latency is the exception: it depends on the machine, so it is compared by factor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.config import PROJECT_ROOT
from assistant.evaluation.metrics import COUNT_METRICS, DIRECTIONS, LATENCY_METRICS, ROLL_UPS
from assistant.evaluation.results import EvalReport, GateFailure, GateResult

THRESHOLDS_PATH = PROJECT_ROOT / "evals" / "thresholds.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _known_keys(values: dict[str, float]) -> dict[str, float]:
    for key in values:
        group, dot, name = key.partition(".")
        if not dot or not group or name not in DIRECTIONS:
            raise ValueError(
                f"{key!r} is not GROUP.METRIC with a known metric ({', '.join(sorted(DIRECTIONS))})"
            )
    return values


class Tolerance(_Model):
    default: float = Field(default=0.005, ge=0, description="allowed absolute loss on a rate")
    per_metric: dict[str, float] = Field(default_factory=dict)
    latency_factor: float = Field(default=2.0, ge=1)
    latency_slack_ms: float = Field(default=50.0, ge=0)

    _valid = field_validator("per_metric")(_known_keys)

    def allowed(self, key: str) -> float:
        return self.per_metric.get(key, self.default)


class Thresholds(_Model):
    minimums: dict[str, float] = Field(default_factory=dict)
    maximums: dict[str, float] = Field(default_factory=dict)
    tolerance: Tolerance = Field(default_factory=Tolerance)

    _valid = field_validator("minimums", "maximums")(_known_keys)

    def with_minimums(self, extra: dict[str, float]) -> Thresholds:
        return self.model_copy(update={"minimums": {**self.minimums, **_known_keys(extra)}})


class _UniqueKeyLoader(yaml.SafeLoader):
    """safe_load keeps the last of two equal keys; in a gate file that silently
    replaces a limit, so a repeated key is an error here."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
        repeated = sorted({str(k) for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"repeated key(s) in the thresholds file: {', '.join(repeated)}")
        return super().construct_mapping(node, deep=deep)


def load_thresholds(path: Path = THRESHOLDS_PATH) -> Thresholds:
    # A SafeLoader subclass: still only plain YAML types, never arbitrary objects.
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader) or {}
    return Thresholds.model_validate(data)


def parse_fail_under(items: list[str]) -> dict[str, float]:
    """``["retrieval.recall@3=0.9", ...]`` from the command line."""
    parsed = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            parsed[key.strip()] = float(value)
        except ValueError:
            raise ValueError(f"--fail-under expects GROUP.METRIC=NUMBER, got {item!r}") from None
        if not sep:
            raise ValueError(f"--fail-under expects GROUP.METRIC=NUMBER, got {item!r}")
    return _known_keys(parsed)


def _measured_groups(report: EvalReport, keys: dict[str, float]) -> dict[str, float]:
    """Limits on groups this run has: ``--dataset adversarial`` is not a retrieval failure.
    Within a group that ran, a metric that could not be computed still fails."""
    return {k: v for k, v in keys.items() if k.partition(".")[0] in report.metrics}


def _absolute(report: EvalReport, thresholds: Thresholds) -> list[GateFailure]:
    failures = []
    for key, limit in _measured_groups(report, thresholds.minimums).items():
        value = report.metric(key)
        if value is None:
            failures.append(GateFailure(metric=key, kind="missing_metric", value=None, limit=limit))
        elif value < limit:
            failures.append(GateFailure(metric=key, kind="below_minimum", value=value, limit=limit))
    for key, limit in _measured_groups(report, thresholds.maximums).items():
        value = report.metric(key)
        if value is None:
            failures.append(GateFailure(metric=key, kind="missing_metric", value=None, limit=limit))
        elif value > limit:
            failures.append(GateFailure(metric=key, kind="above_maximum", value=value, limit=limit))
    return failures


def _compared(baseline: EvalReport) -> list[tuple[str, str, float]]:
    """The (group, metric, value) pairs a regression is judged on.

    A roll-up repeats its categories' losses, so it is compared only on metrics that no
    category nor narrower roll-up has (abstention precision needs answerable and
    unanswerable together: it first appears in ``answers``).
    Latency is compared on ``overall`` only: a p95 of a 20-case group is one slow turn.
    """
    seen = {
        name
        for group, metrics in baseline.metrics.items()
        if group not in ROLL_UPS
        for name in metrics
    }
    groups = [g for g in baseline.metrics if g not in ROLL_UPS]
    groups += [g for g in ROLL_UPS if g in baseline.metrics]  # narrowest roll-up first
    pairs = []
    for group in groups:
        for name, value in baseline.metrics[group].items():
            if name in COUNT_METRICS or name not in DIRECTIONS:
                continue
            if name in LATENCY_METRICS:
                if group == "overall":
                    pairs.append((group, name, value))
                continue
            if group in ROLL_UPS:
                if name in seen:
                    continue
                seen.add(name)
            pairs.append((group, name, value))
    return pairs


def _regressions(report: EvalReport, baseline: EvalReport, tol: Tolerance) -> list[GateFailure]:
    failures = []
    for group, name, before in _compared(baseline):
        key = f"{group}.{name}"
        now = report.metric(key)
        if now is None:
            continue  # a group absent from this run (e.g. a dataset not loaded)
        if name in LATENCY_METRICS:
            limit = before * tol.latency_factor + tol.latency_slack_ms
            worse = now > limit
        elif DIRECTIONS[name] == "higher":
            limit = before - tol.allowed(key)
            worse = now < limit - 1e-9
        else:
            limit = before + tol.allowed(key)
            worse = now > limit + 1e-9
        if worse:
            failures.append(
                GateFailure(metric=key, kind="regression", value=now, limit=limit, baseline=before)
            )
    return failures


def check_gate(
    report: EvalReport, thresholds: Thresholds, baseline: EvalReport | None = None
) -> GateResult:
    failures = _absolute(report, thresholds)
    if baseline is not None:
        failures += _regressions(report, baseline, thresholds.tolerance)
    checked = len(thresholds.minimums) + len(thresholds.maximums)
    if baseline is not None:
        checked += len(_compared(baseline))
    return GateResult(
        passed=not failures,
        failures=failures,
        baseline_version=baseline.policy.version if baseline else None,
        checked=checked,
    )
