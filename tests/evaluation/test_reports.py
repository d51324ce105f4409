from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.evaluation.charts import Bar, bar_chart
from assistant.evaluation.coverage import check_coverage
from assistant.evaluation.gate import Thresholds, check_gate
from assistant.evaluation.metrics import compute_metrics
from assistant.evaluation.policy_diff import diff_policies
from assistant.evaluation.reports import write_reports
from assistant.evaluation.results import BaselineInfo, EvalReport
from assistant.policy import Policy

from .builders import question, report


def _full_report(shipped: Policy, v2: Policy) -> EvalReport:
    cases = [
        question("a", 1, category="answerable"),
        question("b", None, category="answerable", passed=False, failures=["no <gold> | cited"]),
    ]
    now = report(compute_metrics(cases), cases)
    before = report({"answerable": {"recall@3": 1.0, "pass_rate": 1.0}})
    now.baseline = BaselineInfo.of(before)
    now.coverage = check_coverage(shipped)
    now.policy_diff = diff_policies(shipped, v2)
    now.gate = check_gate(now, Thresholds(minimums={"answerable.recall@3": 0.9}), before)
    return now


def test_three_files_that_agree(tmp_path: Path, shipped: Policy, v2: Policy) -> None:
    now = _full_report(shipped, v2)
    paths = write_reports(now, tmp_path / "out")
    assert [p.name for p in paths] == ["report.json", "report.md", "report.html"]
    assert EvalReport.load(paths[0]).metrics == now.metrics
    md, html = paths[1].read_text(), paths[2].read_text()
    for text in (md, html):
        assert "FAIL" in text
        assert "answerable.recall@3" in text
        assert "Right to data portability" in text
        assert "Do Not Track" in text
    assert "(-0.500)" in md  # recall@3 vs baseline
    assert "no <gold> \\| cited" in md  # pipes escaped in Markdown tables


def test_html_is_self_contained_and_escaped(tmp_path: Path, shipped: Policy, v2: Policy) -> None:
    html = write_reports(_full_report(shipped, v2), tmp_path)[2].read_text()
    assert "<svg" in html
    assert "<del>privacy@workallies.com,</del>" in html  # word diff highlighted
    assert "no &lt;gold&gt;" in html
    urls = set(re.findall(r"""(?:src|href)=["']([^"']+)""", html))
    assert urls == set()  # no scripts, styles or fonts fetched from anywhere
    assert "<script" not in html


def test_bar_chart_draws_now_and_baseline() -> None:
    svg = bar_chart("pass rate", [Bar("retrieval", 0.5, 1.0), Bar("rights", 1.0)])
    assert svg.count("<rect") == 2 + 3 + 2  # two tracks, three bars, two legend swatches
    assert 'width="130.0"' in svg  # half of the 260-pixel bar


def test_json_round_trips_without_defaults_and_checks_its_schema(tmp_path: Path) -> None:
    cases = [question("a", 1, category="answerable")]
    original = report(compute_metrics(cases), cases)
    path = write_reports(original, tmp_path)[0]
    assert '"schema_version": 1' in path.read_text()
    assert EvalReport.load(path) == original
    path.write_text(path.read_text().replace('"schema_version": 1', '"schema_version": 99'))
    with pytest.raises(ValueError, match="schema 99"):
        EvalReport.load(path)
