"""Policies other than the WorkAllies page: Markdown, numbered plain text, no headings,
CRLF with a byte-order mark, and the next WorkAllies version. Each expected outline
was written from the fixture text (tests/fixtures/policies/)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from policy_checks import assert_invariants, assert_outline

from assistant.policy import Policy, load_policy, parse_policy

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "policies"

MARKDOWN_OUTLINE = """
# Introduction
**Last updated:** March 3, 2025
Brightleaf Analytics Ltd ("**Brightleaf**", "we", "us") builds dashboards

## Who is responsible for your data
Brightleaf Analytics Ltd, 4 Harbour Lane

## What we collect
We collect the following categories of personal data:
> **Account data**, such as:
>> your name and work email address;
>> your company name and billing address;
>> a hashed version of your password.
> **Usage data**: the pages you open
> **Support data**, including the messages
We do not ask for special categories of data

### Data from your shop
When you connect a shop, we import order totals

## How we use your data
We use personal data to:
> provide and secure the app;
> send you service messages
> improve our features
We rely on the performance of our contract with you

## Sharing
We share personal data only with:
> hosting providers in the EU
> our payment processor, [Stripe](https://stripe.com/privacy), to take payments;
> authorities, when the law requires it.
We never sell personal data.

## Your rights
You have the right to access, correct, delete or export your data
If you are unhappy with our answer
"""

NUMBERED_OUTLINE = """
# Preamble
Effective date: 1 April 2025

# Introduction
Northwind Travel Pty Ltd ("Northwind") respects your privacy.

# Information We Collect

## Data we collect
When you make a booking we collect your name

## Data from other sources
We receive booking confirmations and other information about you from:
> Airlines and hotels
> Our payment provider's fraud-screening service
We never buy marketing lists.

# How We Use Information
We use your information for the following purposes:
> We use your passport details to issue tickets
> We use your contact details to send booking confirmations
> We use your payment details to take payment
With your consent, we also use your email address

# Disclosure
We disclose personal information to airlines
> our IT and payment service providers;
> government agencies, when the law requires it.

# Contact
Questions about this policy can be sent to privacy@northwind.example
"""

NO_HEADINGS_OUTLINE = """
# Introduction
Pinecone Yoga Studio keeps a small amount of personal information
We use this information only to manage your membership
Payments are handled by our card terminal provider.
You may ask us at any time for a copy
We delete the records of former members two years after their last class.
"""

CRLF_OUTLINE = """
# Introduction
Last Updated: 15 January 2025
Quillfeather Notes is a note-taking app.

# Data We Store
We store your notes, your email address
We keep your data for the following reasons:
> To sync your notes between devices.
> To restore a note you deleted by mistake, for 30 days.

# Your Choices
You can export or delete all of your notes
"""


def _load(name: str) -> Policy:
    policy = load_policy(FIXTURES / name)
    assert_invariants(policy)
    return policy


def test_markdown_policy() -> None:
    policy = _load("markdown-policy.md")
    assert_outline(policy, MARKDOWN_OUTLINE)
    assert policy.title == "Brightleaf Privacy Notice"
    assert policy.last_updated == date(2025, 3, 3)
    # Section numbers are left out of ids, so renumbering sections keeps every id.
    assert [s.id for s in policy.sections][1:4] == [
        "who-is-responsible-for-your-data",
        "what-we-collect",
        "data-from-your-shop",
    ]
    account = policy.clause("what-we-collect-1.1")
    children = [c.id for c in policy.children(account)]
    assert children == [f"what-we-collect-1.1.{n}" for n in (1, 2, 3)]
    # A wrapped bullet keeps its line break and continuation indent verbatim.
    wrapped = policy.clause("what-we-collect-1.2").text
    assert wrapped.endswith("and the\n  time and length of each session.")
    assert policy.clause("sharing-1.2").text.startswith("our payment processor, [Stripe](")


def test_numbered_plain_text_policy() -> None:
    policy = _load("numbered-policy.txt")
    assert_outline(policy, NUMBERED_OUTLINE)
    assert policy.title == "NORTHWIND TRAVEL - PRIVACY POLICY"
    assert policy.last_updated == date(2025, 4, 1)
    levels = {s.title: s.level for s in policy.sections}
    assert levels["Information We Collect"] == 1
    assert levels["Data we collect"] == 2
    # "3) How We Use Information" is a section; "2. Our payment provider's..." is a list item.
    assert policy.in_section("how-we-use-information")[0].id == "how-we-use-information-1"
    assert policy.clause("data-from-other-sources-1.2").kind == "bullet"
    # An explicit "1. Introduction" keeps its natural id; the date line goes to "preamble".
    assert policy.clause("introduction-1").section == "Introduction"
    assert policy.clause("preamble-1").kind == "metadata"


def test_policy_without_headings_is_one_introduction_of_paragraphs() -> None:
    policy = _load("no-headings-policy.txt")
    assert_outline(policy, NO_HEADINGS_OUTLINE)
    assert policy.title == "Privacy Policy"
    assert policy.title_span is None
    assert policy.last_updated is None
    assert policy.version.startswith("undated+")
    assert [c.id for c in policy.clauses] == [f"introduction-{n}" for n in range(1, 6)]
    assert {c.kind for c in policy.clauses} == {"paragraph"}


def test_crlf_and_byte_order_mark() -> None:
    raw = (FIXTURES / "crlf-bom-policy.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # the fixture is what it claims
    policy = _load("crlf-bom-policy.txt")
    assert_outline(policy, CRLF_OUTLINE)
    assert policy.title == "Privacy Policy"
    assert policy.last_updated == date(2025, 1, 15)
    assert not policy.text.startswith("\ufeff")
    assert all("\r" not in c.text for c in policy.clauses)  # every clause here is one line
    same_lf = parse_policy(policy.text.replace("\r\n", "\n"))
    assert [c.id for c in same_lf.clauses] == [c.id for c in policy.clauses]
    assert [c.text for c in same_lf.clauses] == [c.text for c in policy.clauses]


def test_byte_order_mark_in_a_str_is_dropped_too() -> None:
    text = (FIXTURES / "crlf-bom-policy.txt").read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    policy = parse_policy(text)
    assert policy.title == "Privacy Policy"
    assert policy.text == text[1:]
    assert_invariants(policy)


# ---------------------------------------------------------------- WorkAllies v2


@pytest.fixture(scope="module")
def versions(policy_path: Path) -> tuple[Policy, Policy]:
    return load_policy(policy_path), _load("workallies-privacy-policy-v2.txt")


def test_v2_changes_are_where_the_readme_says(versions: tuple[Policy, Policy]) -> None:
    v1, v2 = versions
    assert v2.last_updated == date(2025, 3, 3)
    assert v2.version != v1.version
    assert [s.title for s in v1.sections if s.title != "Do Not Track"] == [
        s.title for s in v2.sections
    ]
    retention = v2.clause("how-long-do-we-keep-personal-information-2")
    assert "24 months" in retention.text and retention.parent_id is None
    rights = [c.text.split(":")[0] for c in v2.in_section("your-data-protection-rights")]
    assert rights[1:7] == [
        "Access",
        "Rectification",
        "Erasure",
        "Restriction of Processing",
        "Objection to Processing",
        "Data Portability",
    ]
    assert all("dpo@workallies.com" in c.text for c in v2.in_section("contact-us"))


def test_v2_keeps_every_id_outside_the_edited_places(versions: tuple[Policy, Policy]) -> None:
    v1, v2 = versions
    old = {c.id: c.text for c in v1.clauses}
    new = {c.id: c.text for c in v2.clauses}
    changed = {i for i in old.keys() & new.keys() if old[i] != new[i]}
    assert changed == {
        "introduction-1",  # Last Updated
        "your-data-protection-rights-7",  # shifted by the inserted Data Portability
        "your-data-protection-rights-8",
        "contact-us-1",
        "contact-us-2",
    }
    assert old.keys() - new.keys() == {"do-not-track-1"}
    assert new.keys() - old.keys() == {
        "how-long-do-we-keep-personal-information-2",
        "your-data-protection-rights-9",
    }
