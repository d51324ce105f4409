"""Index scale: 500 synthetic policies (~55k clauses) in one data directory.

Two curves, at 1, 10, 50, 100 and 500 documents:

* ``per_document`` — the production design (``assistant.index``: one Chroma collection
  per policy version). All documents are ingested through ``PolicyIndex``; a search
  runs against one version, so its latency should stay flat however many versions the
  index holds. Measured: ``HybridRetriever.search`` and its two halves.
* ``pooled`` — every clause of the N documents in ONE Chroma collection and ONE BM25
  index, to show how the search structures themselves grow: HNSW should grow
  sub-linearly, BM25 scoring roughly linearly in the number of postings.

Vectors come from the ``HashingEmbedder`` (384 dims, like MiniLM): tens of thousands of
texts through MiniLM on two cores take minutes to tens of minutes depending on the load;
the run reports how many texts needed embedding and what MiniLM would take for them at
the rate the ingest benchmark measured. Query vectors are computed
once up front, so the curves time the search, not the embedding.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.embedding import HashingEmbedder
from assistant.index import PolicyIndex, chroma_client, records
from assistant.policy import Policy, load_policy
from assistant.retrieval import STOPWORDS, HybridRetriever, LexicalRetriever, stem, words
from benchmarks.measure import Summary, timed
from benchmarks.questions import retrieval_questions
from benchmarks.synthetic import synthetic_policy

CHECKPOINTS = (1, 10, 50, 100, 500)
DIMENSION = 384
POOLED = "scale-pooled"


def _summary(fn: Callable[[str], Any], queries: Sequence[str], rounds: int) -> dict[str, Any]:
    for query in queries[:3]:
        fn(query)  # warm caches (BM25 rebuild, HNSW load) outside the measurement
    seconds = [timed(lambda q=q: fn(q))[0] for _ in range(rounds) for q in queries]
    return Summary.of(seconds).as_dict()


class _Pooled:
    """All clauses of the documents added so far, in one collection and one BM25 index."""

    def __init__(self, index: PolicyIndex, embedder: HashingEmbedder) -> None:
        self.collection = index.client.get_or_create_collection(
            POOLED, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        self.embedder = embedder
        self.tokens: list[list[str]] = []
        self.bm25: Any = None

    def add(self, policy: Policy) -> None:
        batch = [r for r in records(policy) if "#" not in r.id]
        tag = policy.content_hash[:10]
        self.collection.add(
            ids=[f"{tag}:{r.id}" for r in batch],
            embeddings=self.embedder.embed_documents([r.text for r in batch]),  # type: ignore[arg-type]
        )
        for record in batch:
            doc = words(record.text)
            self.tokens.append(
                [s for w, s in zip(doc, stem(doc), strict=True) if w not in STOPWORDS]
            )

    def build_bm25(self) -> float:
        import bm25s

        self.bm25 = bm25s.BM25()
        seconds, _ = timed(lambda: self.bm25.index(self.tokens, show_progress=False))
        return seconds

    def dense(self, vector: list[float]) -> Any:
        return self.collection.query(query_embeddings=[vector], n_results=30, include=[])

    def lexical(self, query: str) -> list[int]:
        import numpy as np

        doc = words(query)
        terms = [s for w, s in zip(doc, stem(doc), strict=True) if w not in STOPWORDS]
        known = [t for t in terms if t in self.bm25.vocab_dict]
        if not known:
            return []
        scores = self.bm25.get_scores(known)
        top = np.argpartition(-scores, min(30, len(scores) - 1))[:30]
        return [int(i) for i in top]


def run(rounds: int = 3, documents: int = 500) -> dict[str, Any]:
    base = load_policy(Settings().policy_path)
    queries = retrieval_questions()
    embedder = HashingEmbedder(DIMENSION)
    vectors = {q: embedder.embed_query(q) for q in queries}
    checkpoints = [n for n in CHECKPOINTS if n <= documents]
    points: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        index = PolicyIndex(chroma_client(settings), embedder, settings.data_dir)
        pooled = _Pooled(index, embedder)
        clauses = texts = embedded = 0
        ingest_seconds = 0.0
        for i in range(documents):
            policy = synthetic_policy(base, i)
            seconds, report = timed(lambda p=policy: index.ingest(p))
            ingest_seconds += seconds
            clauses += report.total
            texts += len(records(policy))
            embedded += report.texts_embedded  # the rest were copied by content from before
            pooled.add(policy)
            if i + 1 in checkpoints:
                points.append(_measure(index, pooled, policy, queries, vectors, rounds))
                points[-1].update(
                    documents=i + 1,
                    clauses=clauses,
                    vectors=texts,
                    texts_embedded=embedded,
                    ingest_seconds_cumulative=round(ingest_seconds, 2),
                )
                print(f"  scale: {i + 1} documents, {clauses} clauses", flush=True)
    return {
        "embedder": f"HashingEmbedder({DIMENSION}) - not MiniLM, see the module docstring",
        "queries": len(queries),
        "rounds": rounds,
        "points": points,
        "growth_last_vs_first": _growth(points),
    }


def _measure(
    index: PolicyIndex,
    pooled: _Pooled,
    active: Policy,
    queries: Sequence[str],
    vectors: dict[str, list[float]],
    rounds: int,
) -> dict[str, Any]:
    retriever = HybridRetriever(index, version=active.version)
    lexical = LexicalRetriever(index, version=active.version)
    bm25_build = pooled.build_bm25()
    started = time.perf_counter()
    result = {
        "per_document": {
            "hybrid_search": _summary(retriever.search, queries, rounds),
            "dense_search": _summary(
                lambda q: index.dense_search(vectors[q], k=30, version=active.version),
                queries,
                rounds,
            ),
            "bm25": _summary(lambda q: lexical.search(q, k=30), queries, rounds),
        },
        "pooled": {
            "chroma_query": _summary(lambda q: pooled.dense(vectors[q]), queries, rounds),
            "bm25": _summary(pooled.lexical, queries, rounds),
            "bm25_build_seconds": round(bm25_build, 3),
        },
    }
    result["measure_seconds"] = round(time.perf_counter() - started, 2)
    return result


def _growth(points: list[dict[str, Any]]) -> dict[str, Any]:
    if len(points) < 2:
        return {}
    first, last = points[0], points[-1]

    def factor(*path: str) -> float | None:
        a: Any = first
        b: Any = last
        for key in path:
            a, b = a[key], b[key]
        return round(b / a, 2) if a else None

    return {
        "documents_factor": round(last["documents"] / first["documents"], 1),
        "per_document_hybrid_p50": factor("per_document", "hybrid_search", "p50_ms"),
        "pooled_chroma_p50": factor("pooled", "chroma_query", "p50_ms"),
        "pooled_bm25_p50": factor("pooled", "bm25", "p50_ms"),
    }
