"""The answer evaluation set (evals/answers.yaml): typed cases, metrics and a runner.
(The abstention model is trained by `make models`, assistant/learning/training.py.)

Kept importable on its own so the full ``privacy-assistant eval`` can reuse the dataset
and the metric functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.answering.citations import reading_units
from assistant.answering.types import Answer, Citation, Generator
from assistant.config import PROJECT_ROOT
from assistant.conversation import Turn, standalone_question
from assistant.policy import Policy, phrase_spans

if TYPE_CHECKING:
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
    # A complete question on a new topic after the history: the history must not leak in.
    topic_change: bool = False


class SmalltalkCase(_Case):
    """Not a question about the policy nor a request ("lol ok thanks"): small talk back."""


class AnswerDataset(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    answerable: list[AnswerableCase]
    unanswerable: list[UnanswerableCase]
    followups: list[FollowupCase]
    smalltalk: list[SmalltalkCase] = Field(default_factory=list)

    def problems(self, policy: Policy) -> list[str]:
        """Gold phrases missing from the policy, and duplicate ids."""
        golds = [(c.id, c.gold) for c in self.answerable] + [(c.id, c.gold) for c in self.followups]
        found = [
            f"{case_id}: gold phrase not in the policy: {phrase!r}"
            for case_id, gold in golds
            for phrase in gold
            if phrase not in policy.text
        ]
        ids = [
            c.id for c in [*self.answerable, *self.unanswerable, *self.followups, *self.smalltalk]
        ]
        found += [f"duplicate id {i}" for i in sorted({i for i in ids if ids.count(i) > 1})]
        return found


def load_answer_dataset(path: str | Path = DEFAULT_PATH) -> AnswerDataset:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return AnswerDataset.model_validate(data)


# ---------------------------------------------------------------- metric functions


def gold_spans(policy: Policy, phrases: Iterable[str]) -> list[tuple[int, int]]:
    """Every occurrence of every gold phrase in the policy file."""
    return phrase_spans(policy.text, phrases)


def hits_gold(citation: Citation, spans: Sequence[tuple[int, int]]) -> bool:
    return any(citation.start < end and start < citation.end for start, end in spans)


def gold_rank(answer: Answer, spans: Sequence[tuple[int, int]], policy: Policy) -> int | None:
    """1-based position of the first statement that quotes gold (a list's lead-in and its
    items count as one, see `reading_units`), None if none does. An abstention claims no
    answer, so a passage it offers as the closest is not ranked."""
    if answer.abstained:
        return None
    for rank, unit in enumerate(reading_units(answer.citations, policy), start=1):
        if any(hits_gold(citation, spans) for citation in unit):
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
                gold_rank(answer, gold_spans(policy, case.gold), policy),
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
                gold_rank(answer, gold_spans(policy, followup.gold), policy),
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
