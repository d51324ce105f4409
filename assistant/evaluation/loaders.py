"""Read the datasets in ``evals/`` into the common case models of ``datasets``.

Each file keeps the shape its author chose; the small "source" models here describe
those shapes exactly (extra="forbid": a renamed field fails loudly instead of being
skipped), and one adapter per file maps them to ``EvalCase``s. Case ids are derived
from the message text, so reordering a file does not break a baseline comparison.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.config import PROJECT_ROOT
from assistant.evaluation.datasets import (
    AdversarialFile,
    EvalCase,
    GoldClause,
    QuestionCase,
    RightsCase,
    Split,
    TurnExpectation,
    check_unique_ids,
    clauses_quoting,
)
from assistant.policy import Policy
from assistant.tickets import RequestType

EVALS_DIR = PROJECT_ROOT / "evals"


class DatasetError(ValueError):
    """A dataset file is missing or malformed; the message names the file and the field."""


class _Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- evals/retrieval.yaml


class RetrievalItem(_Source):
    question: str = Field(min_length=1)
    gold: list[str] = Field(min_length=1)
    split: Split
    note: str | None = None


class RetrievalFile(_Source):
    cases: list[RetrievalItem] = Field(min_length=1)


def case_id(prefix: str, text: str) -> str:
    """Readable and stable: the first words plus a hash of the whole text."""
    words = "-".join(re.findall(r"[a-z0-9]+", text.lower())[:5]) or "case"
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]
    return f"{prefix}-{words}-{digest}"


def _retrieval_cases(data: Any) -> list[EvalCase]:
    parsed = RetrievalFile.model_validate(data)
    return [
        QuestionCase(
            id=case_id("ret", item.question),
            category="retrieval",
            split=item.split,
            turns=[item.question],
            gold=[GoldClause(phrase=p) for p in item.gold],
            note=item.note,
        )
        for item in parsed.cases
    ]


def resolvable_retrieval_file(path: Path, policy: Policy, out: Path) -> tuple[Path, int]:
    """``path`` with only the cases whose every gold phrase is in ``policy``.

    Returns the file to use and how many cases were left out (0: ``path`` itself).
    A changed policy that lost a gold clause can still be scored on the rest.
    """
    parsed = RetrievalFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    kept = [c for c in parsed.cases if all(clauses_quoting(policy, p) for p in c.gold)]
    dropped = len(parsed.cases) - len(kept)
    if not dropped:
        return path, 0
    if not kept:
        raise DatasetError(f"{path}: no case has its gold phrases in {policy.source}")
    subset = RetrievalFile(cases=kept).model_dump(mode="json", exclude_none=True)
    out.write_text(yaml.safe_dump(subset, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return out, dropped


# ---------------------------------------------------------------- evals/answers.yaml


class AnswerItem(_Source):
    id: str
    split: Split
    question: str = Field(min_length=1)
    gold: list[str] = Field(min_length=1)
    lead: Literal["yes", "no"] | None = None
    note: str | None = None


class UnanswerableItem(_Source):
    id: str
    split: Split
    question: str = Field(min_length=1)
    out_of_scope: bool = False
    note: str | None = None


class FollowupItem(AnswerItem):
    history: list[str] = Field(min_length=1)


class AnswersFile(_Source):
    version: int
    answerable: list[AnswerItem] = Field(default_factory=list)
    unanswerable: list[UnanswerableItem] = Field(default_factory=list)
    followups: list[FollowupItem] = Field(default_factory=list)


def _answer_cases(data: Any) -> list[EvalCase]:
    parsed = AnswersFile.model_validate(data)
    cases: list[EvalCase] = []
    for item in parsed.answerable:
        cases.append(
            QuestionCase(
                id=f"ans-{item.id}",
                category="answerable",
                split=item.split,
                turns=[item.question],
                gold=[GoldClause(phrase=p) for p in item.gold],
                lead=item.lead,
                note=item.note,
            )
        )
    for un in parsed.unanswerable:
        cases.append(
            QuestionCase(
                id=f"ans-{un.id}",
                category="unanswerable",
                split=un.split,
                turns=[un.question],
                answerable=False,
                out_of_scope=un.out_of_scope,
                note=un.note,
            )
        )
    for follow in parsed.followups:
        cases.append(
            QuestionCase(
                id=f"ans-{follow.id}",
                category="multi_turn",
                split=follow.split,
                turns=[*follow.history, follow.question],
                gold=[GoldClause(phrase=p) for p in follow.gold],
                lead=follow.lead,
                note=follow.note,
            )
        )
    return cases


# ---------------------------------------------------------------- evals/rights_requests.yaml


class RightsItem(_Source):
    message: str = Field(min_length=1)
    expected_type: RequestType | None
    expected_slots: dict[str, str] = Field(default_factory=dict)
    expected_other_person: bool = False
    split: Split
    note: str | None = None


class ScriptTurn(_Source):
    user: str = Field(min_length=1)
    expect_status: str | None = None
    expect_missing: list[str] | None = None
    expect_step: str | None = None  # internal to the recogniser: not visible in a Reply


class RightsScript(_Source):
    name: str
    expect_type: RequestType
    expect_slots: dict[str, str] = Field(default_factory=dict)
    turns: list[ScriptTurn] = Field(min_length=1)
    split: Split = "dev"
    note: str | None = None


class RightsFile(_Source):
    cases: list[RightsItem] = Field(min_length=1)
    scripts: list[RightsScript] = Field(default_factory=list)


def _rights_cases(data: Any) -> list[EvalCase]:
    parsed = RightsFile.model_validate(data)
    cases: list[EvalCase] = [
        RightsCase(
            id=case_id("dsr", item.message),
            category="rights" if item.expected_type else "hard_negative",
            split=item.split,
            turns=[item.message],
            expected_type=item.expected_type,
            expected_slots=item.expected_slots,
            other_person=item.expected_other_person,
            note=item.note,
        )
        for item in parsed.cases
    ]
    for script in parsed.scripts:
        last = script.turns[-1].expect_status
        cases.append(
            RightsCase(
                id=f"script-{script.name}",
                category="rights_multi_turn",
                split=script.split,
                turns=[t.user for t in script.turns],
                expected_type=script.expect_type,
                expected_slots=script.expect_slots,
                expect_ticket=last == "filed",
                expect=[
                    TurnExpectation(status=t.expect_status, missing=t.expect_missing)
                    for t in script.turns
                ],
                note=script.note,
            )
        )
    return cases


# ---------------------------------------------------------------- evals/adversarial.yaml


def _adversarial_cases(data: Any) -> list[EvalCase]:
    return list(AdversarialFile.model_validate(data).cases)


# ---------------------------------------------------------------- the suite

DatasetName = Literal["retrieval", "answers", "rights_requests", "adversarial"]
Adapter = Callable[[Any], list[EvalCase]]
ADAPTERS: dict[str, Adapter] = {
    "retrieval": _retrieval_cases,
    "answers": _answer_cases,
    "rights_requests": _rights_cases,
    "adversarial": _adversarial_cases,
}


def register_adapter(name: str, adapter: Adapter) -> None:
    ADAPTERS[name] = adapter


def load_dataset(path: Path, name: str | None = None) -> list[EvalCase]:
    name = name or path.stem
    if name not in ADAPTERS:
        raise DatasetError(f"{path}: no loader for a dataset named {name!r}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(f"dataset not found: {path}") from None
    except yaml.YAMLError as exc:
        raise DatasetError(f"{path} is not valid YAML: {exc}") from None
    try:
        return ADAPTERS[name](data)
    except ValidationError as exc:
        raise DatasetError(f"{path}: {_first_errors(exc)}") from None


def _first_errors(exc: ValidationError, limit: int = 3) -> str:
    errors = exc.errors()[:limit]
    parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors]
    more = f" (+{exc.error_count() - limit} more)" if exc.error_count() > limit else ""
    return "; ".join(parts) + more


def load_suite(evals_dir: Path = EVALS_DIR, names: list[str] | None = None) -> list[EvalCase]:
    """Every dataset found in ``evals_dir`` (a missing file is skipped: it may not exist yet)."""
    cases: list[EvalCase] = []
    for name in names or list(ADAPTERS):
        path = evals_dir / f"{name}.yaml"
        if path.exists():
            cases.extend(load_dataset(path, name))
    try:
        check_unique_ids([c.id for c in cases])
    except ValueError as exc:
        raise DatasetError(str(exc)) from None
    return cases
