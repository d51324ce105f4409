"""report.json, report.md and report.html from one ``EvalReport``."""

from __future__ import annotations

from pathlib import Path

from assistant.evaluation.report_content import report_sections
from assistant.evaluation.report_document import render_html, render_markdown
from assistant.evaluation.results import EvalReport

REPORT_FILES = ("report.json", "report.md", "report.html")


def report_title(report: EvalReport) -> str:
    return f"Evaluation: {report.policy.title} ({report.policy.version})"


def write_reports(report: EvalReport, out_dir: Path) -> list[Path]:
    """Write the three files into ``out_dir`` (created if needed); return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    title = report_title(report)
    sections = report_sections(report)
    contents = {
        "report.json": report.to_json(),
        "report.md": render_markdown(title, sections),
        "report.html": render_html(title, sections),
    }
    written = []
    for name in REPORT_FILES:
        path = out_dir / name
        path.write_text(contents[name], encoding="utf-8")
        written.append(path)
    return written
