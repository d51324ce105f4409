"""Invariants every parsed policy must satisfy, and a compact outline notation for
writing a policy's expected structure by hand.

Outline notation (one line each, blank lines ignored)::

    # Section title            a section (## for level 2 ...)
    Clause text prefix         a top-level clause of the current section
    > Bullet text prefix       a child of the nearest clause above with one '>' less
    >> Sub-bullet prefix       ...and so on
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from assistant.policy import Clause, Policy, iter_sentences

MAX_MARKER_CHARS = 6  # "(iv)", "12.", "•"


def clause_depth(policy: Policy, clause: Clause) -> int:
    depth = 0
    while clause.parent_id is not None:
        clause = policy.clause(clause.parent_id)
        depth += 1
    return depth


def assert_offsets(policy: Policy) -> None:
    for clause in policy.clauses:
        assert policy.text[clause.start : clause.end] == clause.text, clause.id
        assert clause.text == clause.text.strip() and clause.text, clause.id


def assert_order_and_ids(policy: Policy) -> None:
    ids = [c.id for c in policy.clauses]
    assert len(ids) == len(set(ids)), "duplicate clause ids"
    seen: set[str] = set()
    previous_end = 0
    for position, clause in enumerate(policy.clauses):
        assert clause.position == position
        assert clause.start >= previous_end, f"{clause.id} overlaps the clause before it"
        previous_end = clause.end
        if clause.parent_id is not None:
            assert clause.parent_id in seen, f"{clause.id}: parent is not an earlier clause"
        seen.add(clause.id)
    section_ids = [s.id for s in policy.sections]
    assert len(section_ids) == len(set(section_ids)), "duplicate section ids"
    assert {c.section_id for c in policy.clauses} <= set(section_ids)


def _line_starts(text: str) -> list[int]:
    starts, offset = [], 0
    for line in text.splitlines(keepends=True):
        starts.append(offset)
        offset += len(line)
    return starts


def uncovered_characters(policy: Policy) -> list[tuple[int, str]]:
    """Non-space characters in no clause, no heading, not the title and no bullet marker."""
    text = policy.text
    covered = bytearray(len(text))
    spans = [(c.start, c.end) for c in policy.clauses]
    spans += [(s.start, s.end) for s in policy.sections]
    if policy.title_span is not None:
        spans.append(policy.title_span)
    starts = _line_starts(text)
    for clause in policy.clauses:
        if clause.kind == "bullet":
            line_start = starts[bisect.bisect_right(starts, clause.start) - 1]
            marker = text[line_start : clause.start].strip()
            assert 0 < len(marker) <= MAX_MARKER_CHARS, (clause.id, marker)
            spans.append((line_start, clause.start))
    for start, end in spans:
        covered[start:end] = b"\x01" * (end - start)
    return [(i, ch) for i, ch in enumerate(text) if not covered[i] and not ch.isspace()]


def assert_sentences(clause_text: str) -> None:
    spans = list(iter_sentences(clause_text))
    covered = bytearray(len(clause_text))
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(clause_text), spans
        assert clause_text[start:end] == clause_text[start:end].strip()
        covered[start:end] = b"\x01" * (end - start)
        previous_end = end
    missing = [ch for i, ch in enumerate(clause_text) if not covered[i] and not ch.isspace()]
    assert not missing, f"sentences drop {missing[:10]!r}"


def assert_invariants(policy: Policy) -> None:
    assert_offsets(policy)
    assert_order_and_ids(policy)
    dropped = uncovered_characters(policy)
    assert not dropped, f"characters silently dropped: {dropped[:10]!r}"
    for clause in policy.clauses:
        assert_sentences(clause.text)


# ---------------------------------------------------------------- outlines


@dataclass(frozen=True)
class Expected:
    section: str
    depth: int
    prefix: str
    parent: int | None  # index into the expected list


def parse_outline(outline: str) -> tuple[list[tuple[str, int]], list[Expected]]:
    sections: list[tuple[str, int]] = []
    clauses: list[Expected] = []
    last_at_depth: dict[int, int] = {}
    for raw in outline.strip().splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            hashes = len(line) - len(line.lstrip("#"))
            sections.append((line[hashes:].strip(), hashes))
            continue
        depth = len(line) - len(line.lstrip(">"))
        parent = last_at_depth[depth - 1] if depth else None
        clauses.append(Expected(sections[-1][0], depth, line[depth:].strip(), parent))
        last_at_depth[depth] = len(clauses) - 1
    return sections, clauses


def assert_outline(policy: Policy, outline: str) -> None:
    """The policy's sections and clauses are exactly those of the hand-written outline."""
    sections, expected = parse_outline(outline)
    assert [(s.title, s.level) for s in policy.sections] == sections
    actual = list(policy.clauses)
    for index, (want, clause) in enumerate(zip(expected, actual, strict=False)):
        where = f"clause {index} {clause.id!r}: {clause.text[:60]!r}"
        assert clause.text.startswith(want.prefix), f"{where} should start {want.prefix!r}"
        assert clause.section == want.section, where
        want_parent = actual[want.parent].id if want.parent is not None else None
        assert clause.parent_id == want_parent, f"{where} parent {clause.parent_id!r}"
    assert len(actual) == len(expected), [c.text[:40] for c in actual[len(expected) :]]
