"""PolicyIndex: versioned Chroma collections, incremental re-ingest, manifests, bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from chromadb.api.types import DefaultEmbeddingFunction

from assistant.config import Settings
from assistant.embedding import HashingEmbedder
from assistant.index import (
    NoActivePolicy,
    PolicyIndex,
    ensure_ingested,
    open_index,
    policy_from_manifest,
    policy_to_manifest,
    records,
)
from assistant.policy import PolicyError, load_policy, parse_policy

CHILDREN_OLD = "Parents and guardians should monitor their children's online activities."
CHILDREN_NEW = "Parents and guardians must supervise their children's use of the internet."
REMOVED = "Additional details about our data security practices are available upon request."


@pytest.fixture()
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir)


@pytest.fixture()
def fake() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture()
def index(settings: Settings, fake: HashingEmbedder) -> PolicyIndex:
    return open_index(settings, fake)


def _edited(policy_text: str, old: str, new: str, tmp_path: Path, name: str) -> Path:
    assert old in policy_text
    path = tmp_path / name
    path.write_text(policy_text.replace(old, new), encoding="utf-8")
    return path


def _snapshot(index: PolicyIndex, data_dir: Path) -> tuple[object, ...]:
    files = {p.name: p.read_bytes() for p in (data_dir / "policies").glob("*")}
    names = sorted(c.name for c in index.client.list_collections())
    return index.active_version(), files, names


def test_first_ingest_embeds_every_text_and_activates(
    index: PolicyIndex, fake: HashingEmbedder, policy_path: Path, data_dir: Path
) -> None:
    assert index.active_version() is None
    report = index.ingest_file(policy_path)
    policy = load_policy(policy_path)
    assert report.version == policy.version == index.active_version()
    assert (report.total, report.embedded, report.reused, report.removed) == (
        len(policy.clauses),
        len(policy.clauses),
        0,
        0,
    )
    assert report.texts_embedded == fake.texts_embedded == len(records(policy))
    assert (data_dir / "policies" / "active.json").is_file()
    assert [v.version for v in index.versions()] == [policy.version]


def test_reingesting_the_same_file_embeds_nothing(
    index: PolicyIndex, fake: HashingEmbedder, policy_path: Path
) -> None:
    index.ingest_file(policy_path)
    fake.reset_counts()
    report = index.ingest_file(policy_path)
    assert (report.embedded, report.texts_embedded, fake.texts_embedded) == (0, 0, 0)
    assert report.reused == report.total


def test_changing_one_paragraph_reembeds_only_that_clause(
    index: PolicyIndex, fake: HashingEmbedder, policy_path: Path, policy_text: str, tmp_path: Path
) -> None:
    index.ingest_file(policy_path)
    fake.reset_counts()
    edited = _edited(policy_text, CHILDREN_OLD, CHILDREN_NEW, tmp_path, "v2.txt")
    report = index.ingest_file(edited)

    new_policy = load_policy(edited)
    changed = next(c for c in new_policy.clauses if CHILDREN_NEW in c.text)
    assert report.embedded == 1
    assert report.reused == report.total - 1
    # The whole clause and its edited sentence; its unchanged sentences were copied.
    assert fake.texts_embedded == report.texts_embedded == 2
    assert all(changed.text in t or CHILDREN_NEW in t for t in fake.documents)
    assert index.active_version() == new_policy.version
    assert index.search(CHILDREN_NEW, k=1)[0].clause.id == changed.id


def test_removed_clause_is_gone_from_the_new_version_but_old_version_stays(
    index: PolicyIndex, fake: HashingEmbedder, policy_path: Path, policy_text: str, tmp_path: Path
) -> None:
    index.ingest_file(policy_path)
    old_version = index.active_version()
    assert old_version is not None
    edited = _edited(policy_text, REMOVED, "", tmp_path, "v3.txt")
    fake.reset_counts()
    report = index.ingest_file(edited)

    assert report.removed == 1
    assert report.embedded == 0  # nothing else changed, ids after it shifted but text did not
    new_ids = {m.clause.id for m in index.search(REMOVED, k=report.total)}
    assert len(new_ids) == report.total
    assert all(REMOVED not in index.policy().clause(cid).text for cid in new_ids)

    old_hits = index.search(REMOVED, k=1, version=old_version)
    assert old_hits[0].clause.text == REMOVED
    versions = {v.version: v.active for v in index.versions()}
    assert versions == {old_version: False, report.version: True}


def test_ingesting_an_old_file_again_reactivates_it_without_embedding(
    index: PolicyIndex, fake: HashingEmbedder, policy_path: Path, policy_text: str, tmp_path: Path
) -> None:
    first = index.ingest_file(policy_path)
    index.ingest_file(_edited(policy_text, CHILDREN_OLD, CHILDREN_NEW, tmp_path, "v2.txt"))
    fake.reset_counts()
    again = index.ingest_file(policy_path)
    assert again.version == first.version == index.active_version()
    assert fake.texts_embedded == 0


def test_a_new_process_loads_the_active_policy_without_the_file(
    settings: Settings, policy_text: str, tmp_path: Path
) -> None:
    source = tmp_path / "policy.txt"
    source.write_text(policy_text, encoding="utf-8")
    original = open_index(settings, HashingEmbedder()).ingest_file(source)
    source.unlink()

    fresh = open_index(settings, HashingEmbedder())
    policy = fresh.policy()
    assert policy.version == original.version
    assert policy.clauses == parse_policy(policy_text, source="policy.txt").clauses
    assert fresh.search("Do Not Track", k=1)[0].clause.id == "do-not-track-1"


def test_manifest_round_trip_and_tamper_check(policy_text: str) -> None:
    policy = parse_policy(policy_text, source="p.txt")
    data = json.loads(json.dumps(policy_to_manifest(policy)))
    assert policy_from_manifest(data) == policy
    data["text"] = data["text"] + "\nextra"
    with pytest.raises(ValueError, match="does not match"):
        policy_from_manifest(data)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"   \n\n", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary"),
        ("latin1.txt", "Politique de confidentialit\xe9".encode("latin-1"), "UTF-8"),
        ("huge.txt", b"We keep your data.\n" * 560_000, "too large|MB"),
    ],
)
def test_bad_input_leaves_index_and_active_pointer_untouched(
    index: PolicyIndex,
    fake: HashingEmbedder,
    policy_path: Path,
    data_dir: Path,
    tmp_path: Path,
    name: str,
    content: bytes,
    message: str,
) -> None:
    index.ingest_file(policy_path)
    before = _snapshot(index, data_dir)
    fake.reset_counts()
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(PolicyError, match=message):
        index.ingest_file(bad)
    assert _snapshot(index, data_dir) == before
    assert fake.calls == 0


def test_failure_while_embedding_keeps_the_previous_version_active(
    index: PolicyIndex, fake: HashingEmbedder, policy_path: Path, policy_text: str, tmp_path: Path
) -> None:
    index.ingest_file(policy_path)
    before = index.active_version()
    collections_before = {c.name for c in index.client.list_collections()}

    def broken(texts: list[str]) -> list[list[float]]:
        raise RuntimeError("model crashed")

    original = fake.embed_documents
    fake.embed_documents = broken  # type: ignore[method-assign]
    edited = _edited(policy_text, CHILDREN_OLD, CHILDREN_NEW, tmp_path, "v2.txt")
    with pytest.raises(RuntimeError, match="model crashed"):
        index.ingest_file(edited)
    assert index.active_version() == before
    assert {c.name for c in index.client.list_collections()} == collections_before

    fake.embed_documents = original  # type: ignore[method-assign]
    assert index.ingest_file(edited).embedded == 1


def test_chroma_default_embedding_function_is_never_built(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, policy_path: Path
) -> None:
    def refuse_init(self: object) -> None:
        raise AssertionError("Chroma's default embedding function must never be built")

    def refuse_call(self: object, input: object) -> None:  # Chroma checks this signature
        raise AssertionError("Chroma's default embedding function must never run")

    monkeypatch.setattr(DefaultEmbeddingFunction, "__init__", refuse_init)
    monkeypatch.setattr(DefaultEmbeddingFunction, "__call__", refuse_call)
    index = open_index(settings, HashingEmbedder())
    index.ingest_file(policy_path)
    assert index.search("cookies", k=3)
    matches, view = index.dense_view(index.embedder.embed_query("cookies"), k=3)
    assert matches and view.clauses[matches[0].clause.id] == matches[0].similarity
    fresh = open_index(settings, HashingEmbedder())  # a new process opening existing data
    assert fresh.search("cookies", k=3)


def test_nothing_ingested_is_a_clear_error(index: PolicyIndex) -> None:
    with pytest.raises(NoActivePolicy, match="ingest"):
        index.policy()


def test_ensure_ingested_ingests_the_configured_policy_once(
    data_dir: Path, policy_path: Path
) -> None:
    settings = Settings(data_dir=data_dir, policy_path=policy_path)
    fake = HashingEmbedder()
    index = ensure_ingested(settings, fake)
    assert index.active_version() == load_policy(policy_path).version
    embedded = fake.texts_embedded
    ensure_ingested(settings, fake)
    assert fake.texts_embedded == embedded


def test_another_embedder_gets_its_own_collection(settings: Settings, policy_path: Path) -> None:
    first = open_index(settings, HashingEmbedder(dimension=256))
    first.ingest_file(policy_path)
    other_fake = HashingEmbedder(dimension=64)
    other = open_index(settings, other_fake)
    assert other.search("Do Not Track", k=1)[0].clause.id == "do-not-track-1"
    assert other_fake.texts_embedded == len(records(other.policy()))  # built on first use
    assert len(other.client.list_collections()) == 2


def test_collection_names_follow_chroma_rules(index: PolicyIndex, policy_text: str) -> None:
    odd = parse_policy(policy_text, source="Ünïcode Privacy (FINAL) v2 — copy (3) of draft.TXT")
    for policy in (odd, parse_policy(policy_text, source="x")):
        name = index.collection_name(policy)
        assert 3 <= len(name) <= 63
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*[a-z0-9]", name), name


def test_http_and_local_clients_are_chosen_from_settings(data_dir: Path) -> None:
    from assistant.index import chroma_client

    local = chroma_client(Settings(data_dir=data_dir))
    assert local.heartbeat() > 0
    assert (data_dir / "chroma").is_dir()


def test_every_record_has_a_heading_the_introduction_borrows_the_title(policy_path: Path) -> None:
    # A bare "Last Updated: Jun 7, 2024" says nothing of what was updated; under the
    # document's title it is found for "When was the privacy policy last updated?".
    policy = load_policy(policy_path)
    texts = {r.id: r.text for r in records(policy)}
    dated = next(c for c in policy.clauses if c.text.startswith("Last Updated"))
    assert texts[dated.id] == f"{policy.title}\n{dated.text}"
    other = next(c for c in policy.clauses if c.section_id != "introduction")
    assert texts[other.id].startswith(f"{other.section}\n")
