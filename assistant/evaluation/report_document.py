"""A small report document (sections of paragraphs, lists, tables, charts) and its
Markdown and HTML renderings: the content is built once, so both files say the same."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from string import Template


@dataclass(frozen=True)
class Diff:
    """A ``[-old-]{+new+}`` word diff: highlighted in HTML, verbatim in Markdown."""

    text: str


Cell = str | Diff


@dataclass
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    numeric: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Chart:
    svg: str  # HTML only; Markdown skips it


Block = str | list[str] | Table | Chart


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)


# ---------------------------------------------------------------- markdown


def _md_cell(cell: Cell) -> str:
    text = cell.text if isinstance(cell, Diff) else cell
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> list[str]:
    lines = ["| " + " | ".join(table.headers) + " |"]
    aligns = ["---:" if i in table.numeric else "---" for i in range(len(table.headers))]
    lines.append("| " + " | ".join(aligns) + " |")
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return lines


def render_markdown(title: str, sections: list[Section]) -> str:
    lines = [f"# {title}", ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        for block in section.blocks:
            if isinstance(block, Chart):
                continue
            if isinstance(block, Table):
                lines += _md_table(block)
            elif isinstance(block, list):
                lines += [f"- {item}" for item in block]
            else:
                lines.append(block)
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------- html

_DIFF_RE = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}")
_STATUS_CLASSES = frozenset({"PASS", "FAIL", "covered", "partial", "missing"})


def _html_diff(text: str) -> str:
    out, last = [], 0
    for match in _DIFF_RE.finditer(text):
        out.append(escape(text[last : match.start()]))
        if match.group(1) is not None:
            out.append(f"<del>{escape(match.group(1))}</del>")
        else:
            out.append(f"<ins>{escape(match.group(2))}</ins>")
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def _html_cell(cell: Cell, numeric: bool) -> str:
    if isinstance(cell, Diff):
        return f"<td>{_html_diff(cell.text)}</td>"
    css = []
    if numeric:
        css.append("num")
    if cell in _STATUS_CLASSES:
        css.append(cell.lower())
    attr = f' class="{" ".join(css)}"' if css else ""
    return f"<td{attr}>{escape(cell)}</td>"


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    body = "".join(
        "<tr>" + "".join(_html_cell(c, i in table.numeric) for i, c in enumerate(row)) + "</tr>"
        for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html_block(block: Block) -> str:
    if isinstance(block, Chart):
        return block.svg
    if isinstance(block, Table):
        return _html_table(block)
    if isinstance(block, list):
        return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in block) + "</ul>"
    return f"<p>{escape(block)}</p>"


def render_html(title: str, sections: list[Section]) -> str:
    body = [f"<h1>{escape(title)}</h1>"]
    for section in sections:
        body.append(f"<h2>{escape(section.title)}</h2>")
        charts = [b for b in section.blocks if isinstance(b, Chart)]
        if charts:
            body.append('<div class="charts">' + "".join(c.svg for c in charts) + "</div>")
        body += [_html_block(b) for b in section.blocks if not isinstance(b, Chart)]
    template = resources.files("assistant.templates").joinpath("report.html")
    page = Template(template.read_text(encoding="utf-8"))
    return page.substitute(title=escape(title), body="\n".join(body))
