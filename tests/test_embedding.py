"""Embedders: the deterministic fake, the LangChain adapter, the lazy real model."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import embedding
from assistant.config import Settings
from assistant.embedding import (
    EMBEDDER_ENV,
    Embedder,
    EmbeddingModelMissing,
    HashingEmbedder,
    LangChainEmbeddings,
    MiniLMEmbedder,
    cosine,
    default_embedder,
    minilm_model_path,
)


def test_hashing_embedder_is_deterministic_and_unit_length() -> None:
    a, b = HashingEmbedder(dimension=64), HashingEmbedder(dimension=64)
    va, vb = a.embed_query("Do Not Track"), b.embed_query("Do Not Track")
    assert va == vb
    assert len(va) == 64
    assert math.isclose(sum(x * x for x in va), 1.0, rel_tol=1e-9)
    assert math.isclose(sum(x * x for x in a.embed_query("")), 1.0)


def test_hashing_embedder_ranks_shared_words_higher() -> None:
    fake = HashingEmbedder()
    query = fake.embed_query("request the deletion of your personal information")
    near = fake.embed_query("you can request the deletion of your personal information")
    far = fake.embed_query("we use various cookies to optimize browsing")
    assert cosine(query, near) > cosine(query, far)


def test_hashing_embedder_counts_what_it_embeds() -> None:
    fake = HashingEmbedder()
    fake.embed_documents(["one", "two", "three"])
    fake.embed_query("four")
    assert (fake.calls, fake.texts_embedded, fake.queries_embedded) == (2, 3, 1)
    assert fake.documents == ["one", "two", "three"]
    fake.reset_counts()
    assert (fake.calls, fake.texts_embedded, fake.documents) == (0, 0, [])


def test_langchain_adapter_delegates_to_our_embedder() -> None:
    fake = HashingEmbedder(dimension=32)
    adapter = LangChainEmbeddings(fake)
    assert adapter.embed_documents(["a b", "c"]) == fake.embed_documents(["a b", "c"])
    assert adapter.embed_query("a b") == fake.embed_query("a b")
    assert isinstance(fake, Embedder)


def test_default_embedder_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(EMBEDDER_ENV, "hashing")
    assert isinstance(default_embedder(), HashingEmbedder)
    monkeypatch.setenv(EMBEDDER_ENV, "word2vec")
    with pytest.raises(ValueError, match="minilm"):
        default_embedder()
    monkeypatch.delenv(EMBEDDER_ENV)
    loaded_before = embedding._load_minilm.cache_info().currsize
    assert isinstance(default_embedder(), MiniLMEmbedder)
    assert embedding._load_minilm.cache_info().currsize == loaded_before  # nothing loaded


def test_model_path_comes_from_the_package_unless_configured(tmp_path: Path) -> None:
    assert (minilm_model_path() / "config.json").is_file()
    assert minilm_model_path(Settings(embedding_model_path=tmp_path)) == tmp_path


def test_a_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingModelMissing, match="no sentence-transformers model"):
        MiniLMEmbedder(tmp_path).embed_query("hello")


def test_importing_the_module_loads_no_model() -> None:
    code = (
        "import sys, assistant.embedding, assistant.index, assistant.retrieval; "
        "print('sentence_transformers' in sys.modules, 'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.slow
def test_minilm_gives_unit_vectors_and_loads_once(minilm: MiniLMEmbedder) -> None:
    vector = minilm.embed_query("Can I delete my account?")
    assert len(vector) == minilm.dimension == 384
    assert math.isclose(sum(x * x for x in vector), 1.0, rel_tol=1e-4)
    assert MiniLMEmbedder().model is minilm.model
    related = minilm.embed_query("erase my personal data")
    unrelated = minilm.embed_query("the weather in Paris tomorrow")
    assert cosine(vector, related) > cosine(vector, unrelated)


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder().load()  # cached per process: other modules reuse the same model
