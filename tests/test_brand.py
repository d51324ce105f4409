"""The company a policy belongs to comes from the policy and configuration, never code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.brand import Brand, BrandWords, brand_of, brand_words, configured_brand
from assistant.policy import Policy, load_policy, parse_policy
from tests.conftest import POLICY_PATH, ROOT

# The modules whose rules and wording once named the company and its competitors.
BRAND_FREE = [
    *sorted((ROOT / "assistant" / "rights").glob("*.py")),
    *sorted((ROOT / "assistant" / "answering").glob("*.py")),
    ROOT / "assistant" / "drafting.py",
    ROOT / "assistant" / "session.py",
]


def test_the_shipped_policy_names_workallies_and_its_own_domain() -> None:
    brand = brand_of(load_policy(POLICY_PATH))
    assert brand.name == "WorkAllies"  # the text's own spelling, not the domain's
    assert brand.aliases == ("workallies",)
    assert brand.domains == ("workallies.com",)
    assert configured_brand() == brand


def test_another_policy_names_its_own_company(acme_policy: Policy) -> None:
    brand = brand_of(acme_policy)
    assert (brand.name, brand.aliases, brand.domains) == ("Acme", ("acme",), ("acme.com",))
    assert brand.owns("Privacy@ACME.com") and not brand.owns("jo@example.org")


def test_the_title_names_the_company_when_no_address_does() -> None:
    policy = parse_policy("Globex's Privacy Notice\n\nWe keep your data safe.\n", source="g")
    assert brand_of(policy).name == "Globex"
    assert brand_of(policy).domains == ()


def test_a_policy_naming_no_company_gets_the_configured_fallback_and_no_alias() -> None:
    policy = parse_policy("Our Privacy Policy\n\nWe keep your data safe.\n", source="x")
    brand = brand_of(policy)
    assert brand.name == brand_words().fallback_name
    assert brand.aliases == ()
    assert brand.alias_regex == "(?!)"  # matches nothing, so no pattern names anyone


def test_the_setting_overrides_the_name_and_keeps_the_domain_label(acme_policy: Policy) -> None:
    brand = brand_of(acme_policy, "Acme Corp")
    assert brand.name == "Acme Corp"
    assert brand.aliases == ("acme corp", "acme")


def test_a_marketplace_listed_as_another_platform_is_not_its_own_competitor() -> None:
    text = "Upwork Privacy Policy\n\nUpwork keeps your data. Write to privacy@upwork.com.\n"
    brand = brand_of(parse_policy(text, source="u"))
    assert brand.name == "Upwork"
    assert "upwork" not in brand.other_platforms
    assert "fiverr" in brand.other_platforms


def test_the_alias_is_escaped_in_patterns() -> None:
    brand = Brand("A.B", ("a.b",), (), ("x+y",))
    assert brand.alias_regex == r"(?:a\.b)"
    assert brand.platform_regex == r"(?:x\+y)"


@pytest.mark.parametrize(
    "data",
    [
        {"other_platforms": ["Upwork"], "fallback_name": "the company"},
        {"other_platforms": [], "fallback_name": "the company"},
        {"other_platforms": ["upwork"], "fallback_name": "x", "extra": 1},
    ],
)
def test_the_word_list_is_typed(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        BrandWords.model_validate(data)


def _literals(path: Path) -> list[str]:
    """Every string constant in a module except docstrings (examples there are prose)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_brand_name_is_written_in_the_rules_or_wording_code() -> None:
    brand = configured_brand()
    names = {*brand.aliases, *(d.split(".")[0] for d in brand.domains)}
    names |= set(brand_words().other_platforms)  # whole: "freelancer" alone is a word
    assert BRAND_FREE and "workallies" in names and "fiverr" in names
    found = [
        (path.relative_to(ROOT).as_posix(), literal)
        for path in BRAND_FREE
        for literal in _literals(path)
        if any(name in literal.lower() for name in names)
    ]
    assert found == []
