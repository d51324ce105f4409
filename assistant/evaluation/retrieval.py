"""Retrieval quality: recall@1, recall@3 and MRR of each retriever on ``evals/retrieval.yaml``.

`compare` runs, in one process and on the same cases, the hybrid retriever, its two
halves (dense only, BM25 only) and the LangChain baseline a tutorial would build:
``RecursiveCharacterTextSplitter`` chunks of the raw policy in Chroma, searched with
the same MiniLM model. A clause retriever is right when it returns a gold clause; the
baseline is right when its chunk contains a gold phrase. Results are reported per
split. Both splits have been tuned on since the fusion rework (heldout included);
wording nobody tuned on is only what the lead scores outside the repository.
"""

from __future__ import annotations

import functools
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from assistant.config import Settings
from assistant.embedding import Embedder, LangChainEmbeddings
from assistant.evaluation.datasets import QuestionCase, normalise, resolve_gold
from assistant.evaluation.loaders import EVALS_DIR, DatasetError, load_dataset
from assistant.index import PolicyIndex, ensure_ingested
from assistant.policy import Policy
from assistant.question_bank import load_bank
from assistant.retrieval import DenseRetriever, HybridRetriever, LexicalRetriever, Retriever

RETRIEVAL_DATASET = EVALS_DIR / "retrieval.yaml"
SplitChoice = Literal["dev", "heldout", "all"]
DEPTH = 10  # ranks beyond this count as a miss for MRR
BASELINE = "langchain_baseline"
# dense_expanded is the hybrid's dense half alone: MiniLM on the question plus expansions.
# "hybrid_bank": the product's retriever, the hybrid with the question bank (the cases'
# own file left out of it); "hybrid": the same without the bank.
SYSTEMS = ("hybrid_bank", "hybrid", "dense", "dense_expanded", "bm25", BASELINE)


@dataclass(frozen=True)
class GoldCase:
    question: str
    split: str
    phrases: tuple[str, ...]
    clause_ids: frozenset[str]


def load_cases(policy: Policy, path: Path = RETRIEVAL_DATASET) -> list[GoldCase]:
    """The dataset with every gold phrase resolved against ``policy``; a phrase the policy
    no longer contains is an error here (the full eval reports it as "gold missing")."""
    cases = []
    for case in load_dataset(path, "retrieval"):
        assert isinstance(case, QuestionCase)
        ids: set[str] = set()
        for gold in case.gold:
            resolved = resolve_gold(policy, gold)
            if not resolved.found:
                raise DatasetError(f"{path}: gold phrase not in the policy: {gold.phrase!r}")
            ids.update(resolved.clause_ids)
        phrases = tuple(g.phrase for g in case.gold)
        cases.append(GoldCase(case.turns[-1], case.split, phrases, frozenset(ids)))
    return cases


# ---------------------------------------------------------------- metrics


@dataclass(frozen=True)
class Scores:
    cases: int
    recall_at_1: float
    recall_at_3: float
    mrr: float


def score(ranks: Sequence[int | None]) -> Scores:
    """``ranks``: per case, the 1-based rank of the first correct result, None if none."""
    n = len(ranks)
    if n == 0:
        return Scores(0, 0.0, 0.0, 0.0)
    return Scores(
        cases=n,
        recall_at_1=sum(r is not None and r <= 1 for r in ranks) / n,
        recall_at_3=sum(r is not None and r <= 3 for r in ranks) / n,
        mrr=sum(1.0 / r for r in ranks if r is not None) / n,
    )


def first_correct(results: Sequence[Any], correct: Callable[[Any], bool]) -> int | None:
    return next((rank for rank, item in enumerate(results, 1) if correct(item)), None)


# ---------------------------------------------------------------- the LangChain baseline


class LangChainBaseline:
    """Fixed-size chunks of the raw text in an in-memory Chroma collection (its defaults)."""

    def __init__(
        self, policy: Policy, embedder: Embedder, chunk_size: int = 500, overlap: int = 50
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=overlap)
        self.chunks = splitter.split_text(policy.text)
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(
            collection_name=f"baseline-{uuid.uuid4().hex[:12]}",
            embedding_function=LangChainEmbeddings(embedder),
            client=client,
        )
        self.store.add_texts(self.chunks)

    def search(self, query: str, k: int = 5) -> list[str]:
        return [doc.page_content for doc in self.store.similarity_search(query, k=k)]

    def close(self) -> None:
        self.store.delete_collection()


# ---------------------------------------------------------------- running


@dataclass
class CaseResult:
    question: str
    split: str
    ranks: dict[str, int | None] = field(default_factory=dict)
    top: dict[str, str] = field(default_factory=dict)  # what each system ranked first


@dataclass
class Comparison:
    policy_version: str
    systems: tuple[str, ...]
    scores: dict[str, dict[str, Scores]]  # split -> system -> scores
    latency_ms: dict[str, float]  # system -> median per query (the first, warm-up, excluded)
    embed_query_ms: float  # median of one bare query embedding, for scale
    cases: list[CaseResult]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Timer:
    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = {}

    def __call__(self, name: str, fn: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        out = fn()
        self.ms.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        return out

    def median_warm(self, name: str) -> float:
        """Median without the first call (which builds BM25 / warms caches)."""
        times = self.ms.get(name, [])
        return round(statistics.median(times[1:] if len(times) > 1 else times), 2) if times else 0.0


def _run_case(
    case: GoldCase,
    systems: dict[str, Retriever],
    baseline: LangChainBaseline,
    timer: _Timer,
) -> CaseResult:
    result = CaseResult(case.question, case.split)
    for name, retriever in systems.items():
        hits = timer(name, functools.partial(retriever.search, case.question, DEPTH))
        result.ranks[name] = first_correct(hits, lambda h: h.clause.id in case.clause_ids)
        result.top[name] = hits[0].clause.id if hits else ""
    chunks = timer(BASELINE, lambda: baseline.search(case.question, DEPTH))
    wanted = [normalise(p) for p in case.phrases]
    result.ranks[BASELINE] = first_correct(
        chunks, lambda chunk: any(w in normalise(chunk) for w in wanted)
    )
    result.top[BASELINE] = chunks[0][:80] if chunks else ""
    return result


def compare(
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    split: SplitChoice = "all",
    index: PolicyIndex | None = None,
    dataset: Path = RETRIEVAL_DATASET,
) -> Comparison:
    """Every system on the same cases of the active policy, scored per split."""
    index = index or ensure_ingested(settings, embedder)
    policy = index.policy()
    cases = [c for c in load_cases(policy, dataset) if split in ("all", c.split)]
    bank_path = (settings or Settings()).question_bank
    bank = load_bank(bank_path) if bank_path else None
    systems: dict[str, Retriever] = {
        "hybrid_bank": HybridRetriever(index, bank=bank).excluding({dataset.name}),
        "hybrid": HybridRetriever(index),
        "dense": DenseRetriever(index),
        "dense_expanded": DenseRetriever(index, expand=True),
        "bm25": LexicalRetriever(index),
    }
    baseline = LangChainBaseline(policy, index.embedder)
    timer = _Timer()
    results = []
    try:
        for case in cases:
            results.append(_run_case(case, systems, baseline, timer))
            timer("embed_query", functools.partial(index.embedder.embed_query, case.question))
    finally:
        baseline.close()
    return Comparison(
        policy_version=policy.version,
        systems=SYSTEMS,
        scores=_scores_by_split(results),
        latency_ms={name: timer.median_warm(name) for name in SYSTEMS},
        embed_query_ms=timer.median_warm("embed_query"),
        cases=results,
    )


def _scores_by_split(results: list[CaseResult]) -> dict[str, dict[str, Scores]]:
    splits = [*sorted({r.split for r in results}), "all"]
    return {
        s: {
            name: score([r.ranks[name] for r in results if s in ("all", r.split)])
            for name in SYSTEMS
        }
        for s in splits
    }


def format_comparison(comparison: Comparison) -> str:
    lines = [f"policy {comparison.policy_version}"]
    header = (
        f"{'split':8} {'system':20} {'cases':>5} {'R@1':>6} {'R@3':>6} {'MRR':>6} {'p50 ms':>7}"
    )
    for split, by_system in comparison.scores.items():
        lines += ["", header]
        for name, s in by_system.items():
            lines.append(
                f"{split:8} {name:20} {s.cases:5d} {s.recall_at_1:6.3f} {s.recall_at_3:6.3f} "
                f"{s.mrr:6.3f} {comparison.latency_ms[name]:7.1f}"
            )
    lines.append(f"\none query embedding: p50 {comparison.embed_query_ms:.1f} ms")
    return "\n".join(lines)


def misses(comparison: Comparison, system: str = "hybrid", within: int = 1) -> list[CaseResult]:
    return [c for c in comparison.cases if (c.ranks[system] or DEPTH + 1) > within]
