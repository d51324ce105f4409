"""The evaluation report as data: what ``report.json`` holds and a baseline is read back from.

Markdown and HTML are renderings of this model (``reports``); the JSON is the contract
that ``--baseline`` compares against, so changes bump ``REPORT_SCHEMA``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.evaluation.coverage import CoverageReport
from assistant.evaluation.datasets import GoldStatus
from assistant.evaluation.policy_diff import PolicyDiff, PolicyInfo

REPORT_SCHEMA = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TurnLog(_Model):
    message: str
    reply: str
    intent: str
    abstained: bool
    closest: bool = False  # abstained, showing the closest passage
    cited: list[str] = Field(default_factory=list)
    request_type: str | None = None
    request_status: str | None = None
    missing: list[str] = Field(default_factory=list)
    ticket_id: str | None = None
    error: str | None = None
    latency_ms: float


class GoldOutcome(_Model):
    phrase: str
    status: GoldStatus
    clause_ids: list[str]


class SlotOutcome(_Model):
    name: str
    expected: str
    actual: str | None
    ok: bool | None = Field(description="None: no ticket was filed, the value is not visible")


class CaseResult(_Model):
    id: str
    kind: Literal["question", "rights", "adversarial"]
    category: str
    split: str
    turns: list[TurnLog]
    passed: bool
    failures: list[str] = Field(default_factory=list)
    # questions
    answerable: bool | None = None
    gold: list[GoldOutcome] = Field(default_factory=list)
    gold_rank: int | None = Field(default=None, description="1-based, among cited clauses")
    closest_gold: bool | None = Field(
        default=None, description="a closest-passage reply to an answerable question cites gold"
    )
    lead_ok: bool | None = Field(default=None, description="opens with the expected yes/no")
    scope_ok: bool | None = Field(default=None, description="out-of-scope intent as expected")
    # every reply
    citations: int = 0
    citations_valid: int = 0
    citations_verbatim: int = 0
    request_started: bool = False
    ticket_filed: bool = False
    ticket_expected: bool = False  # a script that should end in a filed ticket
    # rights requests
    expected_type: str | None = None
    predicted_type: str | None = None
    slots: list[SlotOutcome] = Field(default_factory=list)
    turn_checks: int = 0
    turn_checks_ok: int = 0
    # adversarial
    attack: str | None = None

    @property
    def reply(self) -> str:
        return self.turns[-1].reply if self.turns else ""

    @property
    def gold_missing(self) -> bool:
        return any(g.status == "missing" for g in self.gold)


class GateFailure(_Model):
    metric: str
    kind: Literal["below_minimum", "above_maximum", "regression", "missing_metric"]
    value: float | None
    limit: float
    baseline: float | None = None

    def describe(self) -> str:
        shown = "absent" if self.value is None else f"{self.value:.4g}"
        if self.kind == "regression":
            return (
                f"{self.metric} regressed: {shown} vs baseline {self.baseline:.4g} "
                f"(allowed down to {self.limit:.4g})"
                if self.baseline is not None
                else f"{self.metric} regressed: {shown}"
            )
        if self.kind == "missing_metric":
            return f"{self.metric} was not measured (the gate requires it)"
        word = "below the minimum" if self.kind == "below_minimum" else "above the maximum"
        return f"{self.metric} = {shown} is {word} {self.limit:.4g}"


class GateResult(_Model):
    passed: bool
    failures: list[GateFailure] = Field(default_factory=list)
    baseline_version: str | None = None
    checked: int = 0


class CaseReview(_Model):
    case_id: str
    question: str
    reason: str
    old_clause_ids: list[str] = Field(default_factory=list)
    new_clause_ids: list[str] = Field(default_factory=list)


class TicketReview(_Model):
    ticket_id: str
    status: str
    clause_id: str
    fate: str
    new_clause_id: str | None = None


class AnswerChange(_Model):
    case_id: str
    question: str
    old_reply: str
    new_reply: str
    old_cited: list[str]
    new_cited: list[str]


class BankReview(_Model):
    """What a policy update leaves of the question bank (`assistant.question_bank`)."""

    answered: int = Field(description="banked questions with an answer")
    still_found: int = Field(description="of those, whose gold phrases the new text has")
    lost: list[str] = Field(default_factory=list, description="'source: question', the first 50")
    unanswered_in_use: bool = Field(
        description="the not-answered labels were made against this text, so they apply"
    )


class ReviewReport(_Model):
    bank: BankReview | None = None
    cases: list[CaseReview] = Field(default_factory=list)
    tickets: list[TicketReview] = Field(default_factory=list)
    tickets_checked: int | None = Field(default=None, description="None: no live store found")
    answers: list[AnswerChange] = Field(default_factory=list)


class BaselineInfo(_Model):
    """The baseline's numbers, copied in so a report renders "baseline vs now" alone."""

    policy_version: str
    created_at: datetime
    metrics: dict[str, dict[str, float]]

    @classmethod
    def of(cls, report: EvalReport) -> BaselineInfo:
        return cls(
            policy_version=report.policy.version,
            created_at=report.created_at,
            metrics=report.metrics,
        )


class EvalReport(_Model):
    schema_version: int = Field(description=f"{REPORT_SCHEMA} for reports written by this code")
    created_at: datetime
    policy: PolicyInfo
    config: dict[str, Any] = Field(default_factory=dict)
    runtime_seconds: float
    counts: dict[str, int]
    metrics: dict[str, dict[str, float]]
    by_split: dict[str, dict[str, dict[str, float]]] = Field(default_factory=dict)
    cases: list[CaseResult]
    gate: GateResult | None = None
    baseline: BaselineInfo | None = None
    coverage: CoverageReport | None = None
    policy_diff: PolicyDiff | None = None
    review: ReviewReport | None = None
    retrieval_comparison: dict[str, Any] | None = None

    def metric(self, dotted: str) -> float | None:
        group, _, name = dotted.partition(".")
        return self.metrics.get(group, {}).get(name)

    def case(self, case_id: str) -> CaseResult | None:
        return next((c for c in self.cases if c.id == case_id), None)

    @classmethod
    def load(cls, path: Path) -> EvalReport:
        report = cls.model_validate_json(path.read_text(encoding="utf-8"))
        if report.schema_version != REPORT_SCHEMA:
            raise ValueError(
                f"{path} is a schema {report.schema_version} report; this code reads "
                f"schema {REPORT_SCHEMA} (re-run the baseline with this version)"
            )
        return report

    def to_json(self) -> str:
        """Defaults left out: a 500-case report stays around half a megabyte."""
        return self.model_dump_json(indent=1, exclude_defaults=True) + "\n"
