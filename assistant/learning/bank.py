"""Build the question bank (`assistant.question_bank`) from every labelled file.

All of them, the untrained blind batches too: the bank is not a model fitted to them,
and whoever scores a file leaves that file out of the bank. Small talk goes in with the
questions the policy does not answer. Follow-ups go in with their history and their
reading in context, for the follow-ups' own index (`BankIndex.build(followups=True)`).
"""

from __future__ import annotations

import sys

from assistant.answering.evaluation import load_answer_dataset
from assistant.config import DEFAULT_POLICY_PATH
from assistant.conversation import Turn, contextualise
from assistant.learning.collect import EVALS, retrieval_examples
from assistant.policy import load_policy
from assistant.question_bank import BANK_PATH, BankFile, BankQuestion, write_bank


def build_bank() -> BankFile:
    policy = load_policy(DEFAULT_POLICY_PATH)
    return BankFile(policy_sha256=policy.content_hash, questions=bank_questions())


def bank_questions() -> list[BankQuestion]:
    answers = [EVALS / "answers.yaml", *sorted((EVALS / "blind").glob("answers-*.yaml"))]
    retrieval = [EVALS / "retrieval.yaml", *sorted((EVALS / "blind").glob("retrieval-*.yaml"))]
    questions: list[BankQuestion] = []
    for path in answers:  # each file read once: its answered questions, then the others
        data = load_answer_dataset(path)
        questions += [
            BankQuestion(source=path.name, question=c.question, gold=tuple(c.gold), lead=c.lead)
            for c in data.answerable
        ]
        questions += [
            BankQuestion(source=path.name, question=g.question, gold=()) for g in data.unanswerable
        ]
        # Small talk is something the policy does not answer either: without it "are you a
        # bot or a real person?" leaned to "what are you doing with my personal info"
        # (0.67) and was answered with the marketing clause (blind batches 5, 8, 9).
        questions += [
            BankQuestion(source=path.name, question=s.question, gold=()) for s in data.smalltalk
        ]
        questions += [_followup(path.name, f.question, f.history, f.gold) for f in data.followups]
    questions += [
        BankQuestion(source=e.source, question=e.question, gold=e.gold)
        for path in retrieval
        for e in retrieval_examples(path)
    ]
    unique: dict[tuple[str, str, tuple[str, ...] | None], BankQuestion] = {}
    for question in questions:  # a question asked twice in one file is banked once
        unique.setdefault((question.source, question.question, question.history), question)
    return list(unique.values())


def _followup(source: str, question: str, history: list[str], gold: list[str]) -> BankQuestion:
    reading = contextualise(question, [Turn("user", h) for h in history]).query
    return BankQuestion(
        source=source, question=question, gold=tuple(gold), history=tuple(history), reading=reading
    )


def main() -> None:
    bank = build_bank()
    write_bank(bank)
    questions = bank.questions
    answered = sum(bool(q.gold) for q in questions)
    print(f"{BANK_PATH.name}: {len(questions)} questions, {answered} answered", file=sys.stderr)


if __name__ == "__main__":
    main()
