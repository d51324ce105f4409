"""Several answers joined into one reply with one numbered source list."""

from __future__ import annotations

from assistant.answering import Answer, Citation
from assistant.answering.combine import combine_answers

TEMPLATE = "On “{question}”: {answer}"
SELL = Citation("sharing-1", "Sharing", "We don't sell.", 10, 24)
KEEP = Citation("keeping-1", "Keeping", "We keep it.", 40, 51)
CONTACT = Citation("contact-2", "Contact", "Email privacy@x.com.", 90, 110)


def test_markers_are_renumbered_into_one_list_and_shared_passages_share_a_number() -> None:
    first = Answer("No. We don't sell [1]. Ask us [2].", (SELL, CONTACT))
    second = Answer("We keep it [1]. Ask us [2].", (KEEP, CONTACT))
    combined = combine_answers([("Do you sell it?", first), ("How long?", second)], TEMPLATE)
    assert combined.citations == (SELL, CONTACT, KEEP)
    assert combined.text == (
        "On “Do you sell it?”: No. We don't sell [1]. Ask us [2].\n\n"
        "On “How long?”: We keep it [3]. Ask us [2]."
    )
    assert not combined.abstained


def test_it_abstains_only_when_every_part_does() -> None:
    gap = Answer("Not covered. Email [1].", (CONTACT,), abstained=True)
    closest = Answer("Closest: [1]. Email [2].", (KEEP, CONTACT), abstained=True, closest=True)
    answered = Answer("We keep it [1].", (KEEP,))
    partly = combine_answers([("a?", gap), ("b?", answered)], TEMPLATE)
    assert not partly.abstained and not partly.closest
    none = combine_answers([("a?", gap), ("b?", closest)], TEMPLATE)
    assert none.abstained and none.closest and not none.out_of_scope
    assert none.citations == (CONTACT, KEEP)
