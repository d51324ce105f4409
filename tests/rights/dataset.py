"""The labelled rights-request dataset (evals/rights_requests.yaml), typed and scored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.rights import Detection, StepKind, detect_request
from assistant.rights.state import Status
from assistant.tickets import RequestType

DATASET = Path(__file__).resolve().parents[2] / "evals" / "rights_requests.yaml"
Split = Literal["dev", "heldout"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Case(_Model):
    message: str
    expected_type: RequestType | None
    expected_slots: dict[str, str] = Field(default_factory=dict)
    expected_other_person: bool = False
    note: str | None = None
    split: Split


class Turn(_Model):
    user: str
    expect_status: Status
    expect_missing: list[str] | None = None
    expect_step: StepKind | None = None


class Script(_Model):
    name: str
    expect_type: RequestType
    expect_slots: dict[str, str] = Field(default_factory=dict)
    turns: list[Turn] = Field(min_length=1)


class Dataset(_Model):
    cases: list[Case]
    scripts: list[Script]


@cache
def load() -> Dataset:
    return Dataset.model_validate(yaml.safe_load(DATASET.read_text(encoding="utf-8")))


def ticket_type(detection: Detection | None) -> RequestType | None:
    """What would be filed: nothing for None or for another person's data."""
    if detection is None or detection.other_person:
        return None
    return detection.request_type


def _norm(value: str) -> str:
    return re.sub(r"[\s.,!?'\"]+$", "", value.strip()).casefold()


def slot_matches(slot: str, expected: str, actual: str | None) -> bool:
    """Exact (case-insensitive, trailing punctuation aside); grounds are a substring."""
    if actual is None:
        return False
    if slot == "objection_grounds":
        return _norm(expected) in _norm(actual)
    return _norm(expected) == _norm(actual)


@dataclass(frozen=True)
class Score:
    total: int
    correct: int
    questions: int
    false_tickets: int
    errors: tuple[str, ...]

    @property
    def accuracy(self) -> float:
        return self.correct / self.total

    @property
    def false_ticket_rate(self) -> float:
        return self.false_tickets / self.questions


def score(split: Split) -> Score:
    cases = [c for c in load().cases if c.split == split]
    correct = questions = false_tickets = 0
    errors = []
    for case in cases:
        got = ticket_type(detect_request(case.message))
        correct += got == case.expected_type
        if case.expected_type is None:
            questions += 1
            false_tickets += got is not None
        if got != case.expected_type:
            errors.append(f"expected {case.expected_type}, got {got}: {case.message!r}")
    return Score(len(cases), correct, questions, false_tickets, tuple(errors))
