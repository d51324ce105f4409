"""The question bank: built from the labelled files, resolved against each policy text,
left out file by file, and the lean it gives the answerability decision."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from assistant.answering.abstention import OWN_CLOSEST, AbstentionModel, Signals
from assistant.config import Settings
from assistant.embedding import HashingEmbedder
from assistant.index import PolicyIndex, open_index
from assistant.language import negative_form
from assistant.learning.bank import build_bank
from assistant.learning.decisions import leaned
from assistant.learning.models import LinearModel
from assistant.policy import Policy, load_policy, parse_policy
from assistant.question_bank import (
    BANK_PATH,
    LEAN_FLOOR,
    SUPPORT_SOFTNESS,
    BankFile,
    BankIndex,
    BankMatch,
    BankMatches,
    BankQuestion,
    load_bank,
)
from assistant.retrieval import HybridRetriever
from tests.conftest import POLICY_PATH

SELL = "We never sell or rent your personal information"
RETENTION = "only for as long as necessary to fulfill its intended purpose"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICY_PATH)


def _bank(policy: Policy, *questions: BankQuestion, same_text: bool = True) -> BankFile:
    digest = policy.content_hash if same_text else "0" * 64
    return BankFile(policy_sha256=digest, questions=list(questions))


def _q(source: str, question: str, *gold: str) -> BankQuestion:
    return BankQuestion(source=source, question=question, gold=gold)


def _plain(question: str) -> str:
    return question


def test_the_committed_bank_is_what_the_labelled_files_build() -> None:
    assert load_bank() == build_bank(), "run `make models` after editing evals/"


def test_the_bank_file_rejects_unknown_fields(tmp_path: Path) -> None:
    data = yaml.safe_load(BANK_PATH.read_text(encoding="utf-8"))
    data["questions"][0]["answer"] = "made up"
    (tmp_path / "bank.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValidationError):
        load_bank(tmp_path / "bank.yaml")


def test_answered_questions_point_to_the_clauses_and_sentences_of_their_gold(
    policy: Policy,
) -> None:
    bank = _bank(policy, _q("a.yaml", "do you sell my data", SELL))
    index = BankIndex.build(bank, policy, HashingEmbedder(), _plain)
    matches = index.nearest(HashingEmbedder().embed_query("do you sell my data"))
    (match,) = matches.rows
    assert match.cosine == pytest.approx(1.0)
    clause = next(c for c in policy.clauses if SELL in c.text)
    assert matches.clause_support() == {clause.id: pytest.approx(1.0)}
    start = policy.text.index(SELL)
    assert matches.support(start, start + len(SELL)) == pytest.approx(1.0)
    assert matches.support(0, 10) == 0.0  # the title line answered nothing


def test_a_question_whose_gold_left_the_policy_drops_out(policy: Policy) -> None:
    bank = _bank(policy, _q("a.yaml", "do you sell my data", "a phrase no policy has"))
    index = BankIndex.build(bank, policy, HashingEmbedder(), _plain)
    assert index.nearest(HashingEmbedder().embed_query("do you sell my data")).rows == ()


def test_left_out_sources_are_not_matched(policy: Policy) -> None:
    bank = _bank(
        policy,
        _q("a.yaml", "do you sell my data", SELL),
        _q("b.yaml", "how long do you keep my data", RETENTION),
    )
    index = BankIndex.build(bank, policy, HashingEmbedder(), _plain)
    vector = HashingEmbedder().embed_query("do you sell my data")
    assert {m.cosine < 0.99 for m in index.nearest(vector, exclude={"a.yaml"}).rows} == {True}


def test_the_lean_needs_both_kinds_and_the_labelled_text(policy: Policy) -> None:
    questions = (
        _q("a.yaml", "do you sell my data", SELL),
        _q("a.yaml", "which payment processor do you use"),
    )
    vector = HashingEmbedder().embed_query("which payment processor do you use")
    same = BankIndex.build(_bank(policy, *questions), policy, HashingEmbedder(), _plain)
    lean = same.nearest(vector).lean
    assert lean is not None and lean < -0.5  # nearer the unanswered question
    other = _bank(policy, *questions, same_text=False)
    edited = BankIndex.build(other, policy, HashingEmbedder(), _plain)
    assert edited.nearest(vector).lean is None  # a new text may answer it now
    only_answered = _bank(policy, questions[0])
    assert (
        BankIndex.build(only_answered, policy, HashingEmbedder(), _plain).nearest(vector).lean
        is None
    )


def test_a_banked_question_lifts_its_clause_and_excluding_its_file_undoes_it(
    tmp_path: Path, policy: Policy
) -> None:
    index: PolicyIndex = open_index(Settings(data_dir=tmp_path), HashingEmbedder())
    index.ingest(policy)
    odd = "is my stuff flogged to anyone"  # no word of the sell clause
    bank = _bank(policy, _q("a.yaml", odd, SELL))
    with_bank = HybridRetriever(index, bank=bank)
    top = with_bank.search(odd, 3)[0]
    assert SELL in top.clause.text and top.bank == pytest.approx(1.0)
    left_out = with_bank.excluding({"a.yaml"}).search(odd, 3)
    assert all(hit.bank == 0.0 for hit in left_out)
    assert left_out == HybridRetriever(index).search(odd, 3)


def test_a_policy_version_without_the_banked_text_uses_none_of_it(tmp_path: Path) -> None:
    text = "# Privacy\n\n## Selling\n\nWe sell nothing to anyone.\n"
    other = parse_policy(text, source="other.txt")
    index = open_index(Settings(data_dir=tmp_path), HashingEmbedder())
    index.ingest(other)
    bank = _bank(load_policy(POLICY_PATH), _q("a.yaml", "do you sell my data", SELL))
    hits = HybridRetriever(index, bank=bank).search("do you sell my data", 3)
    assert hits and all(h.bank == 0.0 and h.bank_matches.lean is None for h in hits)


def test_the_lean_moves_the_probability_only_when_there_is_one() -> None:
    assert leaned(0.3, None, 6.0) == 0.3
    assert leaned(0.3, 0.0, 6.0) == pytest.approx(0.3)
    assert leaned(0.3, 0.2, 6.0) > 0.3 > leaned(0.3, -0.2, 6.0)
    assert leaned(0.3, 0.2, 0.0) == 0.3


def test_a_bank_moved_probability_meets_the_thresholds_fitted_for_it() -> None:
    thresholds = {"answer": 0.2, "closest": 0.1, "answer_banked": 0.5, "closest_banked": 0.3}
    learned = LinearModel((), (), (), (), 0.0, {**thresholds, "bank_lean_weight": 6.0})
    model = AbstentionModel(learned=learned)
    assert model.answers(0.4) and not model.answers(0.4, banked=True)
    assert model.shows_closest(0.4, banked=True) and not model.shows_closest(0.25, True)
    assert model.probability(Signals(0.5, 0.5, 0.0, 1.0, bank_lean=None)) == pytest.approx(0.5)
    assert model.probability(Signals(0.5, 0.5, 0.0, 1.0, bank_lean=0.1)) > 0.5


def test_a_lead_carries_over_only_from_a_near_paraphrase_answered_by_the_same_clause() -> None:
    from assistant.question_bank import LEAD_COSINE, BankMatch, BankMatches

    def match(cosine: float, clause: str, lead: str | None) -> BankMatch:
        return BankMatch(cosine, ((0, 1),), frozenset({clause}), lead)

    near = BankMatches((match(0.95, "other", "yes"), match(0.9, "sell", "no")))
    assert near.lead({"sell"}) == "no"  # the nearer one was answered elsewhere
    assert near.lead({"cookies"}) is None
    far = BankMatches((match(LEAD_COSINE - 0.01, "sell", "no"),))
    assert far.lead({"sell"}) is None
    unlabelled = BankMatches((match(0.99, "sell", None), match(0.9, "sell", "yes")))
    assert unlabelled.lead({"sell"}) == "yes"


@pytest.mark.parametrize("value", ["", "none", "OFF"])
def test_the_bank_can_be_turned_off_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("ASSISTANT_QUESTION_BANK", value)
    assert Settings().question_bank is None
    monkeypatch.setenv("ASSISTANT_QUESTION_BANK_EXCLUDE", '["answers.yaml"]')
    assert Settings().question_bank_exclude == {"answers.yaml"}


def test_no_bank_leaves_the_hybrid_as_it_was(tmp_path: Path) -> None:
    from assistant.retrieval import load_retriever

    settings = Settings(data_dir=tmp_path, question_bank=None)
    retriever = load_retriever(settings, HashingEmbedder())
    hits = retriever.search("do you sell my data", 3)
    assert hits and all(h.bank == 0.0 and h.bank_matches.lean is None for h in hits)


def test_the_bank_is_embedded_once_and_kept_on_disk(tmp_path: Path, policy: Policy) -> None:
    import assistant.question_bank as question_bank

    bank = _bank(policy, _q("a.yaml", "a question only this test asks", SELL))
    first = HashingEmbedder()
    question_bank._MEMORY.clear()
    BankIndex.build(bank, policy, first, _plain, tmp_path)
    assert first.texts_embedded == 1 and len(list(tmp_path.glob("*.npy"))) == 1
    question_bank._MEMORY.clear()  # as in a new process: the file answers
    second = HashingEmbedder()
    index = BankIndex.build(bank, policy, second, _plain, tmp_path)
    assert second.texts_embedded == 0
    assert index.nearest(second.embed_query("a question only this test asks")).rows


def test_banked_questions_below_the_floor_give_no_lean() -> None:
    def matches(answered: float, unanswered: float) -> BankMatches:
        row = BankMatch(answered, ((0, 5),), frozenset({"c-1"}))
        return BankMatches((row,), unanswered)

    assert matches(0.38, 0.31).lean == 0.0  # neither is near: no evidence either way
    assert matches(0.49, 0.31).lean == pytest.approx(0.49 - LEAN_FLOOR)
    assert matches(0.8, 0.31).lean == pytest.approx(0.8 - LEAN_FLOOR)
    assert matches(0.3, 0.9).lean == pytest.approx(LEAN_FLOOR - 0.9)


def test_a_lead_carries_over_only_between_questions_turned_the_same_way() -> None:
    lent = BankMatch(0.9, ((0, 5),), frozenset({"c-1"}), lead="no", negative=True)
    matches = BankMatches((lent,), None)
    assert matches.lead({"c-1"}, negative=True) == "no"
    # "... without asking me first?" answers the other way from "will you ask me first?"
    assert matches.lead({"c-1"}, negative=False) is None
    assert negative_form("could you use it without asking me first?")
    assert negative_form("don't you sell it?") and not negative_form("will you ask me first?")
    # a negation inside a leading condition does not turn the question around (blind 16)
    assert not negative_form(
        "if you want to use my data for something not in the policy, will you ask me first?"
    )
    assert negative_form("if i delete my account, will you keep it without asking me?")


def test_the_bank_alone_cannot_make_the_policy_silent_where_the_model_finds_it_close() -> None:
    thresholds = {"answer": 0.2, "closest": 0.1, "answer_banked": 0.5, "closest_banked": 0.3}
    learned = LinearModel((), (), (), (), 0.0, {**thresholds, "bank_lean_weight": 6.0})
    model = AbstentionModel(learned=learned)
    # moved under the closest threshold by the bank, but the model alone is confident
    assert model.shows_closest(0.1, banked=True, own=OWN_CLOSEST)
    assert not model.shows_closest(0.1, banked=True, own=OWN_CLOSEST - 0.01)
    assert not model.shows_closest(0.05, banked=False, own=0.99)  # nothing moved it
    assert not model.shows_closest(0.6, banked=True, own=0.99)  # answered, not closest


def test_small_talk_is_banked_with_the_questions_the_policy_does_not_answer() -> None:
    from assistant.answering.evaluation import load_answer_dataset
    from assistant.learning.collect import EVALS

    banked = {(q.source, q.question): q.gold for q in build_bank().questions}
    files = sorted((EVALS / "blind").glob("answers-*.yaml"))
    small_talk = [(p.name, s.question) for p in files for s in load_answer_dataset(p).smalltalk]
    assert small_talk  # the blind batches carry small talk
    assert all(banked.get(key) == () for key in small_talk)


def test_follow_ups_are_banked_with_their_reading_and_indexed_apart(policy: Policy) -> None:
    banked = [q for q in build_bank().questions if q.history]
    assert banked and all(q.gold and q.reading for q in banked)
    # the reading is the conversation's: the elliptical ones carry their history's words
    assert any(q.history[-1].rstrip("?") in (q.reading or "") for q in banked)
    follow = BankQuestion(
        source="a.yaml", question="which ones?", gold=(SELL,), history=("do you sell it",)
    )
    bank = _bank(policy, _q("a.yaml", "do you sell my data", RETENTION), follow)
    embedder = HashingEmbedder()
    standalone = BankIndex.build(bank, policy, embedder, _plain)
    followups = BankIndex.build(bank, policy, embedder, _plain, followups=True)
    assert len(standalone.answers) == len(followups.answers) == 1
    sell = phrase_spans_of(policy, SELL)
    assert followups.answers[0].spans == sell and standalone.answers[0].spans != sell


def phrase_spans_of(policy: Policy, phrase: str) -> tuple[tuple[int, int], ...]:
    from assistant.policy import phrase_spans

    return tuple(phrase_spans(policy.text, [phrase]))


def test_a_banked_follow_up_must_ask_the_same_about_the_same(policy: Policy) -> None:
    """ "why?" after "Do you use cookies?" is not "why?" after "what is impression
    reporting?": a follow-up is as near as the lesser of its words' and its reading's
    cosines."""
    banked = BankQuestion(
        source="a.yaml",
        question="why?",
        gold=(SELL,),
        history=("what is impression reporting?",),
        reading="What is impression reporting? Why?",
    )
    embedder = HashingEmbedder()
    index = BankIndex.build(_bank(policy, banked), policy, embedder, _plain, followups=True)
    own = embedder.embed_query("why?")

    def cosine(reading: str) -> float:
        return index.nearest(own, reading=embedder.embed_query(reading)).rows[0].cosine

    same = cosine("What is impression reporting? Why?")
    other = cosine("Why do you use cookies?")
    assert same == pytest.approx(1.0, abs=1e-5)
    assert other < 0.8
    assert index.nearest(own).rows[0].cosine == pytest.approx(1.0, abs=1e-5)  # words alone


def test_a_follow_up_embeds_each_text_once(tmp_path: Path) -> None:
    """Its two searches and its banked follow-ups read the same two query vectors."""
    from assistant.retrieval import load_retriever

    embedder = HashingEmbedder()
    retriever = load_retriever(Settings(data_dir=tmp_path), embedder)
    retriever.search("how do i do that", 3)
    retriever.search("Can I opt out of marketing? How do I do that?", 3)
    before = embedder.queries_embedded
    retriever.followup_matches("how do i do that", "Can I opt out of marketing? How do I do that?")
    retriever.search("how do i do that", 3)
    assert embedder.queries_embedded == before
    retriever.search("something else entirely", 3)
    assert embedder.queries_embedded == before + 1


def test_support_counts_the_best_cosine_and_a_little_for_each_near_agreeing_question() -> None:
    def match(cosine: float, span: tuple[int, int]) -> BankMatch:
        return BankMatch(cosine, (span,), frozenset({"c"}))

    alone = BankMatches((match(0.8, (0, 10)), match(0.5, (20, 30))))
    agreed = BankMatches((match(0.8, (0, 10)), match(0.78, (0, 10)), match(0.77, (5, 9))))
    assert alone.support(0, 10) == pytest.approx(0.8, abs=1e-3)  # a far one adds ~nothing
    assert alone.support(20, 30) == pytest.approx(0.5)
    # three users' wordings led here: more than one look-alike at a slightly better cosine
    assert agreed.support(0, 10) > BankMatches((match(0.82, (0, 10)),)).support(0, 10)
    assert agreed.support(0, 10) <= 0.8 + SUPPORT_SOFTNESS * math.log(3) + 1e-9
    assert agreed.support(40, 50) == 0.0
