"""Score agent reply drafts against a set of customer emails (``evals/drafts.yaml``).

Per email: the rights requests it makes (types) and the questions it asks (gold policy
phrases). Reported: questions answered with the right clause cited, requests found with
the right type, tickets where none was asked, quotes verbatim at their offsets.

    python -m assistant.evaluation.drafts [evals/drafts.yaml] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.policy import phrase_spans

if TYPE_CHECKING:
    from assistant.drafting import Draft
    from assistant.session import Assistant

DEFAULT_SET = Path("evals/drafts.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftQuestion(_Strict):
    gold: list[str] = Field(min_length=1)


class DraftEmail(_Strict):
    id: str
    kind: str
    text: str
    requests: list[str]
    questions: list[DraftQuestion]


class DraftSet(_Strict):
    version: int
    emails: list[DraftEmail]


@dataclass(frozen=True)
class EmailScore:
    id: str
    questions: int
    answered: int
    expected_requests: int
    found_requests: int
    extra_requests: int
    quotes: int
    verbatim: int


@dataclass(frozen=True)
class DraftScores:
    questions_answered: float
    requests_found: float
    false_tickets: int  # requests detected beyond those asked for (any email)
    emails_without_request_with_ticket: int
    quotes_verbatim: float
    emails: list[EmailScore]


def load_set(path: Path = DEFAULT_SET) -> DraftSet:
    return DraftSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def score_email(email: DraftEmail, draft: Draft, policy_text: str) -> EmailScore:
    answered = 0
    for question in email.questions:
        spans = phrase_spans(policy_text, question.gold)
        if any(c.start < end and start < c.end for c in draft.citations for start, end in spans):
            answered += 1
    expected = Counter(email.requests)
    found = Counter(r.request_type for r in draft.requests)
    matched = sum((expected & found).values())
    verbatim = sum(policy_text[c.start : c.end] == c.quote for c in draft.citations)
    return EmailScore(
        id=email.id,
        questions=len(email.questions),
        answered=answered,
        expected_requests=len(email.requests),
        found_requests=matched,
        extra_requests=sum((found - expected).values()),
        quotes=len(draft.citations),
        verbatim=verbatim,
    )


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 1.0


def score(assistant: Assistant, dataset: DraftSet) -> DraftScores:
    from assistant.drafting import draft_reply

    policy_text = assistant.policy.text
    emails = [score_email(e, draft_reply(assistant, e.text), policy_text) for e in dataset.emails]
    no_request = {e.id for e in dataset.emails if not e.requests}
    return DraftScores(
        questions_answered=_ratio(
            sum(e.answered for e in emails), sum(e.questions for e in emails)
        ),
        requests_found=_ratio(
            sum(e.found_requests for e in emails), sum(e.expected_requests for e in emails)
        ),
        false_tickets=sum(e.extra_requests for e in emails),
        emails_without_request_with_ticket=sum(
            1 for e in emails if e.id in no_request and e.extra_requests
        ),
        quotes_verbatim=_ratio(sum(e.verbatim for e in emails), sum(e.quotes for e in emails)),
        emails=emails,
    )


def main(argv: Sequence[str] | None = None) -> int:
    from assistant.config import Settings
    from assistant.session import Assistant

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    settings = Settings(data_dir=args.data_dir) if args.data_dir else Settings()
    scores = score(Assistant.from_settings(settings), load_set(args.dataset))
    summary = asdict(scores)
    per_email = summary.pop("emails")
    for row in per_email:
        print(json.dumps(row), file=sys.stderr)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
