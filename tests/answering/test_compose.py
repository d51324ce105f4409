"""Reported speech names the policy's own company, whichever company that is."""

from __future__ import annotations

import pytest

from assistant.answering import GroundedGenerator, build_generator
from assistant.answering.abstention import AbstentionModel
from assistant.answering.compose import lower_first, render_sentence, reported_speech
from assistant.answering.wording import load_wording
from assistant.config import Settings
from assistant.policy import Policy
from assistant.retrieval import Hit


@pytest.fixture(scope="module")
def acme_answers(acme_policy: Policy) -> GroundedGenerator:
    return GroundedGenerator(acme_policy, model=AbstentionModel(threshold=0.0))


def _hits(policy: Policy, *clause_ids: str) -> list[Hit]:
    return [
        Hit(clause=policy.clause(cid), score=1.0 / (rank + 1), similarity=0.65, lexical=3.0)
        for rank, cid in enumerate(clause_ids)
    ]


def test_another_company_s_policy_is_reported_in_its_own_name(
    acme_answers: GroundedGenerator, acme_policy: Policy
) -> None:
    answer = acme_answers.answer(
        "Do you sell my personal data?", _hits(acme_policy, "selling-data-1")
    )
    assert "Acme says it does not sell or rent your personal information" in answer.text
    assert "WorkAllies" not in answer.text


def test_a_list_lead_in_is_reported_in_the_company_s_name(
    acme_answers: GroundedGenerator, acme_policy: Policy
) -> None:
    hits = _hits(acme_policy, "sharing-1", "sharing-1.1", "sharing-1.2")
    answer = acme_answers.answer("Who do you share my information with?", hits)
    assert answer.text.startswith("Acme says it shares your information with the following")


def test_the_company_s_own_name_is_not_an_unknown_term(
    acme_answers: GroundedGenerator, acme_policy: Policy
) -> None:
    hits = _hits(acme_policy, "selling-data-1")
    answer = acme_answers.answer("Does Acme sell my data to Facebook?", hits)
    assert "doesn't mention Facebook." in answer.text
    assert "mention Acme" not in answer.text


def test_the_company_name_setting_wins_over_the_policy_s(acme_policy: Policy) -> None:
    wording = load_wording().for_company("Acme Marketplaces Ltd")
    generator = GroundedGenerator(acme_policy, wording, AbstentionModel(threshold=0.0))
    answer = generator.answer("Do you sell my data?", _hits(acme_policy, "selling-data-1"))
    assert "Acme Marketplaces Ltd says it does not sell" in answer.text


def test_us_becomes_the_company() -> None:
    reported = reported_speech("Contact us if you have questions.", "Acme")
    assert reported == "contact Acme if you have questions."


def test_the_company_name_keeps_its_capital_however_the_policy_spells_it() -> None:
    assert lower_first("Acmecorp does not oversee these terms.", "AcmeCorp").startswith("A")
    assert lower_first("Payment processors.", "Acme").startswith("p")


def test_the_generator_built_from_settings_uses_the_company_name_setting(
    acme_policy: Policy,
) -> None:
    settings = Settings(company_name="Acme Marketplaces Ltd")
    generator = build_generator(settings, policy=acme_policy)
    assert isinstance(generator, GroundedGenerator)
    assert generator.wording.company == "Acme Marketplaces Ltd"
    assert GroundedGenerator(acme_policy).wording.company == "Acme"


@pytest.mark.parametrize(
    ("sentence", "shown"),
    [
        # a labelled paragraph reads as its body, a sentence of its own
        ("Erasure: Under certain conditions, you can request the deletion.", "Under certain"),
        # a sentence that runs on after its colon keeps its start
        ("This data serves multiple purposes: enhancing user experience and more.", "This data"),
    ],
)
def test_a_label_is_dropped_only_before_a_sentence_of_its_own(sentence: str, shown: str) -> None:
    rendered = render_sentence(sentence, "[1]", load_wording().for_company("WorkAllies"))
    assert rendered.startswith(shown), rendered


@pytest.mark.parametrize(
    ("sentence", "shown"),
    [
        (
            "However, there are circumstances where we may need to retain your data.",
            "However, WorkAllies says there are circumstances where it may need to retain",
        ),
        ("Nevertheless, we keep it.", "Nevertheless, WorkAllies says it keeps it"),
        # without a first person the sentence is shown as it stands, contrast and all
        ("However, copies may remain.", "However, copies may remain"),
    ],
)
def test_a_contrast_stays_ahead_of_the_reporting_verb(sentence: str, shown: str) -> None:
    rendered = render_sentence(sentence, "[1]", load_wording().for_company("WorkAllies"))
    assert rendered.startswith(shown), rendered
