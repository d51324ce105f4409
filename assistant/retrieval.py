"""Retrieval: a question in, ranked policy clauses out.

(Stub of the shared types; the hybrid retriever lands here.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from assistant.policy import Clause


@dataclass(frozen=True)
class Hit:
    """One retrieved clause. ``score`` orders hits (higher is better, fused);
    ``similarity`` is the raw dense cosine similarity in [-1, 1], the signal
    answering uses to decide whether the policy addresses the question at all."""

    clause: Clause
    score: float
    similarity: float
    lexical: float = 0.0
    context: str = ""  # the parent lead-in and section title, for display and generation


class Retriever(Protocol):
    def search(self, query: str, k: int = 5) -> list[Hit]: ...
