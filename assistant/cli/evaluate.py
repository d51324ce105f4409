"""`eval`, `policy diff` and `policy coverage`: the privacy team's policy-update workflow.

    privacy-assistant eval                                  # shipped policy, shipped datasets, gate
    privacy-assistant eval --policy new.txt --baseline evals/reports/sample/report.json
    privacy-assistant policy diff old.txt new.txt
    privacy-assistant policy coverage [policy.txt]

Exit codes: 0 gate passed, 1 gate failed (regression or threshold), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from assistant.evaluation.gate import THRESHOLDS_PATH
from assistant.evaluation.loaders import ADAPTERS, EVALS_DIR

EXIT_OK, EXIT_GATE_FAILED, EXIT_BAD_INPUT = 0, 1, 2
SUMMARY_METRICS = {
    "retrieval": ("recall@1", "recall@3", "mrr"),
    "answerable": ("recall@3", "mrr", "answer_rate", "lead_accuracy"),
    "unanswerable": ("abstention_precision", "abstention_recall", "scope_accuracy"),
    "multi_turn": ("recall@3", "mrr"),
    "answers": ("abstention_precision", "abstention_recall"),
    "questions": ("citation_validity", "verbatim_rate"),
    "rights_all": ("type_accuracy", "slot_accuracy", "turn_accuracy"),
    "hard_negative": ("false_request_rate", "false_ticket_rate"),
    "adversarial": ("pass_rate",),
    "overall": ("pass_rate", "latency_p50_ms", "latency_p95_ms"),
}


def register(subparsers: Any) -> None:
    run = subparsers.add_parser(
        "eval", help="run the evaluation suite and gate on thresholds/baseline"
    )
    run.add_argument("--policy", type=Path, help="evaluate this policy version instead")
    run.add_argument("--baseline", type=Path, help="a previous report.json to compare with")
    run.add_argument(
        "--fail-under",
        action="append",
        default=[],
        metavar="GROUP.METRIC=MIN",
        help="extra minimum, e.g. retrieval.recall@3=0.9 (repeatable)",
    )
    run.add_argument("--output", type=Path, default=Path("eval-report"), help="report directory")
    run.add_argument("--thresholds", type=Path, default=THRESHOLDS_PATH)
    run.add_argument("--evals-dir", type=Path, default=EVALS_DIR)
    run.add_argument("--dataset", action="append", choices=sorted(ADAPTERS), dest="datasets")
    run.add_argument("--split", choices=("all", "dev", "heldout"), default="all")
    run.add_argument(
        "--no-retrieval-comparison", action="store_true", help="skip the 4-way retriever table"
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch intra-op threads (default 1: one short query gains nothing from more, "
        "and on a shared CI runner oversubscribed threads made each embedding ~8x slower)",
    )
    run.set_defaults(handler=run_eval)

    policy = subparsers.add_parser("policy", help="compare policy versions, check disclosures")
    actions = policy.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    diff = actions.add_parser("diff", help="clauses added, removed, changed between two versions")
    diff.add_argument("old", type=Path)
    diff.add_argument("new", type=Path)
    diff.add_argument("--json", action="store_true")
    diff.set_defaults(handler=run_diff)
    coverage = actions.add_parser("coverage", help="GDPR Art. 13 disclosure checklist")
    coverage.add_argument("policy_file", type=Path, nargs="?")
    coverage.add_argument("--json", action="store_true")
    coverage.set_defaults(handler=run_coverage)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def run_eval(args: argparse.Namespace) -> int:
    from assistant.config import Settings
    from assistant.evaluation.gate import parse_fail_under
    from assistant.evaluation.loaders import DatasetError
    from assistant.evaluation.reports import write_reports
    from assistant.evaluation.suite import EvalOptions, evaluate
    from assistant.policy import PolicyError

    if args.threads < 1:
        return _fail("--threads must be at least 1")
    _set_threads(args.threads)
    for path in (args.policy, args.baseline, args.thresholds):
        if path is not None and not path.is_file():
            return _fail(f"file not found: {path}")
    try:
        options = EvalOptions(
            settings=Settings(),
            policy_path=args.policy,
            evals_dir=args.evals_dir,
            datasets=args.datasets,
            split=args.split,
            baseline=args.baseline,
            thresholds=args.thresholds,
            fail_under=parse_fail_under(args.fail_under),
            retrieval_comparison=not args.no_retrieval_comparison,
            progress=not args.quiet,
        )
        report = evaluate(options)
    except (DatasetError, PolicyError, ValueError) as exc:
        return _fail(str(exc))
    paths = write_reports(report, args.output)
    print(format_summary(report))
    print("reports: " + ", ".join(str(p) for p in paths))
    return EXIT_OK if report.gate is None or report.gate.passed else EXIT_GATE_FAILED


def _set_threads(threads: int) -> None:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency; fakes need no threads
        return
    torch.set_num_threads(threads)


def format_summary(report: Any) -> str:
    head = f"policy {report.policy.version}: {len(report.cases)} cases"
    lines = [f"{head} in {report.runtime_seconds:.1f} s"]
    for group, names in SUMMARY_METRICS.items():
        values = report.metrics.get(group)
        if not values:
            continue
        shown = [f"{n}={values[n]:.3f}" for n in names if n in values]
        lines.append(f"  {group:14} n={values['n']:.0f}  " + "  ".join(shown))
    if report.coverage is not None:
        counts = report.coverage.counts()
        missing = [i.id for i in report.coverage.items if i.status == "missing"]
        lines.append(
            f"  disclosures    {counts['covered']} covered, {counts['partial']} partial, "
            f"{counts['missing']} missing ({', '.join(missing) or 'none'})"
        )
    if report.review is not None:
        review = report.review
        lines.append(
            f"  needs review   {len(review.cases)} cases, {len(review.tickets)} tickets, "
            f"{len(review.answers)} changed answers"
        )
    if report.gate is not None:
        lines.append("gate: " + ("PASS" if report.gate.passed else "FAIL"))
        lines += [f"  - {f.describe()}" for f in report.gate.failures]
    return "\n".join(lines)


def _load(path: Path) -> Any:
    from assistant.policy import load_policy

    return load_policy(path)


def run_diff(args: argparse.Namespace) -> int:
    from assistant.evaluation.policy_diff import diff_policies, format_diff
    from assistant.policy import PolicyError

    try:
        diff = diff_policies(_load(args.old), _load(args.new))
    except PolicyError as exc:
        return _fail(str(exc))
    print(diff.model_dump_json(indent=2) if args.json else format_diff(diff))
    return EXIT_OK


def run_coverage(args: argparse.Namespace) -> int:
    from assistant.config import Settings
    from assistant.evaluation.coverage import check_coverage
    from assistant.policy import PolicyError

    try:
        policy = _load(args.policy_file or Settings().policy_path)
    except PolicyError as exc:
        return _fail(str(exc))
    report = check_coverage(policy)
    if args.json:
        print(json.dumps(report.model_dump(mode="json"), indent=2))
        return EXIT_OK
    counts = report.counts()
    print(f"{policy.source} ({policy.version}): {counts}")
    for item in report.items:
        print(f"  {item.status:8} {item.article:22} {item.title}")
        for evidence in item.evidence:
            print(f'           {evidence.clause_id}: "{evidence.quote}"')
        if item.status != "covered" and item.note:
            print(f"           ({item.note})")
    return EXIT_OK
