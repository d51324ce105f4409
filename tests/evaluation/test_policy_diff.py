from __future__ import annotations

from assistant.evaluation.policy_diff import diff_policies, format_diff, word_diff
from assistant.policy import Policy, parse_policy

R = "your-data-protection-rights"


def _changes(diff, kind):  # type: ignore[no-untyped-def]
    return {(c.old_id, c.new_id) for c in diff.of_kind(kind)}


def test_v1_to_v2_flags_exactly_the_changed_clauses(shipped: Policy, v2: Policy) -> None:
    """Expected changes written from tests/fixtures/policies/README.md, not from the code."""
    diff = diff_policies(shipped, v2)
    assert _changes(diff, "changed") == {
        ("introduction-1", "introduction-1"),  # Last Updated line
        ("contact-us-1", "contact-us-1"),  # privacy@ -> dpo@
        ("contact-us-2", "contact-us-2"),
    }
    assert _changes(diff, "added") == {
        (None, "how-long-do-we-keep-personal-information-2"),  # retention periods
        (None, f"{R}-7"),  # Data Portability
    }
    assert _changes(diff, "removed") == {("do-not-track-1", None)}
    # The two paragraphs after the portability one keep their text but shift ids.
    assert _changes(diff, "renumbered") == {(f"{R}-7", f"{R}-8"), (f"{R}-8", f"{R}-9")}
    assert _changes(diff, "moved") == set()
    assert diff.sections_removed == ["Do Not Track"]
    assert diff.sections_added == []
    assert [(m.field, m.old, m.new) for m in diff.metadata] == [
        ("last_updated", "2024-06-07", "2025-03-03")
    ]
    assert diff.unchanged == len(shipped.clauses) - 6


def test_id_map_follows_content(shipped: Policy, v2: Policy) -> None:
    diff = diff_policies(shipped, v2)
    assert diff.id_map[f"{R}-8"] == f"{R}-9"
    assert diff.id_map["do-not-track-1"] is None
    assert diff.id_map["cookies-1"] == "cookies-1"


def test_word_diff_of_the_contact_change_shows_only_the_address(
    shipped: Policy, v2: Policy
) -> None:
    diff = diff_policies(shipped, v2)
    change = next(c for c in diff.changes if c.old_id == "contact-us-2")
    assert "[-privacy@workallies.com,-] {+dpo@workallies.com,+}" in (change.word_diff or "")
    assert change.similarity is not None and change.similarity > 0.8


def test_identical_policies_have_an_empty_diff(shipped: Policy) -> None:
    diff = diff_policies(shipped, shipped)
    assert diff.is_empty
    assert diff.unchanged == len(shipped.clauses)


def test_a_clause_that_changes_section_is_moved() -> None:
    old = parse_policy(
        "T\n\nA\n\nKeep this sentence exactly.\n\nOther text here.\n\nB\n\nB text.\n"
    )
    new = parse_policy(
        "T\n\nA\n\nOther text here.\n\nB\n\nB text.\n\nKeep this sentence exactly.\n"
    )
    diff = diff_policies(old, new)
    assert {(c.change, c.old_id, c.new_id) for c in diff.changes} == {
        ("moved", "a-1", "b-2"),
        ("renumbered", "a-2", "a-1"),  # same text, id shifted by the move
    }


def test_an_unrelated_rewrite_is_removed_plus_added() -> None:
    old = parse_policy("T\n\nA\n\nFirst clause.\n\nWe store data in Ireland.\n\nLast one.\n")
    new = parse_policy(
        "T\n\nA\n\nFirst clause.\n\nCookies are optional.\n\nPets welcome.\n\nLast one.\n"
    )
    changes = {(c.change, c.old_id, c.new_id) for c in diff_policies(old, new).changes}
    assert changes == {
        ("removed", "a-2", None),
        ("added", None, "a-2"),
        ("added", None, "a-3"),
        ("renumbered", "a-3", "a-4"),
    }


def test_word_diff_format_and_context() -> None:
    assert word_diff("a b c", "a x c") == "a [-b-] {+x+} c"
    long = " ".join(f"w{i}" for i in range(40))
    shown = word_diff(long, long.replace("w20", "NEW"))
    assert "[-w20-] {+NEW+}" in shown and "…" in shown and "w0 " not in shown


def test_format_diff_lists_every_change(shipped: Policy, v2: Policy) -> None:
    text = format_diff(diff_policies(shipped, v2))
    assert "section removed: Do Not Track" in text
    assert "last_updated: 2024-06-07 -> 2025-03-03" in text
    assert text.count("\n~ changed") == 3 and text.count("\n+ added") == 2
