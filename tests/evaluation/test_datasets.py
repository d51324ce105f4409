from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluation.datasets import (
    AdversarialFile,
    GoldClause,
    QuestionCase,
    normalise,
    resolve_gold,
)
from assistant.evaluation.loaders import DatasetError, case_id, load_dataset, load_suite
from assistant.policy import Policy

from .paths import ACME_EVALS, ROOT


def test_normalise_folds_typography_case_and_space() -> None:
    assert normalise("You’re  ‘in’\n— OK") == normalise("you're 'in' - ok")


def test_shipped_suite_loads_every_dataset_with_unique_ids() -> None:
    cases = load_suite(ROOT / "evals")
    categories = {c.category for c in cases}
    assert {"retrieval", "answerable", "unanswerable", "rights", "adversarial"} <= categories
    assert len({c.id for c in cases}) == len(cases)


def test_every_shipped_gold_phrase_resolves_in_the_shipped_policy(shipped: Policy) -> None:
    """A gold phrase that is not in the shipped policy is a dataset bug, not a finding."""
    problems = []
    for case in load_suite(ROOT / "evals"):
        if isinstance(case, QuestionCase):
            for gold in case.gold:
                if not resolve_gold(shipped, gold).found:
                    problems.append((case.id, gold.phrase))
    assert problems == []


def test_resolve_gold_statuses(shipped: Policy) -> None:
    unique = GoldClause(phrase="We do not honor browser requests not to be tracked")
    assert resolve_gold(shipped, unique).clause_ids == ("do-not-track-1",)
    assert resolve_gold(shipped, unique).status == "ok"

    shared = resolve_gold(shipped, GoldClause(phrase="privacy@workallies.com"))
    assert shared.status == "ambiguous" and len(shared.clause_ids) > 1

    hinted = GoldClause(phrase="privacy@workallies.com", clause_id="contact-us-2")
    assert resolve_gold(shipped, hinted).clause_ids == ("contact-us-2",)

    moved = GoldClause(phrase="Do Not Track", clause_id="cookies-1")
    assert resolve_gold(shipped, moved).status == "moved"

    gone = resolve_gold(shipped, GoldClause(phrase="we appoint a data protection officer"))
    assert gone.status == "missing" and not gone.found


def test_case_ids_are_stable_and_distinct() -> None:
    assert case_id("ret", "How long?") == case_id("ret", "How long?")
    assert case_id("ret", "How long?") != case_id("ret", "How long!")


def test_loader_names_the_file_and_field_of_a_bad_case(tmp_path: Path) -> None:
    bad = tmp_path / "retrieval.yaml"
    bad.write_text("cases:\n  - question: hi\n    gold: [x y z]\n    split: dev\n    colour: red\n")
    with pytest.raises(DatasetError, match=r"retrieval\.yaml.*colour"):
        load_dataset(bad)


def test_loader_rejects_an_unknown_split(tmp_path: Path) -> None:
    bad = tmp_path / "retrieval.yaml"
    bad.write_text("cases:\n  - question: hi\n    gold: [x y z]\n    split: train\n")
    with pytest.raises(DatasetError, match="split"):
        load_dataset(bad)


def test_scripts_become_multi_turn_cases_with_turn_expectations() -> None:
    cases = load_dataset(ACME_EVALS / "rights_requests.yaml")
    script = next(c for c in cases if c.category == "rights_multi_turn")
    assert script.turns == ["I want you to delete my account", "bob@example.com", "yes"]
    assert script.expect_ticket is True  # type: ignore[union-attr]
    assert [e.status for e in script.expect] == ["needs_info", "awaiting_confirmation", "filed"]  # type: ignore[union-attr]


def test_answers_file_maps_followups_and_unanswerables() -> None:
    cases = {c.id: c for c in load_dataset(ACME_EVALS / "answers.yaml")}
    follow = cases["ans-keep-after-close"]
    assert isinstance(follow, QuestionCase) and follow.category == "multi_turn"
    assert len(follow.turns) == 2
    weather = cases["ans-weather"]
    assert isinstance(weather, QuestionCase)
    assert not weather.answerable and weather.out_of_scope


def test_adversarial_file_rejects_duplicate_ids() -> None:
    case = {"id": "x", "attack": "prompt_injection", "turns": ["hi"], "checks": {}}
    with pytest.raises(ValueError, match="duplicate"):
        AdversarialFile.model_validate({"cases": [case, case]})


def test_an_answerable_case_needs_gold() -> None:
    with pytest.raises(ValueError, match="gold"):
        QuestionCase(id="q", category="answerable", turns=["why?"])
