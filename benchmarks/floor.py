"""The floor every answer is measured against, and the plain LangChain baseline.

* one query embedding with the model the assistant uses (median of many): an answer
  needs at least one, so ``warm p50 / one embedding`` says how much the rest costs;
* LangChain's textbook pipeline over the same policy: ``RecursiveCharacterTextSplitter``
  chunks in an in-memory Chroma, ``similarity_search`` per question.
"""

from __future__ import annotations

import statistics
import uuid
from typing import Any

from assistant.config import Settings
from assistant.embedding import Embedder, MiniLMEmbedder
from benchmarks.measure import Summary, timed
from benchmarks.questions import mixed


def one_embedding(embedder: Embedder, n: int = 300) -> dict[str, Any]:
    questions = mixed(n, seed=11)
    for question in questions[:10]:
        embedder.embed_query(question)
    seconds = [timed(lambda q=q: embedder.embed_query(q))[0] for q in questions]
    summary = Summary.of(seconds).as_dict()
    summary["median_ms"] = round(statistics.median(seconds) * 1000, 3)
    return summary


def langchain_baseline(embedder: MiniLMEmbedder, n: int = 200) -> dict[str, Any]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    text = Settings().policy_path.read_text(encoding="utf-8")
    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
    chunks = splitter.split_text(text)
    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    # The same loaded HuggingFaceEmbeddings object the assistant uses: same model, same cost.
    store = Chroma(
        collection_name=f"baseline-{uuid.uuid4().hex[:8]}",
        embedding_function=embedder.model,
        client=client,
    )
    build_seconds, _ = timed(lambda: store.add_texts(chunks))
    questions = mixed(n, seed=13)
    for question in questions[:10]:
        store.similarity_search(question, k=4)
    seconds = [timed(lambda q=q: store.similarity_search(q, k=4))[0] for q in questions]
    return {
        "chunks": len(chunks),
        "chunk_size": 500,
        "index_build_seconds": round(build_seconds, 3),
        "similarity_search": Summary.of(seconds).as_dict(),
    }
