"""An embedder that remembers: training asks the same few hundred questions of twenty
policies, and re-runs should not embed anything twice. Training only (data/ cache)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from assistant.embedding import Embedder, MiniLMEmbedder


class CachingEmbedder:
    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner = inner
        self.path = path
        self.name = getattr(inner, "name", "minilm")
        self.dimension = getattr(inner, "dimension", 384)
        self._vectors: dict[str, list[float]] = {}
        self._dirty = False

    @classmethod
    def open(cls, directory: Path) -> CachingEmbedder:
        directory.mkdir(parents=True, exist_ok=True)
        cache = cls(MiniLMEmbedder(), directory / "vectors.json")
        if cache.path.exists():
            cache._vectors = json.loads(cache.path.read_text())
        return cache

    @staticmethod
    def _key(kind: str, text: str) -> str:
        return hashlib.sha256(f"{kind}\0{text}".encode()).hexdigest()[:24]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if self._key("d", t) not in self._vectors]
        if missing:
            for text, vector in zip(missing, self.inner.embed_documents(missing), strict=True):
                self._vectors[self._key("d", text)] = [round(v, 6) for v in vector]
            self._dirty = True
        return [self._vectors[self._key("d", t)] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        key = self._key("q", text)
        if key not in self._vectors:
            self._vectors[key] = [round(v, 6) for v in self.inner.embed_query(text)]
            self._dirty = True
        return self._vectors[key]

    def prefetch_queries(self, texts: list[str], batch: int = 64) -> None:
        """Embed many future queries in batches (one at a time is ~10x slower); the model
        embeds a query exactly as a document (no prefix, same normalisation)."""
        missing = [t for t in dict.fromkeys(texts) if self._key("q", t) not in self._vectors]
        for i in range(0, len(missing), batch):
            chunk = missing[i : i + batch]
            for text, vector in zip(chunk, self.inner.embed_documents(chunk), strict=True):
                self._vectors[self._key("q", text)] = [round(v, 6) for v in vector]
            self._dirty = True

    def save(self) -> None:
        if self._dirty:
            self.path.write_text(json.dumps(self._vectors))
            self._dirty = False
