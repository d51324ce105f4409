"""What the Markdown/HTML report says, section by section, built from an ``EvalReport``."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.evaluation.charts import Bar, bar_chart
from assistant.evaluation.metrics import SPLIT_METRICS
from assistant.evaluation.report_document import Chart, Diff, Section, Table
from assistant.evaluation.results import EvalReport

QUESTION_GROUPS = ("retrieval", "answerable", "unanswerable", "multi_turn", "answers", "questions")
QUESTION_METRICS = (
    "n",
    "recall@1",
    "recall@3",
    "mrr",
    "citation_validity",
    "verbatim_rate",
    "answer_rate",
    "closest_rate",
    "closest_gold_rate",
    "abstention_precision",
    "abstention_recall",
    "lead_accuracy",
    "false_request_rate",
    "pass_rate",
)
RIGHTS_GROUPS = ("rights", "hard_negative", "rights_multi_turn", "rights_all")
RIGHTS_METRICS = (
    "n",
    "type_accuracy",
    "slot_accuracy",
    "slots_unverified",
    "turn_accuracy",
    "ticket_rate",
    "false_request_rate",
    "false_ticket_rate",
    "pass_rate",
)
OTHER_GROUPS = ("adversarial", "overall")
OTHER_METRICS = ("n", "pass_rate", "citation_validity", "latency_p50_ms", "latency_p95_ms")
MAX_FAILURE_ROWS = 150
EXCERPT = 220


def _excerpt(text: str, limit: int = EXCERPT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "–"
    if metric in ("n", "slots_unverified", "gold_missing"):
        return f"{value:.0f}"
    if metric.endswith("_ms"):
        return f"{value:.1f}"
    return f"{value:.3f}"


def _cell(report: EvalReport, group: str, metric: str) -> str:
    now = report.metrics.get(group, {}).get(metric)
    shown = _fmt(now, metric)
    if report.baseline is None or metric == "n" or now is None:
        return shown
    before = report.baseline.metrics.get(group, {}).get(metric)
    if before is None or abs(now - before) < 1e-9:
        return shown
    return f"{shown} ({now - before:+.3f})"


def metrics_table(report: EvalReport, groups: Sequence[str], metrics: Sequence[str]) -> Table:
    present = [g for g in groups if g in report.metrics]
    used = [m for m in metrics if any(m in report.metrics[g] for g in present)]
    return Table(
        headers=["group", *used],
        rows=[[g, *(_cell(report, g, m) for m in used)] for g in present],
        numeric=frozenset(range(1, len(used) + 1)),
    )


def split_table(report: EvalReport) -> Table:
    rows = []
    for split, categories in report.by_split.items():
        for category, values in categories.items():
            rows.append([split, category, *(_fmt(values.get(m), m) for m in SPLIT_METRICS)])
    return Table(["split", "category", *SPLIT_METRICS], rows, frozenset(range(2, 7)))


def _chart(report: EvalReport, title: str, groups: Sequence[str], metric: str) -> Chart | None:
    bars = []
    for group in groups:
        now = report.metrics.get(group, {}).get(metric)
        if now is None:
            continue
        before = report.baseline.metrics.get(group, {}).get(metric) if report.baseline else None
        bars.append(Bar(group, now, before))
    return Chart(bar_chart(title, bars)) if bars else None


def summary_section(report: EvalReport) -> Section:
    policy = report.policy
    lines = [
        f"Policy: {policy.title}, {policy.source}, version {policy.version}, "
        f"last updated {policy.last_updated or 'unknown'} ({policy.clauses} clauses).",
        f"Run {report.created_at:%Y-%m-%d %H:%M} UTC in {report.runtime_seconds:.1f} s; "
        + ", ".join(f"{n} {cat}" for cat, n in sorted(report.counts.items()))
        + ".",
    ]
    if report.config:
        lines.append("Config: " + ", ".join(f"{k}={v}" for k, v in report.config.items()) + ".")
    if report.baseline is not None:
        lines.append(
            f"Baseline: policy {report.baseline.policy_version}, run "
            f"{report.baseline.created_at:%Y-%m-%d %H:%M} UTC; deltas in brackets."
        )
    section = Section("Summary", list(lines))
    if report.gate is not None:
        verdict = "PASS" if report.gate.passed else "FAIL"
        section.blocks.append(
            Table(["gate", "checks"], [[verdict, str(report.gate.checked)]], frozenset({1}))
        )
        if report.gate.failures:
            section.blocks.append([f.describe() for f in report.gate.failures])
    return section


def metrics_section(report: EvalReport) -> Section:
    blocks: list[Chart | Table | str] = []
    for title, groups, metric in (
        (
            "pass rate per category",
            [*QUESTION_GROUPS[:4], *RIGHTS_GROUPS[:3], "adversarial"],
            "pass_rate",
        ),
        ("recall@3 of gold clauses", QUESTION_GROUPS[:4], "recall@3"),
        ("request type accuracy", RIGHTS_GROUPS[:3], "type_accuracy"),
    ):
        if chart := _chart(report, title, groups, metric):
            blocks.append(chart)
    blocks += [
        "Questions: recall@k and MRR from the order of the reply's citations; citation "
        "validity = cited clause exists and the quote is verbatim at its offsets.",
        metrics_table(report, QUESTION_GROUPS, QUESTION_METRICS),
        "Rights requests: slot values are read from the filed ticket; 'unverified' slots "
        "had no ticket to read them from.",
        metrics_table(report, RIGHTS_GROUPS, RIGHTS_METRICS),
        metrics_table(report, OTHER_GROUPS, OTHER_METRICS),
    ]
    if report.by_split:
        blocks += [
            "By split (heldout cases were written before the code and never tuned on):",
            split_table(report),
        ]
    return Section("Metrics", list(blocks))


def coverage_section(report: EvalReport) -> Section | None:
    if report.coverage is None:
        return None
    counts = report.coverage.counts()
    rows = []
    for item in report.coverage.items:
        evidence = "; ".join(f'{e.clause_id}: "{_excerpt(e.quote, 160)}"' for e in item.evidence)
        rows.append([item.title, item.article, item.status, evidence or (item.note or "")])
        if item.status == "partial" and item.note:
            rows[-1][3] += f" ({item.note})"
    return Section(
        "Disclosure coverage (GDPR Art. 13)",
        [
            f"{counts['covered']} covered, {counts['partial']} partial, "
            f"{counts['missing']} missing.",
            Table(["item", "article", "status", "evidence"], rows),
        ],
    )


def diff_section(report: EvalReport) -> Section | None:
    diff = report.policy_diff
    if diff is None:
        return None
    facts = [f"{m.field}: {m.old} → {m.new}" for m in diff.metadata]
    facts += [f"section added: {t}" for t in diff.sections_added]
    facts += [f"section removed: {t}" for t in diff.sections_removed]
    facts.append(f"{diff.unchanged} clauses unchanged with the same id")
    rows: list[list[str | Diff]] = []
    for change in diff.changes:
        if change.change == "changed":
            body: str | Diff = Diff(change.word_diff or "")
        else:
            body = _excerpt(change.new_text or change.old_text or "", 300)
        rows.append([change.change, change.old_id or "", change.new_id or "", body])
    return Section(
        f"Policy changes ({diff.old.version} → {diff.new.version})",
        [facts, Table(["change", "old id", "new id", "text"], rows)],
    )


def review_section(report: EvalReport) -> Section | None:
    review = report.review
    if review is None:
        return None
    blocks: list[str | Table] = []
    if review.bank is not None:
        bank = review.bank
        blocks.append(
            f"Question bank: {bank.still_found} of {bank.answered} answered questions still "
            "find their answer in this text; its not-answered labels "
            + (
                "apply."
                if bank.unanswered_in_use
                else "were made against another text and "
                "are off until relabelled (then `make models`)."
            )
        )
        if bank.lost:
            blocks.append(
                Table(["banked question whose answer left the policy"], [[q] for q in bank.lost])
            )
    if review.cases or report.policy_diff is not None:
        blocks.append(f"Eval cases needing review: {len(review.cases)}.")
        if review.cases:
            rows = [
                [
                    c.case_id,
                    c.question,
                    c.reason,
                    ", ".join(c.old_clause_ids),
                    ", ".join(c.new_clause_ids),
                ]
                for c in review.cases
            ]
            blocks.append(Table(["case", "question", "reason", "old clause", "new clause"], rows))
        if review.tickets_checked is None:
            blocks.append("Stored tickets: no live ticket store was found to check.")
        else:
            blocks.append(
                f"Stored tickets citing changed clauses: {len(review.tickets)} "
                f"(of {review.tickets_checked} tickets checked)."
            )
        if review.tickets:
            rows = [
                [t.ticket_id, t.status, t.clause_id, t.fate, t.new_clause_id or ""]
                for t in review.tickets
            ]
            blocks.append(Table(["ticket", "status", "cited clause", "fate", "now"], rows))
    blocks.append(f"Golden answers that changed since the baseline: {len(review.answers)}.")
    if review.answers:
        rows = [
            [a.question, _excerpt(a.old_reply, 400), _excerpt(a.new_reply, 400)]
            for a in review.answers
        ]
        blocks.append(Table(["question", "old reply", "new reply"], rows))
    return Section("Needs review", list(blocks))


def retrieval_section(report: EvalReport) -> Section | None:
    data = report.retrieval_comparison
    if not data:
        return None
    if "skipped" in data:
        return Section("Retriever comparison", [f"Skipped: {data['skipped']}"])
    rows = []
    latency = data.get("latency_ms", {})
    for split, systems in data.get("scores", {}).items():
        for name, s in systems.items():
            rows.append(
                [
                    split,
                    name,
                    str(s["cases"]),
                    f"{s['recall_at_1']:.3f}",
                    f"{s['recall_at_3']:.3f}",
                    f"{s['mrr']:.3f}",
                    f"{latency.get(name, 0.0):.1f}",
                ]
            )
    table = Table(
        ["split", "retriever", "cases", "R@1", "R@3", "MRR", "p50 ms"], rows, frozenset(range(2, 7))
    )
    blocks: list[str | Table] = [
        "Retrievers alone (no answering), on the same index: a case is right at k when a "
        "gold clause is among the top k hits."
    ]
    if data.get("cases_without_gold"):
        blocks.append(
            f"{data['cases_without_gold']} cases left out: their gold phrase is not in this policy."
        )
    return Section("Retriever comparison (evals/retrieval.yaml)", [*blocks, table])


def failures_section(report: EvalReport) -> Section:
    failed = [c for c in report.cases if not c.passed]
    rows = [
        [
            c.category,
            c.id,
            _excerpt(c.turns[-1].message, 120),
            _excerpt(c.reply),
            "; ".join(c.failures),
        ]
        for c in failed[:MAX_FAILURE_ROWS]
    ]
    blocks: list[str | Table] = [f"{len(failed)} of {len(report.cases)} cases failed."]
    if len(failed) > MAX_FAILURE_ROWS:
        blocks.append(f"First {MAX_FAILURE_ROWS} shown; report.json has all of them.")
    if rows:
        blocks.append(Table(["category", "case", "last message", "reply", "why"], rows))
    return Section("Failing cases", list(blocks))


def report_sections(report: EvalReport) -> list[Section]:
    optional = (
        coverage_section(report),
        diff_section(report),
        review_section(report),
        retrieval_section(report),
    )
    return [
        summary_section(report),
        metrics_section(report),
        *[s for s in optional if s is not None],
        failures_section(report),
    ]
