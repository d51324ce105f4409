"""Property tests: for any text the parser either refuses it with a PolicyError or
returns clauses that satisfy the invariants in policy_checks; for generated structured
policies it also recovers exactly the structure the generator wrote."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_checks import assert_invariants, assert_sentences
from scaling import FACTOR, LINEAR_LIMIT, growth

from assistant.policy import Policy, PolicyError, iter_sentences, parse_policy

WORDS = [
    "we", "collect", "your", "data", "personal", "information", "share", "with",
    "partners", "store", "for", "years", "cookies", "may", "use", "service", "account",
    "process", "and", "the", "to", "of", "email", "address", "request", "delete",
    "access", "rights", "third", "parties", "payment", "records", "security",
]  # fmt: skip
TITLE_WORDS = [
    "Cookies", "Security", "Sharing", "Retention", "Your", "Rights", "Data", "Transfers",
    "Children", "Contact", "Marketing", "Storage", "Updates", "Choices", "Payments",
]  # fmt: skip
NOISE_TOKENS = [
    "#", "## ", "### ", "1. ", "2.1 ", "3) ", "- ", "  - ", "    * ", "• ", "(a) ", "b) ",
    "\n", "\n", "\n\n", "\r\n", "\r", "\u2028", "\x85", "\t", " ", "   ",
    ":", ",", ".", "?", "!", "“", "”", "e.g. ", "i.e.", "No. 5", "www.example.com",
    "Privacy Policy", "Last updated: Jun 7, 2024", "Effective date: 1 April 2025",
    "===", "---", "**", "_", "Word", "word", "Data We Collect", "We collect data.",
    "Introduction", "é", "漢字", "\u200b", "\ufeff",
]  # fmt: skip


def _parse_or_refuse(text: str) -> Policy | None:
    try:
        return parse_policy(text)
    except PolicyError as exc:
        assert str(exc)
        return None


# ---------------------------------------------------------------- any text


@settings(max_examples=300, deadline=1000)
@given(st.text())
def test_any_unicode_text(text: str) -> None:
    policy = _parse_or_refuse(text)
    if policy is not None:
        assert_invariants(policy)


@settings(max_examples=400, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(NOISE_TOKENS), max_size=80).map("".join))
def test_policy_like_noise(text: str) -> None:
    policy = _parse_or_refuse(text)
    if policy is not None:
        assert_invariants(policy)
        assert parse_policy(text) == policy  # deterministic


@settings(max_examples=300, deadline=1000)
@given(st.lists(st.sampled_from([*'aA .!?"”’)(“\n\t', "e.g.", "No. 1", "Co."])).map("".join))
def test_sentence_spans_cover_each_clause(text: str) -> None:
    assert_sentences(text)


# ---------------------------------------------------------------- generated policies


@dataclass
class _Doc:
    """A generated policy and the structure its author meant."""

    newline: str
    parts: list[str] = field(default_factory=list)  # blocks, joined by blank lines
    sections: list[tuple[str, int]] = field(default_factory=list)
    clauses: list[tuple[str, str, int | None]] = field(default_factory=list)
    title: str = "Privacy Policy"
    section: str = "Introduction"

    def expect(self, text: str, parent: int | None) -> int:
        self.clauses.append((self.section, text, parent))
        return len(self.clauses) - 1

    @property
    def text(self) -> str:
        blank = self.newline * 2
        return blank.join(self.parts) + self.newline


def _sentence(draw: st.DrawFn, min_words: int, end: str) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=min_words, max_size=min_words + 14))
    return " ".join([words[0].capitalize(), *words[1:]]) + end


def _wrap(draw: st.DrawFn, text: str, newline: str, indent: str = "") -> str:
    words = text.split(" ")
    breaks = draw(st.sets(st.integers(1, max(1, len(words) - 1)), max_size=3))
    lines, current = [], [words[0]]
    for index, word in enumerate(words[1:], start=1):
        if index in breaks:
            lines.append(" ".join(current))
            current = []
        current.append(word)
    lines.append(" ".join(current))
    return (newline + indent).join(lines)


def _flat_depths(draw: st.DrawFn) -> list[int]:
    """Scraped-text lists: plain items, then groups of a lead-in item and its items,
    all at one indent (0 = item of the list, 1 = item under the lead-in before it)."""
    depths = [0] * draw(st.integers(0, 2))
    for _ in range(draw(st.integers(0 if depths else 1, 2))):
        depths += [0] + [1] * draw(st.integers(1, 3))
    return depths


def _nested_depths(draw: st.DrawFn) -> list[int]:
    depths = [0]
    for _ in range(draw(st.integers(0, 5))):
        depths.append(draw(st.integers(0, depths[-1] + 1)))
    return depths


def _bullets(draw: st.DrawFn, doc: _Doc, owner: int | None) -> str:
    """A list: nested by indentation (Markdown) or flat with ":" lead-in items."""
    flat = draw(st.booleans())
    depths = _flat_depths(draw) if flat else _nested_depths(draw)
    marker = draw(st.sampled_from(["-", "*", "•", "1."]))
    lines: list[str] = []
    last_at_depth: dict[int, int | None] = {-1: owner}
    for n, depth in enumerate(depths):
        lead_in = flat and depth == 0 and n + 1 < len(depths) and depths[n + 1] == 1
        text = _sentence(draw, 2, ":" if lead_in else ".")
        last_at_depth[depth] = doc.expect(text, last_at_depth[depth - 1])
        indent = "  " if flat else "  " * depth
        bullet_marker = f"{n + 1}." if marker == "1." else marker
        body = _wrap(draw, text, doc.newline, indent + " " * (len(bullet_marker) + 1))
        lines.append(f"{indent}{bullet_marker} {body}")
    return doc.newline.join(lines)


def _content(draw: st.DrawFn, doc: _Doc) -> None:
    kind = draw(st.sampled_from(["paragraph", "lead-in", "list-after-paragraph"]))
    if kind == "paragraph":
        text = _sentence(draw, 11, ".")
        doc.expect(text, None)
        doc.parts.append(_wrap(draw, text, doc.newline))
        return
    lead_in = kind == "lead-in"
    text = _sentence(draw, 11, ":" if lead_in else ".")
    owner = doc.expect(text, None)
    paragraph = _wrap(draw, text, doc.newline)
    bullets = _bullets(draw, doc, owner if lead_in else None)
    glue = doc.newline * draw(st.sampled_from([1, 2]))
    doc.parts.append(paragraph + glue + bullets)


def _heading(draw: st.DrawFn, doc: _Doc, style: str, number: int, title: str) -> None:
    if style == "markdown":
        level = draw(st.sampled_from([2, 3]))
        doc.parts.append("#" * level + " " + title)
    elif style == "numbered":
        level = 1
        doc.parts.append(f"{number}{draw(st.sampled_from(['.', ')']))} {title}")
    else:
        level = 1
        doc.parts.append(title)
    doc.sections.append((title, level))
    doc.section = title


@st.composite
def structured_policies(draw: st.DrawFn) -> _Doc:
    doc = _Doc(newline=draw(st.sampled_from(["\n", "\r\n"])))
    title_line = draw(st.sampled_from([None, "Privacy Policy", "# Acme Privacy Policy"]))
    if title_line:
        doc.parts.append(title_line)
        doc.title = title_line.lstrip("# ")
    if draw(st.booleans()):
        doc.parts.append("Last updated: 2024-01-02")
        doc.expect("Last updated: 2024-01-02", None)
    intro_blocks = draw(st.integers(0, 2))
    for _ in range(intro_blocks):
        _content(draw, doc)
    if doc.clauses:
        doc.sections.append(("Introduction", 1))
    style = draw(st.sampled_from(["markdown", "numbered", "plain"]))
    min_sections = 0 if doc.clauses else 1
    titles = draw(
        st.lists(
            st.lists(st.sampled_from(TITLE_WORDS), min_size=1, max_size=3).map(" ".join),
            min_size=min_sections,
            max_size=4,
            unique=True,
        )
    )
    for number, title in enumerate(titles, start=1):
        _heading(draw, doc, style, number, title)
        for _ in range(draw(st.integers(1, 3))):
            _content(draw, doc)
    return doc


@settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(structured_policies())
def test_generated_policies_parse_to_the_structure_they_were_written_with(doc: _Doc) -> None:
    policy = parse_policy(doc.text)
    assert_invariants(policy)
    assert policy.title == doc.title
    assert [(s.title, s.level) for s in policy.sections] == doc.sections
    actual = []
    for clause in policy.clauses:
        parent = None
        if clause.parent_id is not None:
            parent = [c.id for c in policy.clauses].index(clause.parent_id)
        actual.append((clause.section, " ".join(clause.text.split()), parent))
    assert actual == doc.clauses


# ---------------------------------------------------------------- speed


LONG = 100_000
PATHOLOGICAL_LINES: dict[str, Callable[[int], str]] = {
    "dots": lambda n: "A" + "." * n + "a",
    "spaced dots": lambda n: ". " * (n // 2),
    "sentences": lambda n: "A. " * (n // 3),
    "abbreviations": lambda n: "e.g. A " * (n // 7),
    "markdown closing hashes": lambda n: "# a" + " #" * (n // 2) + "b",
    "numbered then spaces": lambda n: "1. A" + " " * n + "b",
    "spaces then text": lambda n: " " * n + "x",
    "bullet then spaces": lambda n: "-" + " " * n,
    "title suffix": lambda n: "# Privacy Policy" + " " * n + "last updatx",
    "date label": lambda n: "last updated: " * (n // 14),
    "colons": lambda n: ":" * n,
    "random words": lambda n: " ".join(
        random.Random(7).choices([*WORDS, "e.g.", "No.", "A."], k=n // 6)
    ),
}


def _parse_with_sentences(text: str) -> Policy:
    policy = parse_policy(text)
    for clause in policy.clauses:
        list(iter_sentences(clause.text))
    return policy


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL_LINES))
def test_a_100k_character_line_parses_in_linear_time(name: str) -> None:
    line = PATHOLOGICAL_LINES[name]

    def run(size: int) -> Policy:
        return _parse_with_sentences("Privacy Policy\n\n" + line(size) + "\n\nWe collect data.\n")

    ratio = growth(run, LONG)
    assert ratio < LINEAR_LIMIT, f"{name}: {FACTOR}x the text took {ratio:.0f}x the time"
    assert_invariants(run(LONG))


def test_whole_policy_parses_in_linear_time(policy_text: str) -> None:
    body = policy_text.split("\n", 1)[1]  # the policy repeated: one title, FACTOR times the text
    ratio = growth(lambda n: parse_policy(policy_text + "\n" + body * (n - 1)), FACTOR)
    assert ratio < LINEAR_LIMIT, f"{FACTOR}x the policy took {ratio:.0f}x the time"
