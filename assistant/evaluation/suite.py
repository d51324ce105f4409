"""One evaluation run, end to end: workspace, assistant, cases, metrics, review, gate.

The run never touches the live data directory: the assistant under test gets a
temporary one, seeded with a copy of the live index so unchanged clauses are not
embedded again, and its own SQLite ticket store (the eval files real tickets). The
live ticket store is only read, to list tickets that a policy change affects.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.evaluation.coverage import check_coverage
from assistant.evaluation.datasets import EvalCase
from assistant.evaluation.gate import THRESHOLDS_PATH, check_gate, load_thresholds
from assistant.evaluation.loaders import (
    ADAPTERS,
    EVALS_DIR,
    DatasetError,
    load_suite,
    resolvable_retrieval_file,
)
from assistant.evaluation.metrics import compute_metrics, split_metrics
from assistant.evaluation.policy_diff import PolicyInfo, diff_policies
from assistant.evaluation.results import (
    REPORT_SCHEMA,
    BaselineInfo,
    CaseResult,
    EvalReport,
    ReviewReport,
)
from assistant.evaluation.review import (
    bank_review,
    cases_citing_new_text,
    cases_needing_review,
    changed_answers,
    tickets_needing_review,
)
from assistant.evaluation.runner import Respondent, Runner
from assistant.policy import Policy, load_policy
from assistant.question_bank import BankFile, load_bank
from assistant.ticket_store import TicketStore
from assistant.tickets import DsrTicket

MAX_TICKETS_REVIEWED = 10_000


@dataclass
class EvalOptions:
    settings: Settings = field(default_factory=Settings)
    policy_path: Path | None = None  # a new policy version; None: the configured one
    evals_dir: Path = EVALS_DIR
    datasets: list[str] | None = None
    split: str = "all"
    baseline: Path | None = None
    thresholds: Path = THRESHOLDS_PATH
    fail_under: dict[str, float] = field(default_factory=dict)
    retrieval_comparison: bool = True
    progress: bool = True


def eval_settings(
    live: Settings, data_dir: Path, policy_path: Path | None, scored: Iterable[str] = ()
) -> Settings:
    """The live settings, pointed at an isolated data dir, with nothing delivered anywhere
    and the ``scored`` files' questions left out of the question bank (else they would
    find themselves there)."""
    return live.model_copy(
        update={
            "data_dir": data_dir,
            "policy_path": policy_path or live.policy_path,
            "database_url": None,
            "webhook_url": None,
            "fides_url": None,
            "question_bank_exclude": live.question_bank_exclude | frozenset(scored),
        }
    )


def seed_workspace(live_dir: Path, workspace: Path) -> bool:
    """Copy the live index (manifests + Chroma files) so ingest only embeds what changed."""
    copied = False
    for name in ("policies", "chroma"):
        source = live_dir / name
        if source.is_dir():
            shutil.copytree(source, workspace / name, dirs_exist_ok=True)
            copied = True
    return copied


def prepare_index(settings: Settings, embedder: Any) -> Any:
    """The workspace index with ``settings.policy_path`` active (incremental ingest)."""
    from assistant.index import open_index

    index = open_index(settings, embedder)
    wanted = load_policy(settings.policy_path)
    if index.active_version() != wanted.version:
        report = index.ingest(wanted)
        print(
            f"ingested {wanted.source}: {report.embedded} clauses embedded, {report.reused} reused",
            file=sys.stderr,
        )
    return index


def live_tickets(settings: Settings) -> list[DsrTicket] | None:
    """Tickets in the live store, read-only; None when there is no store to read."""
    if settings.database_url is None and not (settings.data_dir / "tickets.sqlite3").exists():
        return None
    store = TicketStore(settings.sqlalchemy_url)
    try:
        return store.list(limit=MAX_TICKETS_REVIEWED)
    finally:
        store.close()


def filter_split(cases: Sequence[EvalCase], split: str) -> list[EvalCase]:
    return [c for c in cases if split in ("all", c.split)]


def build_report(
    respondent: Respondent,
    cases: Sequence[EvalCase],
    results: list[CaseResult],
    *,
    runtime: float,
    config: dict[str, Any] | None = None,
    baseline: EvalReport | None = None,
) -> EvalReport:
    counts: dict[str, int] = {}
    for result in results:
        counts[result.category] = counts.get(result.category, 0) + 1
    report = EvalReport(
        schema_version=REPORT_SCHEMA,
        created_at=datetime.now(UTC),
        policy=PolicyInfo.of(respondent.policy),
        config=config or {},
        runtime_seconds=round(runtime, 2),
        counts=counts,
        metrics=compute_metrics(results),
        by_split=split_metrics(results),
        cases=results,
        coverage=check_coverage(respondent.policy),
    )
    if baseline is not None:
        report.baseline = BaselineInfo.of(baseline)
        report.review = ReviewReport(answers=changed_answers(baseline, results))
    return report


def add_policy_review(
    report: EvalReport,
    cases: Sequence[EvalCase],
    old: Policy,
    new: Policy,
    *,
    tickets: list[DsrTicket] | None,
    baseline: EvalReport | None = None,
    bank: BankFile | None = None,
) -> None:
    diff = diff_policies(old, new)
    report.policy_diff = diff
    review = report.review or ReviewReport()
    if bank is not None:
        review.bank = bank_review(bank, new)
    review.cases = cases_needing_review(cases, old, new, diff)
    flagged = {c.case_id for c in review.cases}
    review.cases += [
        c for c in cases_citing_new_text(report.cases, diff, baseline) if c.case_id not in flagged
    ]
    if tickets is not None:
        review.tickets = tickets_needing_review(tickets, diff)
        review.tickets_checked = len(tickets)
    report.review = review


def gate(report: EvalReport, options: EvalOptions, baseline: EvalReport | None) -> None:
    thresholds = load_thresholds(options.thresholds).with_minimums(options.fail_under)
    report.gate = check_gate(report, thresholds, baseline)


def run_with(
    respondent: Respondent,
    cases: Sequence[EvalCase],
    *,
    progress: bool = True,
    config: dict[str, Any] | None = None,
    baseline: EvalReport | None = None,
) -> EvalReport:
    """Run ``cases`` against any assistant-like object and build the report (no gate)."""
    started = time.perf_counter()
    results = Runner(respondent, progress=progress).run(cases)
    return build_report(
        respondent,
        cases,
        results,
        runtime=time.perf_counter() - started,
        config=config,
        baseline=baseline,
    )


def evaluate(
    options: EvalOptions,
    make_embedder: Callable[[Settings], Any] | None = None,
) -> EvalReport:
    """The full run behind ``privacy-assistant eval``."""
    from assistant.embedding import default_embedder
    from assistant.session import Assistant

    started = time.perf_counter()
    live = options.settings
    cpu_started = time.process_time()
    baseline = EvalReport.load(options.baseline) if options.baseline else None
    cases = filter_split(load_suite(options.evals_dir, options.datasets), options.split)
    timer = _Timer()
    with tempfile.TemporaryDirectory(prefix="privacy-eval-") as tmp:
        scored = [f"{name}.yaml" for name in options.datasets or ADAPTERS]
        settings = eval_settings(live, Path(tmp), options.policy_path, scored)
        seeded = seed_workspace(live.data_dir, Path(tmp))
        with timer("setup_s"):  # the model loads once, here, for every case below
            embedder = (make_embedder or default_embedder)(settings)
            index = prepare_index(settings, embedder)
            assistant = Assistant.from_settings(settings, embedder=embedder)
        try:
            config: dict[str, Any] = {
                "generator": settings.generator,
                "retrieval_k": settings.retrieval_k,
                "embedder": getattr(embedder, "name", type(embedder).__name__),
                "split": options.split,
                "index_seeded": seeded,
                "torch_threads": _torch_threads(),
            }
            with timer("cases_s"):
                report = run_with(
                    assistant, cases, progress=options.progress, config=config, baseline=baseline
                )
            if options.retrieval_comparison:
                with timer("retrieval_comparison_s"):
                    report.retrieval_comparison = retrieval_comparison(
                        index, options.evals_dir / "retrieval.yaml", Path(tmp)
                    )
        finally:
            assistant.tickets.close()
    if options.policy_path is not None:
        new = load_policy(options.policy_path)
        old = load_policy(live.policy_path)
        bank = load_bank(live.question_bank) if live.question_bank else None
        add_policy_review(
            report, cases, old, new, tickets=live_tickets(live), baseline=baseline, bank=bank
        )
    gate(report, options, baseline)
    report.runtime_seconds = round(time.perf_counter() - started, 2)
    report.config["timings"] = {
        **timer.spent,
        "cpu_s": round(time.process_time() - cpu_started, 1),
    }
    return report


def _torch_threads() -> int | None:
    import torch

    return int(torch.get_num_threads())


class _Timer:
    """Wall-clock seconds per phase, for the report (CI machines vary; phases say why)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.spent[name] = round(time.perf_counter() - started, 1)


def retrieval_comparison(index: Any, dataset: Path, workdir: Path) -> dict[str, Any] | None:
    """The retriever comparison (``evaluation.retrieval``) on the same index, scores only.

    It needs every gold phrase in the policy; on a changed policy that lost some, it is
    scored on the cases that still resolve (the others are listed under "needs review").
    """
    try:
        from assistant.evaluation.retrieval import compare
    except ImportError:
        return None
    if not dataset.exists():
        return None
    try:
        usable, dropped = resolvable_retrieval_file(dataset, index.policy(), workdir / dataset.name)
        comparison = compare(index=index, dataset=usable)
    except DatasetError as exc:
        return {"skipped": str(exc)}
    data = comparison.to_dict()
    data["cases_without_gold"] = dropped
    data.pop("cases", None)  # per-question ranks live in `privacy-assistant` retrieval tooling
    return data
