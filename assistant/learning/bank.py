"""Build the question bank (`assistant.question_bank`) from every labelled file.

All of them, the untrained blind batches too: the bank is not a model fitted to them,
and whoever scores a file leaves that file out of the bank. Follow-ups stay out: their
standalone wording is ours, not a user's.
"""

from __future__ import annotations

import sys

from assistant.answering.evaluation import load_answer_dataset
from assistant.config import DEFAULT_POLICY_PATH
from assistant.learning.collect import EVALS, answer_examples, retrieval_examples
from assistant.policy import load_policy
from assistant.question_bank import BANK_PATH, BankFile, BankQuestion, write_bank


def build_bank() -> BankFile:
    policy = load_policy(DEFAULT_POLICY_PATH)
    return BankFile(policy_sha256=policy.content_hash, questions=bank_questions())


def bank_questions() -> list[BankQuestion]:
    answers = [EVALS / "answers.yaml", *sorted((EVALS / "blind").glob("answers-*.yaml"))]
    retrieval = [EVALS / "retrieval.yaml", *sorted((EVALS / "blind").glob("retrieval-*.yaml"))]
    examples = [e for path in answers for e in answer_examples(path, followups=False)]
    leads = {
        (path.name, case.question): case.lead
        for path in answers
        for case in load_answer_dataset(path).answerable
    }
    examples += [e for path in retrieval for e in retrieval_examples(path)]
    seen: set[tuple[str, str]] = set()
    questions = []
    for example in examples:
        key = (example.source, example.question)
        if key not in seen:
            seen.add(key)
            lead = leads.get(key) if example.gold else None
            questions.append(
                BankQuestion(
                    source=example.source, question=example.question, gold=example.gold, lead=lead
                )
            )
    return questions


def main() -> None:
    bank = build_bank()
    write_bank(bank)
    questions = bank.questions
    answered = sum(bool(q.gold) for q in questions)
    print(f"{BANK_PATH.name}: {len(questions)} questions, {answered} answered", file=sys.stderr)


if __name__ == "__main__":
    main()
