"""The answer evaluation set (evals/answers.yaml): typed cases, metrics, a runner, and
the calibration of the abstention model on the dev split.

Kept importable on its own so the full ``privacy-assistant eval`` can reuse the dataset
and the metric functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.answering.abstention import AbstentionModel, Signals
from assistant.answering.types import Answer, Citation, Generator
from assistant.config import PROJECT_ROOT
from assistant.conversation import Turn, standalone_question
from assistant.policy import Policy

if TYPE_CHECKING:
    from assistant.answering.grounded import GroundedGenerator
    from assistant.retrieval import Retriever

DEFAULT_PATH = PROJECT_ROOT / "evals" / "answers.yaml"
Split = Literal["dev", "heldout"]
TOP_N = 3


class _Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    split: Split
    question: str = Field(min_length=1)
    note: str | None = None


class AnswerableCase(_Case):
    gold: list[str] = Field(min_length=1)  # verbatim key phrases; any one is enough
    lead: Literal["yes", "no"] | None = None


class UnanswerableCase(_Case):
    out_of_scope: bool = False


class FollowupCase(_Case):
    history: list[str] = Field(min_length=1)  # earlier user messages, oldest first
    gold: list[str] = Field(min_length=1)


class AnswerDataset(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    answerable: list[AnswerableCase]
    unanswerable: list[UnanswerableCase]
    followups: list[FollowupCase]

    def problems(self, policy: Policy) -> list[str]:
        """Gold phrases missing from the policy, and duplicate ids."""
        golds = [(c.id, c.gold) for c in self.answerable] + [(c.id, c.gold) for c in self.followups]
        found = [
            f"{case_id}: gold phrase not in the policy: {phrase!r}"
            for case_id, gold in golds
            for phrase in gold
            if phrase not in policy.text
        ]
        ids = [c.id for c in [*self.answerable, *self.unanswerable, *self.followups]]
        found += [f"duplicate id {i}" for i in sorted({i for i in ids if ids.count(i) > 1})]
        return found


def load_answer_dataset(path: str | Path = DEFAULT_PATH) -> AnswerDataset:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return AnswerDataset.model_validate(data)


# ---------------------------------------------------------------- metric functions


def gold_spans(policy: Policy, phrases: Iterable[str]) -> list[tuple[int, int]]:
    """Every occurrence of every gold phrase in the policy file."""
    spans = []
    for phrase in phrases:
        start = policy.text.find(phrase)
        while start >= 0:
            spans.append((start, start + len(phrase)))
            start = policy.text.find(phrase, start + 1)
    return spans


def hits_gold(citation: Citation, spans: Sequence[tuple[int, int]]) -> bool:
    return any(citation.start < end and start < citation.end for start, end in spans)


def gold_rank(answer: Answer, spans: Sequence[tuple[int, int]]) -> int | None:
    """1-based position of the first citation that quotes gold, None if none does. An
    abstention claims no answer, so a passage it offers as the closest is not ranked."""
    if answer.abstained:
        return None
    for rank, citation in enumerate(answer.citations, start=1):
        if hits_gold(citation, spans):
            return rank
    return None


def is_verbatim(citation: Citation, policy: Policy) -> bool:
    try:
        clause = policy.clause(citation.clause_id)
    except KeyError:
        return False
    return (
        bool(citation.quote)
        and policy.text[citation.start : citation.end] == citation.quote
        and clause.start <= citation.start
        and citation.end <= clause.end
    )


def lead_of(answer: Answer, leads: dict[str, str]) -> str | None:
    """Which lead ("yes"/"no") the answer opens with, judged by the wording's leads."""
    for name, text in sorted(leads.items(), key=lambda kv: -len(kv[1])):
        if answer.text.startswith(text):
            return "no" if name == "no" else "yes"
    return None


# ---------------------------------------------------------------- running


@dataclass(frozen=True)
class CaseResult:
    id: str
    split: Split
    kind: Literal["answerable", "unanswerable", "followup"]
    query: str
    answer: Answer
    rank: int | None = None  # gold citation rank (answerable and follow-ups)
    verbatim: bool = True  # every citation verbatim with matching offsets
    lead_expected: str | None = None
    lead_given: str | None = None
    expected_out_of_scope: bool = False


def run_answer_eval(
    dataset: AnswerDataset,
    retriever: Retriever,
    generator: Generator,
    policy: Policy,
    *,
    k: int = 6,
    leads: dict[str, str] | None = None,
) -> list[CaseResult]:
    leads = leads or {}
    results: list[CaseResult] = []

    def run(query: str) -> Answer:
        return generator.answer(query, retriever.search(query, k))

    for case in dataset.answerable:
        answer = run(case.question)
        results.append(
            CaseResult(
                case.id, case.split, "answerable", case.question, answer,
                gold_rank(answer, gold_spans(policy, case.gold)),
                all(is_verbatim(c, policy) for c in answer.citations),
                case.lead, lead_of(answer, leads),
            )
        )  # fmt: skip
    for gap in dataset.unanswerable:
        answer = run(gap.question)
        verbatim = all(is_verbatim(c, policy) for c in answer.citations)
        results.append(
            CaseResult(
                gap.id, gap.split, "unanswerable", gap.question, answer,
                verbatim=verbatim, expected_out_of_scope=gap.out_of_scope,
            )
        )  # fmt: skip
    for followup in dataset.followups:
        query = standalone_question(followup.question, [Turn("user", h) for h in followup.history])
        answer = run(query)
        results.append(
            CaseResult(
                followup.id, followup.split, "followup", query, answer,
                gold_rank(answer, gold_spans(policy, followup.gold)),
                all(is_verbatim(c, policy) for c in answer.citations),
            )
        )  # fmt: skip
    return results


@dataclass(frozen=True)
class AnswerMetrics:
    answerable: int  # answerable questions and follow-ups
    unanswerable: int
    gold_top3: float  # gold among the first three citations
    gold_first: float  # gold is the first citation
    verbatim: float  # answers whose citations are all verbatim
    abstention_recall: float  # unanswerable questions abstained on
    wrong_abstention: float  # answerable questions abstained on
    out_of_scope_accuracy: float  # unanswerable ones whose out_of_scope flag is right
    lead_accuracy: float | None  # among answerable cases with an expected lead
    followup_top3: float | None


def _rate(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def answer_metrics(results: Sequence[CaseResult]) -> AnswerMetrics:
    answerable = [r for r in results if r.kind != "unanswerable"]
    unanswerable = [r for r in results if r.kind == "unanswerable"]
    with_lead = [r for r in answerable if r.lead_expected]
    followups = [r for r in answerable if r.kind == "followup"]
    return AnswerMetrics(
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        gold_top3=_rate([r.rank is not None and r.rank <= TOP_N for r in answerable]),
        gold_first=_rate([r.rank == 1 for r in answerable]),
        verbatim=_rate([r.verbatim for r in results]),
        abstention_recall=_rate([r.answer.abstained for r in unanswerable]),
        wrong_abstention=_rate([r.answer.abstained for r in answerable]),
        out_of_scope_accuracy=_rate(
            [r.answer.out_of_scope == r.expected_out_of_scope for r in unanswerable]
        ),
        lead_accuracy=_rate([r.lead_given == r.lead_expected for r in with_lead])
        if with_lead
        else None,
        followup_top3=_rate([r.rank is not None and r.rank <= TOP_N for r in followups])
        if followups
        else None,
    )


def metrics_by_split(results: Sequence[CaseResult]) -> dict[str, AnswerMetrics]:
    splits = sorted({r.split for r in results})
    return {s: answer_metrics([r for r in results if r.split == s]) for s in splits}


# ---------------------------------------------------------------- calibration


def collect_signals(
    dataset: AnswerDataset,
    retriever: Retriever,
    generator: GroundedGenerator,
    split: Split = "dev",
    k: int = 6,
) -> list[tuple[Signals, bool]]:
    """(signals, answerable?) for every case of one split: the calibration data."""
    rows: list[tuple[Signals, bool]] = []
    queries: list[tuple[str, bool]] = [
        *((c.question, True) for c in dataset.answerable if c.split == split),
        *((c.question, False) for c in dataset.unanswerable if c.split == split),
        *(
            (standalone_question(f.question, [Turn("user", h) for h in f.history]), True)
            for f in dataset.followups
            if f.split == split
        ),
    ]
    for query, answerable in queries:
        signals, _ = generator.signals(query, retriever.search(query, k))
        rows.append((signals, answerable))
    return rows


def calibrate(
    rows: Sequence[tuple[Signals, bool]],
    max_wrong_abstention: float = 0.03,
    l2: float = 0.03,
    steps: int = 20000,
) -> AbstentionModel:
    """Fit the logistic abstention model on labelled signals (class-balanced, L2), then
    pick the threshold in the middle of the best ones: those that abstain on the most
    unanswerable questions while wrongly abstaining within the budget. The middle, not
    the edge, so the choice does not hug the dev examples."""
    import numpy as np

    x = np.array([s.vector() for s, _ in rows], dtype=float)
    y = np.array([1.0 if a else 0.0 for _, a in rows])
    xb = np.hstack([x, np.ones((len(x), 1))])
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        grad = xb.T @ ((p - y) * weight) / len(x) + l2 * np.r_[w[:-1], 0.0]
        w -= grad
    probs = 1.0 / (1.0 + np.exp(-xb @ w))
    threshold = _middle_threshold(probs, y, max_wrong_abstention)
    return AbstentionModel(
        weights=tuple(round(float(v), 3) for v in w[:-1]),
        bias=round(float(w[-1]), 3),
        threshold=threshold,
    )


def _middle_threshold(probs: Any, answerable: Any, max_wrong_abstention: float) -> float:
    import numpy as np

    candidates = [round(float(t), 2) for t in np.arange(0.05, 0.96, 0.01)]
    scored = []
    for t in candidates:
        wrong = float(np.mean(probs[answerable == 1] < t))
        recall = float(np.mean(probs[answerable == 0] < t))
        if wrong <= max_wrong_abstention:
            scored.append((recall - 2 * wrong, t))
    if not scored:
        return 0.5
    best = max(score for score, _ in scored)
    tied = [t for score, t in scored if score == best]
    return tied[len(tied) // 2]


def fit_closest_threshold(
    probabilities: Sequence[float], max_flat_abstention: float = 0.03
) -> float:
    """The highest threshold, on a 0.05 grid, below which at most ``max_flat_abstention``
    of the answerable questions' answer probabilities fall: below it the reply is a flat
    "not covered", above it the closest passage is shown."""
    best = 0.0
    for step in range(1, 20):
        threshold = round(step * 0.05, 2)
        below = sum(p < threshold for p in probabilities) / max(len(probabilities), 1)
        if below <= max_flat_abstention:
            best = threshold
    return best
