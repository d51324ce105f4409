"""The public helpers: dates, slugs, sentences, setext headings, Policy accessors."""

from __future__ import annotations

from datetime import date

import pytest
from policy_checks import assert_invariants

from assistant.policy import iter_sentences, parse_last_updated, parse_policy, slugify


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Last Updated: Jun 7, 2024", date(2024, 6, 7)),
        ("Effective date: 1 April 2025", date(2025, 4, 1)),
        ("**Last updated:** March 3, 2025", date(2025, 3, 3)),
        ("_Last revised on June 7th, 2024_", date(2024, 6, 7)),
        ("Last modified: 2024-06-07", date(2024, 6, 7)),
        ("Last updated: Sept. 31, 2024", None),  # not a real date
        ("We last updated our systems in 2020.", None),
        ("", None),
    ],
)
def test_parse_last_updated(text: str, expected: date | None) -> None:
    assert parse_last_updated(f"Privacy Policy\n\n{text}\n\nWe collect data.") == expected


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("How Long Do We Keep Personal Information?", "how-long-do-we-keep-personal-information"),
        (
            "Sharing Personal Information with Third Parties",
            "sharing-personal-information-with-third",
        ),
        ("Données & cookies", "donnees-cookies"),
        ("隐私", "section"),
        ("???", "section"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug
    assert len(slugify(title)) <= 40


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in iter_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We keep data (e.g. Invoices) for years. You may ask.",
            ["We keep data (e.g. Invoices) for years.", "You may ask."],
        ),
        ("Visit www.WorkAllies.com. Then log in.", ["Visit www.WorkAllies.com.", "Then log in."]),
        ("Write to Suite No. 5 today. Thanks!", ["Write to Suite No. 5 today.", "Thanks!"]),
        ("The answer is no. We never sell data.", ["The answer is no.", "We never sell data."]),
        ("Is it sold? “No,” we said.", ["Is it sold?", "“No,” we said."]),
        ("First line\nSecond line", ["First line", "Second line"]),
        ("Wait... Really?! Yes.", ["Wait...", "Really?!", "Yes."]),
        ("lower. case stays together", ["lower. case stays together"]),
    ],
)  # fmt: skip
def test_sentence_boundaries(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


def test_setext_headings_own_their_underline() -> None:
    text = (
        "Privacy Notice\n==============\n\nWe collect data.\n\n"
        "Cookies\n-------\n\nWe use cookies.\n"
    )
    policy = parse_policy(text)
    assert policy.title == "Privacy Notice"
    assert policy.title_span == (0, text.index("\n\nWe"))
    cookies = policy.sections[-1]
    assert (cookies.title, cookies.level) == ("Cookies", 2)
    assert text[cookies.start : cookies.end] == "Cookies\n-------"
    assert_invariants(policy)


def test_policy_accessors() -> None:
    policy = parse_policy("Privacy Policy\n\nWe share data with:\n\n- processors;\n- auditors.\n")
    lead = policy.clause("introduction-1")
    assert [c.text for c in policy.children(lead)] == ["processors;", "auditors."]
    assert policy.parent(policy.clause("introduction-1.2")) == lead
    assert policy.parent(lead) is None
    assert policy.in_section("introduction") == list(policy.clauses)
    with pytest.raises(KeyError):
        policy.clause("cookies-1")


def test_a_comma_ended_bullet_is_not_a_lead_in() -> None:
    policy = parse_policy("Data\n\nWe collect:\n\n- your name,\n- your email,\n- your phone.\n")
    assert {c.parent_id for c in policy.clauses if c.kind == "bullet"} == {"data-1"}


def test_markdown_nesting_by_indentation_without_colon() -> None:
    policy = parse_policy("# Policy\n\n- Contact data\n  - name\n  - email\n- Usage data\n")
    parents = {c.text: c.parent_id for c in policy.clauses}
    assert parents == {
        "Contact data": None,
        "name": "introduction-1",
        "email": "introduction-1",
        "Usage data": None,
    }
