"""The answering vocabulary: a verbatim citation, an answer, and the one-method generator."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from assistant.retrieval import Hit


@dataclass(frozen=True)
class Citation:
    """A verbatim quote from one clause; ``start``/``end`` are offsets into the policy FILE,
    so ``policy.text[start:end] == quote`` always holds for a verified citation."""

    clause_id: str
    section: str
    quote: str
    start: int
    end: int


@dataclass(frozen=True)
class Answer:
    """What a generator says. ``citations`` are best-first and numbered [1], [2], ... in
    ``text``. An abstention cites only the clause giving the policy's contact route."""

    text: str
    citations: tuple[Citation, ...] = ()
    abstained: bool = False
    out_of_scope: bool = False
    confidence: float = 0.0
    notes: tuple[str, ...] = field(default=(), compare=False)  # why, for logs and evals
    closest: bool = False  # abstained, but shows the passage that comes closest


class Quote(Protocol):
    """A citation of either layer: the answering one, or the chat contract's."""

    @property
    def clause_id(self) -> str: ...
    @property
    def section(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


@dataclass(frozen=True)
class Cited:
    """What an answer cited, for the follow-up after it: the sections and clauses it is
    looked for near, and the statement the answer opened with, which it does not repeat
    first (offsets into the policy file). Nothing for an abstention: its contact clause
    is no topic."""

    sections: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()
    opening: tuple[int, int] | None = None

    @classmethod
    def of(cls, answer: Answer) -> Cited:
        return cls() if answer.abstained else cls.quoting(answer.citations)

    @classmethod
    def quoting(cls, citations: Sequence[Quote]) -> Cited:
        """What these citations, best first, quote (an answer's or a request's)."""
        if not citations:
            return cls()
        first = citations[0]
        return cls(
            tuple(dict.fromkeys(c.section for c in citations)),
            tuple(c.clause_id for c in citations),
            (first.start, first.end),
        )


# Offsets into the policy file of what the user has just read: the statement the answer
# before a follow-up opened with (a follow-up wants more than that again).
JustRead = tuple[int, int] | None


class Generator(Protocol):
    def answer(self, question: str, hits: Sequence[Hit], just_read: JustRead = None) -> Answer: ...


class QueuedGenerator:
    """A deterministic fake for session tests: returns the queued answers in order and
    records what it was asked."""

    def __init__(self, answers: Iterable[Answer] = ()) -> None:
        self._queue: deque[Answer] = deque(answers)
        self.calls: list[tuple[str, tuple[Hit, ...]]] = []

    def push(self, answer: Answer) -> None:
        self._queue.append(answer)

    def answer(self, question: str, hits: Sequence[Hit], just_read: JustRead = None) -> Answer:
        self.calls.append((question, tuple(hits)))
        if not self._queue:
            raise LookupError("QueuedGenerator has no answer left for: " + question)
        return self._queue.popleft()
