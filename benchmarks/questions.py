"""The message sets the benchmarks send, read from the evaluation datasets in ``evals/``.

The warm-latency mix mirrors what a chat widget sees: mostly policy questions (answered
or honestly declined), some rights requests (first turn of the flow) and small talk.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from assistant.config import PROJECT_ROOT

EVALS = PROJECT_ROOT / "evals"
SMALL_TALK = ("hi", "thanks!", "hello there", "ok thank you", "who are you?")


@cache
def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load(Path(EVALS, name).read_text(encoding="utf-8"))
    assert isinstance(data, dict), name
    return data


def retrieval_questions() -> list[str]:
    return [str(case["question"]) for case in _load("retrieval.yaml")["cases"]]


def answerable() -> list[str]:
    return [str(item["question"]) for item in _load("answers.yaml")["answerable"]]


def unanswerable() -> list[str]:
    return [str(item["question"]) for item in _load("answers.yaml")["unanswerable"]]


def rights_openers() -> list[str]:
    cases = _load("rights_requests.yaml")["cases"]
    return [str(c["message"]) for c in cases if c.get("expected_type")]


def mixed(n: int, seed: int = 7) -> list[str]:
    """``n`` messages: 60% answerable, 20% unanswerable, 10% rights requests, 10% small talk."""
    rng = random.Random(seed)
    pools = [
        (answerable(), 0.6),
        (unanswerable(), 0.2),
        (rights_openers(), 0.1),
        (list(SMALL_TALK), 0.1),
    ]
    out: list[str] = []
    for pool, share in pools:
        out += [rng.choice(pool) for _ in range(round(n * share))]
    rng.shuffle(out)
    return out[:n]
