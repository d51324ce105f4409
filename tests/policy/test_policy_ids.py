"""Clause ids are stable: same text, same ids; rewording changes none; an insertion
shifts only the ids after it in its own section (see the assistant.policy docstring)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.policy import Clause, Policy, parse_policy

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "policies"


def _ids(policy: Policy) -> list[str]:
    return [c.id for c in policy.clauses]


def _by_section(policy: Policy) -> dict[str, list[tuple[str, str]]]:
    sections: dict[str, list[tuple[str, str]]] = {}
    for clause in policy.clauses:
        sections.setdefault(clause.section_id, []).append((clause.id, clause.text))
    return sections


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_same_text_gives_same_ids(policy_text: str) -> None:
    assert parse_policy(policy_text) == parse_policy(policy_text)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("optimize your browsing experience", "make browsing smoother"),
        ("Prevent fraud.", "Prevent fraud and abuse of the Service."),
        ("Your consent for a particular purpose.", "Your explicit consent."),
        ("We do not honor browser requests", "We currently do not honour browser requests"),
    ],
)
def test_rewording_a_clause_changes_no_id(policy_text: str, old: str, new: str) -> None:
    before = parse_policy(policy_text)
    after = parse_policy(_edit(policy_text, old, new))
    assert _ids(after) == _ids(before)
    changed = [a.id for a, b in zip(after.clauses, before.clauses, strict=True) if a.text != b.text]
    assert len(changed) == 1


def _assert_only_section_shifted(before: Policy, after: Policy, section_id: str) -> list[Clause]:
    old, new = _by_section(before), _by_section(after)
    assert old.keys() == new.keys()
    for sid in old:
        if sid != section_id:
            assert new[sid] == old[sid], sid
    return after.in_section(section_id)


def test_inserting_a_paragraph_shifts_ids_only_in_its_section(policy_text: str) -> None:
    anchor = "Processing of your personal information is justified"
    inserted = "We review these purposes every year.\n\n\n"
    before = parse_policy(policy_text)
    after = parse_policy(_edit(policy_text, anchor, inserted + anchor))
    section = "how-do-we-use-the-collected-information"
    clauses = _assert_only_section_shifted(before, after, section)
    assert clauses[0].id == f"{section}-1"  # before the insertion: unchanged
    assert clauses[1].id == f"{section}-2" and clauses[1].text == inserted.strip()
    assert after.clause(f"{section}-5.9").text == "Enhancing user experience:"  # was -4.9


def test_inserting_a_bullet_shifts_only_its_later_siblings(policy_text: str) -> None:
    anchor = "  • Prevent fraud.\n"
    before = parse_policy(policy_text)
    after = parse_policy(_edit(policy_text, anchor, "  • Keep tax records.\n" + anchor))
    section = "how-long-do-we-keep-personal-information"
    _assert_only_section_shifted(before, after, section)
    assert after.clause(f"{section}-1.3.1").text == before.clause(f"{section}-1.3.1").text
    assert after.clause(f"{section}-1.3.2").text == "Keep tax records."
    assert after.clause(f"{section}-1.3.3").text == "Prevent fraud."
    assert after.clause(f"{section}-1.2").text == before.clause(f"{section}-1.2").text


def test_renumbering_sections_changes_no_id() -> None:
    text = (FIXTURES / "markdown-policy.md").read_text(encoding="utf-8")
    new_section = "## 2. Scope\n\nThis notice covers the app and the website.\n\n"
    renumbered = text
    for n in (5, 4, 3, 2):
        renumbered = renumbered.replace(f"## {n}. ", f"## {n + 1}. ")
    renumbered = renumbered.replace("### 2.1 ", "### 3.1 ")
    renumbered = _edit(renumbered, "## 3. What we collect", new_section + "## 3. What we collect")
    before, after = parse_policy(text), parse_policy(renumbered)
    old, new = _by_section(before), _by_section(after)
    assert new.pop("scope") == [("scope-1", "This notice covers the app and the website.")]
    assert new == old


def test_removing_a_section_keeps_other_ids(policy_text: str) -> None:
    dnt = (
        "Do Not Track\n\n\n"
        "We do not honor browser requests not to be tracked online (known as “Do Not Track”).\n\n\n"
    )
    before = parse_policy(policy_text)
    after = parse_policy(_edit(policy_text, dnt, ""))
    old, new = _by_section(before), _by_section(after)
    del old["do-not-track"]
    assert new == old
