"""Retrieval: query understanding, BM25, fusion, the Hit contract, and the real-model targets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from assistant.config import Settings
from assistant.embedding import HashingEmbedder, MiniLMEmbedder, cosine
from assistant.evaluation.retrieval import Scores, compare, load_cases, score
from assistant.index import PolicyIndex, open_index, records
from assistant.retrieval import (
    EXPANSION_PATH,
    DenseRetriever,
    ExpansionRules,
    FusionConfig,
    HybridRetriever,
    LexicalIndex,
    LexicalRetriever,
    dense_query,
    expanded_text,
    load_retriever,
    phrase_in,
    stem,
    words,
)

DNT = "We do not honor browser requests not to be tracked online"


@pytest.fixture()
def fake() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture()
def index(data_dir: Path, policy_path: Path, fake: HashingEmbedder) -> PolicyIndex:
    index = open_index(Settings(data_dir=data_dir), fake)
    index.ingest_file(policy_path)
    return index


@pytest.fixture()
def lexical(index: PolicyIndex) -> LexicalIndex:
    return LexicalIndex(index.policy())


# ---------------------------------------------------------------- query understanding


def test_expansion_rules_validate_and_reject_unknown_keys() -> None:
    data = yaml.safe_load(EXPANSION_PATH.read_text(encoding="utf-8"))
    rules = ExpansionRules.model_validate(data)
    assert len(rules.concepts) >= 10
    assert len({c.name for c in rules.concepts}) == len(rules.concepts)
    with pytest.raises(ValidationError):
        ExpansionRules.model_validate({**data, "synonyms": {}})
    with pytest.raises(ValidationError):
        ExpansionRules.model_validate({"concepts": [{"name": "x", "when": [], "add": ["y"]}]})


def test_chat_speak_and_typos_are_normalised(lexical: LexicalIndex) -> None:
    expanded = lexical.expander.expand("wat happens to my info when i close my acount")
    assert expanded.text == "what happens to my information when i close my account"
    # A word the policy only uses in another form is not "corrected" into a different one.
    assert "browse" in lexical.expander.expand("while i browse the site").text


@pytest.mark.parametrize(
    ("question", "concept"),
    [
        ("does workallies honour DNT", "do_not_track"),
        ("my kid is 15 is that ok", "minors"),
        ("can u delete everything", "erasure"),
        ("do you rent out my data", "selling"),
        ("how do i unsubscribe", "marketing_opt_out"),
        ("is my data sent abroad", "transfers"),
        ("what if you get hacked", "security"),
    ],
)
def test_privacy_vocabulary_concepts_fire(
    lexical: LexicalIndex, question: str, concept: str
) -> None:
    assert concept in lexical.expander.expand(question).concepts


@pytest.mark.parametrize(
    ("question", "concept"),
    [
        ("do you have safeguards against data loss", "access"),  # "data you have", reordered
        ("who can see my location on my profile", "objection"),  # "profile" is not profiling
        ("can i opt out of cookies", "marketing_opt_out"),  # opting out is not only marketing
        ("do you charge money to process a rights request", "legal_basis"),
    ],
)
def test_concept_triggers_are_ordered_phrases_not_bags_of_words(
    lexical: LexicalIndex, question: str, concept: str
) -> None:
    assert concept not in lexical.expander.expand(question).concepts


def test_a_multi_word_trigger_tolerates_two_words_inside_it() -> None:
    trigger = stem(words("data you have"))
    assert phrase_in(trigger, stem(words("what data do you have")))
    assert phrase_in(trigger, stem(words("which data do you really have")))
    assert not phrase_in(trigger, stem(words("which data do you really truly have")))
    assert not phrase_in(trigger, stem(words("do you have any data")))


def test_unrelated_questions_fire_no_concept(lexical: LexicalIndex) -> None:
    expanded = lexical.expander.expand("what is the capital of france")
    assert expanded.concepts == []
    assert dense_query(expanded) == expanded.text


def test_dense_query_appends_the_policy_vocabulary(lexical: LexicalIndex) -> None:
    expanded = lexical.expander.expand("does workallies honour DNT")
    assert expanded_text(expanded).startswith("does workallies honor dnt. ")
    assert "do not track" in expanded_text(expanded)
    # the user's own words stay the larger share of what is mean-pooled
    text = dense_query(expanded)
    assert text.startswith("does workallies honor dnt. does workallies honor dnt. ")
    assert text.endswith(expanded_text(expanded).split(". ", 1)[1])


# ---------------------------------------------------------------- retrievers


def test_bm25_finds_the_do_not_track_clause(index: PolicyIndex) -> None:
    hits = LexicalRetriever(index).search("does workallies honour DNT", k=3)
    assert hits[0].clause.text.startswith(DNT)
    assert hits[0].lexical > 0 and hits[0].lexical_rank == 1
    assert [h.lexical for h in hits] == sorted((h.lexical for h in hits), reverse=True)


def test_hybrid_embeds_the_question_exactly_once(index: PolicyIndex, fake: HashingEmbedder) -> None:
    retriever = HybridRetriever(index)
    retriever.search("warm up")
    fake.reset_counts()
    for question in ("can i delete my data", "do you sell my data", "Do Not Track"):
        retriever.search(question, k=6)
    assert (fake.queries_embedded, fake.texts_embedded) == (3, 0)


def test_hybrid_hits_carry_scores_context_and_true_cosine(
    index: PolicyIndex, fake: HashingEmbedder
) -> None:
    question = "why is information from closed accounts retained"
    hits = HybridRetriever(index).search(question, k=8)
    assert len(hits) == 8
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

    policy = index.policy()
    query = fake.embed_query(dense_query(LexicalIndex(policy).expander.expand(question)))
    for hit in hits:
        vectors = [fake.embed_query(r.text) for r in records(policy) if r.clause == hit.clause]
        assert hit.similarity == pytest.approx(max(cosine(query, v) for v in vectors), abs=1e-6)
        assert hit.dense_rank is not None or hit.lexical_rank is not None
    bullet = next(c for c in policy.clauses if c.text == "Prevent fraud.")
    hit = next(h for h in HybridRetriever(index).search("Prevent fraud", k=5) if h.clause == bullet)
    assert hit.context.splitlines() == [
        "How Long Do We Keep Personal Information?",
        "Personal information from closed accounts is retained for various reasons:",
    ]


def test_hybrid_score_is_cosine_plus_weighted_normalised_bm25(index: PolicyIndex) -> None:
    question = "can i delete my data and withdraw consent"
    config = FusionConfig(lexical_weight=0.15)
    hits = HybridRetriever(index, config=config).search(question, k=10)
    top_bm25 = LexicalRetriever(index).search(question, k=1)[0].lexical
    for hit in hits:
        expected = hit.similarity + 0.15 * hit.lexical / top_bm25
        assert hit.score == pytest.approx(expected, abs=1e-6)
    # With no lexical weight the order is the dense order (ties by document position).
    dense_only = HybridRetriever(index, config=FusionConfig(lexical_weight=0.0))
    sims = [h.similarity for h in dense_only.search(question, k=10)]
    assert sims == sorted(sims, reverse=True)


def test_hybrid_search_is_deterministic(index: PolicyIndex) -> None:
    retriever = HybridRetriever(index)
    question = "who do you share my personal information with"
    first = [(h.clause.id, h.score) for h in retriever.search(question, k=10)]
    assert all(
        [(h.clause.id, h.score) for h in retriever.search(question, k=10)] == first
        for _ in range(3)
    )


def test_dense_retriever_ranks_by_similarity(index: PolicyIndex) -> None:
    hits = DenseRetriever(index).search(DNT, k=5)
    assert hits[0].clause.id == "do-not-track-1"
    assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)
    assert all(h.score == h.similarity for h in hits)


def test_retriever_follows_the_active_version_unless_pinned(
    index: PolicyIndex, policy_text: str, tmp_path: Path
) -> None:
    old_version = index.active_version()
    following = HybridRetriever(index)
    pinned = HybridRetriever(index, version=old_version)
    assert following.search("Do Not Track", k=1)[0].clause.text.startswith(DNT)

    changed = policy_text.replace(DNT, "We now honor Do Not Track signals from your browser")
    path = tmp_path / "v2.txt"
    path.write_text(changed, encoding="utf-8")
    index.ingest_file(path)

    assert following.policy.version == index.active_version() != old_version
    assert "now honor" in following.search("Do Not Track", k=1)[0].clause.text
    assert pinned.search("Do Not Track", k=1)[0].clause.text.startswith(DNT)


def test_load_retriever_ingests_on_first_use(data_dir: Path, policy_path: Path) -> None:
    settings = Settings(data_dir=data_dir, policy_path=policy_path)
    retriever = load_retriever(settings, HashingEmbedder())
    assert retriever.index.active_version() is not None
    assert retriever.search("cookies", k=2)


# ---------------------------------------------------------------- evaluation plumbing


def test_metrics_from_ranks() -> None:
    scores = score([1, 2, None, 4])
    assert (scores.cases, scores.recall_at_1, scores.recall_at_3) == (4, 0.25, 0.5)
    assert scores.mrr == pytest.approx((1 + 0.5 + 0.25) / 4)


def test_every_gold_phrase_resolves_and_both_splits_exist(policy_path: Path) -> None:
    from assistant.policy import load_policy

    cases = load_cases(load_policy(policy_path))
    assert len(cases) >= 60
    heldout = [c for c in cases if c.split == "heldout"]
    assert len(heldout) >= 20 and len(cases) - len(heldout) >= 40
    assert all(c.clause_ids for c in cases)


# ---------------------------------------------------------------- the real model


@pytest.fixture(scope="session")
def minilm_index(tmp_path_factory: pytest.TempPathFactory, policy_path: Path) -> PolicyIndex:
    settings = Settings(data_dir=tmp_path_factory.mktemp("minilm-data"))
    index = open_index(settings, MiniLMEmbedder().load())  # the model is cached per process
    index.ingest_file(policy_path)
    return index


@pytest.fixture(scope="session")
def heldout(minilm_index: PolicyIndex) -> dict[str, Scores]:
    return compare(index=minilm_index, split="heldout").scores["heldout"]


@pytest.fixture(scope="session")
def every_case(minilm_index: PolicyIndex) -> dict[str, dict[str, Scores]]:
    return compare(index=minilm_index, split="all").scores


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="issue targets (R@1 >= 0.90, R@3 >= 0.98 on wording nobody tuned on) not shown: "
    "measured hybrid R@1 0.870 / R@3 0.974 on all 115 cases, every one of them tuned on; "
    "only the lead's blind batch can show the targets; strict, so meeting them here fails "
    "this marker and prompts revisiting it",
)
def test_hybrid_meets_the_issue_targets_on_every_case(
    every_case: dict[str, dict[str, Scores]],
) -> None:
    hybrid = every_case["all"]["hybrid"]
    assert hybrid.recall_at_1 >= 0.90, hybrid
    assert hybrid.recall_at_3 >= 0.98, hybrid


@pytest.mark.slow
def test_hybrid_holds_its_measured_level_on_both_halves(
    every_case: dict[str, dict[str, Scores]],
) -> None:
    """A regression guard on tuned data (measured 0.857/0.968 dev incl. batch 3,
    0.885/0.981 heldout, 0.870/0.974 all), with a two-case tolerance."""
    floors = {"dev": (0.82, 0.93), "heldout": (0.84, 0.94), "all": (0.84, 0.95)}
    for split, (r1, r3) in floors.items():
        hybrid = every_case[split]["hybrid"]
        assert hybrid.recall_at_1 >= r1 and hybrid.recall_at_3 >= r3, (split, hybrid)


@pytest.mark.slow
def test_hybrid_beats_its_parts_and_the_baseline(
    every_case: dict[str, dict[str, Scores]],
) -> None:
    for split in ("dev", "heldout", "all"):
        scores = every_case[split]
        hybrid = scores["hybrid"]
        for other in ("dense", "dense_expanded", "bm25", "langchain_baseline"):
            assert hybrid.recall_at_1 >= scores[other].recall_at_1, (split, other)
            assert hybrid.mrr >= scores[other].mrr, (split, other)
        assert hybrid.recall_at_3 >= scores["langchain_baseline"].recall_at_3, split


def test_chat_speak_is_spelled_out_keeping_sentences_and_abbreviations(
    lexical: LexicalIndex,
) -> None:
    rewrite = lexical.expander.rewrite_chat_speak
    assert rewrite("do u sell my data? r u sure") == "do you sell my data? are you sure"
    assert rewrite("Is my data sent to the U.S.?") == "Is my data sent to the U.S.?"
    assert rewrite("Do you use cookies?") == "Do you use cookies?"


def test_hits_carry_each_sentence_cosine_from_its_own_vector(
    index: PolicyIndex, fake: HashingEmbedder
) -> None:
    """Answering reads which sentence of a clause the question is about: the view gives a
    long clause's sentences their own vectors' cosines, a one-sentence clause its own."""
    question = "do you use cookies to optimise browsing"
    hits = HybridRetriever(index).search(question, k=5)
    policy = index.policy()
    query = fake.embed_query(dense_query(LexicalIndex(policy).expander.expand(question)))
    by_id = {r.id: r for r in records(policy)}
    checked = 0
    for hit in hits:
        assert hit.sentences is not None
        for n in range(4):
            record = by_id.get(f"{hit.clause.id}#{n + 1}") or (
                by_id[hit.clause.id] if n == 0 else None
            )
            got = hit.sentences.sentence(hit.clause.id, n)
            if record is None:
                assert got is None
                continue
            assert got == pytest.approx(cosine(query, fake.embed_query(record.text)), abs=1e-6)
            checked += 1
    assert checked > len(hits)  # some hit had several sentences
    assert hits[0].sentences is hits[1].sentences  # one view per search, shared
    assert hits[0].sentences.sentence("no-such-clause", 0) is None
