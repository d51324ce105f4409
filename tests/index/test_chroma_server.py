"""The index on a Chroma server (``CHROMA_HOST``) instead of a local directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.embedding import HashingEmbedder
from assistant.index import open_index
from assistant.retrieval import HybridRetriever

pytestmark = pytest.mark.chroma_server


def test_ingest_and_search_through_a_chroma_server(
    chroma_server: tuple[str, int], data_dir: Path, policy_path: Path, policy_text: str
) -> None:
    host, port = chroma_server
    settings = Settings(data_dir=data_dir, chroma_host=host, chroma_port=port)
    fake = HashingEmbedder()
    index = open_index(settings, fake)
    report = index.ingest_file(policy_path)

    assert report.embedded == report.total
    assert not (data_dir / "chroma").exists()  # vectors live on the server
    assert index.search("Do Not Track", k=1)[0].clause.id == "do-not-track-1"
    hits = HybridRetriever(index).search("how long do you keep my data", k=3)
    assert any(h.clause.section_id.startswith("how-long") for h in hits)

    # A second process (another client) sees the same collections and re-uses them.
    edited = data_dir / "edited.txt"
    edited.write_text(policy_text.replace("privacy seriously", "privacy very seriously"))
    other_fake = HashingEmbedder()
    again = open_index(settings, other_fake).ingest_file(edited)
    assert again.embedded == 1
    assert other_fake.texts_embedded == again.texts_embedded
