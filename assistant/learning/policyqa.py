"""PolicyQA (Ahmad et al., 2020; MIT, see corpus/policyqa/ and NOTICE) read as policies.

Each company's segments become one policy text (a segment a paragraph), parsed by the
product's own parser, so training sees the same clauses, sentences and retrieval as the
product does. An answer span is kept as the verbatim phrase it quotes: it is resolved
to a clause the way our gold phrases are.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.config import PROJECT_ROOT
from assistant.policy import Policy, parse_policy

# Gzipped (deterministically, `gzip -9 -n`): 1.9 MB of JSON is 0.3 MB in the repo.
POLICYQA_PATH = PROJECT_ROOT / "corpus" / "policyqa" / "policyqa-dev.json.gz"
MIN_ANSWER_CHARS = 12  # shorter spans ("email") match too many sentences to teach anything


@dataclass(frozen=True)
class PolicyQuestion:
    company: str
    question: str
    answer: str  # verbatim span of the policy text


@dataclass(frozen=True)
class CompanyPolicy:
    company: str
    policy: Policy
    questions: tuple[PolicyQuestion, ...]


def _segment_text(context: str) -> str:
    # one paragraph per segment: inner newlines would split it into headings and bullets
    return re.sub(r"\s+", " ", context).strip()


def load_policyqa(path: Path = POLICYQA_PATH) -> list[CompanyPolicy]:
    data = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))["data"]
    companies = []
    for entry in data:
        company = entry["title"]
        segments = [_segment_text(p["context"]) for p in entry["paragraphs"]]
        text = f"{company} privacy policy\n\n" + "\n\n".join(s for s in segments if s) + "\n"
        policy = parse_policy(text, source=f"{company}.txt")
        questions = []
        for paragraph in entry["paragraphs"]:
            for qa in paragraph["qas"]:
                answer = _segment_text(qa["answers"][0]["text"])
                if len(answer) >= MIN_ANSWER_CHARS and answer in policy.text:
                    questions.append(PolicyQuestion(company, qa["question"].strip(), answer))
        companies.append(CompanyPolicy(company, policy, tuple(questions)))
    return companies


def normalised(question: str) -> frozenset[str]:
    """The question's words, for telling near-duplicate questions apart."""
    return frozenset(re.findall(r"[a-z]+", question.lower())) - {"the", "a", "this", "does"}


def near_duplicate(a: frozenset[str], b: frozenset[str], threshold: float = 0.6) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) >= threshold
