"""Warm answer latency of ``Assistant.respond`` with the default (grounded) generator.

Each message goes to a fresh session, as a widget's first turn does. The retriever and
the generator are wrapped in timers and the embedder in a counter, so the report can say
where a turn's time goes (retrieval, generation, the rest of the turn) and how many
query embeddings one turn costs.

The floor is measured *paired*: right before each turn, one bare embedding of the same
message. On a shared machine the load changes minute to minute; a floor measured at
another moment would make the ratio measure the neighbours, not the code.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from assistant.embedding import Embedder
from benchmarks.measure import Summary, timed
from benchmarks.questions import mixed


class CountingEmbedder:
    """Passes through to the real embedder and counts what it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.queries = 0
        self.documents = 0
        self.query_seconds = 0.0
        self.query_chars = 0

    def embed_query(self, text: str) -> list[float]:
        self.queries += 1
        self.query_chars += len(text)
        start = time.perf_counter()
        try:
            return self.inner.embed_query(text)
        finally:
            self.query_seconds += time.perf_counter() - start

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents += len(texts)
        return self.inner.embed_documents(texts)


@dataclass
class _Timer:
    """Wraps one method of an object and adds up the time spent in it."""

    inner: Any
    method: str
    seconds: float = 0.0
    calls: int = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if name != self.method:
            return attribute

        def timed_call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return attribute(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1

        return timed_call


@dataclass
class _Turns:
    seconds: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    by_intent: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: int = 0


def _ratios(turns: list[float], floors: list[float]) -> dict[str, float]:
    from benchmarks.measure import percentile

    ratios = [t / f for t, f in zip(turns, floors, strict=True) if f > 0]
    return {"p50": round(percentile(ratios, 50), 2), "p95": round(percentile(ratios, 95), 2)}


def run(assistant: Any, counter: CountingEmbedder, n: int = 300) -> dict[str, Any]:
    messages = mixed(n)
    for i, message in enumerate(messages[:20]):  # warm-up: caches, BM25, SQLite pages
        assistant.respond(f"bench-warm-{i}", message)
    retriever = assistant.retriever = _Timer(assistant.retriever, "search")
    generator = assistant.generator = _Timer(assistant.generator, "answer")
    counter.queries, counter.query_seconds, counter.query_chars = 0, 0.0, 0
    turns = _Turns()
    try:
        for i, message in enumerate(messages):
            turns.floor.append(timed(lambda m=message: counter.inner.embed_query(m))[0])
            seconds, reply = timed(lambda i=i, m=message: assistant.respond(f"bench-{i}", m))
            turns.seconds.append(seconds)
            turns.by_intent[reply.intent].append(seconds)
            turns.errors += reply.error is not None
    finally:
        assistant.retriever, assistant.generator = retriever.inner, generator.inner
    total = sum(turns.seconds)
    return {
        "messages": len(messages),
        "errors": turns.errors,
        "respond": Summary.of(turns.seconds).as_dict(),
        "paired_one_embedding": {
            **Summary.of(turns.floor).as_dict(),
            "median_ms": round(statistics.median(turns.floor) * 1000, 3),
        },
        # Each turn over the bare embedding timed just before it: robust to slow load drift.
        "per_turn_ratio": _ratios(turns.seconds, turns.floor),
        "mean_chars": {
            "message": round(statistics.fmean(len(m) for m in messages), 1),
            "embedded_in_turn": round(counter.query_chars / max(counter.queries, 1), 1),
        },
        "by_intent": {k: Summary.of(v).as_dict() for k, v in sorted(turns.by_intent.items())},
        "query_embeddings_per_turn": round(counter.queries / len(messages), 3),
        "retriever_searches_per_turn": round(retriever.calls / len(messages), 3),
        "time_share": {
            "query_embedding": round(counter.query_seconds / total, 3),
            "retrieval_without_embedding": round(
                (retriever.seconds - counter.query_seconds) / total, 3
            ),
            "generation": round(generator.seconds / total, 3),
            "rest_of_turn": round(1 - (retriever.seconds + generator.seconds) / total, 3),
        },
    }
