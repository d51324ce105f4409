"""Citations: build them from clause spans, repair near-verbatim quotes, verify answers.

A citation is only as good as its offsets: the UI highlights ``policy.text[start:end]``,
so verification demands an exact substring, never a whitespace-normalised match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from assistant.answering.selection import related_clauses
from assistant.answering.types import Answer, Citation
from assistant.policy import Clause, Policy

if TYPE_CHECKING:
    from assistant.retrieval import Hit

MARKER_RE = re.compile(r"\[(\d{1,2})\]")


def renumber_markers(text: str, numbers: Mapping[int, int]) -> str:
    """``text`` with its [n] markers renumbered by ``numbers`` (others left alone), so
    several answers can share one numbered source list."""
    return MARKER_RE.sub(lambda m: f"[{numbers.get(int(m.group(1)), int(m.group(1)))}]", text)


# An opening sentence of at most this many words needs no marker: a lead ("Yes.", "No.").
MAX_LEAD_WORDS = 4
_QUOTE_CHARS = "\"'“”‘’`´"
_ANSWER_SENTENCE_RE = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“(]?[A-Z0-9])")


class _Cited(Protocol):
    @property
    def clause_id(self) -> str: ...


CitedT = TypeVar("CitedT", bound=_Cited)


def reading_units(citations: Sequence[CitedT], policy: Policy) -> list[list[CitedT]]:
    """The citations grouped as a reader meets them. A list's lead-in quoted just before
    its items ("... for various business purposes [1]: verifying your identity [2]") is
    read with them as one statement, so ranking by units does not put the item that
    answers in second place behind its own lead-in."""
    units: list[list[CitedT]] = []
    for citation in citations:
        if units and _parent_id(policy, citation) == units[-1][0].clause_id:
            units[-1].append(citation)
        else:
            units.append([citation])
    return units


def _parent_id(policy: Policy, citation: _Cited) -> str | None:
    try:
        return policy.clause(citation.clause_id).parent_id
    except KeyError:  # an invalid citation is its own unit; verification reports it
        return None


@dataclass(frozen=True)
class Problem:
    kind: str  # unknown_clause | not_retrieved | not_verbatim | bad_offsets | marker
    detail: str


def cite(policy: Policy, clause: Clause, start: int = 0, end: int | None = None) -> Citation:
    """A citation of ``clause.text[start:end]`` with offsets into the policy file."""
    end = len(clause.text) if end is None else end
    quote = clause.text[start:end]
    return Citation(clause.id, clause.section, quote, clause.start + start, clause.start + end)


def locate_quote(clause: Clause, quote: str) -> tuple[int, int] | None:
    """The span of ``quote`` in the clause: exact first; otherwise a match that differs only
    in whitespace or quote characters (an LLM's "smart quotes" or re-wrapped lines). The
    returned span is the clause's own text, so the repaired citation is verbatim."""
    quote = quote.strip()
    if not quote:
        return None
    exact = clause.text.find(quote)
    if exact >= 0:
        return exact, exact + len(quote)
    tokens = quote.split()
    quote_class = "[" + re.escape(_QUOTE_CHARS) + "]"
    parts = [
        "".join(quote_class if ch in _QUOTE_CHARS else re.escape(ch) for ch in token)
        for token in tokens
    ]
    match = re.search(r"\s+".join(parts), clause.text)
    return (match.start(), match.end()) if match else None


def answer_sentences(text: str) -> list[str]:
    return [s.strip() for s in _ANSWER_SENTENCE_RE.split(text.strip()) if s.strip()]


def verify(
    answer: Answer,
    hits: Sequence[Hit],
    policy: Policy,
    is_meta: Callable[[str], bool] | None = None,
) -> list[Problem]:
    """Every problem that makes ``answer`` untrustworthy; an empty list means verified.

    Answers must cite only retrieved clauses or what those need to be read (their
    lead-ins, a lead-in's items: ``related_clauses``); an abstention may cite any clause
    of the policy (it points at the contact route, which retrieval rarely returns). Every sentence
    longer than a lead needs a marker, except those ``is_meta`` recognises as our own
    templated remarks about the policy ("The policy doesn't say ...").
    """
    problems: list[Problem] = []
    retrieved = {c.id for hit in hits for c in related_clauses(policy, hit.clause)}
    for number, citation in enumerate(answer.citations, start=1):
        problems += _check_citation(number, citation, policy, retrieved, answer.abstained)
    problems += _check_markers(answer, is_meta or (lambda _sentence: False))
    return problems


def _check_citation(
    number: int, citation: Citation, policy: Policy, retrieved: set[str], abstained: bool
) -> list[Problem]:
    try:
        clause = policy.clause(citation.clause_id)
    except KeyError:
        return [Problem("unknown_clause", f"[{number}] cites unknown clause {citation.clause_id}")]
    problems = []
    if not abstained and clause.id not in retrieved:
        problems.append(Problem("not_retrieved", f"[{number}] {clause.id} was not retrieved"))
    if not citation.quote or citation.quote not in clause.text:
        problems.append(Problem("not_verbatim", f"[{number}] quote is not verbatim in {clause.id}"))
    elif (
        policy.text[citation.start : citation.end] != citation.quote
        or citation.start < clause.start
        or citation.end > clause.end
    ):
        problems.append(Problem("bad_offsets", f"[{number}] offsets do not match the policy"))
    return problems


def _check_markers(answer: Answer, is_meta: Callable[[str], bool]) -> list[Problem]:
    count = len(answer.citations)
    used = {int(n) for n in MARKER_RE.findall(answer.text)}
    problems = [
        Problem("marker", f"[{n}] has no citation") for n in sorted(used) if not 1 <= n <= count
    ]
    problems += [
        Problem("marker", f"citation [{n}] is never referenced")
        for n in range(1, count + 1)
        if n not in used
    ]
    if count:  # an answer without citations (chitchat, out of scope) has nothing to mark
        for index, sentence in enumerate(answer_sentences(answer.text)):
            if MARKER_RE.search(sentence) or is_meta(sentence):
                continue
            if index > 0 or len(sentence.split()) > MAX_LEAD_WORDS:  # only a lead goes bare
                problems.append(Problem("marker", f"sentence without a citation: {sentence!r}"))
    return problems
