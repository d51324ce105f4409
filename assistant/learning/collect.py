"""Labelled examples, run through the product's retrieval and answering signals.

An example is a question, the policy it is asked of, and the verbatim gold phrases
that answer it (none: the policy does not answer it). Running one gives what the
learned parts see at answer time (hits, signals, candidate sentences) plus the labels:
which candidates quote gold, and at which rank retrieval found a gold clause.

Sources, each kept apart so validation can hold out whole files and whole policies:
our labelled sets (evals/answers.yaml, evals/retrieval.yaml, the spent blind batches)
and PolicyQA, whose questions are also asked of another company's policy as
negatives, but only of one where no near-duplicate question was asked (PolicyQA asks
the same generic questions of every policy, so those would often be answerable).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from assistant.config import PROJECT_ROOT
from assistant.learning.features import HitSummary, question_features, sentence_features
from assistant.learning.policyqa import CompanyPolicy, near_duplicate, normalised
from assistant.policy import phrase_spans

EVALS = PROJECT_ROOT / "evals"
# A blind batch scored on the shipped models stays out of their training until a newer
# batch is written to replace it as the untouched check. Batches 5-8 joined training in
# the eighth session, then one batch a session (batch 19 in the nineteenth), each once the
# next batch was written (kept outside the repository until scored); their held-out numbers
# are the rotation's (each file predicted by models fitted without it). Batch 20, scored at
# the nineteenth session's start and end, stays out until a newer batch.
UNTRAINED_BLIND: frozenset[str] = frozenset({"answers-batch-20.yaml"})


def training_files() -> tuple[list[Path], list[Path]]:
    """(answer files, retrieval files) the models learn from."""
    blind = EVALS / "blind"
    answers = [p for p in sorted(blind.glob("answers-*.yaml")) if p.name not in UNTRAINED_BLIND]
    retrieval = sorted(blind.glob("retrieval-*.yaml"))
    return [EVALS / "answers.yaml", *answers], [EVALS / "retrieval.yaml", *retrieval]


OUR_POLICY = "workallies"
K = 6  # hits per question, as the chat asks for


@dataclass(frozen=True)
class Example:
    source: str  # file or "policyqa:<company>": the unit held out together
    policy: str  # "workallies" or a PolicyQA company
    question: str
    gold: tuple[str, ...]  # empty: the policy does not answer it

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


@dataclass
class Row:
    """One example run through retrieval and the answer signals."""

    example: Example
    gold_rank: int | None  # 1-based rank of the first hit quoting gold
    question_x: list[float]  # filled after the selector scored the sentences
    sentence_x: list[list[float]] = field(default_factory=list)
    sentence_y: list[int] = field(default_factory=list)
    rule_scores: list[float] = field(default_factory=list)  # blended in, not a feature
    bank_scores: list[float] = field(default_factory=list)  # likewise
    bank_lean: float | None = None  # the question bank's lean (`Signals.bank_lean`)
    terms: int = 0
    summary: dict[str, float] = field(default_factory=dict)


def answer_examples(path: Path) -> Iterator[Example]:
    from assistant.answering.evaluation import load_answer_dataset
    from assistant.conversation import Turn, standalone_question

    data = load_answer_dataset(path)
    name = path.name
    for case in data.answerable:
        yield Example(name, OUR_POLICY, case.question, tuple(case.gold))
    for gap in data.unanswerable:
        yield Example(name, OUR_POLICY, gap.question, ())
    for followup in data.followups:
        query = standalone_question(followup.question, [Turn("user", h) for h in followup.history])
        yield Example(name, OUR_POLICY, query, tuple(followup.gold))


def retrieval_examples(path: Path) -> Iterator[Example]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for case in data["cases"]:
        gold = tuple(g if isinstance(g, str) else g["phrase"] for g in case["gold"])
        yield Example(path.name, OUR_POLICY, str(case["question"]), gold)


def our_examples() -> list[Example]:
    files, retrieval = training_files()
    found = [e for f in files for e in answer_examples(f)]
    found += [e for f in retrieval for e in retrieval_examples(f)]
    return found


def policyqa_examples(companies: Sequence[CompanyPolicy], seed: int) -> list[Example]:
    """Every PolicyQA question of its own policy, and (one in two) of another company's
    policy that was asked nothing like it."""
    rng = random.Random(seed)
    asked = {c.company: [normalised(q.question) for q in c.questions] for c in companies}
    found = []
    for company in companies:
        for q in company.questions:
            found.append(Example(f"policyqa:{q.company}", q.company, q.question, (q.answer,)))
            if rng.random() < 0.5:
                continue
            words = normalised(q.question)
            others = [
                c.company
                for c in companies
                if c.company != q.company
                and c.questions
                and not any(near_duplicate(words, w) for w in asked[c.company])
            ]
            if others:
                # held out with the question's own company: its wording is that policy's
                found.append(Example(f"policyqa:{q.company}", rng.choice(others), q.question, ()))
    return found


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def run_example(example: Example, retriever: object, generator: object) -> Row | None:
    """The example through ``retriever.search`` and ``generator.signals``; None when a
    gold phrase is not verbatim in the policy (case or quote differences)."""
    from assistant.answering.grounded import GroundedGenerator
    from assistant.answering.selection import Question

    assert isinstance(generator, GroundedGenerator)
    policy = generator.policy
    spans = phrase_spans(policy.text, example.gold)
    if example.gold and not spans:
        return None
    hits = retriever.search(example.question, K)  # type: ignore[attr-defined]
    signals, candidates = generator.signals(example.question, hits)
    parsed = Question.parse(example.question, generator.vocabulary, generator.intents)
    terms = len(parsed.sought)
    summary = HitSummary.of(hits)
    best = max((c.coverage for c in candidates), default=0.0)
    top = max((c.sentence_similarity for c in candidates), default=0.0)
    gold_rank = next(
        (r for r, h in enumerate(hits, 1) if _overlaps(h.clause.start, h.clause.end, spans)),
        None,
    )
    row = Row(example, gold_rank, [], terms=terms)
    for c in candidates:
        row.sentence_x.append(sentence_features(c, terms, summary, best, top))
        row.rule_scores.append(c.score)
        row.bank_scores.append(c.bank)
        start = c.clause.start + c.start
        row.sentence_y.append(int(_overlaps(start, c.clause.start + c.end, spans)))
    row.summary = {
        "top_similarity": summary.top_similarity,
        "second_similarity": summary.second_similarity,
        "top_lexical": summary.top_lexical,
        "coverage": signals.coverage,
        "uncovered": signals.uncovered,
        "privacy": signals.privacy,
        "unseen_names": signals.unseen_names,
    }
    row.bank_lean = signals.bank_lean
    return row


def finish_question_features(row: Row, sentence_scores: Sequence[float]) -> list[float]:
    from assistant.answering.abstention import Signals

    s = row.summary
    signals = Signals(
        s["top_similarity"],
        s["coverage"],
        s["uncovered"],
        s["privacy"],
        unseen_names=s["unseen_names"],
    )
    summary = HitSummary(s["top_similarity"], s["second_similarity"], s["top_lexical"], {}, {})
    return question_features(signals, summary, sentence_scores)
