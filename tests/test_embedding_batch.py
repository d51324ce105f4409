"""Micro-batched query embeddings: right vector for each caller, shared batches, errors."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.embedding import HashingEmbedder
from assistant.embedding_batch import BatchingEmbedder


class SlowEmbedder:
    """A hashing embedder whose every call takes a while, recording batch sizes."""

    name = "slow"
    dimension = 64

    def __init__(self, fail: bool = False) -> None:
        self.inner = HashingEmbedder()
        self.calls: list[int] = []
        self.fail = fail
        self.lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with self.lock:
            self.calls.append(len(texts))
        time.sleep(0.05)
        if self.fail:
            raise RuntimeError("model failed")
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def test_a_lone_query_is_its_own_batch() -> None:
    slow = SlowEmbedder()
    batching = BatchingEmbedder(slow)
    assert batching.embed_query("hello") == HashingEmbedder().embed_query("hello")
    assert slow.calls == [1]
    assert (batching.name, batching.dimension) == ("slow", 64)


def test_concurrent_queries_share_batches_and_each_gets_its_own_vector() -> None:
    slow = SlowEmbedder()
    batching = BatchingEmbedder(slow, max_batch=8)
    texts = [f"question number {i}" for i in range(24)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        vectors = list(pool.map(batching.embed_query, texts))
    reference = HashingEmbedder()
    assert vectors == [reference.embed_query(t) for t in texts]
    assert sum(slow.calls) == len(texts)
    assert len(slow.calls) < len(texts) / 2 and max(slow.calls) <= 8


def test_an_error_reaches_every_waiter_and_nobody_hangs() -> None:
    failing = SlowEmbedder(fail=True)
    batching = BatchingEmbedder(failing)
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(batching.embed_query, f"q{i}") for i in range(6)]
        for future in futures:
            with pytest.raises(RuntimeError, match="model failed"):
                future.result(timeout=10)
    failing.fail = False  # the same embedder recovers: no caller left stuck as the leader
    assert batching.embed_query("after") == HashingEmbedder().embed_query("after")
