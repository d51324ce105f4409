"""Deliberately broken parts, to prove the evaluation catches a regression.

A gate that never fails is worthless; the runner's own tests build an assistant with
one of these retrievers and assert that the suite goes red.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Literal

from assistant.retrieval import Hit, Retriever

DEPTH = 50


@dataclass
class DegradedRetriever:
    """Wraps a real retriever and spoils its ranking, deterministically per query.

    ``reverse``: the least relevant clauses first. ``shuffle``: a random order of the
    top ``DEPTH`` (seeded by the query, so two runs agree).
    """

    inner: Retriever
    mode: Literal["reverse", "shuffle"] = "reverse"

    def search(self, query: str, k: int = 5) -> list[Hit]:
        hits = self.inner.search(query, k=DEPTH)
        if self.mode == "reverse":
            return list(reversed(hits))[:k]
        seed = int.from_bytes(hashlib.sha256(query.encode("utf-8")).digest()[:8], "big")
        random.Random(seed).shuffle(hits)
        return hits[:k]
