"""What an answer is made of: spans of policy clauses, grouped into statements, and the
numbered citations they become when rendered."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.answering.citations import cite
from assistant.answering.types import Citation
from assistant.policy import Clause, Policy


@dataclass(frozen=True)
class Span:
    clause: Clause
    start: int
    end: int

    @classmethod
    def whole(cls, clause: Clause) -> Span:
        return cls(clause, 0, len(clause.text))

    @property
    def text(self) -> str:
        return self.clause.text[self.start : self.end]


@dataclass(frozen=True)
class Statement:
    primary: Span  # the sentence the lead is judged on
    continuation: Span | None = None  # a next sentence that refers back ("This involves")
    lead_in: Span | None = None  # for a list: rendered first, then the items
    items: tuple[Span, ...] = ()
    more: int = 0  # list items not shown

    def spans(self) -> list[Span]:
        if self.lead_in:
            return [self.lead_in, *self.items]
        return [self.primary, *([self.continuation] if self.continuation else [])]


@dataclass
class Numbering:
    """Citation markers in order of first use: a passage cited twice keeps its number."""

    citations: list[Citation] = field(default_factory=list)
    keys: dict[tuple[str, int], int] = field(default_factory=dict)

    def marker(self, policy: Policy, span: Span) -> str:
        key = (span.clause.id, span.start)
        if key not in self.keys:
            self.citations.append(cite(policy, span.clause, span.start, span.end))
            self.keys[key] = len(self.citations)
        return f"[{self.keys[key]}]"
