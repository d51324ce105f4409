"""End-to-end answer metrics on every labelled file, per file: the before/after table.

    python -m assistant.learning.measure [--json out.json]

answers.yaml and the spent blind answer batches are scored as the answer eval scores
them (assistant.answering.evaluation); the retrieval files' questions (all answerable,
colloquial) are scored the same way, as answerable cases with their gold phrases.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

import yaml

from assistant.answering.evaluation import (
    AnswerableCase,
    AnswerDataset,
    answer_metrics,
    load_answer_dataset,
    run_answer_eval,
)
from assistant.config import PROJECT_ROOT

EVALS = PROJECT_ROOT / "evals"


def retrieval_as_answers(path: Path) -> AnswerDataset:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = [
        AnswerableCase(
            id=f"{path.stem}-{i}",
            split="heldout",
            question=str(case["question"]),
            gold=[g if isinstance(g, str) else g["phrase"] for g in case["gold"]],
        )
        for i, case in enumerate(data["cases"])
    ]
    return AnswerDataset(version=1, answerable=cases, unanswerable=[], followups=[])


def datasets() -> dict[str, AnswerDataset]:
    found = {"answers.yaml": load_answer_dataset(EVALS / "answers.yaml")}
    for path in sorted((EVALS / "blind").glob("answers-*.yaml")):
        found[path.name] = load_answer_dataset(path)
    found["retrieval.yaml"] = retrieval_as_answers(EVALS / "retrieval.yaml")
    for path in sorted((EVALS / "blind").glob("retrieval-*.yaml")):
        found[path.name] = retrieval_as_answers(path)
    return found


def main() -> None:
    from assistant.answering.grounded import GroundedGenerator
    from assistant.config import Settings
    from assistant.retrieval import load_retriever

    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    retriever = load_retriever(Settings(data_dir=PROJECT_ROOT / "data" / "learning" / "measure"))
    generator = GroundedGenerator(retriever.policy)
    leads = generator.wording.leads.model_dump()
    table = {}
    for name, dataset in datasets().items():
        own_left_out = retriever.excluding({name})  # its own questions are not in the bank
        results = run_answer_eval(dataset, own_left_out, generator, retriever.policy, leads=leads)
        metrics = asdict(answer_metrics(results))
        with_lead = [r for r in results if r.lead_expected]
        metrics["leads_right"] = sum(r.lead_given == r.lead_expected for r in with_lead)
        metrics["leads_wrong"] = sum(
            r.lead_given is not None and r.lead_given != r.lead_expected for r in with_lead
        )
        metrics["leads_expected"] = len(with_lead)
        table[name] = metrics
        print(
            f"{name:26s} n={metrics['answerable']:3d}/{metrics['unanswerable']:2d} "
            f"first={metrics['gold_first']:.3f} top3={metrics['gold_top3']:.3f} "
            f"wrong_abst={metrics['wrong_abstention']:.3f} "
            f"abst_recall={metrics['abstention_recall']:.3f} "
            f"verbatim={metrics['verbatim']:.2f} leads right/wrong/expected="
            f"{metrics['leads_right']}/{metrics['leads_wrong']}/{metrics['leads_expected']}",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(table, indent=2))


if __name__ == "__main__":
    main()
